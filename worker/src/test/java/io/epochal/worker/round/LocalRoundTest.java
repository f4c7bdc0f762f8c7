package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.params.HyperParameters;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.model.StateOutsideStateDictException;
import io.epochal.worker.optim.Optimizers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LocalRoundTest {

  @Test
  void sameInputsGiveBitIdenticalStateOnAnyThread() throws Exception {
    TrainingConfig config = RoundFixtures.adam(0.2, 16, 3);
    DataShard shard = RoundFixtures.shard(1, 100, 11);
    StateDict start = RoundFixtures.initialState(config);

    RoundResult first = LocalRound.run(config, start, shard, 2, 1, 5);
    RoundResult again = LocalRound.run(config, start, shard, 2, 1, 5);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<RoundResult> elsewhere = other.submit(() -> LocalRound.run(config, start, shard, 2, 1, 5));
      assertThat(elsewhere.get()).isEqualTo(first);
    } finally {
      other.shutdownNow();
    }
    assertThat(again).isEqualTo(first);
    assertThat(first.steps()).isEqualTo(3);
    assertThat(first.samples()).isEqualTo(48);
    assertThat(first.state().names()).contains("optimizer.layers.0.weight.exp_avg");
  }

  @Test
  void aRoundAfterOneThatFailedAfterItsBackwardPassEqualsARoundOnAFreshThread() throws Exception {
    TrainingConfig config = RoundFixtures.adam(0.0, 16, 2);
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    StateDict start = RoundFixtures.initialState(config);
    // optimizer state of the wrong shape: the round fails in the optimizer's step, after backward
    // has left gradients on the thread's cached model
    StateDict bad = StateDict.builder().putAll(start)
        .put("optimizer.layers.0.weight.step", Tensor.scalarFloat(1f))
        .put("optimizer.layers.0.weight.exp_avg", Tensor.ofFloats(new long[] {1}, 0f))
        .put("optimizer.layers.0.weight.exp_avg_sq", Tensor.ofFloats(new long[] {1}, 0f)).build();
    ExecutorService fresh = Executors.newSingleThreadExecutor();
    ExecutorService reused = Executors.newSingleThreadExecutor();
    try {
      RoundResult expected = fresh.submit(() -> LocalRound.run(config, start, shard, 0, 0, 0)).get();
      assertThatThrownBy(() -> reused.submit(() -> LocalRound.run(config, bad, shard, 0, 0, 0)).get())
          .hasCauseInstanceOf(IllegalArgumentException.class);
      RoundResult retried = reused.submit(() -> LocalRound.run(config, start, shard, 0, 0, 0)).get();
      assertThat(retried).isEqualTo(expected);
    } finally {
      fresh.shutdownNow();
      reused.shutdownNow();
    }
  }

  @Test
  void aModelKeepingStateOutsideItsStateDictFailsTheFirstRoundThatReusesItAndEveryRetryOfIt() throws Exception {
    assertReuseFails("drifting-linear", "computes another probe output");
  }

  @Test
  void aModelKeepingStateOutsideItsStateDictThatOnlyTrainingReadsFailsAlike() throws Exception {
    assertReuseFails("training-drifting-linear", "computes another training-mode output (same input, same dropout "
        + "draws)");
  }

  private static void assertReuseFails(String name, String what) throws Exception {
    HyperParameters model = ModelRegistry.getDefault().resolve(name, 1, HyperParameters.builder()
        .put("features", (long) RoundFixtures.FEATURES).put("outputs", (long) RoundFixtures.CLASSES).build());
    TrainingConfig config = TrainingConfig.builder().setModel(name, 1, model)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder().put("lr", 0.05).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy").setBatchSize(16).optLocalSteps(1).setSeed(7).build();
    DataShard shard = RoundFixtures.shard(0, 64, 5);
    StateDict start = RoundFixtures.initialState(config);
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      RoundResult first = thread.submit(() -> LocalRound.run(config, start, shard, 0, 0, 0)).get();
      for (int attempt = 0; attempt < 2; attempt++) { // a retry of the round on the same thread fails alike
        assertThatThrownBy(() -> thread.submit(() -> LocalRound.run(config, first.state(), shard, 0, 1, 1)).get())
            .cause().isInstanceOf(StateOutsideStateDictException.class)
            .hasMessageContaining("model " + name + " v1 keeps state outside its state dict")
            .hasMessageContaining(what)
            .hasMessageContainingAll("largest difference ", ", first at output index 0")
            .hasMessageContaining("addBuffer");
      }
    } finally {
      thread.shutdownNow();
    }
  }

  @Test
  void aBuiltInModelReusedByItsThreadPassesTheReloadCheckAndTrainsAsOnAFreshThread() throws Exception {
    RoundResult[] second = secondRoundOnTheSameAndOnAFreshThread(RoundFixtures.adam(0.5, 16, 2));
    assertThat(second[1]).isEqualTo(second[0]);
  }

  /**
   * Round 0 then round 1 on one thread (which reuses its cached model), and round 1 again on a
   * fresh thread: the reused thread's and the fresh thread's round 1, in that order.
   */
  private static RoundResult[] secondRoundOnTheSameAndOnAFreshThread(TrainingConfig config) throws Exception {
    DataShard shard = RoundFixtures.shard(0, 64, 9);
    StateDict start = RoundFixtures.initialState(config);
    ExecutorService reused = Executors.newSingleThreadExecutor();
    ExecutorService fresh = Executors.newSingleThreadExecutor();
    try {
      RoundResult first = reused.submit(() -> LocalRound.run(config, start, shard, 0, 0, 0)).get();
      RoundResult second = reused.submit(() -> LocalRound.run(config, first.state(), shard, 0, 1, 2)).get();
      return new RoundResult[] {second, fresh.submit(() -> LocalRound.run(config, first.state(), shard, 0, 1, 2)).get()};
    } finally {
      reused.shutdownNow();
      fresh.shutdownNow();
    }
  }

  @Test
  void aWorkerWithTwoIntraOpThreadsReusesItsCachedModelAndTrainsAsOnAFreshThread() throws Exception {
    TrainingConfig config = TrainingConfig.builder()
        .setModel("mlp", 1, RoundFixtures.mlpParams(0.5))
        .setOptimizer("adam", Optimizers.params("adam").resolve(HyperParameters.builder().put("lr", 0.01).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(16).optLocalSteps(2).setSeed(7).optThreads(2).build();
    try {
      // the reload check of the reused model computes its probe at one thread, outside the round's two
      RoundResult[] second = secondRoundOnTheSameAndOnAFreshThread(config);
      assertThat(second[0].steps()).isEqualTo(2);
      assertThat(second[1]).isEqualTo(second[0]);
    } finally {
      EngineSettings.configureThreads(1);
    }
  }

  @Test
  void anMseRoundTrainsARegressionModelOnOneTargetPerRow() {
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) RoundFixtures.FEATURES).put("hidden", List.of(16L)).put("output_dim", 1L).build());
    TrainingConfig config = TrainingConfig.builder().setModel("mlp", 1, model)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder().put("lr", 0.05).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("mse").setBatchSize(16).optLocalSteps(1).setSeed(7).build();
    // target: the sum of the first two features
    float[] x = new float[64 * RoundFixtures.FEATURES];
    float[] y = new float[64];
    for (int i = 0; i < 64; i++) {
      for (int f = 0; f < RoundFixtures.FEATURES; f++) {
        x[i * RoundFixtures.FEATURES + f] = (float) Math.sin(i * 7 + f);
      }
      y[i] = x[i * RoundFixtures.FEATURES] + x[i * RoundFixtures.FEATURES + 1];
    }
    DataShard shard = new DataShard(0, 64, new long[] {RoundFixtures.FEATURES}, 1, x, y);
    StateDict state = RoundFixtures.initialState(config);
    double first = Double.NaN;
    double last = Double.NaN;
    for (int round = 0; round < 40; round++) {
      // four batches of 16 per epoch: round r is step r % 4 of epoch r / 4
      RoundResult r = LocalRound.run(config, state, shard, round / 4, round % 4, round);
      assertThat(r.samples()).isEqualTo(16);
      double loss = r.lossSum() / r.samples();
      first = round == 0 ? loss : first;
      last = loss;
      state = r.state();
    }
    assertThat(last).isLessThan(first / 2);
  }

  @Test
  void aScheduleSteppedOncePerEpochTrainsEveryStepOfAnEpochAtThatEpochsRate() {
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    HyperParameters sgd = HyperParameters.builder().put("lr", 0.8).put("momentum", 0.9).build();
    HyperParameters halvedEachEpoch = HyperParameters.builder().put("schedule", "step").put("step_size", 1L)
        .put("gamma", 0.5).put("interval", "epoch").build();
    TrainingConfig perEpoch = RoundFixtures.builder("sgd", sgd, 0.5, 16, 3, 0, 1).optSchedule(halvedEachEpoch).build();
    // epoch 2 (0-based), its steps 40 to 42 of the job: 0.8 x 0.5^2 = 0.2 at each of them
    TrainingConfig constant = RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.2)
        .put("momentum", 0.9).build(), 0.5, 16, 3, 0, 1).build();
    StateDict global = RoundFixtures.initialState(perEpoch);
    RoundResult stepped = LocalRound.run(perEpoch, global, shard, 2, 0, 40);
    assertThat(stepped.state()).isEqualTo(LocalRound.run(constant, global, shard, 2, 0, 40).state());
    TrainingConfig perStep = RoundFixtures.builder("sgd", sgd, 0.5, 16, 3, 0, 1).optSchedule(HyperParameters.builder()
        .put("schedule", "step").put("step_size", 1L).put("gamma", 0.5).build()).build();
    assertThat(LocalRound.run(perStep, global, shard, 2, 0, 40).state()).as("halved at every optimizer step")
        .isNotEqualTo(stepped.state());
  }

  @Test
  void anotherRoundOrWorkerDrawsOtherDropoutMasks() {
    // every row alike: every batch of every round and worker is the same, so only the dropout draws tell them apart
    DataShard worker0 = rowsAlike(0);
    DataShard worker1 = rowsAlike(1);
    TrainingConfig dropout = RoundFixtures.adam(0.5, 16, 2); // 4 batches: 2 rounds of 2 steps
    StateDict start = RoundFixtures.initialState(dropout);
    StateDict base = LocalRound.run(dropout, start, worker0, 0, 0, 0).state();
    assertThat(LocalRound.run(dropout, start, worker0, 0, 0, 0).state()).isEqualTo(base);
    assertThat(LocalRound.run(dropout, start, worker0, 0, 1, 0).state()).as("another round").isNotEqualTo(base);
    assertThat(LocalRound.run(dropout, start, worker1, 0, 0, 0).state()).as("another worker").isNotEqualTo(base);
    assertThat(LocalRound.run(dropout, start, worker0, 1, 0, 0).state()).as("another epoch").isNotEqualTo(base);
    // the control: without dropout nothing tells them apart
    TrainingConfig none = RoundFixtures.adam(0, 16, 2);
    StateDict plain = LocalRound.run(none, start, worker0, 0, 0, 0).state();
    assertThat(LocalRound.run(none, start, worker0, 0, 1, 0).state()).isEqualTo(plain);
    assertThat(LocalRound.run(none, start, worker1, 0, 0, 0).state()).isEqualTo(plain);
    assertThat(LocalRound.run(none, start, worker0, 1, 0, 0).state()).isEqualTo(plain);
  }

  /** 64 rows of {@code worker}, all the same row of the fixtures' shard. */
  private static DataShard rowsAlike(int worker) {
    DataShard one = RoundFixtures.shard(worker, 1, 3);
    int rows = 64;
    int width = one.features().length;
    float[] x = new float[rows * width];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(one.features(), 0, x, i * width, width);
      y[i] = one.labels()[0];
    }
    return new DataShard(worker, rows, new long[] {width}, 1, x, y);
  }

  @Test
  void resumingFromSafetensorsBytesMatchesAnUninterruptedRunBitForBit() throws Exception {
    TrainingConfig config = RoundFixtures.adam(0.1, 8, 2);
    DataShard shard = RoundFixtures.shard(0, 64, 5);
    StateDict state = RoundFixtures.initialState(config);
    long step = 0;
    for (int r = 0; r < 4; r++) {
      state = LocalRound.run(config, state, shard, 0, r, step).state();
      step += 2;
    }
    StateDict straight = state;

    StateDict resumed = RoundFixtures.initialState(config);
    step = 0;
    for (int r = 0; r < 2; r++) {
      resumed = LocalRound.run(config, resumed, shard, 0, r, step).state();
      step += 2;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SafetensorsWriter.write(resumed, Map.of("epoch", "0"), bytes);
    resumed = SafetensorsReader.read(new ByteArrayInputStream(bytes.toByteArray()), bytes.size(), "state.safetensors")
        .tensors();
    for (int r = 2; r < 4; r++) {
      resumed = LocalRound.run(config, resumed, shard, 0, r, step).state();
      step += 2;
    }
    assertThat(resumed).isEqualTo(straight);
    assertThat(resumed.require("optimizer.layers.0.weight.step").floatValue()).isEqualTo(8f);
  }

  @Test
  void aRoundOfFourStepsEqualsFourRoundsOfOneStepBitForBit() {
    // every step of the long round must use that step's gradients, not a stale copy of the first
    HyperParameters adam = HyperParameters.builder().put("lr", 0.05).build();
    TrainingConfig four = RoundFixtures.config("adam", adam, 0.0, 8, 4);
    TrainingConfig one = RoundFixtures.config("adam", adam, 0.0, 8, 1);
    DataShard shard = RoundFixtures.shard(0, 64, 13);
    StateDict start = RoundFixtures.initialState(four);

    RoundResult together = LocalRound.run(four, start, shard, 0, 0, 0);
    StateDict stepwise = start;
    for (int r = 0; r < 4; r++) {
      stepwise = LocalRound.run(one, stepwise, shard, 0, r, r).state();
    }

    assertThat(together.steps()).isEqualTo(4);
    assertThat(together.state()).isEqualTo(stepwise);
    assertThat(together.state()).isNotEqualTo(LocalRound.run(one, start, shard, 0, 0, 0).state());
  }

  @Test
  void averagingTwoHalfBatchesEqualsOneStepOnTheWholeBatch() {
    HyperParameters sgd = HyperParameters.builder().put("lr", 0.5).build();
    DataShard whole = RoundFixtures.shard(0, 16, 9);
    int half = whole.rows() / 2;
    int fs = whole.featureSize();
    DataShard a = new DataShard(0, half, whole.featureShape(), 1,
        java.util.Arrays.copyOfRange(whole.features(), 0, half * fs), java.util.Arrays.copyOfRange(whole.labels(), 0, half));
    DataShard b = new DataShard(1, half, whole.featureShape(), 1,
        java.util.Arrays.copyOfRange(whole.features(), half * fs, 2 * half * fs),
        java.util.Arrays.copyOfRange(whole.labels(), half, 2 * half));
    TrainingConfig full = RoundFixtures.config("sgd", sgd, 0.0, 16, 1);
    TrainingConfig split = RoundFixtures.config("sgd", sgd, 0.0, 8, 1);
    StateDict start = RoundFixtures.initialState(full);

    StateDict oneStep = LocalRound.run(full, start, whole, 0, 0, 0).state();
    RoundResult ra = LocalRound.run(split, start, a, 0, 0, 0);
    RoundResult rb = LocalRound.run(split, start, b, 0, 0, 0);

    for (String name : LocalRound.modelPart(oneStep).names()) {
      FloatBuffer expected = oneStep.require(name).asFloatBuffer();
      FloatBuffer wa = ra.state().require(name).asFloatBuffer();
      FloatBuffer wb = rb.state().require(name).asFloatBuffer();
      FloatBuffer w0 = start.require(name).asFloatBuffer();
      boolean moved = false;
      for (int i = 0; i < expected.limit(); i++) {
        double avg = (ra.samples() * (double) wa.get(i) + rb.samples() * (double) wb.get(i))
            / (ra.samples() + rb.samples());
        assertThat(avg).as("%s[%s]", name, i).isCloseTo(expected.get(i), within(1e-6));
        moved |= expected.get(i) != w0.get(i);
      }
      assertThat(moved).as("%s changed in the step", name).isTrue();
    }
  }

  @Test
  void clippingScalesAnSgdStepDownToTheLargestGradientNorm() {
    HyperParameters sgd = HyperParameters.builder().put("lr", 0.5).build();
    DataShard shard = RoundFixtures.shard(0, 16, 9);
    TrainingConfig free = RoundFixtures.config("sgd", sgd, 0.0, 16, 1);
    StateDict start = RoundFixtures.initialState(free);
    StateDict unclipped = LocalRound.run(free, start, shard, 0, 0, 0).state();
    // plain SGD moves every weight by lr times its gradient: the step's gradients, read back
    java.util.Map<String, double[]> grads = new java.util.LinkedHashMap<>();
    double squares = 0;
    for (String name : LocalRound.modelPart(unclipped).names()) {
      FloatBuffer w0 = start.require(name).asFloatBuffer();
      FloatBuffer w1 = unclipped.require(name).asFloatBuffer();
      double[] g = new double[w0.limit()];
      for (int i = 0; i < g.length; i++) {
        g[i] = (w0.get(i) - (double) w1.get(i)) / 0.5;
        squares += g[i] * g[i];
      }
      grads.put(name, g);
    }
    double norm = Math.sqrt(squares);
    assertThat(norm).isGreaterThan(0.1);

    assertThat(LocalRound.run(free, start, shard, 0, 0, 0).gradNorms()).as("not measured without clipping")
        .isEqualTo(GradNorms.NONE);

    double limit = norm / 4;
    RoundResult clippedRound = LocalRound.run(RoundFixtures.config("sgd", sgd, 0.0, 16, 1, limit), start, shard, 0,
        0, 0);
    StateDict clipped = clippedRound.state();
    // the round's one step: its norm before clipping, what the step's weights say it was, and it was scaled
    assertThat(clippedRound.gradNorms().steps()).isEqualTo(1);
    assertThat(clippedRound.gradNorms().mean()).isCloseTo(norm, within(norm * 1e-4));
    assertThat(clippedRound.gradNorms().max()).isEqualTo(clippedRound.gradNorms().mean());
    assertThat(clippedRound.gradNorms().clipped()).isEqualTo(1);
    double coefficient = limit / (norm + 1e-6);
    double stepSquares = 0;
    for (String name : grads.keySet()) {
      FloatBuffer w0 = start.require(name).asFloatBuffer();
      FloatBuffer w2 = clipped.require(name).asFloatBuffer();
      double[] g = grads.get(name);
      for (int i = 0; i < g.length; i++) {
        assertThat((double) w2.get(i)).as("%s[%s]", name, i).isCloseTo(w0.get(i) - 0.5 * coefficient * g[i],
            within(2e-6));
        double step = (w0.get(i) - (double) w2.get(i)) / 0.5;
        stepSquares += step * step;
      }
    }
    assertThat(Math.sqrt(stepSquares)).as("the clipped step's gradient norm").isCloseTo(limit, within(limit * 1e-3));

    RoundResult above = LocalRound.run(RoundFixtures.config("sgd", sgd, 0.0, 16, 1, norm * 2), start, shard, 0, 0, 0);
    assertThat(above.state()).as("a limit above the norm changes nothing").isEqualTo(unclipped);
    assertThat(above.gradNorms().clipped()).as("nor counts the step as clipped").isZero();
    assertThat(above.gradNorms().mean()).isEqualTo(clippedRound.gradNorms().mean());
  }

  @Test
  void aWorkerWhoseShardIsExhaustedReturnsTheGlobalStateWithNoWeight() {
    TrainingConfig config = RoundFixtures.adam(0.0, 8, 2);
    DataShard small = RoundFixtures.shard(1, 10, 2);
    StateDict start = RoundFixtures.initialState(config);
    RoundResult result = LocalRound.run(config, start, small, 0, 1, 2);
    assertThat(result.samples()).isZero();
    assertThat(result.steps()).isZero();
    assertThat(result.state()).isEqualTo(start);
  }

  @Test
  void theLastShortBatchIsTrainedOn() {
    TrainingConfig config = RoundFixtures.adam(0.0, 8, 4);
    DataShard shard = RoundFixtures.shard(0, 20, 2);
    RoundResult result = LocalRound.run(config, RoundFixtures.initialState(config), shard, 0, 0, 0);
    assertThat(result.steps()).isEqualTo(3);
    assertThat(result.samples()).isEqualTo(20);
    assertThat(result.lossSum()).isPositive();
    Tensor step = result.state().require("optimizer.layers.0.weight.step");
    assertThat(step.floatValue()).isEqualTo(3f);
  }

  @Test
  void aRoundGathersItsBatchesIntoBuffersAllocatedOncePerRoundNotPerStep() {
    TrainingConfig config = RoundFixtures.adam(0.0, 8, 400);
    DataShard shard = RoundFixtures.shard(0, 8 * 400, 3);
    StateDict start = RoundFixtures.initialState(config);
    LocalRound.run(config, start, shard, 0, 0, 0); // warm-up: the model and the optimizer's scratch
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
    // the pool counts live buffers, and a collection during the round frees the ones it dropped: only a round
    // that no collection ran through counts what it allocated
    for (int attempt = 1; attempt <= 5; attempt++) {
      System.gc();
      long collections = collections();
      long before = direct.getCount();
      RoundResult result = LocalRound.run(config, start, shard, 1, 0, 400);
      long created = direct.getCount() - before;
      assertThat(result.steps()).isEqualTo(400);
      if (collections() == collections) {
        // two input arrays per step would leave hundreds of direct buffers for the collector to free
        assertThat(created).as("direct buffers left by a 400-step round").isLessThan(40);
        return;
      }
    }
    throw new AssertionError("a garbage collection ran during each of 5 rounds, so none counts its buffers");
  }

  /** The collections every collector of this JVM has run so far. */
  private static long collections() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
  }
}
