package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;

/**
 * Where a reader puts each tensor's bytes. {@link #heap()} gives every tensor its own heap array;
 * {@link #offHeapFrom(int)} puts large tensors into direct (off-heap) buffers, which keeps them out
 * of the Java heap: the GC neither copies them nor wastes the tail of the regions a large array
 * would span (G1 stores an array of half a region or more in whole "humongous" regions, so a
 * 4 MiB tensor takes 5 MiB of a 1 GiB heap). Direct memory is bounded by {@code
 * -XX:MaxDirectMemorySize} (by default the maximum heap size) and is freed when the tensor is
 * collected.
 */
@FunctionalInterface
public interface TensorAllocator {

  /** A new, zeroed, writable buffer of exactly {@code bytes} bytes, position 0. */
  ByteBuffer allocate(int bytes);

  /** Every tensor in its own heap array. */
  static TensorAllocator heap() {
    return ByteBuffer::allocate;
  }

  /** Tensors of at least {@code minBytes} bytes off-heap (direct buffers), smaller ones on the heap. */
  static TensorAllocator offHeapFrom(int minBytes) {
    checkArgument(minBytes >= 0, "minBytes must be >= 0, got %s", minBytes);
    return bytes -> bytes >= minBytes ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes);
  }
}
