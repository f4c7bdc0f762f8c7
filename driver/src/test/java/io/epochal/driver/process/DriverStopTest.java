package io.epochal.driver.process;

import static io.epochal.driver.process.InterruptedJobFixture.EPOCHS;
import static io.epochal.driver.process.InterruptedJobFixture.ROUNDS;
import static io.epochal.driver.process.InterruptedJobFixture.RUN_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver is stopped by SIGTERM (a shutdown hook runs) while it trains in its own JVM: it marks
 * the job INTERRUPTED, releases its lease and, when a checkpoint is being written, publishes it
 * first; {@code epochal resume} or {@code resume --all} (another JVM) then finishes the job at once,
 * bit-identical to an uninterrupted run ({@link InterruptedJobFixture}). {@link DriverKillTest}
 * kills drivers with SIGKILL instead. The specs here hold a lease far longer than the test, so only
 * a released lease lets the resume in without waiting.
 */
class DriverStopTest {

  private static InterruptedJobFixture fx;

  @BeforeAll
  static void generateDataAndTrainWithoutInterruption() throws Exception {
    fx = InterruptedJobFixture.get();
  }

  /**
   * SIGTERM mid-epoch: the stop marks the job, releases its lease and keeps the epoch's rounds as a
   * mid-epoch checkpoint. The job's root is then moved: {@code resume --all} waits for
   * {@code --relocate}, and with it continues the job at once at the next round, bit-identical.
   */
  @Test
  void stoppedBySigtermTheDriverReleasesItsLeaseAndMarksTheJobSoResumeAllRelocatedContinuesAtOnceBitIdentical()
      throws Exception {
    JobDirWatch before = new JobDirWatch(fx.shared().resolve("sigterm"));
    // a lease far longer than the test: only a released lease lets the resume in without waiting
    Path spec = fx.writeSpec("sigterm", before.dir(), Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = fx.cli().startTrain("train-sigterm", spec)) {
      before.awaitCheckpoint(1, driver, RUN_TIMEOUT);
      driver.awaitOutput("epoch 2/" + EPOCHS + " round 3/" + ROUNDS, RUN_TIMEOUT);
      int code = driver.terminate(Duration.ofSeconds(60));
      assertThat(code).as("exit code after SIGTERM:%n%s", driver.logTail(30)).isEqualTo(128 + 15);
      stopped = driver.output();
      assertThat(stopped).contains("is marked FAILED (INTERRUPTED) and its lease is released")
          .doesNotContain("reloading the newest verified checkpoint").doesNotContain("again from the state");
      // one stop, said once, with the command as this driver was launched (its master)
      assertThat(stopped).containsOnlyOnce("continue with:").containsOnlyOnce("INTERRUPTED")
          .contains("continue with: bin/epochal --master 'local[2]' resume file://" + before.dir().toAbsolutePath())
          .doesNotContain(io.epochal.driver.cli.EpochalCli.STOPPED);
    }
    assertThat(before.status()).as("state of %s after SIGTERM", before).hasValueSatisfying(s -> {
      assertThat(s.getState()).isEqualTo(JobState.FAILED);
      assertThat(s.getReason()).startsWith("INTERRUPTED");
    });
    long latest = fx.inspectAfterStop(before, "after SIGTERM in epoch 2");
    java.util.regex.Matcher kept = java.util.regex.Pattern.compile("Every checkpoint committed is kept, the newest of "
        + "epoch (\\d+)").matcher(stopped);
    assertThat(kept.find()).as("the stop names the newest checkpoint: %s", stopped).isTrue();
    // a commit published in the instant before the stop may not have reached the driver's history yet
    assertThat(Long.parseLong(kept.group(1))).isBetween(latest - 1, latest);
    // the rounds of epoch 2 trained before the stop are kept: the stop wrote them as a mid-epoch checkpoint
    java.util.regex.Matcher held = java.util.regex.Pattern.compile("and a mid-epoch checkpoint holds rounds 1-(\\d+) "
        + "of epoch (\\d+)").matcher(stopped);
    assertThat(held.find()).as("the stop keeps its rounds: %s", stopped).isTrue();
    int heldRounds = Integer.parseInt(held.group(1));
    long heldEpoch = Long.parseLong(held.group(2));
    assertThat(heldEpoch).as("the stop came after round 3 of epoch 2 began").isGreaterThanOrEqualTo(2L);
    // the stop's record names the round that began last when it records, after its snapshot is written: training
    // goes on meanwhile, so one the snapshot kept or a later one
    assertThat(before.events()).filteredOn(e -> "INTERRUPTED".equals(e.getReason())).singleElement().satisfies(e -> {
      assertThat(e.getEpoch()).as("the epoch the stop came in").isEqualTo(heldEpoch);
      assertThat(e.getRound()).as("the round the stop came in").isBetween(heldRounds, ROUNDS);
      assertThat(e.getMessage()).contains("in epoch " + heldEpoch + " round " + e.getRound());
    });

    Path root = Files.createDirectories(fx.shared().resolve("moved-root"));
    JobDirWatch job = new JobDirWatch(Files.move(before.dir(), root.resolve("moved-job")));
    // in this JVM: the plan refuses before any driver starts
    io.epochal.driver.testing.CliRun plain = io.epochal.driver.testing.CliRun.of("resume", "--all", root.toString());
    assertThat(plain.code).as("resume --all without --relocate:%n%s%s", plain.out, plain.err).isEqualTo(1);
    assertThat(plain.out + plain.err).contains("1 unfinished job(s) moved here (or whose original location cannot be "
        + "checked) wait to be resumed with --relocate");
    EpochalCommands.Finished resumed = fx.cli().run("resume-all-relocate", RUN_TIMEOUT, "resume", "--all",
        "--relocate", root.toString()).assertOk();
    assertThat(resumed.output()).as("a released lease lets the resume in at once").doesNotContain("waiting up to")
        .contains("moved here from ", "(--relocate rewrites its job.dir)",
            "[moved-job] resuming: bin/epochal resume file:///", "moved-job --relocate", "1 resumed, 0 failed",
            "the mid-epoch checkpoint holds rounds 1-" + held.group(1) + " of epoch " + held.group(2)
                + ": training continues at round " + (Integer.parseInt(held.group(1)) + 1));
    assertThat(job.storedKeys().getString("job.dir")).as("job.dir in the moved job's job.json")
        .startsWith("file:").endsWith("/moved-root/moved-job");
    fx.compareResumed(job, List.of(latest));
  }

