package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.tensor.StateDict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor JVM of {@code local-cluster[2,1,1024]} killed with SIGKILL while it runs a round:
 * Spark recomputes the task (or the driver retries the round) and the job ends with the tensors of
 * an uninterrupted run.
 */
class ExecutorKillTest {

  private static EpochalSpark spark;
  private static String data;

  @BeforeAll
  static void start(@TempDir Path tmp) {
    // The executors this test kills with SIGKILL run no hook to delete the native libraries they
    // unpack (lz4, snappy): unpacked into the test's folder, they go with it.
    spark = SparkSessions.builder().setMaster("local-cluster[2,1,1024]").optAppName("recovery-executor-kill")
        // short-lived executor JVMs: the client compiler and the serial collector cost the build less CPU (Java's
        // arithmetic gives the same bits under either compiler)
        .optConf("spark.executor.extraJavaOptions", "-Djava.io.tmpdir=" + tmp.toAbsolutePath()
            + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC").build();
    spark.awaitExecutors(2, Duration.ofSeconds(120));
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  /** The executor JVM with Spark id {@code executorId}: a descendant of this JVM (the in-process worker). */
  static Optional<ProcessHandle> executorProcess(String executorId) {
    return ProcessHandle.current().descendants().filter(p -> {
      String c = commandLine(p);
      return c.contains("CoarseGrainedExecutorBackend") && c.contains("--executor-id " + executorId + " ");
    }).findFirst();
  }

  /** The full command line from /proc (ProcessHandle.Info may leave it out for long classpaths). */
  private static String commandLine(ProcessHandle p) {
    try {
      byte[] raw = java.nio.file.Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline"));
      return new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ') + " ";
    } catch (java.io.IOException e) {
      return p.info().commandLine().orElse("") + " ";
    }
  }

  /** What a run whose executor was killed gave: its outcome, the killed process, and its tasks the kill ended. */
  private record KilledRun(TrainingOutcome outcome, long killedPid, int lostTasks) {}

  /** How many runs {@link #executorKilledMidRoundEndsBitIdenticalToAnUninterruptedRun} makes at most. */
  private static final int KILL_TRIES = 3;

  @Test
  void executorKilledMidRoundEndsBitIdenticalToAnUninterruptedRun(@TempDir Path tmp) throws Exception {
    TrainingOutcome reference = TrainingJob.builder()
        .setSpec(RecoveryFixture.spec(tmp.resolve("reference").toUri().toString(), data)).setSpark(spark)
        .build().run();
    // the kill comes 150 ms after a task of epoch 2 is said to start (Spark's listener bus may say so late): on a
    // busy machine that task may have ended, and the kill then lands between tasks, which proves nothing here; such
    // a run is made again, in a directory of its own, with the executor Spark started in its place
    StateDict expected = RecoveryFixture.tensors(reference.state());
    KilledRun run = null;
    for (int attempt = 1; attempt <= KILL_TRIES && (run == null || run.lostTasks() == 0); attempt++) {
      spark.awaitExecutors(2, Duration.ofSeconds(120));
      run = runKillingAnExecutor(tmp.resolve("killed-" + attempt));
      // wherever the kill landed, the run ends with the tensors of an uninterrupted one
      assertThat(RecoveryFixture.tensors(run.outcome().state())).as("run %s", attempt).isEqualTo(expected);
    }
    assertThat(run.killedPid()).as("an executor was killed").isPositive();
    assertThat(ProcessHandle.of(run.killedPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(run.lostTasks()).as("tasks of the killed executor that ended unfinished: the kill landed in a round "
        + "(in one of %s runs)", KILL_TRIES).isPositive();
  }

  /** Trains the job in {@code dir}, killing with SIGKILL the executor of the first task of epoch 2 to start. */
  private static KilledRun runKillingAnExecutor(Path dir) throws Exception {
    AtomicLong killed = new AtomicLong(-1);
    java.util.concurrent.atomic.AtomicReference<String> killedId = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger lostTasks = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean roundTwoRunning = new java.util.concurrent.atomic.AtomicBoolean();
    SparkListener killer = new SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
        if (end.taskInfo().executorId().equals(killedId.get())
            && !(end.reason() instanceof org.apache.spark.Success$)) {
          lostTasks.incrementAndGet(); // a task the kill interrupted: the executor died while it ran a round
        }
      }

      @Override
      public void onTaskStart(SparkListenerTaskStart start) {
        // The first task started after round 1 of epoch 2 (a local round's stage) dies with its JVM.
        if (killed.get() < 0 && start.stageAttemptId() == 0 && roundTwoRunning.get()) {
          Optional<ProcessHandle> p = executorProcess(start.taskInfo().executorId());
          if (p.isPresent() && killed.compareAndSet(-1, p.get().pid())) {
            killedId.set(start.taskInfo().executorId());
            new Thread(() -> {
              try {
                Thread.sleep(150);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              p.get().destroyForcibly();
            }).start();
          }
        }
      }
    };
    RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
      @Override
      public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
        if (epoch == 2 && round == 1) {
          roundTwoRunning.set(true); // armed for good: the listener bus may deliver task starts late
        }
      }
    };
    spark.jsc().sc().addSparkListener(killer);
    try {
      TrainingOutcome outcome = TrainingJob.builder()
          .setSpec(RecoveryFixture.spec(dir.toUri().toString(), data)).setSpark(spark)
          .optListener(listener).build().run();
      return new KilledRun(outcome, killed.get(), lostTasks.get());
    } finally {
      spark.jsc().sc().removeSparkListener(killer);
    }
  }

  @Test
  void dataChangedWhileTheJobRunsIsBadInputOnceLosingTheExecutorsMakesSparkReadItAgain(@TempDir Path tmp)
      throws Exception {
    Path csv = tmp.resolve("csv");
    writeCsv(csv, false);
    java.util.concurrent.atomic.AtomicInteger killedExecutors = new java.util.concurrent.atomic.AtomicInteger();
    RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
      @Override
      public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
        if (epoch == 2 && round == 1 && killedExecutors.get() == 0) {
          try {
            writeCsv(csv, true); // the same sizes, other values: no listing or split notices it
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          // every executor: the cached shards and the shuffle's output go with them, so Spark reads the files again
          ProcessHandle.current().descendants().filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend"))
              .forEach(p -> {
                p.destroyForcibly();
                killedExecutors.incrementAndGet();
              });
        }
      }
    };
    TrainingJob job = TrainingJob.builder().setSpec(RecoveryFixture.spec(tmp.resolve("job").toUri().toString(),
        csv.toUri().toString(), java.util.Map.of("data.format", "csv", "data.features", "f0..f7", "data.label",
            "label"))).setSpark(spark).optListener(listener).build();

    org.assertj.core.api.Assertions.assertThatThrownBy(job::run)
        .isInstanceOfSatisfying(io.epochal.driver.train.TrainingException.class, e -> assertThat(e.reason())
            .isEqualTo(io.epochal.driver.train.FailureReason.BAD_INPUT))
        .hasMessageContaining("changed while the job ran").hasMessageContaining(csv.toUri().toString().replaceFirst("/$", ""));
    assertThat(killedExecutors.get()).as("executors killed").isPositive();
    spark.awaitExecutors(2, Duration.ofSeconds(120)); // the worker starts new ones, for the tests after this one
  }

  /** 256 rows of 8 features in [0, 1) with six decimals and a label in 0..2, in two files; {@code changed}: f0's last digit differs. */
  private static void writeCsv(Path dir, boolean changed) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    for (int file = 0; file < 2; file++) {
      StringBuilder text = new StringBuilder("f0,f1,f2,f3,f4,f5,f6,f7,label\n");
      for (int row = 0; row < 128; row++) {
        int label = random.nextInt(3);
        for (int f = 0; f < 8; f++) {
          int micros = random.nextInt(1_000_000);
          if (changed && f == 0) {
            micros ^= 1;
          }
          text.append(String.format(java.util.Locale.ROOT, "0.%06d,", micros));
        }
        text.append(label).append('\n');
      }
      java.nio.file.Files.writeString(dir.resolve("part-" + file + ".csv"), text);
    }
  }

}
