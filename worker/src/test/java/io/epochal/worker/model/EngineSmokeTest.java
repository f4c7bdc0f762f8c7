package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class EngineSmokeTest {

  @Test
  void pytorchNativeLoadsOfflineAndRunsALinearBlock() {
    assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
    Engine engine = Engine.getEngine("PyTorch");
    assertThat(engine.getVersion()).isEqualTo("2.7.1");
    try (NDManager manager = engine.newBaseManager()) {
      Linear linear = Linear.builder().setUnits(3).build();
      linear.initialize(manager, DataType.FLOAT32, new Shape(2, 4));
      NDArray x = manager.ones(new Shape(2, 4));
      NDList out = linear.forward(new ParameterStore(manager, false), new NDList(x), false);
      assertThat(out.singletonOrThrow().getShape()).isEqualTo(new Shape(2, 3));
    }
  }

  @Test
  void configureThreadsSetsTheIntraOpThreadCount() {
    assertThat(EngineSettings.configureThreads(1)).isEqualTo(1);
    assertThat(EngineSettings.intraOpThreads()).isEqualTo(1);
  }
}
