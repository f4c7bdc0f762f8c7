package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.CLASSES;
import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.train.RoundRunner;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingListener;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on {@code local[2]} through the real product path, one Spark session for the class. */
class LocalTrainingEndToEndTest {

  private static EpochalSpark spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("e2e-local").build();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.close();
    }
  }

  /** {@code rows} generated rows of {@code FEATURES} features in {@code tmp/name}; their URI. */
  private String data(String name, int rows, long seed) {
    return E2eFixtures.writeData(spark, tmp.resolve(name), rows, FEATURES, seed);
  }

  /** A listener that adds every warning to {@code warnings}. */
  private static TrainingListener warningsInto(List<String> warnings) {
    return new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    };
  }

  private static TrainingOutcome train(JobSpec spec) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
  }

  @Test
  void threeEpochsLowerTheLossAndCommitOneVerifiedCheckpointPerEpoch() throws Exception {
    String data = data("data", 1024, 5);
    Path jobDir = tmp.resolve("job");
    Configuration conf = new Configuration();
    JobSpec spec = E2eFixtures.resolve(tmp, E2eFixtures.jobKeys(jobDir.toString(), data), conf);

    Map<Integer, Double> lastRoundLoss = new java.util.TreeMap<>();
    TrainingListener progress = new TrainingListener() {
      @Override
      public void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
        if (round == rounds) {
          lastRoundLoss.put(epoch, meanLoss);
        }
      }
    };
    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(progress).build().run();

    assertThat(outcome.epochs()).isEqualTo(3);
    assertThat(outcome.resumedFrom()).isZero();
    List<Double> losses = outcome.epochLosses();
    assertThat(losses).hasSize(3);
    assertThat(losses.get(2)).isLessThan(losses.get(0));
    assertThat(lastRoundLoss.values()).as("the progress line's loss at an epoch's last round is the epoch's")
        .containsExactlyElementsOf(losses);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactly(1L, 2L, 3L);
      LoadedCheckpoint last = null;
      for (long epoch = 1; epoch <= 3; epoch++) {
        last = E2eFixtures.assertVerified(store, epoch);
        assertThat(last.manifest().metrics().get("train_loss")).isEqualTo(losses.get((int) epoch - 1));
      }
      assertThat(last.model()).isEqualTo(LocalRound.modelPart(outcome.state()));
      assertThat(last.optimizer()).isEqualTo(LocalRound.optimizerPart(outcome.state()));
      assertThat(last.manifest().globalStep()).isEqualTo(outcome.globalStep());
    }

    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
    FileSystem fs = dir.getFileSystem(conf);
    List<JobEvent> events = E2eFixtures.events(fs, dir);
    assertThat(events).extracting(JobEvent::getType).containsExactly(JobEventType.STARTED,
        JobEventType.EPOCH_COMMITTED, JobEventType.EPOCH_COMMITTED, JobEventType.EPOCH_COMMITTED,
        JobEventType.COMPLETED);
    assertThat(events.subList(1, 4)).extracting(JobEvent::getEpoch).containsExactly(1L, 2L, 3L);
    assertThat(E2eFixtures.state(fs, dir)).hasValueSatisfying(s -> assertThat(s.getState())
        .isEqualTo(JobState.COMPLETED));

    CliRun status = CliRun.of("status", jobDir.toString());
    assertThat(status.code).as("%s", status).isZero();
    assertThat(status.out).contains("COMPLETED").contains("checkpoints: 3");
    for (int e = 1; e <= 3; e++) {
      assertThat(status.out).contains(String.format("epoch-%06d", e))
          .contains(String.format("%.6f", losses.get(e - 1)));
    }

    CliRun inspect = CliRun.of("inspect", jobDir.resolve("checkpoints/epoch-000003").toString());
    assertThat(inspect.code).as("%s", inspect).isZero();
    assertThat(inspect.out).contains("epoch:        3 (global step " + outcome.globalStep() + ")")
        .contains("model:        mlp v1")
        .containsPattern("data sha256:  [0-9a-f]{64}\n")
        .contains("train_loss=" + losses.get(2))
        .contains("model.safetensors: 4 tensors")
        .containsPattern("layers\\.0\\.weight\\s+F32\\s+\\[16, " + FEATURES + "\\]")
        .containsPattern("layers\\.3\\.weight\\s+F32\\s+\\[" + CLASSES + ", 16\\]")
        .containsPattern("layers\\.0\\.weight\\.exp_avg_sq\\s+F32\\s+\\[16, " + FEATURES + "\\]")
        .contains("probe.safetensors:");

    TrainingOutcome again = train(spec);
    assertThat(again.resumedFrom()).as("a completed job trains nothing more").isEqualTo(3);
    assertThat(again.state()).isEqualTo(outcome.state());
    assertThat(E2eFixtures.events(fs, dir)).as("no new attempt").hasSize(events.size());
  }

  @Test
  void aClippedJobRecordsItsLimitAndMovesItsWeightsNoFurtherThanTheLimitAllows() throws Exception {
    String data = data("data", 256, 5);
    Configuration conf = new Configuration();
    // 2 workers of 128 rows, batches of 32: 4 plain SGD steps per worker and epoch, in one round
    Map<String, String> keys = new java.util.LinkedHashMap<>(E2eFixtures.jobKeys(tmp.resolve("free").toString(), data));
    keys.put("optimizer.name", "sgd");
    keys.put("optimizer.lr", "0.1");
    keys.put("train.epochs", "2");
    JobSpec free = E2eFixtures.resolve(tmp, keys, conf);
    keys.put("job.dir", tmp.resolve("clipped").toString());
    keys.put("train.clip_grad_norm", "0.01");
    JobSpec clipped = E2eFixtures.resolve(tmp, keys, conf);
    train(free);
    train(clipped);

    // every step moves a worker's weights by lr x its clipped gradient, at most 0.1 x 0.01; averaging moves no further
    double bound = 4 * 0.1 * 0.01 * (1 + 1e-3);
    try (CheckpointStore freeStore = E2eFixtures.store(free.jobDir().toString(), conf);
        CheckpointStore clippedStore = E2eFixtures.store(clipped.jobDir().toString(), conf)) {
      LoadedCheckpoint last = E2eFixtures.assertVerified(clippedStore, 2);
      assertThat(last.manifest().hyperParameters().getDouble("train.clip_grad_norm")).isEqualTo(0.01);
      assertThat(freeStore.load(2).manifest().hyperParameters().contains("train.clip_grad_norm"))
          .as("no clipping is stored as no key, as by jobs made before it existed").isFalse();
      // every step of both workers was clipped: its norm above 0.01, which is what its weights moved by at most
      Map<String, Double> metrics = last.manifest().metrics();
      assertThat(metrics.get("grad_clipped")).isEqualTo(1.0);
      assertThat(metrics.get("grad_norm")).isGreaterThan(0.01);
      assertThat(metrics.get("grad_norm_max")).isGreaterThanOrEqualTo(metrics.get("grad_norm"));
      assertThat(freeStore.load(2).manifest().metrics()).as("not measured without clipping")
          .doesNotContainKeys("grad_norm", "grad_norm_max", "grad_clipped");
      assertThat(distance(clippedStore.load(1).model(), last.model())).as("epoch 2's move, clipped")
          .isGreaterThan(bound / 2).isLessThanOrEqualTo(bound);
      assertThat(distance(freeStore.load(1).model(), freeStore.load(2).model())).as("epoch 2's move, not clipped")
          .isGreaterThan(10 * bound);
    }
  }

  @Test
  void aJobAccumulatingFourBatchesPerStepTrainsAsOneWithBatchesFourTimesAsLargeAndCountsOptimizerSteps()
      throws Exception {
    String data = data("accumulation", 256, 5);
    Configuration conf = new Configuration();
    // 2 workers of 128 rows: 4 plain SGD steps of 32 samples per worker and epoch, in 2 rounds of 2
    Map<String, String> keys = new java.util.LinkedHashMap<>(E2eFixtures.jobKeys(tmp.resolve("large").toString(),
        data));
    keys.put("optimizer.name", "sgd");
    keys.put("optimizer.lr", "0.1");
    keys.put("train.epochs", "2");
    keys.put("train.local_steps", "2");
    JobSpec large = E2eFixtures.resolve(tmp, keys, conf);
    keys.put("job.dir", tmp.resolve("accumulated").toString());
    keys.put("train.batch_size", "8");
    keys.put("train.accumulate_grad_batches", "4");
    JobSpec accumulated = E2eFixtures.resolve(tmp, keys, conf);
    TrainingOutcome largeOutcome = train(large);
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingOutcome accumulatedOutcome = TrainingJob.builder().setSpec(accumulated).setSpark(spark)
        .optListener(warningsInto(warnings)).build().run();
    assertThat(warnings).as("every shard fills its steps").noneMatch(w -> w.contains("shards hold fewer rows"));

    assertThat(accumulatedOutcome.globalStep()).as("optimizer steps, not batches").isEqualTo(8)
        .isEqualTo(largeOutcome.globalStep());
    try (CheckpointStore largeStore = E2eFixtures.store(large.jobDir().toString(), conf);
        CheckpointStore accumulatedStore = E2eFixtures.store(accumulated.jobDir().toString(), conf)) {
      LoadedCheckpoint last = E2eFixtures.assertVerified(accumulatedStore, 2);
      LoadedCheckpoint reference = largeStore.load(2);
      assertThat(last.manifest().hyperParameters().getLong("train.accumulate_grad_batches")).isEqualTo(4L);
      assertThat(reference.manifest().hyperParameters().contains("train.accumulate_grad_batches"))
          .as("one batch per step is stored as no key, as by jobs made before it existed").isFalse();
      assertThat(last.manifest().dataDigest()).as("both trained on the same shards")
          .isEqualTo(reference.manifest().dataDigest());
      double moved = distance(largeStore.load(1).model(), reference.model());
      assertThat(moved).isGreaterThan(1e-2);
      for (int epoch = 1; epoch <= 2; epoch++) { // the first epoch that differs, and in which tensors
        StateDict summed = accumulatedStore.load(epoch).model();
        StateDict oneBatch = largeStore.load(epoch).model();
        assertThat(distance(summed, oneBatch)).as("epoch %d: the same steps, summed batch by batch; per tensor %s",
            epoch, differences(summed, oneBatch)).isLessThan(moved * 1e-4);
      }
      assertThat(last.manifest().metrics().get("train_loss")).isCloseTo(
          reference.manifest().metrics().get("train_loss"), within(1e-5));
    }

    // 32 batches of 8 per step: more than a shard of 128 rows holds, one short step per epoch
    keys.put("job.dir", tmp.resolve("one-step").toString());
    keys.put("train.accumulate_grad_batches", "32");
    keys.put("train.epochs", "1");
    warnings.clear();
    TrainingOutcome oneStep = TrainingJob.builder().setSpec(E2eFixtures.resolve(tmp, keys, conf)).setSpark(spark)
        .optListener(warningsInto(warnings)).build().run();
    assertThat(oneStep.globalStep()).isEqualTo(1);
    assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("2 of 2 workers' shards hold fewer rows than an "
        + "optimizer step takes, train.batch_size=8 x train.accumulate_grad_batches=32 = 256 (the smallest ")
        .contains("each epoch is one optimizer step of fewer samples on such a worker"));
  }

  @Test
  void aPlateauScheduleLowersTheRateAfterAnEpochWithoutImprovementAndTheNextEpochTrainsAtIt() throws Exception {
    String data = data("plateau", 256, 7);
    Map<String, String> keys = new java.util.LinkedHashMap<>(E2eFixtures.jobKeys(tmp.resolve("plateau-job").toString(),
        data));
    keys.put("optimizer.name", "sgd"); // a step moves the weights in proportion to the rate
    keys.put("optimizer.lr", "0.1");
    keys.put("train.epochs", "3");
    keys.put("schedule.name", "plateau");
    keys.put("schedule.patience", "0");
    keys.put("schedule.threshold", "0.99"); // an improvement is a loss below 1 % of the best: none after epoch 1
    keys.put("schedule.factor", "0.000001");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> messages = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(new TrainingListener() {
      @Override
      public void message(String message) {
        messages.add(message);
      }
    }).build().run();

    double once = 0.1 * 0.000001;
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("epoch 2: train_loss did not improve for 1 epoch "
        + "(best ").endsWith("more than schedule.patience = 0: learning rate 0.1 -> " + once));
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      HyperParameters first = E2eFixtures.assertVerified(store, 1).manifest().learningRateSchedule();
      HyperParameters second = store.load(2).manifest().learningRateSchedule();
      HyperParameters third = store.load(3).manifest().learningRateSchedule();
      assertThat(first.getDouble("schedule.lr")).isEqualTo(0.1);
      assertThat(first.getDouble("schedule.plateau.best"))
          .isEqualTo(store.load(1).manifest().metrics().get("train_loss"));
      assertThat(second.getDouble("schedule.lr")).isEqualTo(once);
      assertThat(second.getLong("schedule.plateau.reductions")).isEqualTo(1);
      assertThat(third.getDouble("schedule.lr")).isEqualTo(once * 0.000001);
      assertThat(third.getLong("schedule.plateau.reductions")).isEqualTo(2);
      // epoch 2 trained at 0.1, epoch 3 at a millionth of it
      double fullRate = distance(store.load(1).model(), store.load(2).model());
      double reduced = distance(store.load(2).model(), store.load(3).model());
      assertThat(fullRate).isGreaterThan(0);
      assertThat(reduced).isGreaterThan(0).isLessThan(fullRate * 1e-4);
    }
  }

  @Test
  void labelSmoothingReachesEveryWorkersLossAsTorchsLinearMixOfTheTwoTargets() throws Exception {
    String data = data("smoothing", 256, 8);
    // a learning rate of 0: every job's weights stay the initial ones, so the losses differ only by the smoothing
    Map<Double, Double> losses = new java.util.TreeMap<>();
    for (double e : new double[] {0, 0.5, 1}) {
      Map<String, String> keys = new java.util.LinkedHashMap<>(E2eFixtures.jobKeys(tmp.resolve("smoothing-" + e)
          .toString(), data));
      keys.put("optimizer.lr", "0");
      keys.put("train.epochs", "1");
      keys.put("loss.label_smoothing", Double.toString(e));
      JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
      train(spec);
      try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
        LoadedCheckpoint c = E2eFixtures.assertVerified(store, 1);
        losses.put(e, c.manifest().metrics().get("train_loss"));
        assertThat(c.manifest().hyperParameters().contains("loss.label_smoothing")).as("stored for %s", e)
            .isEqualTo(e > 0);
      }
    }
    // (1 - e) * nll + e * uniform: the half-way smoothing is the mean of none and full, to float rounding
    assertThat(losses.get(1.0)).isNotCloseTo(losses.get(0.0), within(0.01));
    assertThat(losses.get(0.5)).isCloseTo((losses.get(0.0) + losses.get(1.0)) / 2, within(1e-6));
  }

  /** Each tensor's largest absolute difference between {@code a} and {@code b}, by name. */
  private static Map<String, Double> differences(StateDict a, StateDict b) {
    Map<String, Double> out = new java.util.TreeMap<>();
    for (String name : a.names()) {
      float[] x = a.require(name).toFloatArray();
      float[] y = b.require(name).toFloatArray();
      double max = 0;
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs((double) x[i] - y[i]));
      }
      out.put(name, max);
    }
    return out;
  }

  /** The L2 distance between two states' tensors. */
  private static double distance(StateDict a, StateDict b) {
    double squares = 0;
    for (String name : a.names()) {
      float[] x = a.require(name).toFloatArray();
      float[] y = b.require(name).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        squares += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
      }
    }
    return Math.sqrt(squares);
  }

  /** A job training {@code model} (one of the worker's faulty test models) with these extra keys. */
  private JobSpec faultyModelJob(Path jobDir, String model, Map<String, String> extra) throws Exception {
    Map<String, String> keys = new java.util.LinkedHashMap<>(E2eFixtures.jobKeys(jobDir.toString(),
        data("data", 256, 5)));
    keys.keySet().removeIf(k -> k.startsWith("model."));
    keys.put("model.name", model);
    keys.put("model.version", "1");
    keys.put("model.features", Integer.toString(FEATURES));
    keys.put("model.outputs", Integer.toString(CLASSES));
    keys.putAll(extra);
    return E2eFixtures.resolve(tmp, keys, new Configuration());
  }

  @Test
  void aModelOfOnesOwnThatDoesNotReproduceItsOutputStopsAtItsFirstCheckpointBeforeItIsPublished() throws Exception {
    Path jobDir = tmp.resolve("unreproducible");
    // one epoch: a second one's first round would find it too, on a worker, perhaps before the commit's check
    JobSpec spec = faultyModelJob(jobDir, "unreproducible-linear", Map.of("train.epochs", "1"));

    assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run())
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE);
          assertThat(e.epoch()).isEqualTo(1);
        })
        .hasMessageContaining("the checkpoint of epoch 1 is not published: model unreproducible-linear v1 does not "
            + "reproduce its own output")
        .hasMessageContaining("register that tensor with state() as a parameter or buffer")
        .hasMessageContaining("both computed in this process")
        .hasMessageNotContaining("restore it from a copy").hasMessageNotContaining("digests in its manifest");
    try (CheckpointStore store = E2eFixtures.store(jobDir.toUri().toString(), new Configuration())) {
      assertThat(E2eFixtures.checkpointEpochs(store)).as("nothing published").isEmpty();
    }
  }

  @Test
  void aModelOfOnesOwnKeepingTrainedStateOutsideItsStateDictStopsInTheFirstRoundThatReusesIt() throws Exception {
    Path jobDir = tmp.resolve("drifting");
    JobSpec spec = faultyModelJob(jobDir, "drifting-linear", Map.of("retry.max_attempts", "3"));

    // two freshly built models agree (the first commit's check passes); a model that trained does not
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run())
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE);
          assertThat(e.epoch()).as("the first round after the first epoch's").isEqualTo(2);
        })
        .hasMessageContaining("epoch 2 round 1 failed: model drifting-linear v1 keeps state outside its state dict")
        .hasMessageContaining("give the model a new version()");
    assertThat(E2eFixtures.events(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(
        jobDir.toUri()))).as("not retried").filteredOn(ev -> ev.getType() == JobEventType.FAILURE).hasSize(1);
  }

  @Test
  void oneRoundOfTwoWorkersWithPlainSgdEqualsOneStepOnTheUnionBatch() {
    int batch = 16;
    TrainingConfig perWorker = sgdConfig(batch);
    TrainingConfig union = sgdConfig(2 * batch);
    DataShard first = shard(0, batch, 21);
    DataShard second = shard(1, batch, 22);
    DataShard both = concat(first, second);
    StateDict initial = initialState(perWorker);

    RoundRunner runner = new RoundRunner(spark.jsc(), spark.jsc().parallelize(List.of(first, second), 2),
        perWorker, 2, batch);
    AggregateResult averaged = runner.run(initial, 0, 0, 0, "averaging identity");
    RoundResult single = LocalRound.run(union, initial, both, 0, 0, 0);

    assertThat(averaged.samples()).isEqualTo(2L * batch);
    StateDict a = averaged.state();
    StateDict b = single.state();
    assertThat(a.names()).containsExactlyElementsOf(b.names());
    double moved = 0;
    for (String name : b.names()) {
      if (b.get(name).dtype() != DType.F32) {
        assertThat(a.get(name)).as(name).isEqualTo(b.get(name));
        continue;
      }
      float[] x = a.get(name).toFloatArray();
      float[] y = b.get(name).toFloatArray();
      assertThat(x).as(name).hasSameSizeAs(y);
      for (int i = 0; i < x.length; i++) {
        assertThat((double) x[i]).as("%s[%s]", name, i).isCloseTo(y[i], within(1e-6));
      }
      if (initial.contains(name)) {
        float[] w0 = initial.get(name).toFloatArray();
        for (int i = 0; i < w0.length; i++) {
          moved = Math.max(moved, Math.abs(w0[i] - y[i]));
        }
      }
    }
    assertThat(moved).as("the step changed the weights").isGreaterThan(1e-4);
    assertThat(averaged.meanLoss()).isCloseTo(single.lossSum() / single.samples(), within(1e-6));
  }

  @Test
  void aCnnTrainsFromFlatFeatureRowsAndItsCheckpointVerifies() throws Exception {
    String data = E2eFixtures.writeData(spark, tmp.resolve("images"), 256, 64, 8);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("cnn-job").toString(), data);
    keys.remove("model.input_dim");
    keys.remove("model.hidden");
    keys.remove("model.output_dim");
    keys.put("model.name", "cnn");
    keys.put("model.image_size", "8");
    keys.put("model.channels", "4");
    keys.put("model.classes", Integer.toString(CLASSES));
    keys.put("train.epochs", "1");
    Configuration conf = new Configuration();
    JobSpec spec = E2eFixtures.resolve(tmp, keys, conf);

    TrainingOutcome outcome = train(spec);

    assertThat(outcome.epochs()).isEqualTo(1);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      LoadedCheckpoint c = E2eFixtures.assertVerified(store, 1);
      assertThat(c.model().names()).contains("bn1.running_mean", "bn1.num_batches_tracked", "fc.weight");
      assertThat(c.model().require("bn1.num_batches_tracked").data().getLong(0)).as("BatchNorm forwards")
          .isPositive();
    }
  }

  @Test
  void dataThatDoesNotFitTheModelIsRefusedBeforeAnyRoundWithBothSizes() throws Exception {
    String data = data("narrow", 64, 2);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("misfit-job").toString(), data);
    keys.put("model.input_dim", Integer.toString(FEATURES + 4));
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());

    assertThatThrownBy(() -> train(spec))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT);
          assertThat(e.getMessage()).contains("the data has " + FEATURES + " features per row")
              .contains("takes " + (FEATURES + 4) + " per sample").contains("model.input_dim");
        });
    assertThat(tmp.resolve("misfit-job")).as("nothing written: the spec can be fixed in place").doesNotExist();
  }

  @Test
  void fewerRowsThanWorkersRefusesANewJobWritingNothingAndFailsAStartedOneAsBadInput() throws Exception {
    String data = data("few-rows", 3, 5);
    Path jobDir = tmp.resolve("too-many-workers-job");
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir.toString(), data);
    keys.put("train.workers", "4");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());

    assertThatThrownBy(() -> train(spec))
        .isInstanceOf(io.epochal.driver.config.ConfigException.class)
        .hasMessageContaining("has 3 usable rows").hasMessageContaining("fewer than train.workers=4")
        .hasMessageContaining("nothing was written");
    assertThat(jobDir).doesNotExist();

    // the same spec in a job directory a driver already started (its data has shrunk since)
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    new io.epochal.job.JobSpecStore(fs, dir).writeOnce(spec.toStored());
    assertThatThrownBy(() -> train(spec))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT);
          assertThat(e.getMessage()).contains("fewer than train.workers=4").contains("keeps the spec it started with");
        });
    assertThat(E2eFixtures.state(fs, dir))
        .hasValueSatisfying(st -> assertThat(st.getState()).isEqualTo(io.epochal.job.JobState.FAILED));
  }

  @Test
  void aStartedJobWhoseDataIsNowOfAnotherFormatIsToldToGetItsOwnFormatNotToChangeDataFormat() throws Exception {
    Path csv = tmp.resolve("now-csv");
    java.nio.file.Files.createDirectories(csv);
    java.nio.file.Files.writeString(csv.resolve("part-0.csv"), "f0,f1,f2,f3,label\n1,2,3,4,0\n");
    Path jobDir = tmp.resolve("format-changed-job");
    JobSpec spec = E2eFixtures.resolve(tmp, E2eFixtures.jobKeys(jobDir.toString(), csv.toString()), new Configuration());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    new io.epochal.job.JobSpecStore(fs, new org.apache.hadoop.fs.Path(jobDir.toUri())).writeOnce(spec.toStored());

    assertThatThrownBy(() -> train(spec))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT);
          assertThat(e.getMessage()).contains("part-0.csv is not a Parquet file")
              .contains("this job reads parquet (data.format is part of its spec, which a resume keeps): give it "
                  + "parquet files")
              .doesNotContain("set data.format");
        });
  }

  @Test
  void aNewJobNamingAMissingColumnIsRefusedBeforeItsJobDirectoryIsWritten() throws Exception {
    String data = data("columns", 64, 4);
    Path jobDir = tmp.resolve("typo-job");
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir.toString(), data);
    keys.put("data.features", "featurs");
    JobSpec typo = E2eFixtures.resolve(tmp, keys, new Configuration());

    assertThatThrownBy(() -> train(typo))
        .isInstanceOf(io.epochal.driver.config.ConfigException.class)
        .hasMessageContaining("data.features names column 'featurs'").hasMessageContaining("[features, label]");
    assertThat(jobDir).doesNotExist();

    keys.put("data.features", "features");
    keys.put("train.epochs", "1");
    JobSpec fixed = E2eFixtures.resolve(tmp, keys, new Configuration());
    assertThat(train(fixed).epochs()).isEqualTo(1);
  }

  @Test
  void labelsBeyondTheModelsOutputsAreBadRowsWhenReadWhateverDataClassesSays() throws Exception {
    String data = data("labels", 64, 3);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("unchecked-labels-job").toString(), data);
    keys.put("model.output_dim", Integer.toString(CLASSES - 1));
    keys.put("data.classes", "0");
    JobSpec unchecked = E2eFixtures.resolve(tmp, keys, new Configuration());

    assertThatThrownBy(() -> train(unchecked))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT);
          assertThat(e.getMessage()).contains("label column 'label' holds class " + (CLASSES - 1)
              + ", out of range [0, " + (CLASSES - 1) + ")").contains("the classes the model predicts")
              .contains(".parquet");
        });

    keys.put("job.dir", tmp.resolve("wide-classes-job").toString());
    keys.put("data.classes", Integer.toString(CLASSES));
    JobSpec wide = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingListener listener = warningsInto(warnings);
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(wide).setSpark(spark).optListener(listener).build().run())
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT);
          assertThat(e.getMessage()).contains("holds class " + (CLASSES - 1) + ", out of range [0, " + (CLASSES - 1)
              + ")");
        });
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("data.classes=" + CLASSES)
        .contains("predicts " + (CLASSES - 1) + " classes").contains("checked against [0, " + (CLASSES - 1) + ")"));
  }

  @Test
  void dataClassesWithARegressionLossAndShardsShorterThanABatchAreWarnedOfAndTrain() throws Exception {
    String data = data("regression", 40, 4);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("regression-job").toString(), data);
    keys.put("loss", "mse");
    keys.put("model.output_dim", "1");
    keys.put("train.batch_size", "32"); // 40 rows on 2 workers: shards of about 20
    keys.put("train.epochs", "1");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingListener listener = warningsInto(warnings);
    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
    assertThat(outcome.epochs()).isEqualTo(1);
    try (io.epochal.checkpoint.CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      assertThat(store.load(1).manifest().metrics()).as("a regression counts no correct predictions")
          .containsKey("train_loss").doesNotContainKey("train_accuracy");
    }
    assertThat(warnings).anySatisfy(w -> assertThat(w).isEqualTo("data.classes=" + CLASSES + " has no effect with "
        + "loss=mse: its labels are numeric targets, not class indices"));
    assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("2 of 2 workers' shards hold fewer rows than "
        + "train.batch_size=32 (the smallest ").contains(" of 40 rows): each epoch is one short batch"));
  }

  @Test
  void huberAndSmoothL1RegressionsTrainThroughSparkRecordTheirParameterOnlyWhenNotTorchsDefaultAndTheirTrainMae()
      throws Exception {
    String data = data("huber", 256, 4);
    String[][] jobs = {{"huber", "loss.huber_delta", "0.5"}, {"huber", "loss.huber_delta", "1"},
        {"smooth_l1", "loss.smooth_l1_beta", "2"}};
    for (String[] job : jobs) {
      String loss = job[0];
      String key = job[1];
      String value = job[2];
      Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve(loss + "-job-" + value).toString(), data);
      keys.put("loss", loss);
      keys.put(key, value);
      keys.put("model.output_dim", "1");
      keys.put("train.epochs", "2");
      JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
      TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
      assertThat(outcome.epochs()).isEqualTo(2);
      try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
        io.epochal.checkpoint.CheckpointManifest first = store.load(1).manifest();
        io.epochal.checkpoint.CheckpointManifest second = store.load(2).manifest();
        assertThat(second.hyperParameters().getString("loss")).isEqualTo(loss);
        assertThat(second.hyperParameters().contains(key)).as("%s %s stored", key, value)
            .isEqualTo(!value.equals("1"));
        assertThat(second.metrics()).doesNotContainKey("train_accuracy");
        assertThat(second.metrics().get("train_loss")).as("%s %s", key, value).isFinite()
            .isLessThan(first.metrics().get("train_loss"));
        assertThat(second.metrics().get("train_mae")).as("%s %s", key, value).isPositive()
            .isNotEqualTo(second.metrics().get("train_loss"));
      }
    }
    // l1's loss of a batch is its mean absolute error (in float32): the epoch's train_mae is its train_loss, summed
    // over two workers' shuffled pieces, or over one worker's chain of rounds
    for (String workers : List.of("2", "1")) {
      Map<String, String> l1 = E2eFixtures.jobKeys(tmp.resolve("l1-job-" + workers).toString(), data);
      l1.put("loss", "l1");
      l1.put("model.output_dim", "1");
      l1.put("train.epochs", "1");
      l1.put("train.workers", workers);
      JobSpec spec = E2eFixtures.resolve(tmp, l1, new Configuration());
      TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
      try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
        Map<String, Double> metrics = store.load(1).manifest().metrics();
        assertThat(metrics.get("train_mae")).as("%s workers", workers)
            .isCloseTo(metrics.get("train_loss"), within(1e-6 * metrics.get("train_loss")));
      }
    }
  }

  @Test
  void aCosineScheduleThatReachesItsFloorBeforeTheJobsLastStepIsWarnedOfWithTheStepsThatCoverIt() throws Exception {
    String data = data("cosine", 40, 6);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("cosine-job").toString(), data);
    keys.put("train.batch_size", "32"); // 40 rows on 2 workers: one step per epoch
    keys.put("train.epochs", "3");
    keys.put("schedule.name", "cosine");
    keys.put("schedule.total_steps", "1");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(warningsInto(warnings)).build().run();
    assertThat(warnings).anySatisfy(w -> assertThat(w).isEqualTo("schedule.total_steps = 1: the cosine schedule "
        + "reaches schedule.min_lr = 0.0 at step 1 of the job's 3 and holds it for the remaining 2 steps; for a decay "
        + "over the whole job set schedule.total_steps=3"));
  }

  @Test
  void cosineWarmRestartsRecordEachCheckpointsNextRateAndRestartAtTheBaseRate() throws Exception {
    String data = data("restarts", 40, 6);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("restarts-job").toString(), data);
    keys.put("train.batch_size", "32"); // 40 rows on 2 workers: one step per epoch
    keys.put("train.epochs", "3");
    keys.put("schedule.name", "cosine_restarts");
    keys.put("schedule.restart_steps", "2");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      // optimizer.lr 0.01, cycles of 2 steps: the rate of step 1 is half-way down the cosine, step 2 restarts
      double[] next = {0.01 * (1 + Math.cos(Math.PI * 1 / 2)) / 2, 0.01, 0.01 * (1 + Math.cos(Math.PI * 1 / 2)) / 2};
      for (long epoch = 1; epoch <= 3; epoch++) {
        HyperParameters schedule = store.load(epoch).manifest().learningRateSchedule();
        assertThat(schedule.getString("schedule.name")).isEqualTo("cosine_restarts");
        assertThat(schedule.getDouble("schedule.lr")).as("epoch %s", epoch).isEqualTo(next[(int) epoch - 1]);
      }
      assertThat(store.load(3).manifest().hyperParameters().getLong("schedule.restart_steps")).isEqualTo(2L);
    }
  }

  @Test
  void aLinearDecayRecordsEachCheckpointsNextRateAndIsWarnedOfWhenItEndsBeforeTheJob() throws Exception {
    String data = data("linear", 40, 6);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("linear-job").toString(), data);
    keys.put("train.batch_size", "32"); // 40 rows on 2 workers: one step per epoch
    keys.put("train.epochs", "3");
    keys.put("schedule.name", "linear");
    keys.put("schedule.total_steps", "2");
    keys.put("schedule.min_lr", "0.002");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(warningsInto(warnings)).build().run();
    assertThat(warnings).anySatisfy(w -> assertThat(w).isEqualTo("schedule.total_steps = 2: the linear schedule "
        + "reaches schedule.min_lr = 0.002 at step 2 of the job's 3 and holds it for the remaining 1 steps; for a "
        + "decay over the whole job set schedule.total_steps=3"));
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      // optimizer.lr 0.01: the rate of the step after each epoch's one step, 0.01 + (0.002 - 0.01) * step / 2
      for (long epoch = 1; epoch <= 3; epoch++) {
        HyperParameters next = store.load(epoch).manifest().learningRateSchedule();
        assertThat(next.getString("schedule.name")).isEqualTo("linear");
        assertThat(next.getDouble("schedule.lr")).as("epoch %s", epoch)
            .isCloseTo(epoch == 1 ? 0.006 : 0.002, within(1e-15));
      }
    }
  }

  @Test
  void aOneCycleJobOverItsStepsRecordsEachCheckpointsNextRateOfTheCycleAndIsNotWarnedOf() throws Exception {
    String data = data("onecycle", 40, 6);
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    JobSpec spec = oneCycleJob(data, "onecycle-job", Map.of(), warnings);
    assertThat(warnings).noneMatch(w -> w.contains("schedule."));
    io.epochal.worker.schedule.LrSchedule cycle = io.epochal.worker.schedule.LrSchedules.oneCycle(0.01, 9, 0.3, "cos",
        25, 1e4, false);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      for (long epoch = 1; epoch <= 3; epoch++) {
        HyperParameters next = store.load(epoch).manifest().learningRateSchedule();
        assertThat(next.getString("schedule.name")).isEqualTo("onecycle");
        assertThat(next.getDouble("schedule.lr")).as("epoch %s", epoch).isEqualTo(cycle.lr(3 * epoch));
        assertThat(next.contains("schedule.momentum")).as("the optimizer's own beta1 stays").isFalse();
      }
      assertThat(store.load(3).manifest().learningRateSchedule().getDouble("schedule.lr")).as("its floor, held")
          .isEqualTo(0.01 / 25 / 1e4);
    }
  }

  @Test
  void aScheduleSteppedOncePerEpochRecordsTheNextEpochsRateAndTrainsAsAConstantRateWithinEachEpoch() throws Exception {
    String data = data("per-epoch", 40, 6);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("per-epoch-job").toString(), data);
    keys.put("train.batch_size", "8"); // 40 rows on 2 workers: 3 steps per epoch
    keys.put("train.epochs", "2");
    keys.put("schedule.name", "multistep");
    keys.put("schedule.milestones", "1");
    keys.put("schedule.gamma", "0.5");
    keys.put("schedule.interval", "epoch");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(warningsInto(warnings)).build().run();
    assertThat(warnings).noneMatch(w -> w.contains("schedule."));
    // the same job at a constant 0.01 for its first epoch: the per-epoch schedule's rate until its milestone
    Map<String, String> constantKeys = E2eFixtures.jobKeys(tmp.resolve("first-epoch-constant").toString(), data);
    constantKeys.put("train.batch_size", "8");
    constantKeys.put("train.epochs", "1");
    JobSpec constant = E2eFixtures.resolve(tmp, constantKeys, new Configuration());
    TrainingJob.builder().setSpec(constant).setSpark(spark).build().run();
    // the same rates stepped per optimizer step, cut at step 3 (the end of epoch 1): 0.01, then 0.005 in epoch 2
    Map<String, String> perStepKeys = new java.util.HashMap<>(keys);
    perStepKeys.put("job.dir", tmp.resolve("per-step-job").toString());
    perStepKeys.put("schedule.milestones", "3");
    perStepKeys.put("schedule.interval", "step");
    JobSpec perStep = E2eFixtures.resolve(tmp, perStepKeys, new Configuration());
    TrainingJob.builder().setSpec(perStep).setSpark(spark).build().run();
    Configuration conf = new Configuration();
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf);
        CheckpointStore flat = E2eFixtures.store(constant.jobDir().toString(), conf);
        CheckpointStore stepped = E2eFixtures.store(perStep.jobDir().toString(), conf)) {
      assertThat(store.load(2).model()).as("epoch 2 trained at 0.005").isEqualTo(stepped.load(2).model());
      assertThat(store.load(2).optimizer()).isEqualTo(stepped.load(2).optimizer());
      HyperParameters afterFirst = store.load(1).manifest().learningRateSchedule();
      assertThat(afterFirst.getDouble("schedule.lr")).as("epoch 2's rate, after the milestone").isEqualTo(0.005);
      assertThat(afterFirst.getLong("schedule.step")).isEqualTo(1);
      assertThat(afterFirst.getString("schedule.interval")).isEqualTo("epoch");
      assertThat(store.load(1).model()).isEqualTo(flat.load(1).model());
      assertThat(store.load(2).manifest().globalStep()).isEqualTo(6);
      assertThat(store.load(2).manifest().hyperParameters().getString("schedule.interval")).isEqualTo("epoch");
    }
    CliRun status = CliRun.of("status", spec.jobDir().toString());
    assertThat(status.out).as("%s", status).contains("next rate:   0.005 for epoch 3 (schedule step 2, once per "
        + "epoch) (schedule multistep)");
    // the newest checkpoint damaged: the rate is the one a resume continues with, epoch 1's
    java.nio.file.Files.delete(java.nio.file.Path.of(java.net.URI.create(spec.jobDir().toString()))
        .resolve("checkpoints").resolve("epoch-000002").resolve("optimizer.safetensors"));
    CliRun damaged = CliRun.of("status", spec.jobDir().toString());
    assertThat(damaged.out).as("%s", damaged).contains("next rate:   0.005 for epoch 2 (schedule step 1, once per "
        + "epoch) (schedule multistep)").contains("DAMAGED");
  }

  @Test
  void aOneCycleJobCyclingTheMomentumTrainsEachStepWithTheBeta1ItsCheckpointsRecord() throws Exception {
    String data = data("onecycle-momentum", 40, 6);
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    JobSpec cycled = oneCycleJob(data, "cycled-job", Map.of("schedule.cycle_momentum", "true"), warnings);
    // a cycle from 0.9 to 0.9 sets adam's own beta1 at every step: the same job as one that leaves it alone
    JobSpec flat = oneCycleJob(data, "flat-cycle-job", Map.of("schedule.cycle_momentum", "true",
        "schedule.base_momentum", "0.9", "schedule.max_momentum", "0.9"), warnings);
    JobSpec plain = oneCycleJob(data, "uncycled-job", Map.of(), warnings);
    io.epochal.worker.schedule.LrSchedule cycle = io.epochal.worker.schedule.LrSchedules.oneCycle(0.01, 9, 0.3, "cos",
        25, 1e4, false, 0.85, 0.95);
    Configuration conf = new Configuration();
    try (CheckpointStore c = E2eFixtures.store(cycled.jobDir().toString(), conf);
        CheckpointStore f = E2eFixtures.store(flat.jobDir().toString(), conf);
        CheckpointStore p = E2eFixtures.store(plain.jobDir().toString(), conf)) {
      for (long epoch = 1; epoch <= 3; epoch++) {
        HyperParameters next = c.load(epoch).manifest().learningRateSchedule();
        assertThat(next.getDouble("schedule.momentum")).as("epoch %s", epoch).isEqualTo(cycle.momentum(3 * epoch)
            .orElseThrow());
        assertThat(c.load(epoch).manifest().hyperParameters().getBoolean("schedule.cycle_momentum")).isTrue();
        assertThat(f.load(epoch).model()).as("epoch %s, momentum 0.9 throughout", epoch)
            .isEqualTo(p.load(epoch).model());
      }
      assertThat(distance(c.load(3).model(), p.load(3).model())).as("the cycled beta1 trained").isGreaterThan(0);
      assertThat(p.load(3).manifest().hyperParameters().contains("schedule.cycle_momentum"))
          .as("a job that leaves the momentum alone stores as before the key existed").isFalse();
    }
    // resumed from epoch 1, it continues the cycle at the momentum of step 3: the tensors of the run never stopped
    LoadedCheckpoint uninterrupted;
    try (CheckpointStore c = E2eFixtures.store(cycled.jobDir().toString(), conf)) {
      uninterrupted = c.load(3);
    }
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(cycled.jobDir().toString(), "checkpoints");
    FileSystem fs = checkpoints.getFileSystem(conf);
    for (String epoch : new String[] {"epoch-000003", "epoch-000002"}) {
      assertThat(fs.delete(new org.apache.hadoop.fs.Path(checkpoints, epoch), true)).as(epoch).isTrue();
    }
    TrainingOutcome resumed = TrainingJob.builder().setSpec(cycled).setSpark(spark)
        .optListener(warningsInto(warnings)).build().run();
    assertThat(resumed.resumedFrom()).isEqualTo(1);
    assertThat(LocalRound.modelPart(resumed.state())).isEqualTo(uninterrupted.model());
    assertThat(LocalRound.optimizerPart(resumed.state())).isEqualTo(uninterrupted.optimizer());
  }

  /** Trains a 3-epoch one-cycle job of 9 steps (adam, lr 0.01) on {@code data} with {@code extra} keys. */
  private JobSpec oneCycleJob(String data, String dir, Map<String, String> extra, List<String> warnings)
      throws Exception {
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve(dir).toString(), data);
    keys.put("train.batch_size", "8"); // 40 rows on 2 workers: 3 steps per epoch (8, 8 and 4 rows), 9 in the job
    keys.put("train.epochs", "3");
    keys.put("schedule.name", "onecycle");
    keys.put("schedule.total_steps", "9");
    keys.putAll(extra);
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(warningsInto(warnings)).build().run();
    return spec;
  }

  @Test
  void skippedBadRowsAreCountedInAWarningAndInTheCheckpoint() throws Exception {
    Path csv = java.nio.file.Files.createDirectories(tmp.resolve("csv-with-bad-rows"));
    String b = E2eFixtures.csvRows(66, 3, (r, f) -> r == 10 && f == 0 || r == 40 && f == 1);
    java.nio.file.Files.writeString(csv.resolve("part-0.csv"), b);
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve("skip-job").toString(), csv.toUri().toString());
    keys.put("data.format", "csv");
    keys.put("data.features", java.util.stream.IntStream.range(0, FEATURES).mapToObj(f -> "f" + f)
        .collect(java.util.stream.Collectors.joining(",")));
    keys.put("data.bad_rows", "skip");
    keys.put("train.epochs", "1");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, new Configuration());
    List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    TrainingListener listener = warningsInto(warnings);

    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();

    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("data.bad_rows=skip: 2 bad rows of 66")
        .contains("training on the 64 usable ones"));
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), new Configuration())) {
      assertThat(store.load(outcome.epochs()).manifest().metrics()).containsEntry("skipped_rows", 2.0)
          .containsEntry("data_rows", 64.0);
    }
  }

  @Test
  void aChainOfRoundsOnOneWorkerEqualsTheRoundsRunOneSparkJobEach() {
    int batch = 8;
    TrainingConfig config = TrainingConfig.builder()
        .setModel("mlp", 1, sgdConfig(batch).modelParams())
        .setOptimizer("adam", Optimizers.params("adam").resolve(HyperParameters.builder().put("lr", 0.01).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "cosine").put("total_steps", 40L).build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(batch)
        .optLocalSteps(2)
        .setSeed(11)
        .build();
    DataShard only = shard(0, 5 * 2 * batch, 31);
    RoundRunner runner = new RoundRunner(spark.jsc(), spark.jsc().parallelize(List.of(only), 1), config, 1,
        only.rows());
    assertThat(runner.singleWorker()).isTrue();
    StateDict start = initialState(config);

    StateDict oneByOne = start;
    long step = 0;
    long[] stepsBefore = new long[5];
    List<io.epochal.driver.aggregate.RoundSums> sums = new java.util.ArrayList<>();
    for (int r = 0; r < 5; r++) {
      stepsBefore[r] = step;
      AggregateResult result = runner.run(oneByOne, 1, r, step, "round " + r);
      oneByOne = result.state();
      step += result.steps();
      sums.addAll(result.roundSums());
    }
    AggregateResult chained = runner.runChain(start, 1, 0, stepsBefore, "rounds 1-5");

    assertThat(chained.steps()).isEqualTo(step);
    assertThat(chained.samples()).isEqualTo(5L * 2 * batch);
    assertThat(chained.state()).as("bit-identical state, optimizer moments included").isEqualTo(oneByOne);
    assertThat(oneByOne).isNotEqualTo(start);
    assertThat(chained.roundSums()).as("each round's loss, for the epoch to add one at a time").isEqualTo(sums);
    assertThat(sums).hasSize(5).allSatisfy(s -> assertThat(s.lossSum()).isPositive());
  }

  private static TrainingConfig sgdConfig(int batch) {
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) FEATURES).put("hidden", List.of(16L)).put("output_dim", (long) CLASSES).build());
    return TrainingConfig.builder()
        .setModel("mlp", 1, model)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder()
            .put("lr", 0.5).put("momentum", 0.0).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(batch)
        .optLocalSteps(1)
        .setSeed(3)
        .build();
  }

  private static StateDict initialState(TrainingConfig config) {
    try (EpochalModel model = ModelRegistry.getDefault().create(config.modelName(), config.modelVersion(),
        config.modelParams())) {
      model.initialize(Seeds.derive(config.seed(), Seeds.INIT));
      return model.stateDict();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the initial mlp", e);
    }
  }

  /** Random rows whose class is the argmax of the first features. */
  private static DataShard shard(int worker, int rows, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) (rng.nextDouble() * 4 - 2);
        if (f < CLASSES && x[i * FEATURES + f] > x[i * FEATURES + best]) {
          best = f;
        }
      }
      y[i] = best;
    }
    return new DataShard(worker, rows, new long[] {FEATURES}, 1, x, y);
  }

  private static DataShard concat(DataShard a, DataShard b) {
    float[] x = new float[a.features().length + b.features().length];
    System.arraycopy(a.features(), 0, x, 0, a.features().length);
    System.arraycopy(b.features(), 0, x, a.features().length, b.features().length);
    float[] y = new float[a.labels().length + b.labels().length];
    System.arraycopy(a.labels(), 0, y, 0, a.labels().length);
    System.arraycopy(b.labels(), 0, y, a.labels().length, b.labels().length);
    return new DataShard(0, a.rows() + b.rows(), new long[] {FEATURES}, 1, x, y);
  }

}
