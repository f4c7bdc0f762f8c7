package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in model, the state of each optimizer kind and the moving average restore in full: a driver that
 * dies inside epoch 2, after a mid-epoch checkpoint, and its resume end with the checkpoints of a run
 * that never stopped, tensor for tensor (model, buffers, optimizer state, moving average) and metric
 * for metric. Each case is one configuration whose state the recovery tests' fixture job does not
 * hold (it trains an {@code mlp} with Adam and no moving average).
 */
class ResumeEquivalenceTest {

  /** 256 rows on 2 workers, batches of 8, 2 steps per round: 8 rounds per epoch. */
  private static final Map<String, String> ROUNDS_OF_TWO_STEPS = Map.of("train.batch_size", "8",
      "retry.max_attempts", "1", "checkpoint.every_n_rounds", "3");

  private static EpochalSpark spark;
  private static Path root;
  private static String rows;
  private static String images;

  @BeforeAll
  static void start(@TempDir Path tmp) {
    root = tmp;
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("resume-equivalence").build();
    rows = RecoveryFixture.writeData(spark, tmp.resolve("rows"));
    images = tmp.resolve("images").toUri().toString();
    DataGenerator.builder().optRows(256).optFeatures(16).optClasses(3).optSeed(9).optPartitions(2).build()
        .write(spark.session(), images, true);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  static Stream<Arguments> jobs() {
    return Stream.of(
        Arguments.of("cnn", Map.of("model.name", "cnn", "model.image_size", "4", "model.channels", "2",
            "model.classes", "3")),
        Arguments.of("mlp-offset", Map.of("model.name", "mlp-offset")),
        Arguments.of("rmsprop", Map.of("optimizer.name", "rmsprop", "optimizer.momentum", "0.9",
            "optimizer.centered", "true", "optimizer.lr", "0.002")),
        Arguments.of("sgd-nesterov", Map.of("optimizer.name", "sgd", "optimizer.lr", "0.05",
            "optimizer.momentum", "0.9", "optimizer.nesterov", "true", "optimizer.weight_decay", "0.0001")),
        Arguments.of("ema-dropout", Map.of("train.ema_decay", "0.9", "train.ema_warmup", "true",
            "model.dropout", "0.25")),
        Arguments.of("adamw-amsgrad", Map.of("optimizer.name", "adamw", "optimizer.amsgrad", "true")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jobs")
  void aDriverDeadInsideAnEpochResumesFromItsMidEpochCheckpointToTheUninterruptedRunsCheckpoints(String name,
      Map<String, String> keys) throws Exception {
    String reference = root.resolve(name + "-reference").toUri().toString();
    String dir = root.resolve(name + "-resumed").toUri().toString();
    run(spec(reference, keys), new Rounds(null));

    Rounds first = new Rounds("2.7");
    assertThatThrownBy(() -> run(spec(dir, keys), first)).isInstanceOf(DriverDied.class);
    assertThat(first.messages).anySatisfy(m -> assertThat(m)
        .contains("the mid-epoch checkpoint of epoch 2 after round 6 of 8 written to"));
    Rounds second = new Rounds(null);
    run(spec(dir, keys), second);
    assertThat(second.rounds).as("the resume continues at round 7 of epoch 2").startsWith("2.7", "2.8", "3.1")
        .hasSize(10);

    for (long epoch = 2; epoch <= RecoveryFixture.EPOCHS; epoch++) {
      LoadedCheckpoint expected = load(reference, epoch);
      LoadedCheckpoint got = load(dir, epoch);
      assertThat(got.model()).as("epoch %d's model", epoch).isEqualTo(expected.model());
      assertThat(got.optimizer()).as("epoch %d's optimizer state", epoch).isEqualTo(expected.optimizer());
      assertThat(got.ema()).as("epoch %d's moving average", epoch).isEqualTo(expected.ema());
      assertThat(got.manifest().globalStep()).isEqualTo(expected.manifest().globalStep());
      assertThat(got.manifest().metrics()).as("epoch %d's metrics", epoch)
          .containsAllEntriesOf(Map.of("train_loss", expected.manifest().metrics().get("train_loss"),
              "train_accuracy", expected.manifest().metrics().get("train_accuracy"),
              "samples", expected.manifest().metrics().get("samples")));
      assertThat(got.manifest().learningRateSchedule()).isEqualTo(expected.manifest().learningRateSchedule());
      assertThat(got.manifest().randomState()).isEqualTo(expected.manifest().randomState());
    }
    LoadedCheckpoint last = load(dir, RecoveryFixture.EPOCHS);
    assertThat(last.optimizer().names()).as("an optimizer that keeps state").isNotEmpty();
    if (keys.containsKey("train.ema_decay")) {
      assertThat(last.ema().names()).as("the moving average").isNotEmpty();
      assertThat(last.ema()).as("an average, not the model").isNotEqualTo(last.model());
    }
  }

  private static JobSpec spec(String dir, Map<String, String> keys) {
    Map<String, String> all = new LinkedHashMap<>(ROUNDS_OF_TWO_STEPS);
    if ("cnn".equals(keys.get("model.name"))) {
      all.put("model.input_dim", null);
      all.put("model.hidden", null);
      all.put("model.output_dim", null);
      all.put("data.path", images);
    }
    all.putAll(keys);
    Map<String, String> job = new LinkedHashMap<>(RecoveryFixture.keys(dir, rows, all));
    job.values().removeIf(java.util.Objects::isNull);
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optOverrides(job).build().resolve();
  }

  private static TrainingOutcome run(JobSpec spec, Rounds listener) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
  }

  private static LoadedCheckpoint load(String jobDir, long epoch) throws Exception {
    try (CheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      return store.load(epoch);
    }
  }

  /** A driver that dies in the middle of its work: an error no run handles, as a SIGKILL leaves the job RUNNING. */
  private static final class DriverDied extends Error {
    private static final long serialVersionUID = 1L;

    DriverDied(String message) {
      super(message);
    }
  }

  /** Records each finished round as {@code epoch.round}; dies as round {@code diesAt} ends. */
  private static final class Rounds extends RecoveryFixture.Recording {
    final List<String> rounds = Collections.synchronizedList(new ArrayList<>());
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final String diesAt;

    Rounds(String diesAt) {
      this.diesAt = diesAt;
    }

    @Override
    public void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
      this.rounds.add(epoch + "." + round);
      if ((epoch + "." + round).equals(diesAt)) {
        throw new DriverDied("the driver dies here (round " + round + " of epoch " + epoch + ")");
      }
    }

    @Override
    public void message(String message) {
      messages.add(message);
    }
  }
}
