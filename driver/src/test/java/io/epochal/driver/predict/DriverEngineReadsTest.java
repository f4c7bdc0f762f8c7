package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.worker.state.EngineHeapReads;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DriverEngineReadsTest {

  @Test
  void noDriverClassReadsAnArrayThroughTheEnginesHeapCopyingPath() {
    // the predictor runs the model in executors beside rows it holds in the heap: a full heap must be an
    // OutOfMemoryError the task reports, not a crash of the executor in the engine's native code
    assertThat(EngineHeapReads.callsIn(Path.of("target", "classes")))
        .as("read arrays with TensorConversion.toFloats, toTensor or view instead").isEmpty();
  }
}
