package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * Notices executors that cannot start: an executor JVM that exits before it registers with the driver (a wrong
 * {@code spark.executor.extraJavaOptions}, a missing {@code -javaagent}) makes a standalone master start another at
 * once, without limit, while the job's stages wait forever. After {@value #LIMIT} such exits in a row with no
 * executor alive, it gives its verdict and cancels the running jobs, and again at every such exit after (a job
 * submitted meanwhile waits too); the training thread's failure is then reported as that cause, not retried. An
 * executor that registered and was lost later (out of memory, a lost host) does not count, nor do exits while
 * another executor runs; one that registers takes the verdict back.
 */
final class FailingExecutors extends SparkListener {

  /** Exits in a row of executors that never registered, with none alive, after which executors cannot start. */
  static final int LIMIT = 8;

  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private final Set<String> alive = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inARow = new AtomicInteger();
  private final Runnable cancel;
  private volatile String verdict;

  /**
   * Calls {@code cancel} (cancel the running jobs) at every exit once executors are deemed unable to start;
   * {@code running} are the executors registered before this listener was added (YARN and Kubernetes wait for
   * most of them inside Spark's start).
   */
  FailingExecutors(Runnable cancel, java.util.Collection<String> running) {
    this.cancel = checkNotNull(cancel, "cancel");
    registered.addAll(running);
    alive.addAll(running);
  }

  @Override
  public void onExecutorAdded(SparkListenerExecutorAdded added) {
    registered.add(added.executorId());
    alive.add(added.executorId());
    inARow.set(0);
    verdict = null; // one starts: what waits may run
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    String id = removed.executorId();
    alive.remove(id);
    if (registered.contains(id) || !alive.isEmpty()) {
      return;
    }
    String reason = removed.reason() == null ? "" : removed.reason();
    if (inARow.incrementAndGet() >= LIMIT) {
      verdict = inARow.get() + " executors in a row exited before they registered with the driver (the last: "
          + reason + "): their JVM cannot start, as a setting such as spark.executor.extraJavaOptions, "
          + "spark.executor.extraClassPath or spark.executor.memory, or a missing -javaagent or native library "
          + "causes; the executors' stderr (the worker's work directory, <app-id>/<executor-id>/stderr) says why. "
          + "Fix that setting and run the command again; nothing committed is lost";
      cancel.run();
    }
  }

  /** How many executors in a row exited before they registered, with none alive; 0 once one registers. */
  int inARow() {
    return inARow.get();
  }

  /** Why executors are deemed unable to start, once {@value #LIMIT} exited in a row; empty once one registers. */
  Optional<String> verdict() {
    return Optional.ofNullable(verdict);
  }
}
