package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.CLASSES;
import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data file edited in place by a tool that leaves Hadoop's checksum file beside it as it was: a
 * resume and its dry run are refused as bad input naming the file and the fix, not an internal
 * error that leaves the job RUNNING.
 */
class EditedDataTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  @Test
  void aDataFileThatNoLongerMatchesItsChecksumFileIsBadInputNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    CliRun gen = CliRun.of("gen-data", data.toString(), "--rows", "256", "--features", Integer.toString(FEATURES),
        "--classes", Integer.toString(CLASSES), "--seed", "5", "--format", "csv", "--master", MASTER);
    assertThat(gen.code).as("%s", gen).isZero();
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), data.toString());
    keys.put("data.format", "csv");
    StringBuilder columns = new StringBuilder();
    for (int i = 0; i < FEATURES; i++) {
      columns.append(i == 0 ? "" : ",").append('f').append(i);
    }
    keys.put("data.features", columns.toString());
    keys.put("train.epochs", "1");
    CliRun train = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys).toString(),
        "--master", MASTER);
    assertThat(train.code).as("%s", train).isZero();

    Path part;
    try (Stream<Path> files = Files.list(data)) {
      part = files.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    assertThat(data.resolve("." + part.getFileName() + ".crc")).exists();
    String text = Files.readString(part, StandardCharsets.UTF_8);
    int digit = text.indexOf('1', text.indexOf('\n')); // a digit of the first data row, the length unchanged
    Files.writeString(part, text.substring(0, digit) + "2" + text.substring(digit + 1), StandardCharsets.UTF_8);

    CliRun preview = CliRun.of("resume", job.toString(), "--epochs", "2", "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(preview.err).contains("no longer matches its checksum file").contains(part.getFileName().toString())
        .doesNotContain("internal error");
    CliRun resume = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resume.code).as("%s", resume).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(resume.err).contains("no longer matches its checksum file (" + data.toUri().toString()
        .replaceFirst("^file:///", "file:/") + "." + part.getFileName() + ".crc)").contains("delete its .crc file");
    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).as("the failure is recorded").contains("BAD_INPUT: data.path ")
        .contains("no longer matches its checksum file");
  }
}
