package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptimizerBenchArgsTest {

  @Test
  void noArgumentsGiveTwoHundredStepsAfterFiftyOnTheMillionParameters() {
    assertThat(OptimizerBenchArgs.parse()).isEqualTo(new OptimizerBenchArgs(false, 200, 50, false));
  }

  @Test
  void mlpAsTheThirdArgumentPicksTheSmallModelAndZeroWarmupIsAllowed() {
    assertThat(OptimizerBenchArgs.parse("10", "0", "mlp")).isEqualTo(new OptimizerBenchArgs(false, 10, 0, true));
  }

  @Test
  void aThirdArgumentOtherThanMlpIsRefusedInsteadOfIgnored() {
    assertThatThrownBy(() -> OptimizerBenchArgs.parse("10", "2", "cnn")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the third argument must be 'mlp' (the quickstart-sized MLP) or left out (1M parameters),"
            + " got 'cnn'");
  }

  @Test
  void aNegativeStepCountIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> OptimizerBenchArgs.parse("-5", "1")).hasMessage("steps must be >= 1, got -5");
    assertThatThrownBy(() -> OptimizerBenchArgs.parse("0")).hasMessage("steps must be >= 1, got 0");
  }

  @Test
  void aNegativeWarmupIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> OptimizerBenchArgs.parse("10", "-1")).hasMessage("warmup must be >= 0, got -1");
  }

  @Test
  void moreThanThreeArgumentsAreRefused() {
    assertThatThrownBy(() -> OptimizerBenchArgs.parse("10", "2", "mlp", "x"))
        .hasMessage("too many arguments (4): give at most [steps] [warmup] [mlp]");
  }

  @Test
  void helpAsksForTheUsage() {
    assertThat(OptimizerBenchArgs.parse("-h").help()).isTrue();
  }
}
