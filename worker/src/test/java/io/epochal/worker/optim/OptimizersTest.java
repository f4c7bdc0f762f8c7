package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import org.junit.jupiter.api.Test;

class OptimizersTest {

  @Test
  void eachOptimizerDeclaresItsHyperparametersWithTorchDefaults() {
    assertThat(Optimizers.params("sgd").all()).extracting(ParamSpec::name)
        .containsExactly("lr", "momentum", "dampening", "nesterov", "weight_decay");
    assertThat(Optimizers.params("adam").all()).extracting(ParamSpec::name)
        .containsExactly("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad");
    assertThat(Optimizers.params("rmsprop").all()).extracting(ParamSpec::name)
        .containsExactly("lr", "alpha", "eps", "weight_decay", "momentum", "centered");
    HyperParameters adam = Optimizers.params("adam").resolve(HyperParameters.empty());
    assertThat(adam.getDouble("lr")).isEqualTo(1e-3);
    assertThat(adam.getDouble("beta2")).isEqualTo(0.999);
    assertThat(adam.getDouble("eps")).isEqualTo(1e-8);
    assertThat(adam.getDouble("weight_decay")).isEqualTo(0.0);
    assertThat(Optimizers.params("adamw").resolve(HyperParameters.empty()).getDouble("weight_decay"))
        .isEqualTo(0.01);
  }

  @Test
  void createdOptimizerReportsItsResolvedHyperparameters() {
    try (NDManager m = NDManager.newBaseManager();
        Optimizer opt = Optimizers.create("sgd", HyperParameters.builder().put("momentum", 0.9).build(), m)) {
      assertThat(opt.name()).isEqualTo("sgd");
      assertThat(opt.hyperParameters()).isEqualTo(Optimizers.params("sgd")
          .resolve(HyperParameters.builder().put("momentum", 0.9).build()));
    }
  }

  @Test
  void unknownOptimizerIsRefusedListingTheKnownOnes() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Optimizers.create("adma", HyperParameters.empty(), m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown optimizer 'adma'")
          .hasMessageContaining("did you mean 'adam'")
          .hasMessageContaining("sgd, adam, adamw, rmsprop");
    }
  }

  @Test
  void wrongHyperparametersAreRefusedNamingTheKey() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Optimizers.create("adam", HyperParameters.builder().put("momentum", 0.9).build(), m))
          .hasMessageContaining("'momentum'");
      assertThatThrownBy(() -> Optimizers.create("adam", HyperParameters.builder().put("beta2", 1.0).build(), m))
          .hasMessageContaining("'beta2' = 1.0 is out of range; expected number in [0.0, 1.0)");
      assertThatThrownBy(() -> Optimizers.create("sgd", HyperParameters.builder().put("lr", -0.1).build(), m))
          .hasMessageContaining("'lr'");
    }
  }
}
