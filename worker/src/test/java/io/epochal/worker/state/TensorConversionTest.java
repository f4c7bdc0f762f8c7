package io.epochal.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TensorConversionTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private static Tensor offHeap(long[] shape, float... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    b.flip();
    return Tensor.wrap(DType.F32, shape, b);
  }

  @Test
  void floatsAndTensorsReadThroughTheEngineViewEqualTheEnginesOwnCopyAlsoForANonContiguousArray() {
    NDArray a = manager.arange(0f, 12f).reshape(3, 4);
    NDArray transposed = a.transpose(); // a strided view: read through a contiguous copy
    for (NDArray x : new NDArray[] {a, transposed}) {
      assertThat(TensorConversion.toFloats(x)).containsExactly(x.toFloatArray());
      assertThat(TensorConversion.toTensor(x).toFloatArray()).containsExactly(x.toFloatArray());
    }
    assertThat(TensorConversion.toFloats(transposed)).startsWith(0f, 4f, 8f, 1f);
  }

  @Test
  void aZeroDimArrayLoadedFromAnOffHeapTensorGetsMemoryOfItsOwn() {
    // a checkpoint read with off-heap tensors: the model's later updates must not reach the
    // (immutable) tensor it was loaded from
    Tensor t = offHeap(new long[0], 2f);
    NDArray target = manager.zeros(new Shape(), DataType.FLOAT32);
    TensorConversion.copyInto("scale", t, target);
    assertThat(target.getFloat()).isEqualTo(2f);
    target.subi(0.5f);
    assertThat(target.getFloat()).isEqualTo(1.5f);
    assertThat(t.floatValue()).isEqualTo(2f);
  }

  @Test
  void anArrayLoadedFromAnOffHeapTensorKeepsItsOwnMemory() {
    Tensor t = offHeap(new long[] {2, 2}, 1f, 2f, 3f, 4f);
    NDArray target = manager.zeros(new Shape(2, 2), DataType.FLOAT32);
    TensorConversion.copyInto("w", t, target);
    assertThat(target.toFloatArray()).containsExactly(1f, 2f, 3f, 4f);
    target.muli(10f);
    assertThat(TensorConversion.toTensor(target)).isEqualTo(Tensor.ofFloats(new long[] {2, 2}, 10f, 20f, 30f, 40f));
    assertThat(t).isEqualTo(Tensor.ofFloats(new long[] {2, 2}, 1f, 2f, 3f, 4f));
  }

  @Test
  void readingAStridedViewLeavesNoCopyInItsManagerAndGivesItsElementsInRowMajorOrder() {
    NDArray transposed = manager.arange(6f).reshape(2, 3).transpose();
    int before = manager.getManagedArrays().size();
    for (int i = 0; i < 100; i++) {
      assertThat(TensorConversion.toTensor(transposed).toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
      assertThat(TensorConversion.toFloats(transposed)).containsExactly(0, 3, 1, 4, 2, 5);
    }
    Tensor view = TensorConversion.view(transposed);
    System.gc(); // the engine's contiguous copy is closed: the view must not read it
    assertThat(view.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
    assertThat(manager.getManagedArrays()).as("arrays in the manager after 201 reads").hasSize(before);
    assertThat(transposed.getManager()).as("the array is back in its own manager").isSameAs(manager);
    assertThat(transposed.toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
  }

  @Test
  void aContiguousArrayIsViewedInPlaceAndStaysInItsManager() {
    NDArray a = manager.create(new float[] {1, 2, 3});
    Tensor view = TensorConversion.view(a);
    a.muli(2);
    assertThat(view.toFloatArray()).as("a view of the array's own memory").containsExactly(2, 4, 6);
    assertThat(a.getManager()).isSameAs(manager);
    assertThat(manager.getManagedArrays()).contains(a);
  }
}
