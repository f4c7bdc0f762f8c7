package io.epochal.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types a tensor may hold, named as in the safetensors header ({@code F32}, {@code I64},
 * ...). The byte order of every multi-byte type is little-endian.
 */
public enum DType {
  /** IEEE 754 binary32. */
  F32(4),
  /** IEEE 754 binary64. */
  F64(8),
  /** IEEE 754 binary16. */
  F16(2),
  /** bfloat16: the upper half of a binary32. */
  BF16(2),
  /** Signed 64-bit integer. */
  I64(8),
  /** Signed 32-bit integer. */
  I32(4),
  /** Signed 8-bit integer. */
  I8(1),
  /** Unsigned 8-bit integer. */
  U8(1),
  /** Boolean stored as one byte, 0 or 1. */
  BOOL(1);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The name used in a safetensors header. */
  public String safetensorsName() {
    return name();
  }

  /**
   * Parses a safetensors dtype name.
   *
   * @throws IllegalArgumentException naming the value and listing the supported names
   */
  public static DType fromSafetensorsName(String name) {
    if (name != null) {
      for (DType t : values()) {
        if (t.name().equals(name)) { // exactly: safetensors (and PyTorch) refuse "f32"
          return t;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '" + name + "'; supported: "
            + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
  }
}
