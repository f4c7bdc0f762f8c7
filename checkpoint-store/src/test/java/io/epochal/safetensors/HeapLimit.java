package io.epochal.safetensors;

/** Gives the safetensors readers of this JVM a smaller free heap than it has, until closed: for tests of refusals. */
public final class HeapLimit implements AutoCloseable {

  private final java.util.function.LongSupplier before;

  private HeapLimit(long bytes) {
    before = HeaderBudget.heap;
    HeaderBudget.heap = () -> bytes;
  }

  /** Readers see {@code bytes} of free heap until {@link #close}. */
  public static HeapLimit of(long bytes) {
    return new HeapLimit(bytes);
  }

  @Override
  public void close() {
    HeaderBudget.heap = before;
  }
}
