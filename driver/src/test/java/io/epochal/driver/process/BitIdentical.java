package io.epochal.driver.process;

import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Bit-for-bit comparison of checkpoints: the same tensor names in the same order, and for every
 * tensor the same dtype, shape and bytes. A difference is reported by tensor name, byte offset and
 * the differing bytes (not by a float comparison, which would call {@code -0.0 == 0.0} equal and
 * {@code NaN} unequal to itself).
 */
final class BitIdentical {

  private BitIdentical() {}

  /**
   * Asserts that {@code actual}'s model, optimizer and moving-average tensors, global step and learning-rate
   * schedule state are bit-identical to {@code expected}'s; the rest of the manifests (which name the job directory
   * and times) is not compared.
   */
  static void assertSameTrainingState(LoadedCheckpoint expected, LoadedCheckpoint actual) {
    String what = "epoch " + actual.epoch() + " of " + actual.path() + " against " + expected.path();
    if (expected.epoch() != actual.epoch()) {
      throw new AssertionError(what + ": epochs differ, " + expected.epoch() + " vs " + actual.epoch());
    }
    if (expected.manifest().globalStep() != actual.manifest().globalStep()) {
      throw new AssertionError(what + ": global steps differ, " + expected.manifest().globalStep() + " vs "
          + actual.manifest().globalStep());
    }
    assertSameTensors("model tensors of " + what, expected.model(), actual.model());
    assertSameTensors("optimizer tensors of " + what, expected.optimizer(), actual.optimizer());
    if (!expected.ema().isEmpty() || !actual.ema().isEmpty()) {
      assertSameTensors("moving-average tensors of " + what, expected.ema(), actual.ema());
    }
    // the rate the next epoch trains at, and a plateau schedule's count and best
    if (!expected.manifest().learningRateSchedule().equals(actual.manifest().learningRateSchedule())) {
      throw new AssertionError(what + ": lr_schedule " + actual.manifest().learningRateSchedule().asMap()
          + ", expected " + expected.manifest().learningRateSchedule().asMap());
    }
  }

  /** Asserts that two state dicts hold the same names in order and bit-identical tensors. */
  static void assertSameTensors(String what, StateDict expected, StateDict actual) {
    if (!expected.nameList().equals(actual.nameList())) {
      throw new AssertionError(what + ": tensor names differ, expected " + expected.nameList() + " but was "
          + actual.nameList());
    }
    if (expected.isEmpty()) {
      throw new AssertionError(what + ": no tensors to compare");
    }
    for (String name : expected.nameList()) {
      Tensor e = expected.require(name);
      Tensor a = actual.require(name);
      if (e.dtype() != a.dtype() || !Arrays.equals(e.shape(), a.shape())) {
        throw new AssertionError(what + ": tensor '" + name + "' is " + a.dtype() + Arrays.toString(a.shape())
            + ", expected " + e.dtype() + Arrays.toString(e.shape()));
      }
      int at = firstDifference(e.data(), a.data());
      if (at >= 0) {
        int width = e.dtype().byteSize();
        int element = at / width;
        throw new AssertionError(what + ": tensor '" + name + "' differs first at element " + element
            + " (byte " + at + " of " + e.byteSize() + "): expected bytes " + hex(e.data(), element * width, width)
            + " but was " + hex(a.data(), element * width, width));
      }
    }
  }

  /** Index of the first differing byte, or -1 if the buffers hold the same bytes. */
  private static int firstDifference(ByteBuffer x, ByteBuffer y) {
    ByteBuffer a = x.duplicate();
    ByteBuffer b = y.duplicate();
    if (a.remaining() != b.remaining()) {
      return Math.min(a.remaining(), b.remaining());
    }
    int mismatch = a.mismatch(b);
    return mismatch;
  }

  private static String hex(ByteBuffer buf, int offset, int length) {
    StringBuilder sb = new StringBuilder();
    ByteBuffer d = buf.duplicate();
    for (int i = 0; i < length && d.position() + offset + i < d.limit(); i++) {
      sb.append(String.format("%02x", d.get(d.position() + offset + i)));
    }
    return sb.toString();
  }
}
