package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.CliRun;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI portion of {@code epochal chaos}: one iteration of the tiny job, its driver killed with SIGKILL once
 * at a moment drawn from the seed and resumed, the final state compared with the reference (more iterations
 * and kills are the command's own: {@code bin/epochal chaos --iterations N}; {@code DriverKillTest} kills at
 * random moments too).
 */
class ChaosCommandTest {

  @Test
  void anIterationOfADriverKillAndResumeEndsBitIdenticalToAnUninterruptedRun(@TempDir Path tmp) throws Exception {
    // the job with what a resume must restore besides the tensors: schedule plateau's rate, count and best (it
    // lowers the rate after every epoch whose loss is not 30 % below the best), clipping, label smoothing and steps
    // that sum the gradients of two batches
    // seeds 4, 1, 10 and 7 draw their kill at 42, 37, 54 and 58 % of the window from half the first checkpoint's
    // time to 90 % of the reference run's: inside epoch 2 or 3 whether the run's end takes a short or a long time,
    // so that the resume restores a checkpoint. On a busy machine a kill may still land before the first checkpoint
    // or in the final commit, whose resume restores nothing; then the next seed is tried. The reference, the first
    // run of the work directory, is the slower one on a loaded machine, so kills come late rather than early: the
    // seeds of earlier moments go first, and 5 draws at 23 % for a machine whose load slowed the reference most
    String text = null;
    List<JobEvent> resumed = List.of();
    Path work = null;
    for (String seed : List.of("4", "1", "10", "7", "5")) {
      work = tmp.resolve("seed-" + seed);
      CliRun run = CliRun.of("chaos", "--iterations", "1", "--seed", seed, "--max-kills-per-run", "1", "--epochs",
          "3", "--work-dir", work.toString(), "--set", "schedule.name=plateau", "--set", "schedule.patience=0",
          "--set", "schedule.threshold=0.3", "--set", "schedule.factor=0.5", "--set", "train.clip_grad_norm=0.5",
          "--set", "loss.label_smoothing=0.1", "--set", "train.accumulate_grad_batches=2");
      text = run.out;
      assertThat(run.code).as(run.toString()).isZero();
      assertThat(text).contains("iterations:      1").contains("1 of 1 matched the reference bit for bit")
          .contains("RESULT: all final states matched");
      resumed = resumedEvents(work);
      if (resumed.size() == 1 && resumed.get(0).getEpoch() >= 1 && resumed.get(0).getEpoch() <= 2) {
        break;
      }
    }
    Matcher faults = Pattern.compile("faults injected: (\\d+) \\((\\d+) driver SIGKILL").matcher(text);
    assertThat(faults.find()).as(text).isTrue();
    assertThat(Integer.parseInt(faults.group(2))).as("driver kills").isEqualTo(1);
    assertThat(text).containsPattern("iteration 1: 1 driver kill\\(s\\), 0 executor kill\\(s\\), [1-9]\\d* resume");
    assertThat(text).as("the kill landed after a checkpoint").containsPattern("SIGKILL driver pid \\d+ \\d+ ms after it "
        + "took the lease \\(token \\d+\\): epochs up to [12] committed");
    assertThat(resumed).as("the resume restored a checkpoint, the plateau's state in it").singleElement()
        .satisfies(e -> assertThat(e.getEpoch()).isBetween(1L, 2L));
    assertThat(Files.exists(work.resolve("reference/checkpoints/epoch-000003"))).isTrue();
    String manifest = Files.readString(work.resolve("reference/checkpoints/epoch-000003/manifest.json"));
    assertThat(manifest).as("the reference lowered its rate")
        .containsPattern("\"schedule.plateau.reductions\" ?: ?[1-9]")
        .contains("\"loss.label_smoothing\"").contains("\"grad_clipped\"")
        .contains("\"train.accumulate_grad_batches\"");
  }

