package io.epochal.tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/** State dicts that exercise every dtype and the edge shapes, for codec and store tests. */
public final class TestTensors {

  private TestTensors() {}

  /**
   * Per dtype a 2x3 tensor of random bytes (0/1 for BOOL), an empty one (a 0 dimension) and a 0-d
   * one; plus PyTorch-style 0-d {@code num_batches_tracked} and a 0-d float.
   */
  public static StateDict everyDType() {
    Random r = new Random(42);
    StateDict.Builder b = StateDict.builder();
    for (DType t : DType.values()) {
      long[] shape = {2, 3};
      byte[] bytes = new byte[(int) Tensor.byteSize(t, shape)];
      r.nextBytes(bytes);
      if (t == DType.BOOL) {
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = (byte) (bytes[i] & 1);
        }
      }
      String name = t.name().toLowerCase();
      b.put("layer." + name + ".weight", Tensor.of(t, shape, ByteBuffer.wrap(bytes)));
      b.put("empty." + name, Tensor.of(t, new long[] {0, 4}, ByteBuffer.allocate(0)));
      b.put("scalar." + name, Tensor.of(t, new long[0], ByteBuffer.wrap(Arrays.copyOf(bytes, t.byteSize()))));
    }
    b.put("bn1.num_batches_tracked", Tensor.scalarLong(123456789L));
    b.put("scale", Tensor.scalarFloat(0.5f));
    return b.build();
  }
}
