package io.epochal.driver.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/** The checked-in job directory of format 1.0 (one checkpoint of a small mlp), copied for a test. */
public final class FormatFixture {

  /** The fixture's job directory in the test resources. */
  public static final Path JOB = Paths.get("src/test/resources/fixtures/format-1.0/job");

  private FormatFixture() {}

  /** Copies the fixture's job directory to {@code target} and returns {@code target}. */
  public static Path copyJob(Path target) throws IOException {
    try (Stream<Path> files = Files.walk(JOB)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(JOB.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    return target;
  }
}