  /** The RESUMED events of iteration 1's job in {@code work}, or of its try again with earlier moments. */
  private static List<JobEvent> resumedEvents(Path work) throws java.io.IOException {
    List<JobEvent> resumed = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> tries = Files.list(work)) {
      for (Path tried : tries.filter(d -> d.getFileName().toString().matches("iteration-1(-\\d+)?")).toList()) {
        RecoveryFixture.events(tried.resolve("job").toUri().toString(), new org.apache.hadoop.conf.Configuration())
            .stream().filter(e -> e.getType() == JobEventType.RESUMED).forEach(resumed::add);
      }
    }
    return resumed;
  }

  @Test
  void aSetKeyChaosSetsItselfOrAMistakenKeyIsRefusedWithExit2BeforeAnyDataIsGenerated(@TempDir Path tmp) {
    CliRun own = CliRun.of("chaos", "--iterations", "1", "--work-dir", tmp.toString(), "--set", "data.path=/x");
    assertThat(own.code).as(own.toString()).isEqualTo(2);
    assertThat(own.err).contains("--set data.path: chaos sets data.path itself");
    CliRun typo = CliRun.of("chaos", "--iterations", "1", "--work-dir", tmp.toString(), "--set",
        "schedule.name=plateau", "--set", "schedule.patiense=1");
    assertThat(typo.code).as(typo.toString()).isEqualTo(2);
    assertThat(typo.err).contains("unknown key 'schedule.patiense' (from --set schedule.patiense); did you mean "
        + "'schedule.patience'?");
    // the one data key chaos takes: its rows carry sample weights in column weight
    CliRun weighted = CliRun.of("chaos", "--iterations", "1", "--work-dir", tmp.toString(), "--set",
        "data.weight=weight", "--set", "schedule.patiense=1");
    assertThat(weighted.code).as(weighted.toString()).isEqualTo(2);
    assertThat(weighted.err).doesNotContain("chaos sets data.weight").contains("unknown key 'schedule.patiense'");
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void aWorkDirectoryHoldingAnEarlierRunIsRefusedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
    // its COMPLETED job directories would be compared again, and pass without testing anything
    Files.createDirectories(tmp.resolve("reference/checkpoints"));
    Files.createDirectories(tmp.resolve("iteration-1/job"));
    CliRun run = CliRun.of("chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(run.code).as(run.toString()).isEqualTo(2);
    assertThat(run.err).contains("holds an earlier run (iteration-1, reference)");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void aWorkDirectoryHoldingAJobOfTheUsersIsRefusedBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
    // chaos would fill it and, at the end, advise removing it
    Files.createDirectories(tmp.resolve("quickstart/checkpoints"));
    Files.writeString(tmp.resolve("job.json"), "{}");
    Files.createDirectories(tmp.resolve("data"));
    CliRun run = CliRun.of("chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(run.code).as(run.toString()).isEqualTo(2);
    assertThat(run.err).contains("holds what chaos does not write (job.json, quickstart; it is an Epochal "
        + "job directory)").contains("give a new or empty directory");
    assertThat(tmp.resolve("chaos-job.properties")).doesNotExist();
  }

  @Test
  void aMasterThatIsNoSparkUrlIsRefusedWithExit2BeforeAnyDataIsGenerated(@TempDir Path tmp) {
    CliRun run = CliRun.of("--master", "foo://bar", "chaos", "--iterations", "1", "--work-dir", tmp.toString());
    assertThat(run.code).as(run.toString()).isEqualTo(2);
    assertThat(run.err).contains("--master 'foo://bar' is not a master");
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void aSparkConfIsRefusedWithExit2NotIgnored(@TempDir Path tmp) {
    CliRun run = CliRun.of("--conf", "spark.executor.memory=2g", "chaos", "--iterations", "1", "--work-dir",
        tmp.toString());
    assertThat(run.code).as(run.toString()).isEqualTo(2);
    assertThat(run.err).contains("chaos takes no --conf (given: spark.executor.memory=2g)", "--set");
    assertThat(tmp).isEmptyDirectory();
  }
}
