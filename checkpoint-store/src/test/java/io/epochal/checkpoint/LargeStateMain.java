package io.epochal.checkpoint;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Commits or loads a large state dict in its own JVM, so that a test can bound that JVM's heap and
 * direct memory below two copies of the state. Every tensor holds {@code value(tensor, i)} at
 * index {@code i}; a load checks every value. Prints {@code committed N bytes} or {@code loaded N
 * bytes}.
 */
public final class LargeStateMain {

  static final int TENSOR_BYTES = 4 << 20;

  private LargeStateMain() {}

  static float value(int tensor, int i) {
    return tensor * 1_000_003f + i;
  }

  /** Arguments: {@code commit|load|load-on-heap}, job directory URI, MiB of state (a multiple of 4). */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String jobDir = args[1];
    int tensors = Integer.parseInt(args[2]) / (TENSOR_BYTES >> 20);
    HadoopCheckpointStore.Builder b = HadoopCheckpointStore.builder().setJobDir(jobDir);
    if (mode.equals("load-on-heap")) {
      b.optOffHeapTensorBytes(-1);
    }
    try (HadoopCheckpointStore store = b.build()) {
      if (mode.equals("commit")) {
        StateDict.Builder state = StateDict.builder();
        for (int t = 0; t < tensors; t++) {
          ByteBuffer buf = ByteBuffer.allocate(TENSOR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < TENSOR_BYTES / 4; i++) {
            buf.putFloat(i * 4, value(t, i));
          }
          state.put("layers." + t + ".weight", Tensor.wrap(DType.F32, new long[] {TENSOR_BYTES / 4}, buf));
        }
        StateDict model = state.build();
        store.commit(CheckpointContent.builder().setModel(model).setManifest(TestCheckpoints.manifest(1)).build(),
            CommitGuard.NONE);
        System.out.println("committed " + model.totalBytes() + " bytes");
      } else {
        StateDict model = store.load(1).model();
        for (int t = 0; t < tensors; t++) {
          java.nio.FloatBuffer f = model.require("layers." + t + ".weight").asFloatBuffer();
          for (int i = 0; i < f.remaining(); i++) {
            if (f.get(i) != value(t, i)) {
              throw new AssertionError("tensor " + t + " index " + i + " holds " + f.get(i));
            }
          }
        }
        System.out.println("loaded " + model.totalBytes() + " bytes");
      }
    }
  }
}
