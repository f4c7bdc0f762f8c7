package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.app.SparkTrainingLauncher;
import io.epochal.driver.cli.EpochalCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI portion of {@code epochal chaos}: five iterations of the tiny job (five kill moments drawn
 * from one seed), each driver killed with SIGKILL once at a random moment and resumed, every final
 * state compared with the reference.
 */
class ChaosCommandTest {

  @Test
  void fiveIterationsOfDriverKillsAndResumesEndBitIdenticalToAnUninterruptedRun(@TempDir Path tmp) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new EpochalCli(new SparkTrainingLauncher(), new RegistryModelCatalog()).execute(new PrintWriter(out),
        new PrintWriter(err), "chaos", "--iterations", "5", "--seed", "5", "--max-kills-per-run", "1", "--epochs",
        "3", "--work-dir", tmp.toString());
    String text = out.toString();
    assertThat(code).as(text + err).isZero();
    assertThat(text).contains("iterations:      5").contains("5 of 5 matched the reference bit for bit")
        .contains("RESULT: all final states matched");
    Matcher faults = Pattern.compile("faults injected: (\\d+) \\((\\d+) driver SIGKILL").matcher(text);
    assertThat(faults.find()).as(text).isTrue();
    assertThat(Integer.parseInt(faults.group(2))).as("driver kills").isEqualTo(5);
    for (int i = 1; i <= 5; i++) {
      assertThat(text).containsPattern("iteration " + i + ": 1 driver kill\\(s\\), 0 executor kill\\(s\\), [1-9]\\d* resume");
    }
    assertThat(Files.exists(tmp.resolve("reference/checkpoints/epoch-000003"))).isTrue();
  }

  @Test
  void aWorkDirectoryHoldingAnEarlierRunIsRefusedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
    // its COMPLETED job directories would be compared again, and pass without testing anything
    Files.createDirectories(tmp.resolve("reference/checkpoints"));
    Files.createDirectories(tmp.resolve("iteration-1/job"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new EpochalCli(new SparkTrainingLauncher(), new RegistryModelCatalog()).execute(new PrintWriter(out),
        new PrintWriter(err), "chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(code).as(out + "" + err).isEqualTo(2);
    assertThat(err.toString()).contains("holds an earlier run (iteration-1, reference)");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void aWorkDirectoryHoldingAJobOfTheUsersIsRefusedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
    // chaos would fill it and, at the end, advise removing it
    Files.createDirectories(tmp.resolve("quickstart/checkpoints"));
    Files.writeString(tmp.resolve("job.json"), "{}");
    Files.createDirectories(tmp.resolve("data"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new EpochalCli(new SparkTrainingLauncher(), new RegistryModelCatalog()).execute(new PrintWriter(out),
        new PrintWriter(err), "chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(code).as(out + "" + err).isEqualTo(2);
    assertThat(err.toString()).contains("holds what chaos does not write (job.json, quickstart; it is an Epochal "
        + "job directory)").contains("give a new or empty directory");
    assertThat(tmp.resolve("chaos-job.properties")).doesNotExist();
  }

  @Test
  void aMasterThatIsNoSparkUrlIsRefusedWithExit2BeforeAnyDataIsGenerated(@TempDir Path tmp) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new EpochalCli(new SparkTrainingLauncher(), new RegistryModelCatalog()).execute(new PrintWriter(out),
        new PrintWriter(err), "--master", "foo://bar", "chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(code).as(out + "" + err).isEqualTo(2);
    assertThat(err.toString()).contains("--master 'foo://bar' is not a master");
    assertThat(tmp).isEmptyDirectory();
  }
}
