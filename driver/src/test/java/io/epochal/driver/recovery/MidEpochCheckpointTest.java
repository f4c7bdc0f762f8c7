package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.tensor.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints inside an epoch ({@code checkpoint.every_n_rounds}, {@code checkpoint.every_n_minutes}) on
 * {@code local[2]}: a run that stops inside an epoch continues at the round after its newest mid-epoch
 * checkpoint and ends bit for bit as a run that never stopped, with the same metrics.
 */
class MidEpochCheckpointTest {

  /** Eight rounds per epoch: 128 rows per worker, batches of 8, two local steps per round. */
  private static final Map<String, String> ROUNDS_OF_TWO_STEPS = Map.of("train.batch_size", "8",
      "retry.max_attempts", "1");

  private static EpochalSpark spark;
  private static Path root;
  private static String data;
  private static TrainingOutcome reference;
  private static String referenceDir;

  @BeforeAll
  static void start(@TempDir Path tmp) throws Exception {
    root = tmp;
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("mid-epoch-checkpoints").build();
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
    referenceDir = tmp.resolve("reference").toUri().toString();
    reference = run(spec(referenceDir, Map.of()), new Rounds());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  private static JobSpec spec(String dir, Map<String, String> more) {
    Map<String, String> keys = new HashMap<>(ROUNDS_OF_TWO_STEPS);
    keys.putAll(more);
    return RecoveryFixture.spec(dir, data, keys);
  }

  private static TrainingOutcome run(JobSpec spec, Rounds listener) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
  }

  /** Records each finished round as {@code epoch.round}; fails the run as round {@code failAt} ends. */
  private static class Rounds extends RecoveryFixture.Recording {
    final List<String> rounds = Collections.synchronizedList(new ArrayList<>());
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final String failAt;

    Rounds() {
      this(null);
    }

    Rounds(String failAt) {
      this.failAt = failAt;
    }

    @Override
    public void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
      this.rounds.add(epoch + "." + round);
      if ((epoch + "." + round).equals(failAt)) {
        throw new IllegalStateException("the driver stops here (round " + round + " of epoch " + epoch + ")");
      }
    }

    @Override
    public void message(String message) {
      messages.add(message);
    }
  }

  private static List<String> midEpochDirs(String jobDir) throws Exception {
    Path dir = Path.of(java.net.URI.create(jobDir)).resolve("mid-epoch");
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static CheckpointManifest finalManifest(String jobDir) throws Exception {
    try (CheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      return store.load(RecoveryFixture.EPOCHS).manifest();
    }
  }

  @Test
  void aRunStoppedInsideAnEpochContinuesAtTheRoundAfterItsNewestMidEpochCheckpointAndEndsBitIdentical()
      throws Exception {
    String dir = root.resolve("stopped-in-epoch-2").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    Rounds first = new Rounds("2.7");
    assertThatThrownBy(() -> run(spec, first)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the driver stops here (round 7 of epoch 2)");
    assertThat(first.messages).anySatisfy(m -> assertThat(m)
        .contains("the mid-epoch checkpoint of epoch 2 after round 6 of 8 written to"));
    // the newest only: round 3's went when round 6's was written, epoch 1's when epoch 1 was committed
    List<String> left = midEpochDirs(dir);
    assertThat(left).singleElement().satisfies(n -> assertThat(n).startsWith("step-"));
    try (CheckpointStore steps = HadoopCheckpointStore.builder().setJobDir(dir).optSeries(CheckpointSeries.STEPS)
        .build()) {
      LoadedCheckpoint c = steps.latest().checkpoint().orElseThrow();
      assertThat(c.manifest().epoch()).as("epochs completed").isEqualTo(1);
      assertThat(c.manifest().randomState().getLong("round")).isEqualTo(6);
      assertThat(c.manifest().randomState().getLong("rounds_per_epoch")).isEqualTo(8);
      assertThat(c.manifest().globalStep()).isEqualTo(16 + 12);
      assertThat(c.manifest().metrics()).containsEntry("progress.samples", 6 * 32.0)
          .containsKey("progress.loss_sum").containsKey("train_loss"); // epoch 1's, carried
      assertThat(left.get(0)).isEqualTo(CheckpointSeries.STEPS.name(28));
    }

    Rounds second = new Rounds();
    TrainingOutcome resumed = run(spec, second);
    assertThat(second.rounds).as("epoch 2 goes on at round 7").startsWith("2.7", "2.8", "3.1");
    assertThat(second.messages).anySatisfy(m -> assertThat(m).contains("the mid-epoch checkpoint holds rounds 1-6 "
        + "of epoch 2: training continues at round 7 of 8"));
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    CheckpointManifest expected = finalManifest(referenceDir);
    CheckpointManifest got = finalManifest(dir);
    assertThat(got.globalStep()).isEqualTo(expected.globalStep());
    for (String metric : List.of("train_loss", "train_accuracy", "samples")) {
      assertThat(got.metrics().get(metric)).as(metric).isEqualTo(expected.metrics().get(metric));
    }
    assertThat(RecoveryFixture.checkpointTensors(dir, 2, new org.apache.hadoop.conf.Configuration()))
        .isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, 2, new org.apache.hadoop.conf.Configuration()));
    assertThat(midEpochDirs(dir)).as("the final epoch's checkpoint removed them").isEmpty();
  }

  @Test
  void midEpochCheckpointsByTimeAfterEveryRoundChangeNothingTheRunComputes() throws Exception {
    String dir = root.resolve("by-time").toUri().toString();
    Rounds listener = new Rounds();
    // a millisecond: every round's end but an epoch's last is checkpointed, unless a write is still under way
    TrainingOutcome outcome = run(spec(dir, Map.of("checkpoint.every_n_minutes", "0.00001")), listener);
    assertThat(listener.messages.stream().filter(m -> m.contains("the mid-epoch checkpoint of epoch")).count())
        .isGreaterThanOrEqualTo(3);
    assertThat(listener.messages).noneMatch(m -> m.contains("after round 8 of 8"));
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    assertThat(finalManifest(dir).metrics().get("train_loss"))
        .isEqualTo(finalManifest(referenceDir).metrics().get("train_loss"));
    assertThat(midEpochDirs(dir)).isEmpty();
  }
}
