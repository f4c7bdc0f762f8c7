package io.epochal.worker.ema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The moving average's arithmetic against PyTorch's. */
class ModelEmaTest {

  /** The weights the model is given before each update: the rows of torch.manual_seed(3); randn(5). */
  private static final float[][] TORCH_ROWS = {
        {0.8032760620117188f, 0.17483338713645935f, 0.08897809684276581f, -0.6137180328369141f,
            0.04618244990706444f},
        {-1.3682591915130615f, 0.3374950885772705f, 1.0111159086227417f, -1.435179352760315f,
            0.9774317741394043f},
        {0.5220499634742737f, 1.2379167079925537f, -0.8646355867385864f, 0.2989608347415924f,
            0.41921865940093994f},
        {-0.0798543244600296f, 0.9264108538627625f, 0.8156775236129761f, 0.49518901109695435f,
            -0.16431698203086853f}};

  private static StateDict weight(float... values) {
    return StateDict.builder().put("weight", Tensor.ofFloats(new long[] {1, values.length}, values))
        .put("bn.num_batches_tracked", Tensor.scalarLong(values.length)).build();
  }

  @Test
  void averageFollowsTorchAveragedModelBitForBit() {
    // torch 1.13: AveragedModel(Linear(5, 1, bias=False), avg_fn=lambda a, p, n: 0.999 * a + (1 - 0.999) * p,
    // use_buffers=True), update_parameters after setting the weight to each row of torch.manual_seed(3); randn(5)
    float[][] steps = java.util.Arrays.copyOf(TORCH_ROWS, 3);
    float[][] torchAverages = {
        steps[0],
        {0.8011044859886169f, 0.1749960482120514f, 0.08990024030208588f, -0.6145395040512085f,
            0.04711369797587395f},
        {0.8008254766464233f, 0.17605896294116974f, 0.08894570916891098f, -0.6136260032653809f,
            0.047485802322626114f}};
    ModelEma ema = ModelEma.continuing(0.999, weight(0, 0, 0, 0, 0));
    for (int s = 0; s < steps.length; s++) {
      ema.update(weight(steps[s]), s == 0);
      assertThat(ema.stateDict().get("weight").toFloatArray()).as("after update %s", s + 1)
          .containsExactly(torchAverages[s]);
    }
  }

  @Test
  void warmingUpAverageFollowsTorchAveragedModelWithTheWarmUpDecayBitForBit() {
    // torch 1.13: AveragedModel(Linear(5, 1, bias=False), use_buffers=True, avg_fn=lambda a, p, n: d * a + (1 - d)
    // * p) with d = min(0.999, 1 - (1 + n.item() / 1.0) ** -(2 / 3)), updated after setting the weight to each row
    // of torch.manual_seed(3); randn(5) (the rows of the test above, and a fourth)
    float[][] steps = TORCH_ROWS;
    float[][] torchAverages = {
        steps[0],
        {-0.564705491065979f, 0.2773038446903229f, 0.6698885560035706f, -1.1312062740325928f,
            0.6328327655792236f},
        {-0.04224798083305359f, 0.7391183376312256f, -0.06783369183540344f, -0.4436536431312561f,
            0.5301377773284912f},
        {-0.05717206746339798f, 0.8134454488754272f, 0.282787948846817f, -0.07107368111610413f,
            0.2545432150363922f}};
    EmaSettings settings = new EmaSettings(0.999, 1, 2 / 3.0, 1.0);
    ModelEma ema = ModelEma.continuing(settings.decay(), weight(0, 0, 0, 0, 0));
    for (int s = 0; s < steps.length; s++) {
      ema.update(weight(steps[s]), settings.firstUpdateAfter(s), settings.decayAfter(s));
      assertThat(ema.stateDict().get("weight").toFloatArray()).as("after update %s", s + 1)
          .containsExactly(torchAverages[s]);
    }
  }

  @Test
  void warmUpDecayCountsUpdatesNotStepsAndStopsAtTheDecay() {
    // torch's 1 - (1 + n / gamma) ** -power for n = 0, 1, 2 updates before
    EmaSettings everyThird = new EmaSettings(0.999, 3, 2 / 3.0, 1.0);
    assertThat(everyThird.decayAfter(2)).as("the first update, after the 3rd step: a copy").isZero();
    assertThat(everyThird.decayAfter(5)).isEqualTo(0.3700394750525634);
    assertThat(everyThird.decayAfter(8)).isEqualTo(0.5192501432308638);
    assertThat(new EmaSettings(0.5, 1, 2 / 3.0, 1.0).decayAfter(3)).as("0.6031 capped").isEqualTo(0.5);
    assertThat(new EmaSettings(0.999, 1, 0.75, 10.0).decayAfter(10)).isEqualTo(1 - Math.pow(2, -0.75));
    assertThat(new EmaSettings(0.999, 1).decayAfter(7)).as("no warm-up").isEqualTo(0.999);
    assertThatThrownBy(() -> new EmaSettings(0.9, 1, -1, 1)).hasMessageContaining("warm-up power")
        .hasMessageContaining("got -1.0");
    assertThatThrownBy(() -> new EmaSettings(0.9, 1, 0.5, 0)).hasMessageContaining("warm-up gamma")
        .hasMessageContaining("got 0.0");
  }

  @Test
  void countersAreTheModelsAndNotAveraged() {
    ModelEma ema = ModelEma.continuing(0.5, weight(2, 4));
    ema.update(StateDict.builder().put("weight", Tensor.ofFloats(new long[] {1, 2}, 4, 8))
        .put("bn.num_batches_tracked", Tensor.scalarLong(9)).build(), false);
    assertThat(ema.stateDict().get("weight").toFloatArray()).containsExactly(3f, 6f);
    assertThat(ema.stateDict().get("bn.num_batches_tracked").longValue()).isEqualTo(9);
  }

  @Test
  void aModelOfAnotherLayoutIsRefusedNamingTheTensor() {
    ModelEma ema = ModelEma.continuing(0.9, weight(1, 2));
    assertThatThrownBy(() -> ema.update(weight(1, 2, 3), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensor 'weight'").hasMessageContaining("[1, 3]").hasMessageContaining("[1, 2]");
  }

  @Test
  void decayOutsideZeroToOneIsRefused() {
    assertThatThrownBy(() -> ModelEma.continuing(1.0, weight(1))).hasMessageContaining("got 1.0");
    assertThatThrownBy(() -> ModelEma.continuing(0, weight(1))).hasMessageContaining("got 0.0");
  }

  @Test
  void prefixedAndPartAreInverse() {
    StateDict model = weight(1, 2);
    StateDict combined = StateDict.builder().putAll(model).putAll(ModelEma.prefixed(model)).build();
    assertThat(ModelEma.isPresent(combined)).isTrue();
    assertThat(ModelEma.isPresent(model)).isFalse();
    assertThat(ModelEma.part(combined)).isEqualTo(model);
    assertThat(ModelEma.part(model).size()).isZero();
  }
}
