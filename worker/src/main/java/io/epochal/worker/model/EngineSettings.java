package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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

  /**
   * Held shared by computations at the job's thread count ({@link #atThreads}) and exclusively by
   * one that changes the count for a while ({@link #withThreads}): PyTorch's count also sets the
   * math library's (MKL's), which is one for the whole process. Fair, so a waiting change is not
   * starved by a stream of rounds.
   */
  private static final ReentrantReadWriteLock COUNT = new ReentrantReadWriteLock(true);

  private EngineSettings() {}

  /**
   * Runs {@code action} (a training round) with {@code threads} intra-op threads ({@link
   * #configureThreads}), during which no {@link #withThreads} of another thread changes the
   * process-wide count: in a local Spark the driver's checkpoint writer computes a probe with one
   * thread while the executor threads train, and a matrix product whose library count changed
   * under it may round differently. Any number of threads may run actions at once.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static <T> T atThreads(int threads, Supplier<T> action) {
    COUNT.readLock().lock();
    try {
      configureThreads(threads);
      return action.get();
    } finally {
      COUNT.readLock().unlock();
    }
  }

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
   * for first here, so every thread computes {@code action} alike. A count that must change is
   * changed, and {@code action} computed, while no {@link #atThreads} action runs (the change
   * reaches every thread's math library); one that need not change waits for nothing.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   * @throws IllegalStateException if called inside this thread's {@link #atThreads}, which the
   *     change would wait for forever
   */
  public static <T> T withThreads(int threads, Supplier<T> action) {
    checkArgument(threads >= 1, "thread count must be >= 1, got %s", threads);
    int before = intraOpThreads(); // settles this thread's count, so that setting it below is the only change
    if (before == threads) {
      return action.get();
    }
    if (COUNT.getReadHoldCount() > 0) {
      throw new IllegalStateException("cannot compute with " + threads + " intra-op threads inside a computation at "
          + before + " (atThreads): the change would wait for itself");
    }
    COUNT.writeLock().lock();
    try {
      JniUtils.setNumThreads(threads);
      try {
        return action.get();
      } finally {
        JniUtils.setNumThreads(before);
      }
    } finally {
      COUNT.writeLock().unlock();
    }
  }

  /** The intra-op thread count of the running engine (starting it if needed). */
  public static int intraOpThreads() {
    Engine.getEngine(BaseEpochalModel.ENGINE);
    return JniUtils.getNumThreads();
  }
}