  /**
   * A SIGTERM that comes while a checkpoint is being written (its data files written, its manifest
   * and publish still to come; {@link SlowCommitFileSystem} holds the commit there for seconds)
   * lets that checkpoint publish before the driver gives the job up: the epoch is kept, not trained
   * again, and the resume continues after it, bit-identical.
   */
  @Test
  void stoppedBySigtermWhileACheckpointIsWrittenTheDriverPublishesItFirstAndResumeContinuesAfterItBitIdentical()
      throws Exception {
    JobDirWatch job = new JobDirWatch(fx.shared().resolve("sigterm-in-commit"));
    Path marker = fx.shared().resolve("sigterm-in-commit.started");
    List<String> slow = SlowCommitFileSystem.options(1, 10_000, marker);
    String uri = io.epochal.checkpoint.OtherSchemeFileSystem.uri(job.dir());
    Path spec = fx.writeSpec("sigterm-in-commit", uri, Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = fx.cli().start("train-sigterm-in-commit", with(slow, "train", spec.toString()))) {
      awaitFile(marker, driver, "the commit of epoch 1");
      int code = driver.terminate(Duration.ofSeconds(60));
      assertThat(code).as("exit code after SIGTERM:%n%s", driver.logTail(30)).isEqualTo(128 + 15);
      stopped = driver.output();
    }
    assertThat(stopped).contains("stopping: the checkpoint of epoch 1 is being written; waiting up to",
        "is marked FAILED (INTERRUPTED) and its lease is released",
        "Every checkpoint committed is kept, the newest of epoch 1").doesNotContain("was not published within");
    // the training thread, its next commit refused by the stop, leaves the lease and the history to the stop:
    // the rounds of epoch 2 it trained while epoch 1 was published are kept, the stop recorded and said once
    assertThat(stopped).contains("and a mid-epoch checkpoint holds rounds 1-").containsOnlyOnce("continue with:")
        .doesNotContain("could not be written");
    java.util.regex.Matcher kept = java.util.regex.Pattern.compile("a mid-epoch checkpoint holds rounds 1-(\\d+) of "
        + "epoch (\\d+)").matcher(stopped);
    assertThat(kept.find()).as(stopped).isTrue();
    assertThat(job.events()).filteredOn(e -> "INTERRUPTED".equals(e.getReason())).hasSize(1);
    assertThat(job.status()).as("state of %s after SIGTERM", job).hasValueSatisfying(s -> {
      assertThat(s.getState()).isEqualTo(JobState.FAILED);
      assertThat(s.getReason()).startsWith("INTERRUPTED");
    });
    assertThat(fx.inspectAfterStop(job, "after SIGTERM during the commit of epoch 1")).isEqualTo(1L);

    // the resume continues from the stop's state and trains the epochs after it
    EpochalCommands.Finished resumed = fx.cli().run("resume-sigterm-in-commit", RUN_TIMEOUT, with(slow, "resume",
        uri)).assertOk();
    // rounds left of that epoch are trained from the one after it; with none left, its checkpoint follows
    assertThat(resumed.output()).as("the resume starts from the stop's mid-epoch checkpoint").contains("resuming "
        + "inside epoch " + kept.group(2) + " of ", "the mid-epoch checkpoint holds rounds 1-" + kept.group(1)
        + " of epoch " + kept.group(2));
    fx.compareResumed(job, List.of(1L));
  }

