package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Direct buffers whose memory the engine computes on: a PyTorch CPU array made from a direct buffer
 * uses the buffer's memory as its own ({@code from_blob}), so the buffer's address is the array's.
 *
 * <p>PyTorch's own CPU allocator puts every tensor on a {@value #ALIGNMENT}-byte boundary, and the
 * math libraries under it are reproducible run to run only for such memory: Intel MKL documents that
 * without its conditional-reproducibility mode a routine may take another code path, and round
 * differently, for input that is not {@value #ALIGNMENT}-byte aligned. {@code
 * ByteBuffer.allocateDirect} returns whatever {@code malloc} returns, 16-byte aligned on x86-64, at
 * an address that depends on what the process allocated before: an input batch could sit on a
 * 64-byte boundary in one run and 16 bytes past one in the next, on the next thread or after a
 * resume. Buffers from here always start on a {@value #ALIGNMENT}-byte boundary, like the engine's
 * own tensors, so the address never selects the arithmetic.
 */
public final class NativeBuffers {

  /** The alignment, in bytes, of every buffer from {@link #allocate}: c10's CPU tensor alignment. */
  public static final int ALIGNMENT = 64;

  private NativeBuffers() {}

  /**
   * A zero-filled direct buffer of {@code bytes} bytes in native byte order whose first byte sits on
   * an {@link #ALIGNMENT}-byte boundary. It keeps its memory for as long as it (or a view of it) is
   * reachable, as any direct buffer does.
   *
   * @throws IllegalArgumentException if {@code bytes} is negative or too large for one buffer
   */
  public static ByteBuffer allocate(int bytes) {
    checkArgument(bytes >= 0, "buffer size must be >= 0 bytes, got %s", bytes);
    long rounded = (bytes + (long) ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    long capacity = rounded + ALIGNMENT - 1;
    checkArgument(capacity <= Integer.MAX_VALUE, "buffer of %s bytes is too large for one direct buffer "
        + "(at most %s bytes)", bytes, Integer.MAX_VALUE - 2L * ALIGNMENT + 2);
    // the aligned part of [base, base + rounded + 63) starts at most 63 bytes in and, since its start
    // plus 'rounded' is itself aligned and inside, holds at least 'rounded' bytes
    ByteBuffer aligned = ByteBuffer.allocateDirect((int) capacity).alignedSlice(ALIGNMENT);
    return aligned.slice(0, bytes).order(ByteOrder.nativeOrder());
  }

  /**
   * A buffer from {@link #allocate} of {@code floats} float32 values.
   *
   * @throws IllegalArgumentException if {@code floats} is negative or too large for one buffer
   */
  public static ByteBuffer allocateFloats(int floats) {
    checkArgument(floats >= 0 && floats <= Integer.MAX_VALUE / Float.BYTES,
        "float count must be between 0 and %s, got %s", Integer.MAX_VALUE / Float.BYTES, floats);
    return allocate(floats * Float.BYTES);
  }

  /** Whether {@code buffer}'s first byte sits on an {@link #ALIGNMENT}-byte boundary (direct buffers only). */
  public static boolean isAligned(ByteBuffer buffer) {
    checkArgument(buffer.isDirect(), "only a direct buffer has an address, got %s", buffer);
    return buffer.capacity() == 0 || buffer.alignmentOffset(0, ALIGNMENT) == 0;
  }
}
