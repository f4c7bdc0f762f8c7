package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.tensor.StateDict;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery inside one running driver on {@code local[2]}: real Spark failures, real files. */
class InDriverRecoveryTest {

  private static EpochalSpark spark;
  private static Path root;
  private static String data;
  /** Held-out rows (the same generated rows, in a directory of their own). */
  private static String heldOut;
  private static StateDict reference;
  private static String referenceDir;

  @BeforeAll
  static void start(@TempDir Path tmp) throws Exception {
    root = tmp;
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("recovery-in-driver").build();
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
    heldOut = RecoveryFixture.writeData(spark, tmp.resolve("held-out"));
    referenceDir = tmp.resolve("reference").toUri().toString();
    reference = RecoveryFixture.tensors(run(RecoveryFixture.spec(referenceDir, data), new RecoveryFixture.Recording()).state());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  private static TrainingOutcome run(JobSpec spec, RecoveryFixture.Recording listener) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
  }

  /** A real Spark job abort: the job of {@code group} is cancelled as soon as it first starts. */
  private static SparkListener cancelOnce(String group, AtomicBoolean fired) {
    return new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        if (group.equals(start.properties().getProperty("spark.jobGroup.id")) && fired.compareAndSet(false, true)) {
          new Thread(() -> spark.jsc().cancelJobGroup(group)).start();
        }
      }
    };
  }

  @Test
  void anAbortedRoundIsRunAgainFromTheStateBeforeItKeepingTheEpochsEarlierRoundsAndEndsBitIdentical()
      throws Exception {
    record Tried(String dir, AtomicBoolean fired, Map<String, Integer> jobs, RecoveryFixture.Recording listener,
        TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("aborted-round-" + attempt).toUri().toString();
      AtomicBoolean fired = new AtomicBoolean();
      // A real Spark job abort: the job of epoch 2, round 2 is cancelled as soon as it starts.
      SparkListener canceller = cancelOnce("epochal-e1-r1", fired);
      Map<String, Integer> jobs = new java.util.concurrent.ConcurrentHashMap<>();
      SparkListener counter = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart start) {
          jobs.merge(String.valueOf(start.properties().getProperty("spark.jobGroup.id")), 1, Integer::sum);
        }
      };
      spark.jsc().sc().addSparkListener(canceller);
      spark.jsc().sc().addSparkListener(counter);
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
      try {
        return new Tried(dir, fired, jobs, listener, run(RecoveryFixture.spec(dir, data), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
        spark.jsc().sc().removeSparkListener(counter);
      }
    }, tried -> RecoveryFixture.cancelledTries(tried.listener()) > 0);
    String dir = t.dir();
    RecoveryFixture.Recording listener = t.listener();
    assertThat(t.fired()).isTrue();
    assertThat(RecoveryFixture.tensors(t.outcome().state())).isEqualTo(reference);
    assertThat(t.outcome().resumedFrom()).as("epochs complete before the run").isZero();
    assertThat(t.jobs()).as("round 1 of epoch 2 kept, round 2 run again").containsEntry("epochal-e1-r0", 1)
        .containsEntry("epochal-e1-r1", 2).containsEntry("epochal-e2-r0", 1);
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("attempt 1 failed (TASK_FAILED)")
        .contains("running round 2 of epoch 2 again from the state before it, kept in memory"));
    assertThat(listener.warnings).noneMatch(w -> w.contains("reloading the newest verified checkpoint"));
    List<JobEvent> failures = RecoveryFixture.events(dir, new Configuration()).stream()
        .filter(e -> e.getType() == JobEventType.FAILURE).toList();
    assertThat(failures).hasSize(1);
    JobEvent f = failures.get(0);
    assertThat(f.getEpoch()).isEqualTo(2);
    assertThat(f.getRound()).isEqualTo(2);
    assertThat(f.getAttempt()).isEqualTo(1);
    assertThat(f.getReason()).isEqualTo("TASK_FAILED");
    assertThat(f.getMessage()).contains("try 1 of 3, retried in place from the state in memory; cause: ")
        .contains("cancelled");
  }

  @Test
  void attemptsCountFromTheNewestCheckpointSoFailuresSpreadOverALongRunDoNotEndIt() throws Exception {
    record Tried(String dir, RecoveryFixture.Recording listener, TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("spread-failures-" + attempt).toUri().toString();
      // two attempts at most; a round of epoch 1 and one of epoch 3 abort once each, epochs committed between them
      SparkListener first = cancelOnStart("epochal-e0-r1", 1);
      SparkListener second = cancelOnStart("epochal-e2-r1", 1);
      spark.jsc().sc().addSparkListener(first);
      spark.jsc().sc().addSparkListener(second);
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
      try {
        return new Tried(dir, listener, run(RecoveryFixture.spec(dir, data, Map.of("retry.max_attempts", "2",
            "retry.backoff_ms", "10")), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(first);
        spark.jsc().sc().removeSparkListener(second);
      }
    }, tried -> RecoveryFixture.cancelledTries(tried.listener()) == 2);
    assertThat(RecoveryFixture.tensors(t.outcome().state())).isEqualTo(reference);
    assertThat(RecoveryFixture.cancelledTries(t.listener())).isEqualTo(2);
    assertThat(RecoveryFixture.events(t.dir(), new Configuration()))
        .filteredOn(e -> e.getType() == JobEventType.FAILURE).extracting(JobEvent::getEpoch).containsExactly(1L, 3L);
  }
  @Test
  void aFailedHeldOutEvaluationIsRunAgainOnTheEpochsStateWithoutTrainingTheEpochAgain() throws Exception {
    record Tried(String dir, AtomicBoolean fired, java.util.concurrent.atomic.AtomicInteger epoch2Rounds,
        RecoveryFixture.Recording listener, TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("aborted-evaluation-" + attempt).toUri().toString();
      AtomicBoolean fired = new AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger epoch2Rounds = new java.util.concurrent.atomic.AtomicInteger();
      // the held-out evaluation of epoch 2 is cancelled as soon as it starts; its rounds are counted
      SparkListener canceller = cancelOnce("epochal-e1-validation", fired);
      SparkListener counter = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart start) {
          if (String.valueOf(start.properties().getProperty("spark.jobGroup.id")).startsWith("epochal-e1-r")) {
            epoch2Rounds.incrementAndGet();
          }
        }
      };
      spark.jsc().sc().addSparkListener(canceller);
      spark.jsc().sc().addSparkListener(counter);
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
      try {
        return new Tried(dir, fired, epoch2Rounds, listener,
            run(RecoveryFixture.spec(dir, data, Map.of("data.validation_path", heldOut)), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
        spark.jsc().sc().removeSparkListener(counter);
      }
    }, tried -> RecoveryFixture.cancelledTries(tried.listener()) > 0);
    String dir = t.dir();
    AtomicBoolean fired = t.fired();
    java.util.concurrent.atomic.AtomicInteger epoch2Rounds = t.epoch2Rounds();
    RecoveryFixture.Recording listener = t.listener();
    TrainingOutcome outcome = t.outcome();
    assertThat(fired).isTrue();
    assertThat(epoch2Rounds).as("the 2 rounds of epoch 2, each trained once").hasValue(2);
    assertThat(RecoveryFixture.tensors(outcome.state())).as("held-out rows do not change training")
        .isEqualTo(reference);
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("attempt 1 failed (TASK_FAILED)")
        .contains("epoch 2's evaluation on the held-out rows")
        .contains("evaluating epoch 2's trained state again, without training the epoch again"));
    assertThat(listener.warnings).noneMatch(w -> w.contains("reloading the newest verified checkpoint"));
    List<JobEvent> events = RecoveryFixture.events(dir, new Configuration());
    assertThat(events).filteredOn(e -> e.getType() == JobEventType.FAILURE).singleElement().satisfies(f -> {
      assertThat(f.getEpoch()).isEqualTo(2);
      assertThat(f.getAttempt()).isEqualTo(1);
      assertThat(f.getReason()).isEqualTo("TASK_FAILED");
      assertThat(f.getMessage()).contains("try 1 of 3, retried in place from the state in memory")
          .contains("held-out rows");
    });
    assertThat(events).filteredOn(e -> e.getType() == JobEventType.EPOCH_COMMITTED).hasSize(RecoveryFixture.EPOCHS);
    try (var store = io.epochal.checkpoint.HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      assertThat(store.load(2).manifest().metrics()).containsKeys("val_loss", "val_accuracy");
    }
  }

  @Test
  void anEvaluationThatAlwaysFailsUsesTheRunsAttemptsAndFailsTheJobWhenTheyAreSpent() throws Exception {
    record Tried(String dir, RecoveryFixture.Recording listener, Throwable thrown) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("failing-evaluation-" + attempt).toUri().toString();
      SparkListener canceller = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart start) {
          if (String.valueOf(start.properties().getProperty("spark.jobGroup.id")).endsWith("-validation")) {
            new Thread(() -> spark.jsc().cancelJobGroup(start.properties().getProperty("spark.jobGroup.id"))).start();
          }
        }
      };
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
      spark.jsc().sc().addSparkListener(canceller);
      try {
        run(RecoveryFixture.spec(dir, data, Map.of("data.validation_path", heldOut, "retry.max_attempts", "2",
            "retry.backoff_ms", "0")), listener);
        return new Tried(dir, listener, null);
      } catch (TrainingException e) {
        return new Tried(dir, listener, e);
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.thrown() instanceof TrainingException e && e.epoch() == 1); // both of epoch 1's evaluations
    assertThat(t.thrown()).isInstanceOfSatisfying(TrainingException.class, e -> {
      assertThat(e.reason()).isEqualTo(FailureReason.TASK_FAILED);
      assertThat(e.epoch()).isEqualTo(1);
    }).hasMessageContaining("gave up after 2 of 2 attempts")
        .hasMessageContaining("epoch 1's evaluation on the held-out rows");
    assertThat(RecoveryFixture.events(t.dir(), new Configuration()))
        .filteredOn(e -> e.getType() == JobEventType.FAILURE).extracting(JobEvent::getMessage)
        .satisfiesExactly(m -> assertThat(m).contains("try 1 of 2"), m -> assertThat(m).contains("try 2 of 2"));
    assertThat(t.listener().warnings).filteredOn(w -> w.contains("trained state again")).hasSize(1);
  }
  @Test
  void aJobInterruptedWhileItWaitsToRetryStopsAsInterruptedAndIsMarkedFailedWithItsLeaseReleased() throws Exception {
    record Tried(String dir, Throwable thrown, boolean interruptKept) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("interrupted-backoff-" + attempt).toUri().toString();
      AtomicBoolean fired = new AtomicBoolean();
      SparkListener canceller = cancelOnce("epochal-e1-r1", fired);
      // the caller interrupts the thread running the job as it announces its retry (YARN's stop of a user thread)
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
        @Override
        public void warning(String message) {
          super.warning(message);
          if (message.contains("again from the state before it")) {
            Thread.currentThread().interrupt();
          }
        }
      };
      spark.jsc().sc().addSparkListener(canceller);
      try {
        run(RecoveryFixture.spec(dir, data), listener);
        return new Tried(dir, null, false);
      } catch (TrainingException e) {
        return new Tried(dir, e, Thread.currentThread().isInterrupted());
      } finally {
        Thread.interrupted();
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.thrown() != null);
    assertThat(t.thrown()).isInstanceOfSatisfying(TrainingException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.INTERRUPTED))
        .hasMessageContaining("interrupted while it waited to retry after TASK_FAILED");
    assertThat(t.interruptKept()).as("the interrupt is kept for the caller").isTrue();
    String dir = t.dir();
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
    FileSystem fs = p.getFileSystem(new Configuration());
    assertThat(new JobStateStore(fs, p).read().orElseThrow()).satisfies(st -> {
      assertThat(st.getState()).isEqualTo(JobState.FAILED);
      assertThat(st.getReason()).startsWith("INTERRUPTED: ");
    });
    assertThat(JobLease.builder().setFileSystem(fs).setJobDir(p).build().current())
        .hasValueSatisfying(l -> assertThat(l.isReleased()).isTrue());
    assertThat(RecoveryFixture.events(dir, new Configuration())).anySatisfy(e -> assertThat(e.getReason())
        .isEqualTo("INTERRUPTED"));
  }

  @Test
  void nonFiniteStateIsNotRetriedAndNeverReachesACheckpoint() throws Exception {
    String dir = root.resolve("nan").toUri().toString();
    JobSpec spec = RecoveryFixture.spec(dir, data, Map.of("optimizer.lr", "1e38"));
    assertThatThrownBy(() -> run(spec, new RecoveryFixture.Recording()))
        .isInstanceOfSatisfying(TrainingException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NON_FINITE_STATE))
        .hasMessageContaining("no checkpoint was written");
    Configuration conf = new Configuration();
    List<JobEvent> events = RecoveryFixture.events(dir, conf);
    assertThat(events).filteredOn(e -> e.getType() == JobEventType.FAILURE).hasSize(1)
        .allSatisfy(e -> assertThat(e.getReason()).isEqualTo("NON_FINITE_STATE"));
    assertThat(events).noneMatch(e -> e.getType() == JobEventType.EPOCH_COMMITTED);
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
    assertThat(new JobStateStore(p.getFileSystem(conf), p).read().orElseThrow().getState())
        .isEqualTo(JobState.FAILED);
  }

  @Test
  void aRegressionWhoseLossOverflowsWhileItsWeightsStayFiniteFailsAsNonFiniteOnOneOrTwoWorkers() throws Exception {
    // mse regression: with targets of 1e20 the float32 loss overflows to infinity while a tiny
    // learning rate keeps the weights finite; with targets near 1 the same job trains
    for (int workers : new int[] {1, 2}) {
      String diverging = regression(root.resolve("huge-targets-" + workers), 1e20f);
      JobSpec spec = RecoveryFixture.spec(root.resolve("overflow-" + workers).toUri().toString(), diverging,
          regressionKeys(workers, "1e-21"));
      assertThatThrownBy(() -> run(spec, new RecoveryFixture.Recording())).as("%s worker(s)", workers)
          .isInstanceOfSatisfying(TrainingException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.NON_FINITE_STATE))
          .hasMessageContaining("training loss is Infinity").hasMessageContaining("epoch 1 round 1");
    }
    String sane = regression(root.resolve("small-targets"), 1f);
    TrainingOutcome ok = run(RecoveryFixture.spec(root.resolve("regression").toUri().toString(), sane,
        regressionKeys(2, "0.01")), new RecoveryFixture.Recording());
    assertThat(ok.epochs()).isEqualTo(3);
  }

  private static Map<String, String> regressionKeys(int workers, String lr) {
    return Map.of("loss", "mse", "model.output_dim", "1", "optimizer.name", "sgd", "optimizer.lr", lr,
        "data.format", "csv", "data.features", "x0,x1,x2,x3,x4,x5,x6,x7", "data.classes", "0",
        "train.workers", Integer.toString(workers));
  }

  /** 256 rows of 8 features; the target is {@code scale} times the sum of the first two. */
  private static String regression(Path dir, float scale) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    StringBuilder b = new StringBuilder("x0,x1,x2,x3,x4,x5,x6,x7,label\n");
    for (int i = 0; i < 256; i++) {
      float[] x = new float[8];
      for (int f = 0; f < 8; f++) {
        x[f] = (float) Math.sin(i * 8 + f);
        b.append(x[f]).append(',');
      }
      b.append(scale * (x[0] + x[1]) + (scale > 1 ? scale : 0)).append('\n');
    }
    java.nio.file.Files.writeString(dir.resolve("part-0.csv"), b);
    return dir.toUri().toString();
  }

  @Test
  void corruptedNewestCheckpointFallsBackToThePreviousOneAndSaysSo() throws Exception {
    record Tried(String dir, AtomicBoolean corrupted, RecoveryFixture.Recording listener, TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      Path jobDir = root.resolve("corrupt-" + attempt);
      String dir = jobDir.toUri().toString();
      java.util.concurrent.CountDownLatch committed2 = new java.util.concurrent.CountDownLatch(1);
      AtomicBoolean corrupted = new AtomicBoolean();
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
        @Override
        public void committed(int epoch, String path, long bytes, long millis) {
          if (epoch == 2) {
            committed2.countDown();
          }
        }

        @Override
        public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
          if (epoch == 3 && round == 1 && corrupted.compareAndSet(false, true)) {
            try {
              committed2.await();
              flipByte(jobDir.resolve("checkpoints/epoch-000002/model.safetensors"));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }
      };
      // After the corruption the next round aborts, and again when it runs again in place: the retry from a
      // checkpoint must skip epoch 2 and resume from epoch 1.
      SparkListener canceller = cancelOnStart("epochal-e2-r1", 2);
      spark.jsc().sc().addSparkListener(canceller);
      try {
        return new Tried(dir, corrupted, listener, run(RecoveryFixture.spec(dir, data), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.listener().warnings.stream().anyMatch(w -> w.contains("attempt 2 failed (TASK_FAILED)")));
    String dir = t.dir();
    AtomicBoolean corrupted = t.corrupted();
    RecoveryFixture.Recording listener = t.listener();
    TrainingOutcome outcome = t.outcome();
    assertThat(corrupted).isTrue();
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("attempt 1 failed (TASK_FAILED)")
        .contains("running round 2 of epoch 3 again from the state before it"));
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("attempt 2 failed (TASK_FAILED)")
        .contains("reloading the newest verified checkpoint"));
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("skipping damaged checkpoint epoch 2")
        .contains("epoch-000002").containsIgnoringCase("model.safetensors").contains("falling back"));
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("moved damaged checkpoint")
        .contains("epoch 2 is trained again, after epoch 1").as("the reason, said once").doesNotContainIgnoringCase("safetensors"));
    assertThat(RecoveryFixture.events(dir, new Configuration())).as("the history keeps the reason")
        .anyMatch(e -> e.getType() == JobEventType.FAILURE && e.getMessage().startsWith("damaged checkpoint ")
            && e.getMessage().contains("model.safetensors"));
    assertThat(RecoveryFixture.events(dir, new Configuration()))
        .anyMatch(e -> e.getType() == JobEventType.RESUMED && e.getMessage().contains("epoch-000001"));
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(reference);
    assertThat(RecoveryFixture.checkpointTensors(dir, 2, new Configuration()))
        .isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, 2, new Configuration()));
  }

  @Test
  void checkpointsMovedAwayWhileTheJobRunsAreSaidToBeGoneAndTheJobGoesOnIntoANewDirectory() throws Exception {
    Path jobDir = root.resolve("moved-away");
    Path movedTo = root.resolve("moved-away-checkpoints");
    String dir = jobDir.toUri().toString();
    AtomicBoolean moved = new AtomicBoolean();
    RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
      @Override
      public void committed(int epoch, String path, long bytes, long millis) {
        if (epoch == 1 && moved.compareAndSet(false, true)) { // before epoch 2's commit, on the commit's thread
          try {
            java.nio.file.Files.move(jobDir.resolve("checkpoints"), movedTo);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    };

    TrainingOutcome outcome = run(RecoveryFixture.spec(dir, data), listener);

    assertThat(moved).isTrue();
    assertThat(listener.warnings).filteredOn(w -> w.contains("is gone")).singleElement().satisfies(w -> assertThat(w)
        .contains(jobDir.resolve("checkpoints").toString(), "moved or deleted while the job ran",
            "the checkpoint of epoch 2 goes into a new one, without the earlier epochs", "move them back"));
    assertThat(movedTo.resolve("epoch-000001")).isDirectory();
    assertThat(jobDir.resolve("checkpoints/epoch-000003")).isDirectory();
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(reference);
  }

  @Test
  void aCompletedJobWhoseFinalCheckpointIsDamagedTrainsItsLastEpochAgain() throws Exception {
    Path jobDir = root.resolve("completed-damaged");
    String dir = jobDir.toUri().toString();
    run(RecoveryFixture.spec(dir, data), new RecoveryFixture.Recording());
    flipByte(jobDir.resolve("checkpoints/epoch-000003/model.safetensors"));

    RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
    TrainingOutcome again = run(RecoveryFixture.spec(dir, data), listener);

    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("is COMPLETED")
        .contains("newest verified checkpoint is of epoch 2 of 3").contains("train epoch 3 again"));
    assertThat(again.epochs()).isEqualTo(3);
    assertThat(again.resumedFrom()).isEqualTo(2);
    assertThat(RecoveryFixture.tensors(again.state())).isEqualTo(reference);
    assertThat(RecoveryFixture.checkpointTensors(dir, 3, new Configuration()))
        .isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, 3, new Configuration()));
    assertThat(new io.epochal.job.JobStateStore(org.apache.hadoop.fs.FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(dir)).read().get().getState()).isEqualTo(io.epochal.job.JobState.COMPLETED);
  }

  @Test
  void aJobWhoseEveryCheckpointIsDamagedSaysSoAndTrainsFromTheStartToTheSameResult() throws Exception {
    Path jobDir = root.resolve("all-damaged");
    String dir = jobDir.toUri().toString();
    run(RecoveryFixture.spec(dir, data), new RecoveryFixture.Recording());
    try (java.util.stream.Stream<Path> epochs = java.nio.file.Files.list(jobDir.resolve("checkpoints"))) {
      for (Path epoch : (Iterable<Path>) epochs::iterator) {
        flipByte(epoch.resolve("model.safetensors"));
      }
    }

    RecoveryFixture.Recording listener = new RecoveryFixture.Recording();
    TrainingOutcome again = run(RecoveryFixture.spec(dir, data), listener);

    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("no verified checkpoint under")
        .contains("damaged): training starts again from epoch 1"));
    assertThat(again.resumedFrom()).isZero();
    assertThat(RecoveryFixture.tensors(again.state())).isEqualTo(reference);
  }

  @Test
  void aCheckpointThatDoesNotReproduceItsProbeStopsTheResumeAsNotReproducible() throws Exception {
    Path jobDir = root.resolve("not-reproducible");
    String dir = jobDir.toUri().toString();
    run(RecoveryFixture.spec(dir, data), new RecoveryFixture.Recording());
    // a changed weight whose manifest entry was updated: every file check passes, the output does not
    Path checkpoint = jobDir.resolve("checkpoints/epoch-000003");
    Path model = checkpoint.resolve("model.safetensors");
    flipByte(model);
    io.epochal.driver.testing.CheckpointFiles.relist(checkpoint, "model.safetensors");

    assertThatThrownBy(() -> run(RecoveryFixture.spec(dir, data), new RecoveryFixture.Recording()))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE);
          assertThat(e.reason().retryable()).isFalse();
          assertThat(e).hasMessageContaining("epoch-000003").hasMessageContaining("does not reproduce its model");
        });
  }

  private static void flipByte(Path file) throws java.io.IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() - 5;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
  }

  /** Cancels the first {@code times} Spark jobs of {@code jobGroup} as they start. */
  @Test
  void aStopThatComesWhileARetryWaitsEndsTheRunInsteadOfStartingTheAttempt() throws Exception {
    record Tried(String dir, RecoveryFixture.Recording listener, List<String> roundsAfterStop, Throwable thrown) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("stopped-in-backoff-" + attempt).toUri().toString();
      io.epochal.driver.train.CapturedStopHooks captured = new io.epochal.driver.train.CapturedStopHooks();
      List<String> roundsAfterStop = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      AtomicBoolean stopped = new AtomicBoolean();
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
        @Override
        public void warning(String message) {
          super.warning(message);
          if (message.contains("reloading the newest verified checkpoint") && stopped.compareAndSet(false, true)) {
            captured.runAll(); // SIGTERM as the retry begins to wait
          }
        }

        @Override
        public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
          if (stopped.get()) {
            roundsAfterStop.add(epoch + "." + round);
          }
        }
      };
      // round 2 of epoch 2 aborts, and again when it runs again in place: the job retries from its checkpoint
      SparkListener canceller = cancelOnStart("epochal-e1-r1", 2);
      spark.jsc().sc().addSparkListener(canceller);
      try {
        TrainingJob.builder().setSpec(RecoveryFixture.spec(dir, data, Map.of("retry.backoff_ms", "200")))
            .setSpark(spark).optListener(listener).optStopHooks(captured).build().run();
        return new Tried(dir, listener, roundsAfterStop, null);
      } catch (TrainingException e) {
        return new Tried(dir, listener, roundsAfterStop, e);
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.listener().warnings.stream().anyMatch(w -> w.contains("reloading the newest verified")));
    assertThat(t.thrown()).isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason())
        .isEqualTo(FailureReason.INTERRUPTED));
    assertThat(t.roundsAfterStop()).as("no attempt after the stop").isEmpty();
    assertThat(RecoveryFixture.events(t.dir(), new Configuration())).as("no attempt after the stop")
        .noneMatch(e -> e.getType() == JobEventType.RESUMED);
    assertThat(new JobStateStore(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(t.dir()))
        .read()).hasValueSatisfying(st -> assertThat(st.getState()).isEqualTo(JobState.FAILED));
  }

  private static SparkListener cancelOnStart(String jobGroup, int times) {
    java.util.concurrent.atomic.AtomicInteger fired = new java.util.concurrent.atomic.AtomicInteger();
    return new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        String group = start.properties().getProperty("spark.jobGroup.id");
        if (jobGroup.equals(group) && fired.getAndIncrement() < times) {
          new Thread(() -> spark.jsc().cancelJobGroup(group)).start();
        }
      }
    };
  }

  @Test
  void driverWhoseLeaseWasTakenOverStopsWithLeaseLostNamingTheHolderAndDoesNotCommit() throws Exception {
    String dir = root.resolve("taken-over").toUri().toString();
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
    FileSystem fs = p.getFileSystem(new Configuration());
    RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
      @Override
      public void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
        if (epoch == 1) {
          try {
            // A driver whose clock says our lease has long expired takes the job over.
            JobLease.builder().setFileSystem(fs).setJobDir(p).optHolder("usurper@elsewhere")
                .optTtl(Duration.ofHours(1))
                .optClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(1))).build().acquire(9);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    };
    assertThatThrownBy(() -> run(RecoveryFixture.spec(dir, data), listener))
        .isInstanceOfSatisfying(TrainingException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.LEASE_LOST))
        .hasMessageContaining("usurper@elsewhere");
    assertThat(Files.exists(root.resolve("taken-over/checkpoints/epoch-000001"))).isFalse();
    assertThat(RecoveryFixture.events(dir, new Configuration()))
        .noneMatch(e -> e.getType() == JobEventType.EPOCH_COMMITTED);
  }
}
