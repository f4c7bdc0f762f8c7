package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.ema.ModelEma;
import org.junit.jupiter.api.Test;

/** Rounds of a job that keeps a moving average of its model ({@code train.ema_decay}). */
class EmaRoundTest {

  private static TrainingConfig config(double decay, int localSteps) {
    return RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).build(), 0.0, 8, localSteps, 0, 1)
        .optEmaDecay(decay).build();
  }

  @Test
  void theJobsFirstStepCopiesTheModelIntoTheAverage() {
    TrainingConfig config = config(0.9, 1);
    StateDict out = LocalRound.run(config, RoundFixtures.initialState(config), RoundFixtures.shard(0, 32, 5), 0, 0, 0)
        .state();
    assertThat(ModelEma.part(out)).isEqualTo(LocalRound.modelPart(out));
    assertThat(LocalRound.modelPart(out).names()).noneMatch(n -> n.startsWith(ModelEma.PREFIX));
  }

  @Test
  void aShardThatEndsBeforeTheRoundsUpdateStepTakesTheUpdateFromItsLastModelNotTheRoundsStart() {
    // shards of 21 and 16 rows in batches of 8: 3 and 2 steps; the job's first update comes after its third step
    TrainingConfig config = RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).build(), 0.0, 8, 3,
        0, 1).optEma(new io.epochal.worker.ema.EmaSettings(0.9, 3)).build();
    StateDict start = RoundFixtures.initialState(config);
    DataShard shorter = RoundFixtures.shard(1, 16, 7);
    int roundSteps = config.batchPlan().stepsInRound(21, 0);
    assertThat(roundSteps).isEqualTo(3);
    assertThat(config.batchPlan().stepsInRound(shorter.rows(), 0)).isEqualTo(2);

    StateDict out = LocalRound.run(config, start, shorter, 0, 0, 0, roundSteps, LocalRound.baseLr(config),
        io.epochal.worker.device.DeviceAssignment.noGpu("test")).state();

    // the update after step 3 copies the model, which stood still after this shard's second step
    assertThat(ModelEma.part(out)).isEqualTo(LocalRound.modelPart(out));
    assertThat(ModelEma.part(out)).isNotEqualTo(LocalRound.modelPart(start));
    // a round of the shard's own steps makes no update: its average is the round's start
    StateDict own = LocalRound.run(config, start, shorter, 0, 0, 0).state();
    assertThat(LocalRound.modelPart(own)).isEqualTo(LocalRound.modelPart(out));
    assertThat(ModelEma.part(own)).isEqualTo(LocalRound.modelPart(start));
  }

  @Test
  void laterStepsBlendTheModelIntoTheAverageWithTheDecay() {
    TrainingConfig config = config(0.5, 1);
    StateDict start = RoundFixtures.initialState(config);
    StateDict zeros = zerosLike(start);
    StateDict global = StateDict.builder().putAll(start).putAll(ModelEma.prefixed(zeros)).build();
    StateDict out = LocalRound.run(config, global, RoundFixtures.shard(0, 32, 5), 0, 1, 1).state();
    for (String name : LocalRound.modelPart(out).names()) {
      float[] model = out.get(name).toFloatArray();
      float[] average = out.get(ModelEma.PREFIX + name).toFloatArray();
      for (int i = 0; i < model.length; i++) {
        assertThat(average[i]).as("%s[%s]", name, i).isEqualTo(0.5f * model[i]); // 0.5 * 0 + 0.5 * model
      }
    }
  }

  @Test
  void aRoundOfThreeStepsAveragesAsThreeRoundsOfOneStep() {
    DataShard shard = RoundFixtures.shard(0, 24, 9);
    TrainingConfig three = config(0.9, 3);
    TrainingConfig one = config(0.9, 1);
    StateDict start = RoundFixtures.initialState(three);
    StateDict together = LocalRound.run(three, start, shard, 0, 0, 0).state();
    StateDict apart = start;
    for (int r = 0; r < 3; r++) {
      apart = LocalRound.run(one, apart, shard, 0, r, r).state();
    }
    assertThat(together).isEqualTo(apart);
    assertThat(ModelEma.part(together)).isNotEqualTo(LocalRound.modelPart(together));
  }

  @Test
  void batchNormStatisticsAreAveragedAndItsCounterIsTheModels() {
    HyperParameters cnn = io.epochal.worker.model.ModelRegistry.getDefault().resolve("cnn", 1,
        HyperParameters.builder().put("image_size", 8).put("in_channels", 3).put("channels", 2).put("classes", 4)
            .build());
    TrainingConfig config = RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.05).build(), 0.0, 8, 1,
        0, 1).setModel("cnn", 1, cnn).optEmaDecay(0.9).build();
    DataShard shard = RoundFixtures.argmaxShard(0, 16, 3 * 8 * 8, 4, 13);
    StateDict first = LocalRound.run(config, RoundFixtures.initialState(config), shard, 0, 0, 0).state();
    StateDict second = LocalRound.run(config, first, shard, 0, 1, 1).state();
    float[] before = first.get("bn1.running_mean").toFloatArray();
    float[] now = second.get("bn1.running_mean").toFloatArray();
    float[] average = second.get(ModelEma.PREFIX + "bn1.running_mean").toFloatArray();
    for (int i = 0; i < now.length; i++) {
      float expected = 0.9f * before[i] + (float) (1 - 0.9) * now[i];
      assertThat(average[i]).as("bn1.running_mean[%s]", i).isEqualTo(expected);
    }
    assertThat(average).isNotEqualTo(now);
    assertThat(second.get(ModelEma.PREFIX + "bn1.num_batches_tracked").longValue())
        .isEqualTo(second.get("bn1.num_batches_tracked").longValue()).isEqualTo(2);
  }

  @Test
  void anAverageUpdatedEverySecondStepCopiesAtTheSecondAndBlendsAtTheFourth() {
    TrainingConfig config = RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).build(), 0.0, 8,
        1, 0, 1).optEma(new io.epochal.worker.ema.EmaSettings(0.5, 2)).build();
    DataShard shard = RoundFixtures.shard(0, 32, 5);
    StateDict start = RoundFixtures.initialState(config);
    StateDict[] after = new StateDict[4];
    StateDict state = start;
    for (int r = 0; r < 4; r++) {
      state = LocalRound.run(config, state, shard, 0, r, r).state();
      after[r] = state;
    }
    assertThat(ModelEma.part(after[0])).as("no update after the first step").isEqualTo(start);
    assertThat(ModelEma.part(after[1])).as("the first update copies").isEqualTo(LocalRound.modelPart(after[1]));
    assertThat(ModelEma.part(after[2])).as("none after the third").isEqualTo(LocalRound.modelPart(after[1]));
    for (String name : start.names()) {
      float[] before = after[2].get(ModelEma.PREFIX + name).toFloatArray();
      float[] model = after[3].get(name).toFloatArray();
      float[] average = after[3].get(ModelEma.PREFIX + name).toFloatArray();
      for (int i = 0; i < average.length; i++) {
        assertThat(average[i]).as("%s[%s]", name, i).isEqualTo(0.5f * before[i] + 0.5f * model[i]);
      }
    }
    assertThatThrownBy(() -> new io.epochal.worker.ema.EmaSettings(0.5, 0))
        .hasMessageContaining("EMA update interval must be >= 1 optimizer step, got 0");
  }

  @Test
  void aWorkerWithoutStepsInTheRoundReturnsTheAverageToo() {
    TrainingConfig config = config(0.9, 1);
    StateDict start = RoundFixtures.initialState(config);
    RoundResult idle = LocalRound.run(config, start, RoundFixtures.shard(1, 8, 5), 0, 3, 3);
    assertThat(idle.samples()).isZero();
    assertThat(ModelEma.part(idle.state())).isEqualTo(start);
  }

  @Test
  void withoutADecayNoAverageIsKept() {
    TrainingConfig config = config(0, 1);
    StateDict out = LocalRound.run(config, RoundFixtures.initialState(config), RoundFixtures.shard(0, 16, 5), 0, 0, 0)
        .state();
    assertThat(ModelEma.isPresent(out)).isFalse();
  }

  @Test
  void aDecayOfOneOrBelowZeroIsRefused() {
    assertThatThrownBy(() -> config(1.0, 1)).hasMessageContaining("EMA decay must be >= 0 and < 1")
        .hasMessageContaining("got 1.0");
    assertThatThrownBy(() -> config(-0.1, 1)).hasMessageContaining("got -0.1");
  }

  private static StateDict zerosLike(StateDict state) {
    StateDict.Builder b = StateDict.builder();
    state.asMap().forEach((name, t) -> b.put(name, Tensor.ofFloats(t.shape(), new float[(int) t.numel()])));
    return b.build();
  }
}
