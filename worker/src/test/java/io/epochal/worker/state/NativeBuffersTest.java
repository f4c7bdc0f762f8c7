package io.epochal.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeBuffersTest {

  @Test
  void everyBufferStartsOnA64ByteBoundaryAndHoldsExactlyTheBytesAskedFor() {
    List<ByteBuffer> kept = new ArrayList<>(); // alive together, so malloc cannot hand out one address twice
    for (int bytes : new int[] {1, 3, 4, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 2048, 4095, 4097, 1 << 20}) {
      for (int i = 0; i < 8; i++) {
        ByteBuffer b = NativeBuffers.allocate(bytes);
        kept.add(b);
        assertThat(b.isDirect()).isTrue();
        assertThat(b.capacity()).as("capacity for %d bytes", bytes).isEqualTo(bytes);
        assertThat(b.position()).isZero();
        assertThat(b.limit()).isEqualTo(bytes);
        assertThat(b.order()).isEqualTo(ByteOrder.nativeOrder());
        assertThat(b.alignmentOffset(0, NativeBuffers.ALIGNMENT)).as("address mod 64 of %d bytes", bytes).isZero();
        assertThat(NativeBuffers.isAligned(b)).isTrue();
        // the whole range is usable, and zero-filled
        assertThat(b.get(bytes - 1)).isZero();
        b.put(bytes - 1, (byte) 7);
        assertThat(b.get(bytes - 1)).isEqualTo((byte) 7);
      }
    }
    assertThat(NativeBuffers.allocate(0).capacity()).isZero();
    assertThat(NativeBuffers.allocateFloats(5).capacity()).isEqualTo(20);
    assertThat(kept).hasSize(17 * 8);
  }

  @Test
  void plainDirectBuffersAreNotAlwaysAlignedWhichIsWhyThisClassExists() {
    // malloc's 16-byte alignment: among many small direct buffers some start off a 64-byte boundary
    List<ByteBuffer> kept = new ArrayList<>();
    long misaligned = 0;
    for (int i = 0; i < 64; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(100 + i);
      kept.add(b);
      misaligned += NativeBuffers.isAligned(b) ? 0 : 1;
    }
    assertThat(misaligned).as("plain direct buffers off a 64-byte boundary, of %d", kept.size()).isPositive();
  }

  @Test
  void arraysMadeFromTensorsComputeOnAlignedMemory() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      for (int n = 1; n < 40; n++) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          values[i] = i * 0.5f - 3;
        }
        NDArray a = TensorConversion.toArray(manager, Tensor.ofFloats(new long[] {n}, values));
        ByteBuffer memory = a.toByteBuffer(true); // the array's own memory on the CPU
        assertThat(NativeBuffers.isAligned(memory)).as("array of %d floats", n).isTrue();
        assertThat(a.toFloatArray()).containsExactly(values);
      }
    }
  }

  @Test
  void negativeAndOversizedRequestsNameTheSize() {
    assertThatThrownBy(() -> NativeBuffers.allocate(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got -1");
    assertThatThrownBy(() -> NativeBuffers.allocate(Integer.MAX_VALUE - 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
    assertThatThrownBy(() -> NativeBuffers.allocateFloats(Integer.MAX_VALUE / 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("float count");
    assertThatThrownBy(() -> NativeBuffers.isAligned(ByteBuffer.allocate(4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("direct");
  }
}
