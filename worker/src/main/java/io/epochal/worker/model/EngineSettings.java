package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Process-wide settings of the PyTorch engine. The determinism contract and throughput both want a
 * fixed, small number of intra-op threads per worker (one, on the reference machines).
 */
public final class EngineSettings {

  /** DJL's system property read when the PyTorch engine starts: intra-op threads. */
  public static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  /** DJL's system property read when the PyTorch engine starts: inter-op threads. */
  public static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private EngineSettings() {}

  /**
   * Uses {@code threads} intra-op threads in PyTorch. Before the engine starts, this also sets the
   * inter-op thread count (PyTorch allows that only once, before any parallel work); afterwards it
   * changes the intra-op count of the running engine, which applies to every thread.
   *
   * @return the intra-op thread count now in force
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static synchronized int configureThreads(int threads) {
    checkArgument(threads >= 1, "thread count must be >= 1, got %s", threads);
    OneDnnIsaCheck.warnOnce();
    String value = Integer.toString(threads);
    System.setProperty(NUM_THREADS, value);
    if (System.getProperty(NUM_INTEROP_THREADS) == null) {
      System.setProperty(NUM_INTEROP_THREADS, value);
    }
    Engine.getEngine(BaseEpochalModel.ENGINE); // starts the engine with the properties if needed
    if (JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
    return JniUtils.getNumThreads();
  }

  /**
   * Runs {@code action} with {@code threads} intra-op threads on the calling thread and restores
   * the thread's count afterwards, for a computation whose bits must not depend on the thread it
   * runs on. PyTorch keeps the count per thread: a thread takes the process's count only when it
   * first asks for it, and until then its math library runs with its own default (one thread per
   * core), whose matrix products may round differently from a single thread's. The count is asked
   * for first here, so every thread computes {@code action} alike.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static <T> T withThreads(int threads, Supplier<T> action) {
    checkArgument(threads >= 1, "thread count must be >= 1, got %s", threads);
    int before = intraOpThreads(); // settles this thread's count, so that setting it below is the only change
    if (before != threads) {
      JniUtils.setNumThreads(threads);
    }
    try {
      return action.get();
    } finally {
      if (before != threads) {
        JniUtils.setNumThreads(before);
      }
    }
  }

  /** The intra-op thread count of the running engine (starting it if needed). */
  public static int intraOpThreads() {
    Engine.getEngine(BaseEpochalModel.ENGINE);
    return JniUtils.getNumThreads();
  }
}
