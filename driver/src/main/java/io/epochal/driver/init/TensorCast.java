package io.epochal.driver.init;

import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Converts a tensor of starting weights to the element type the model holds, as PyTorch's {@code
 * load_state_dict} copies a tensor of another precision into a parameter: between the floating-point
 * types (half precision and bfloat16 widen exactly; double precision rounds to the nearest float, as
 * {@code Tensor.copy_} does) and between the integer types when every value fits. A conversion
 * between kinds (an integer into a float, a boolean into anything else) is not made: it is no
 * precision of the same value.
 */
final class TensorCast {

  private TensorCast() {}

  /**
   * {@code t} as a tensor of {@code target} (itself when it already is one), or empty when the
   * kinds differ or {@code target} is a floating-point type narrower than float32.
   *
   * @throws IllegalArgumentException naming the element when an integer does not fit {@code target}
   */
  static Optional<Tensor> to(DType target, Tensor t) {
    if (t.dtype() == target) {
      return Optional.of(t);
    }
    if (isFloat(target) && isFloat(t.dtype()) && (target == DType.F32 || target == DType.F64)) {
      return Optional.of(floats(target, t));
    }
    if (isInteger(target) && isInteger(t.dtype())) {
      return Optional.of(integers(target, t));
    }
    return Optional.empty();
  }

  /** Whether {@code d} is a floating-point type. */
  static boolean isFloat(DType d) {
    return d == DType.F32 || d == DType.F64 || d == DType.F16 || d == DType.BF16;
  }

  private static boolean isInteger(DType d) {
    return d == DType.I64 || d == DType.I32 || d == DType.I8 || d == DType.U8;
  }

  /** Element {@code i} of floating-point tensor data {@code b} of type {@code d}, exactly. */
  static double floatAt(ByteBuffer b, DType d, long i) {
    switch (d) {
      case F64:
        return b.getDouble(Math.toIntExact(i * 8));
      case F32:
        return b.getFloat(Math.toIntExact(i * 4));
      case BF16:
        return Float.intBitsToFloat((b.getShort(Math.toIntExact(i * 2)) & 0xffff) << 16);
      case F16:
        return halfToFloat(b.getShort(Math.toIntExact(i * 2)) & 0xffff);
      default:
        throw new IllegalArgumentException("not a floating-point type: " + d);
    }
  }

  /** IEEE 754 binary16 bits {@code h} as the float of the same value (every half is one). */
  static float halfToFloat(int h) {
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    float magnitude;
    if (exponent == 0) {
      magnitude = mantissa * 0x1p-24f; // zero or subnormal: exact, the mantissa has 10 bits
    } else if (exponent == 0x1f) {
      magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      magnitude = Float.intBitsToFloat(((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
    return (h & 0x8000) != 0 ? -magnitude : magnitude;
  }

  private static Tensor floats(DType target, Tensor t) {
    ByteBuffer in = t.data();
    long n = t.numel();
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n * target.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < n; i++) {
      double v = floatAt(in, t.dtype(), i);
      if (target == DType.F32) {
        out.putFloat((float) v);
      } else {
        out.putDouble(v);
      }
    }
    out.flip();
    return Tensor.wrap(target, t.shape(), out);
  }

  private static Tensor integers(DType target, Tensor t) {
    ByteBuffer in = t.data();
    long n = t.numel();
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n * target.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < n; i++) {
      long v = integerAt(in, t.dtype(), i);
      long min = target == DType.I32 ? Integer.MIN_VALUE : target == DType.I8 ? Byte.MIN_VALUE
          : target == DType.U8 ? 0 : Long.MIN_VALUE;
      long max = target == DType.I32 ? Integer.MAX_VALUE : target == DType.I8 ? Byte.MAX_VALUE
          : target == DType.U8 ? 255 : Long.MAX_VALUE;
      if (v < min || v > max) {
        throw new IllegalArgumentException("element " + i + " = " + v + " does not fit " + target);
      }
      switch (target) {
        case I64 -> out.putLong(v);
        case I32 -> out.putInt((int) v);
        default -> out.put((byte) v);
      }
    }
    out.flip();
    return Tensor.wrap(target, t.shape(), out);
  }

  private static long integerAt(ByteBuffer b, DType d, long i) {
    int at = Math.toIntExact(i * d.byteSize());
    return switch (d) {
      case I64 -> b.getLong(at);
      case I32 -> b.getInt(at);
      case I8 -> b.get(at);
      case U8 -> b.get(at) & 0xff;
      default -> throw new IllegalArgumentException("not an integer type: " + d);
    };
  }
}
