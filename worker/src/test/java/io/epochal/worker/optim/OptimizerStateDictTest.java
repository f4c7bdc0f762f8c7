package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.state.TensorConversion;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class OptimizerStateDictTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private Optimizer adam() {
    return Optimizers.create("adam", HyperParameters.empty(), manager);
  }

  private static HyperParameters hp(String spec) {
    HyperParameters.Builder b = HyperParameters.builder();
    for (String kv : spec.split(";")) {
      if (!kv.isBlank()) {
        String[] p = kv.split("=");
        b.put(p[0], p[1].equals("true") || p[1].equals("false") ? (Object) Boolean.valueOf(p[1]) : Double.valueOf(p[1]));
      }
    }
    return b.build();
  }

  /**
   * The count a memory estimate takes before the first step equals the tensors of each parameter's
   * size that the optimizer really keeps after steps (step counts, scalars, are not counted).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"sgd, ''", "sgd, momentum=0.9", "adam, ''", "adam, amsgrad=true", "adamw, ''", "adamw, amsgrad=true",
      "rmsprop, ''", "rmsprop, momentum=0.9", "rmsprop, momentum=0.9;centered=true"})
  void theStateTensorsPerParameterAreThoseTheOptimizerKeeps(String name, String spec) {
    HyperParameters h = hp(spec);
    OptimizerRun run = new OptimizerRun(manager);
    try (Optimizer o = Optimizers.create(name, h, manager)) {
      run.run(o, 0.01, 0, 3);
      StateDict state = o.stateDict();
      for (int p = 0; p < 2; p++) {
        long numel = run.weights[p].size();
        String prefix = OptimizerRun.NAMES[p] + ".";
        long sized = state.names().stream().filter(n -> n.startsWith(prefix))
            .filter(n -> state.get(n).numel() == numel).count();
        assertThat(sized).as("%s tensors of %s's size", name, OptimizerRun.NAMES[p])
            .isEqualTo(Optimizers.stateTensorsPerParameter(name, h));
      }
    } finally {
      run.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "sgd, momentum=0.9;nesterov=true;weight_decay=0.01",
      "sgd, momentum=0.8;dampening=0.2",
      "adam, beta2=0.95",
      "adam, ''",
      "adam, amsgrad=true;weight_decay=0.1",
      "adamw, beta2=0.95",
      "adamw, amsgrad=true",
      "rmsprop, ''",
      "rmsprop, alpha=0.9;momentum=0.8;centered=true;weight_decay=0.01"})
  void savingLoadingIntoAFreshOptimizerAndContinuingIsBitIdentical(String name, String spec) {
    HyperParameters h = hp(spec);
    OptimizerRun straight = new OptimizerRun(manager);
    OptimizerRun resumed = new OptimizerRun(manager);
    try (Optimizer a = Optimizers.create(name, h, manager); Optimizer b1 = Optimizers.create(name, h, manager)) {
      straight.run(a, 0.01, 0, 10);
      resumed.run(b1, 0.01, 0, 5);
      StateDict saved = b1.stateDict();
      try (Optimizer b2 = Optimizers.create(name, h, manager)) {
        b2.loadStateDict(saved);
        assertThat(b2.stateDict()).isEqualTo(saved);
        resumed.run(b2, 0.01, 5, 10);
        for (int p = 0; p < 2; p++) {
          assertThat(TensorConversion.toTensor(resumed.weights[p]))
              .as("weight %s", OptimizerRun.NAMES[p]).isEqualTo(TensorConversion.toTensor(straight.weights[p]));
        }
        assertThat(b2.stateDict()).isEqualTo(a.stateDict());
      }
    } finally {
      straight.close();
      resumed.close();
    }
  }

  @Test
  void adamOnTheFusedKernelSavedLoadedIntoAFreshOneAndContinuedIsBitIdentical() {
    // the path a GPU's updates take under AUTO with betas the kernel takes exactly
    java.util.function.Supplier<Adam> fused = () -> Adam.adamWBuilder().setManager(manager).optBeta2(0.95)
        .optWeightDecay(0.01).optFusedKernel(Adam.FusedKernel.ALWAYS).build();
    OptimizerRun straight = new OptimizerRun(manager);
    OptimizerRun resumed = new OptimizerRun(manager);
    try (Adam a = fused.get(); Adam b1 = fused.get()) {
      straight.run(a, 0.01, 0, 10);
      resumed.run(b1, 0.01, 0, 5);
      StateDict saved = b1.stateDict();
      try (Adam b2 = fused.get()) {
        b2.loadStateDict(saved);
        resumed.run(b2, 0.01, 5, 10);
        for (int p = 0; p < 2; p++) {
          assertThat(TensorConversion.toTensor(resumed.weights[p]))
              .as("weight %s", OptimizerRun.NAMES[p]).isEqualTo(TensorConversion.toTensor(straight.weights[p]));
        }
        assertThat(b2.stateDict()).isEqualTo(a.stateDict());
        assertThat(a.hostUpdates() + b1.hostUpdates() + b2.hostUpdates()).as("updates off the kernel").isZero();
      }
    } finally {
      straight.close();
      resumed.close();
    }
  }

  @Test
  void stateDictIsEmptyBeforeTheFirstStepAndNamedLikeTorchAfterIt() {
    try (Optimizer opt = Optimizers.create("adam", HyperParameters.builder().put("amsgrad", true).build(), manager)) {
      assertThat(opt.stateDict().isEmpty()).isTrue();
      OptimizerRun run = new OptimizerRun(manager);
      run.run(opt, 0.01, 0, 3);
      StateDict sd = opt.stateDict();
      assertThat(sd.names()).containsExactly(
          "net.0.weight.step", "net.0.weight.exp_avg", "net.0.weight.exp_avg_sq", "net.0.weight.max_exp_avg_sq",
          "net.0.bias.step", "net.0.bias.exp_avg", "net.0.bias.exp_avg_sq", "net.0.bias.max_exp_avg_sq");
      Tensor step = sd.require("net.0.weight.step");
      assertThat(step.dtype()).isEqualTo(DType.F32);
      assertThat(step.shape()).isEmpty();
      assertThat(step.floatValue()).isEqualTo(3f);
      assertThat(sd.require("net.0.weight.exp_avg").shape()).containsExactly(2, 3);
      assertThat(sd.require("net.0.bias.exp_avg_sq").dtype()).isEqualTo(DType.F32);
      run.close();
    }
  }

  @Test
  void loadRefusesMissingUnexpectedAndWronglyShapedTensorsNamingEachAndKeepsTheOldState() {
    try (Optimizer opt = adam()) {
      OptimizerRun run = new OptimizerRun(manager);
      run.run(opt, 0.01, 0, 2);
      StateDict before = opt.stateDict();
      StateDict bad = StateDict.builder()
          .put("a.step", Tensor.scalarFloat(2f))
          .put("a.exp_avg", Tensor.ofFloats(new long[] {2}, 1f, 2f))
          .put("a.exp_avg_sq", Tensor.ofFloats(new long[] {3}, 1f, 2f, 3f))
          .put("b.step", Tensor.scalarFloat(1f))
          .put("b.exp_avg", Tensor.ofFloats(new long[] {1}, 1f))
          .put("b.momentum_buffer", Tensor.ofFloats(new long[] {1}, 1f))
          .put("c.step", Tensor.ofFloats(new long[] {1}, 1f))
          .put("c.exp_avg", Tensor.ofFloats(new long[] {1}, 1f))
          .put("c.exp_avg_sq", Tensor.ofFloats(new long[] {1}, 1f))
          .build();
      assertThatThrownBy(() -> opt.loadStateDict(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("wrongly shaped 'a.exp_avg_sq': [3] but 'a.exp_avg' is [2]")
          .hasMessageContaining("missing 'b.exp_avg_sq'")
          .hasMessageContaining("unexpected 'b.momentum_buffer'")
          .hasMessageContaining("wrongly shaped 'c.step'").hasMessageNotContaining("not NaN");
      assertThat(opt.stateDict()).isEqualTo(before);
      run.close();
    }
  }

  @Test
  void aStepCountPastWhatF32HoldsExactlyLoadsAndGrowsFromItsNearestF32() {
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f});
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f}))), 0.1);
      StateDict one = opt.stateDict();
      float past = (1 << 24) + 2; // a long job's count, F32 holding only even whole numbers from 2^24
      StateDict late = StateDict.builder().put("w.step", Tensor.scalarFloat(past))
          .put("w.exp_avg", one.require("w.exp_avg")).put("w.exp_avg_sq", one.require("w.exp_avg_sq")).build();
      opt.loadStateDict(late);
      for (int i = 0; i < 4; i++) {
        opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f}))), 0.1);
      }
      assertThat(opt.stateDict().require("w.step").floatValue()).isEqualTo(past + 4);
      assertThat(w.toFloatArray()[0]).isFinite();
      StateDict infinite = StateDict.builder().put("w.step", Tensor.scalarFloat(Float.POSITIVE_INFINITY))
          .put("w.exp_avg", one.require("w.exp_avg")).put("w.exp_avg_sq", one.require("w.exp_avg_sq")).build();
      assertThatThrownBy(() -> opt.loadStateDict(infinite)).hasMessageContaining("whole number from 0 to 2^53, not Infinity");
      StateDict huge = StateDict.builder().put("w.step", Tensor.scalarFloat(1e19f))
          .put("w.exp_avg", one.require("w.exp_avg")).put("w.exp_avg_sq", one.require("w.exp_avg_sq")).build();
      assertThatThrownBy(() -> opt.loadStateDict(huge)).hasMessageContaining("not 1.0E19");
      for (float bad : new float[] {2.5f, -1f}) {
        StateDict partial = StateDict.builder().put("w.step", Tensor.scalarFloat(bad))
            .put("w.exp_avg", one.require("w.exp_avg")).put("w.exp_avg_sq", one.require("w.exp_avg_sq")).build();
        assertThatThrownBy(() -> opt.loadStateDict(partial)).as("step %s", bad)
            .hasMessageContaining("'w.step'").hasMessageContaining("whole number from 0 to 2^53, not " + bad);
      }
    }
  }

  @Test
  void loadIntoAnAmsgradOptimizerRefusesStateWithoutMaxExpAvgSq() {
    StateDict plain;
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f});
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f}))), 0.1);
      plain = opt.stateDict();
    }
    try (Optimizer ams = Optimizers.create("adam", HyperParameters.builder().put("amsgrad", true).build(), manager)) {
      assertThatThrownBy(() -> ams.loadStateDict(plain)).hasMessageContaining("missing 'w.max_exp_avg_sq'");
    }
  }

  @Test
  void nextStepAfterLoadRefusesStateThatDoesNotMatchTheParameters() {
    StateDict saved;
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f, 2f});
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f, 1f}))), 0.1);
      saved = opt.stateDict();
    }
    try (Optimizer opt = adam()) {
      opt.loadStateDict(saved);
      NDArray w3 = manager.create(new float[] {1f, 2f, 3f});
      NDArray v = manager.create(new float[] {5f});
      List<ParamSlot> wrong = List.of(ParamSlot.of("w", w3, manager.create(new float[] {1f, 1f, 1f})),
          ParamSlot.of("v", v, manager.create(new float[] {1f})));
      assertThatThrownBy(() -> opt.step(wrong, 0.1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("wrongly shaped 'w.exp_avg': (2) but parameter 'w' is (3)")
          .hasMessageContaining("missing [v.step, v.exp_avg, v.exp_avg_sq]");
      assertThat(w3.toFloatArray()).containsExactly(1f, 2f, 3f);
      assertThatThrownBy(() -> opt.step(List.of(ParamSlot.of("x", v, manager.create(new float[] {1f}))), 0.1))
          .hasMessageContaining("unexpected [w.step, w.exp_avg, w.exp_avg_sq]: no parameter 'w' in this step");
    }
  }

  @Test
  void aParameterNamedAsStartingFreshMayLackStateAndGetsItsFirstAtTheNextStep() {
    StateDict saved;
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f, 2f});
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f, 1f}))), 0.1);
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f, 1f}))), 0.1);
      saved = opt.stateDict();
    }
    NDArray w = manager.create(new float[] {1f, 2f});
    NDArray v = manager.create(new float[] {5f});
    List<ParamSlot> both = List.of(ParamSlot.of("w", w, manager.create(new float[] {1f, 1f})),
        ParamSlot.of("v", v, manager.create(new float[] {1f})));
    try (Optimizer opt = adam()) {
      opt.loadStateDict(saved, java.util.Set.of("v"));
      opt.step(both, 0.1);
      assertThat(opt.stateDict().require("w.step").floatValue()).isEqualTo(3f);
      assertThat(opt.stateDict().require("v.step").floatValue()).as("torch's first step of v").isEqualTo(1f);
      opt.loadStateDict(saved);
      assertThatThrownBy(() -> opt.step(both, 0.1)).as("a later load without it is strict again")
          .hasMessageContaining("missing [v.step, v.exp_avg, v.exp_avg_sq]");
    }
  }

  @Test
  void loadingAnEmptyStateResetsTheOptimizer() {
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f});
      opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f}))), 0.1);
      opt.loadStateDict(StateDict.empty());
      assertThat(opt.stateDict().isEmpty()).isTrue();
      opt.step(List.of(ParamSlot.of("other", w, manager.create(new float[] {1f}))), 0.1);
      assertThat(opt.stateDict().require("other.step").floatValue()).isEqualTo(1f);
    }
  }

  @Test
  void closedOptimizerRefusesToStepAndFreesItsState() {
    Optimizer opt = adam();
    NDArray w = manager.create(new float[] {1f});
    opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f}))), 0.1);
    int before = manager.getManagedArrays().size();
    opt.close();
    opt.close();
    assertThat(manager.getManagedArrays().size()).isLessThan(before);
    assertThatThrownBy(() -> opt.step(List.of(), 0.1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void duplicateNamesAndBadLearningRatesAreRefused() {
    try (Optimizer opt = adam()) {
      NDArray w = manager.create(new float[] {1f});
      NDArray g = manager.create(new float[] {1f});
      assertThatThrownBy(() -> opt.step(List.of(ParamSlot.of("w", w, g), ParamSlot.of("w", w, g)), 0.1))
          .hasMessageContaining("parameter 'w' appears twice");
      assertThatThrownBy(() -> opt.step(List.of(ParamSlot.of("w", w, g)), Double.NaN))
          .hasMessageContaining("lr = NaN");
      assertThatThrownBy(() -> opt.step(List.of(ParamSlot.of("w", w, manager.create(new float[] {1f, 2f}))), 0.1))
          .hasMessageContaining("gradient of parameter 'w'");
    }
  }
}
