package io.epochal.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineHeapReadsTest {

  @Test
  void noWorkerClassReadsAnArrayThroughTheEnginesHeapCopyingPath() {
    assertThat(EngineHeapReads.callsIn(Path.of("target", "classes")))
        .as("read arrays with TensorConversion.toFloats, toTensor or view instead").isEmpty();
  }

  @Test
  void theScanFindsDirectCallsCallsInLambdasAndTheNoArgumentByteBufferButNotAView() {
    List<String> found = EngineHeapReads.callsIn(Path.of("target", "test-classes")).stream()
        .filter(s -> s.startsWith(HeapCopyingReads.class.getName() + ".")).toList();

    assertThat(found).hasSize(3).anySatisfy(s -> assertThat(s).contains("direct(").endsWith("NDArray.toFloatArray"))
        .anySatisfy(s -> assertThat(s).contains("lambda$").endsWith("NDArray.getFloat"))
        .anySatisfy(s -> assertThat(s).contains("bytes(").endsWith("NDArray.toByteBuffer"));
  }
}
