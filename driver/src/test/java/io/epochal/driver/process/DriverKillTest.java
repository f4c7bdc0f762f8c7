package io.epochal.driver.process;

import static io.epochal.driver.process.InterruptedJobFixture.EPOCHS;
import static io.epochal.driver.process.InterruptedJobFixture.ROUNDS;
import static io.epochal.driver.process.InterruptedJobFixture.RUN_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver dies by SIGKILL (no shutdown hook, no lease release, no cleanup) while it trains in
 * its own JVM, and {@code epochal resume} (another JVM) finishes the job. The determinism contract
 * says the result equals an uninterrupted run bit for bit: model and optimizer tensors of the last
 * checkpoint are compared with a reference run of the same spec in another job directory
 * ({@link InterruptedJobFixture}). {@link DriverStopTest} stops drivers with SIGTERM instead.
 *
 * <p>The dead driver's lease stays live until its {@code lease.ttl_ms} passes; the spec uses a
 * short one (6 s, renewed every 2 s), and a resume started right after the kill waits for its
 * expiry itself, as one an operator starts after a crash does.
 *
 * <p>The moments of the mid-epoch kills (a round of the epoch, found in the driver's progress
 * output, plus a few milliseconds) come from a seeded {@link Random}; set
 * {@code -Depochal.test.kill.seed=N} to vary them. Each kill is printed with its seed and moment.
 */
class DriverKillTest {

  private static InterruptedJobFixture fx;

  @BeforeAll
  static void generateDataAndTrainWithoutInterruption() throws Exception {
    fx = InterruptedJobFixture.get();
  }

  @Test
  void killedRightAfterACheckpointIsPublishedThenResumedEndsBitIdenticalToUninterruptedRun() throws Exception {
    JobDirWatch job = new JobDirWatch(fx.shared().resolve("killed-between-epochs"));
    try (ChildJvm driver = fx.cli().startTrain("train-between-epochs", fx.writeSpec("between-epochs", job.dir()))) {
      job.awaitCheckpoint(2, driver, RUN_TIMEOUT);
      assertThat(driver.isAlive()).as("%s runs when the checkpoint of epoch 2 appears", driver).isTrue();
      driver.kill();
    }
    long latest = fx.inspectAfterStop(job, "after the kill right after epoch 2");
    assertThat(latest).as("newest checkpoint after the kill right after epoch 2").isBetween(2L, EPOCHS - 1L);

    fx.resumeAndCompare(job, "resume-between-epochs", List.of(latest), false);
  }

  @Test
  void killedAtRandomMomentsMidEpochThenResumedEndsBitIdenticalToUninterruptedRun() throws Exception {
    long seed = Long.getLong("epochal.test.kill.seed", 1L);
    Random random = new Random(seed);
    JobDirWatch job = new JobDirWatch(fx.shared().resolve("killed-mid-epoch-" + seed));
    Path spec = fx.writeSpec("mid-epoch-" + seed, job.dir());
    List<Long> resumedFrom = new ArrayList<>();
    long latest = 0;
    int kill = 0;
    int midEpoch = 0; // kills that landed before the epoch they were sent in was committed
    // Each driver publishes one checkpoint of its own, then dies in the epoch after it, after a
    // random round and a random few milliseconds; the next one resumes. Until no epoch is left to
    // die in.
    while (latest + 2 <= EPOCHS) {
      kill++;
      String name = "mid-epoch-" + seed + "-run-" + kill;
      if (kill > 1) {
        resumedFrom.add(latest); // started at once: the resume itself waits for the dead driver's lease to expire
      }
      long epoch = latest + 2;
      int round = 1 + random.nextInt(ROUNDS - 2);
      int extraMs = random.nextInt(40);
      try (ChildJvm driver = kill == 1 ? fx.cli().startTrain(name, spec)
          : fx.cli().start(name, "resume", job.dir().toString())) {
        job.awaitCheckpoint(latest + 1, driver, RUN_TIMEOUT);
        driver.awaitOutput("epoch " + epoch + "/" + EPOCHS + " round " + round + "/" + ROUNDS, RUN_TIMEOUT);
        Thread.sleep(extraMs);
        assertThat(driver.isAlive()).as("%s runs in epoch %d:%n%s", driver, epoch, driver.logTail(40)).isTrue();
        driver.kill();
      }
      System.out.printf("DriverKillTest: seed %d, kill %d: SIGKILL in epoch %d, %d ms after round %d of %d%n", seed,
          kill, epoch, extraMs, round, ROUNDS);
      latest = fx.inspectAfterStop(job, "after kill " + kill + " (seed " + seed + ")");
      assertThat(latest).as("newest checkpoint after kill %d in epoch %d", kill, epoch).isBetween(epoch - 1, epoch);
      midEpoch += latest == epoch - 1 ? 1 : 0;
    }
    resumedFrom.add(latest);
    assertThat(midEpoch).as("kills that landed inside an epoch, of %d", kill).isPositive();

    fx.resumeAndCompare(job, "mid-epoch-" + seed + "-resume", resumedFrom, false);
  }

  @Test
  void aCompletedJobWhoseFinalCheckpointIsTruncatedIsRetrainedByResumeAllAndEndsBitIdenticalToUninterruptedRun()
      throws Exception {
    Path root = fx.shared().resolve("resume-all");
    JobDirWatch job = new JobDirWatch(root.resolve("truncated-final"));
    // trained in this JVM (what is tested is the resume of the damaged job, in a driver of its own)
    io.epochal.driver.testing.CliRun trained = io.epochal.driver.testing.CliRun.of("--master", "local[2]", "train",
        fx.writeSpec("truncated-final", job.dir()).toString());
    assertThat(trained.code).as("train: %s%s", trained.out, trained.err).isZero();
    Path data;
    try (var files = Files.list(job.manifest(EPOCHS).getParent())) {
      data = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    EpochalCommands.Finished resumed = fx.cli().run("resume-all", RUN_TIMEOUT, "resume", "--all", root.toString())
        .assertOk();

    assertThat(resumed.output()).contains("final epoch " + EPOCHS + " is damaged").contains("reopens it")
        .contains("1 resumed, 0 failed");
    String out = resumed.output();
    String done = "[truncated-final] " + EPOCHS + " of " + EPOCHS + " epochs done (1 in this run";
    assertThat(out).contains(done);
    assertThat(out.indexOf("resume summary:")).as("the summary follows the job's output:%n%s", out)
        .isGreaterThan(out.indexOf(done));
    assertThat(out.split("warning: skipping damaged checkpoint epoch " + EPOCHS, -1))
        .as("the reopened job's checkpoints are searched (read, hashed, probed) once:%n%s", out).hasSize(2);
    List<Long> resumes = job.events().stream().filter(e -> e.getType() == JobEventType.RESUMED)
        .map(JobEvent::getEpoch).toList();
    assertThat(resumes).as("epochs the resumes of %s started after", job).containsExactly(EPOCHS - 1L);
    assertThat(job.status()).as("state of %s", job).hasValueSatisfying(
        s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
    assertThat(job.temporaryDirs()).as("temporary directories left in %s", job).isEmpty();
    job.assertEveryCheckpointVerifies();
    BitIdentical.assertSameTrainingState(fx.reference(), job.load(EPOCHS));
  }
}
