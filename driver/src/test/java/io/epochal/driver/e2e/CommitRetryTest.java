package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingListener;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.LocalRound;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint write that fails is written again from the epoch's state in memory: the epoch is
 * not trained again, the job ends bit for bit as one without the failure, and a write whose
 * rename went through although it reported a failure is taken as committed. The job directory is
 * on {@link OtherSchemeFileSystem}, which injects the faults.
 */
class CommitRetryTest {

  private static EpochalSpark spark;
  private static String data;
  private static StateDict reference;
  private static String referenceDir;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start(@TempDir Path shared) throws Exception {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("e2e-commit-retry").build();
    data = E2eFixtures.writeData(spark, shared.resolve("data"), 256, FEATURES, 8);
    referenceDir = shared.resolve("reference").toUri().toString();
    Map<String, String> keys = E2eFixtures.jobKeys(referenceDir, data);
    reference = tensors(TrainingJob.builder().setSpec(E2eFixtures.resolve(shared, keys, new Configuration()))
        .setSpark(spark).build().run());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  @Test
  void aFailedCheckpointWriteIsWrittenAgainFromTheEpochsStateWithoutTrainingTheEpochAgain() throws Exception {
    AtomicReference<org.apache.hadoop.fs.Path> failed = new AtomicReference<>();
    // the first write of epoch 2's model file fails, through every call on its stream; later tries write
    OtherSchemeFileSystem.failWritesTo(p -> p.getName().equals("model.safetensors")
        && p.getParent().getName().startsWith("_tmp-epoch-000002") && (failed.compareAndSet(null, p)
        || p.equals(failed.get())));
    Run run = train("write-fails");

    assertThat(failed.get()).isNotNull();
    assertThat(run.roundsOfEpoch).as("the one round of each epoch trained once").isEqualTo(Map.of(1, 1, 2, 1, 3, 1));
    assertThat(tensors(run.outcome)).isEqualTo(reference);
    assertThat(run.warnings).anySatisfy(w -> assertThat(w).contains("attempt 1 failed (CHECKPOINT_WRITE_FAILED)")
        .contains("injected fault").contains("writing the checkpoint of epoch 2 again from its state in memory, "
            + "without training the epoch again"));
    assertThat(run.warnings).noneMatch(w -> w.contains("reloading the newest verified checkpoint"));
    assertThat(run.events).filteredOn(e -> e.getType() == JobEventType.FAILURE).singleElement().satisfies(f -> {
      assertThat(f.getEpoch()).isEqualTo(2);
      assertThat(f.getReason()).isEqualTo("CHECKPOINT_WRITE_FAILED");
      assertThat(f.getMessage()).contains("try 1 of 3, retried in place from the state in memory");
    });
    assertThat(run.committed).containsExactly(1, 2, 3);
    assertThat(run.events).filteredOn(e -> e.getType() == JobEventType.EPOCH_COMMITTED)
        .extracting(JobEvent::getEpoch).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aRenameThatWentThroughThoughItReportedAFailureIsTakenAsCommittedOnceItsCheckpointVerifies() throws Exception {
    AtomicBoolean lost = new AtomicBoolean();
    OtherSchemeFileSystem.loseAnswerOfRenameTo(p -> p.getName().equals("epoch-000002") && lost.compareAndSet(false,
        true));
    Run run = train("rename-answer-lost");

    assertThat(lost).isTrue();
    assertThat(run.roundsOfEpoch).isEqualTo(Map.of(1, 1, 2, 1, 3, 1));
    assertThat(tensors(run.outcome)).isEqualTo(reference);
    assertThat(run.messages).anySatisfy(m -> assertThat(m).contains("the checkpoint of epoch 2 was published by the "
        + "write that reported a failure").contains("taking it as committed"));
    assertThat(run.committed).as("epoch 2 published once, and said once").containsExactly(1, 2, 3);
    assertThat(run.events).filteredOn(e -> e.getType() == JobEventType.FAILURE).singleElement()
        .satisfies(f -> assertThat(f.getMessage()).contains("was lost"));
  }

  @Test
  void aPublishedCheckpointThatDoesNotVerifyIsNotWrittenAgainInPlaceButReloadedPast() throws Exception {
    AtomicBoolean first = new AtomicBoolean();
    // another writer's directory, holding a manifest of its own, appears at epoch 2's name just before the rename
    OtherSchemeFileSystem.publishFirstAt(p -> p.getName().equals("epoch-000002") && first.compareAndSet(false, true));
    Run run = train("damaged-published");

    assertThat(first).isTrue();
    assertThat(tensors(run.outcome)).isEqualTo(reference);
    assertThat(run.warnings).anySatisfy(w -> assertThat(w).contains("attempt 2 failed (CHECKPOINT_WRITE_FAILED)")
        .contains("epoch-000002 exists but does not verify").contains("reloading the newest verified checkpoint"));
    // epoch 2 trained again after the reload (epoch 3 too when it had started while epoch 2 was being committed)
    assertThat(run.roundsOfEpoch).containsEntry(1, 1).containsEntry(2, 2);
  }

  /** What one training run on {@link OtherSchemeFileSystem} did. */
  private static final class Run {
    TrainingOutcome outcome;
    final Map<Integer, Integer> roundsOfEpoch = new ConcurrentHashMap<>();
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> committed = Collections.synchronizedList(new ArrayList<>());
    List<JobEvent> events;
  }

  private Run train(String name) throws Exception {
    String jobDir = OtherSchemeFileSystem.uri(tmp.resolve(name));
    Configuration conf = OtherSchemeFileSystem.register(new Configuration());
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir, data);
    keys.put("retry.max_attempts", "3");
    keys.put("retry.backoff_ms", "10");
    Run run = new Run();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void committed(int epoch, String path, long bytes, long millis) {
        run.committed.add(epoch);
      }

      @Override
      public void warning(String message) {
        run.warnings.add(message);
      }

      @Override
      public void message(String message) {
        run.messages.add(message);
      }
    };
    SparkListener rounds = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        String group = String.valueOf(start.properties().getProperty("spark.jobGroup.id"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epochal-e(\\d+)-r\\d+").matcher(group);
        if (m.matches()) {
          run.roundsOfEpoch.merge(Integer.parseInt(m.group(1)) + 1, 1, Integer::sum);
        }
      }
    };
    spark.jsc().sc().addSparkListener(rounds);
    try {
      run.outcome = TrainingJob.builder().setSpec(E2eFixtures.resolve(tmp, keys, conf)).setSpark(spark)
          .optListener(listener).optHadoopConf(conf).build().run();
    } finally {
      spark.jsc().sc().removeSparkListener(rounds);
      OtherSchemeFileSystem.clearFaults();
    }
    try (CheckpointStore store = E2eFixtures.store(jobDir, conf);
        CheckpointStore expected = E2eFixtures.store(referenceDir, new Configuration())) {
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactly(1L, 2L, 3L);
      for (long epoch = 1; epoch <= 3; epoch++) {
        E2eFixtures.assertVerified(store, epoch);
        // what a resume from it would start from: the state after the epoch, however often it was written
        var written = store.load(epoch);
        var uninterrupted = expected.load(epoch);
        assertThat(written.model()).as("model of epoch %d's checkpoint", epoch).isEqualTo(uninterrupted.model());
        assertThat(written.optimizer()).as("optimizer of epoch %d's checkpoint", epoch)
            .isEqualTo(uninterrupted.optimizer());
        assertThat(written.manifest().globalStep()).isEqualTo(uninterrupted.manifest().globalStep());
      }
    }
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(tmp.resolve(name).resolve("checkpoints"))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("the failed try's temporary directory is removed")
          .noneMatch(f -> f.startsWith("_tmp-"));
    }
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      run.events = E2eFixtures.events(fs, new org.apache.hadoop.fs.Path(jobDir));
    }
    return run;
  }

  private static StateDict tensors(TrainingOutcome outcome) {
    return StateDict.builder().putAll(LocalRound.modelPart(outcome.state()))
        .putAll(LocalRound.optimizerPart(outcome.state())).build();
  }
}
