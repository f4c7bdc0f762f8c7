package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

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

  /** The intra-op thread count of the running engine (starting it if needed). */
  public static int intraOpThreads() {
    Engine.getEngine(BaseEpochalModel.ENGINE);
    return JniUtils.getNumThreads();
  }
}