  /**
   * A SIGTERM while the final checkpoint is being written: it is published, and the job, every
   * epoch of it done, is marked COMPLETED rather than FAILED; bit-identical to the uninterrupted run.
   */
  @Test
  void stoppedBySigtermWhileTheFinalCheckpointIsWrittenTheJobEndsCompletedBitIdentical() throws Exception {
    JobDirWatch job = new JobDirWatch(fx.shared().resolve("sigterm-in-final-commit"));
    Path marker = fx.shared().resolve("sigterm-in-final-commit.started");
    List<String> slow = SlowCommitFileSystem.options(EPOCHS, 10_000, marker);
    Path spec = fx.writeSpec("sigterm-in-final-commit", io.epochal.checkpoint.OtherSchemeFileSystem.uri(job.dir()),
        Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = fx.cli().start("train-sigterm-in-final-commit", with(slow, "train", spec.toString()))) {
      awaitFile(marker, driver, "the commit of epoch " + EPOCHS);
      assertThat(driver.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM:%n%s", driver.logTail(30))
          .isEqualTo(128 + 15);
      stopped = driver.output();
    }
    assertThat(stopped).contains("stopping: the checkpoint of epoch " + EPOCHS + " is being written",
        "after the final checkpoint (epoch " + EPOCHS + ") was published", "is marked COMPLETED and its lease is "
        + "released");
    fx.compareResumed(job, List.of());
  }

  /** Waits for {@code marker}, which a {@link SlowCommitFileSystem} writes when the commit it slows starts. */
  private static void awaitFile(Path marker, ChildJvm driver, String what) throws InterruptedException {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (!Files.exists(marker)) {
      assertThat(driver.isAlive()).as("%s runs until %s starts:%n%s", driver, what, driver.logTail(40)).isTrue();
      assertThat(System.nanoTime()).as("%s started in time", what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static String[] with(List<String> options, String... args) {
    List<String> all = new ArrayList<>(options);
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }
}
