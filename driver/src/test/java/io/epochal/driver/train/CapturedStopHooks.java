package io.epochal.driver.train;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stop hooks kept instead of registered with the JVM: a test runs them when it wants a SIGTERM to
 * arrive ({@link #runAll}), on the thread it chooses.
 */
public final class CapturedStopHooks implements StopHooks {

  private final List<Runnable> hooks = new CopyOnWriteArrayList<>();

  @Override
  public void add(Runnable hook, int priority, long timeoutSeconds) {
    hooks.add(hook);
  }

  @Override
  public void remove(Runnable hook) {
    hooks.remove(hook);
  }

  /** Runs every hook registered now, as the JVM's shutdown does. */
  public void runAll() {
    hooks.forEach(Runnable::run);
  }
}
