package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.epochal.params.HyperParameters;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoGradTest {

  private static EpochalModel mlp() {
    EpochalModel model = ModelRegistry.getDefault().create("mlp", 1,
        HyperParameters.builder().put("input_dim", 4).put("hidden", List.of(8L)).put("output_dim", 2).build());
    model.initialize(3);
    return model;
  }

  private static boolean recordsGraph(NDArray output) {
    // a backward through it reaches the weights only when the forward kept its graph
    try (NDArray sum = output.sum(); NDArray ones = sum.onesLike()) {
      JniUtils.backward((PtNDArray) sum, (PtNDArray) ones, false, false);
      return true;
    } catch (ai.djl.engine.EngineException e) {
      assertThat(e).hasMessageContaining("does not require grad");
      return false;
    }
  }

  @Test
  void aForwardPassInsideRecordsNoGraphWhereOneOutsideDoes() {
    try (EpochalModel model = mlp(); NDManager m = NDManager.newBaseManager()) {
      JniUtils.setGradMode(true); // torch's default on every thread
      NDArray x = m.ones(new Shape(3, 4));
      assertThat(recordsGraph(model.forward(x, false, null))).as("recorded outside").isTrue();
      boolean recorded = NoGrad.call(() -> recordsGraph(model.forward(x, false, null)));
      assertThat(recorded).as("recorded inside").isFalse();
      assertThat(JniUtils.isGradMode()).as("the thread's mode after").isTrue();
    }
  }

  @Test
  void theThreadsModeIsRestoredAfterAFailureAndWhenItWasOff() {
    NDManager.newBaseManager().close(); // the engine's native library loaded
    JniUtils.setGradMode(true);
    assertThatThrownBy(() -> NoGrad.run(() -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    assertThat(JniUtils.isGradMode()).isTrue();
    JniUtils.setGradMode(false);
    try {
      NoGrad.run(() -> assertThat(JniUtils.isGradMode()).isFalse());
      assertThat(JniUtils.isGradMode()).as("off before, off after").isFalse();
    } finally {
      JniUtils.setGradMode(true);
    }
  }
}
