package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child driver's temporary files (Spark's local and worker directories, unpacked native
 * libraries) go to a directory of its own that is deleted when the child is gone, whether it
 * exits or is killed with SIGKILL, which runs none of the shutdown hooks that would have deleted
 * them. The child here, {@link TempWriter}, writes a file the way those libraries do (into
 * {@code java.io.tmpdir}) and prints where.
 */
class ChildDriverTemporaryFilesTest {

  private static final Pattern WROTE = Pattern.compile("wrote (\\S+)");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  @Test
  void aChildKilledWithSigkillLeavesNoTemporaryFiles() throws Exception {
    Path log = tmp.resolve("killed.log");
    try (ChildDriver child = ChildDriver.start(log, TempWriter.class.getName(), List.of("sleep"))) {
      Path written = awaitWritten(child);
      Path scratch = written.getParent();
      assertThat(scratch).as("the child's java.io.tmpdir is a directory of its own")
          .isNotEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
      assertThat(written).exists();

      child.kill();

      assertThat(scratch).as("deleted once the killed child is gone").doesNotExist();
    }
  }

  @Test
  void aChildThatExitsLeavesNoTemporaryFiles() throws Exception {
    Path log = tmp.resolve("exits.log");
    try (ChildDriver child = ChildDriver.start(log, TempWriter.class.getName(), List.of("exit"))) {
      assertThat(child.waitFor(WAIT)).contains(0);
      Path scratch = awaitWritten(child).getParent();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (Files.exists(scratch) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(scratch).as("deleted after the child exited").doesNotExist();
    }
  }

  private static Path awaitWritten(ChildDriver child) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = WROTE.matcher(child.output());
      if (m.find()) {
        return Path.of(m.group(1));
      }
      assertThat(child.isAlive() || child.output().contains("wrote")).as("child alive: %s", child.output()).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("the child did not report its file within " + WAIT + ": " + child.output());
  }

  /** Writes a file into {@code java.io.tmpdir}, prints its path, then sleeps or exits. */
  public static final class TempWriter {
    public static void main(String[] args) throws Exception {
      Path file = Files.createTempFile("native-library-", ".so");
      Files.writeString(file, "unpacked", StandardCharsets.UTF_8);
      System.out.println("wrote " + file);
      System.out.flush();
      if (args[0].equals("sleep")) {
        Thread.sleep(Duration.ofMinutes(10).toMillis());
      }
    }
  }
}
