package io.epochal.driver.train;

import java.util.concurrent.TimeUnit;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * Where a driver registers the stop of the job it owns ({@link ShutdownStop}): Hadoop's shutdown
 * hook manager, which runs hooks by priority before the file systems close. A test substitutes a
 * JVM that is already shutting down, or runs the stop itself at a moment of its choice.
 */
public interface StopHooks {

  /** Hadoop's {@link ShutdownHookManager}. */
  StopHooks HADOOP = new StopHooks() {
    @Override
    public void add(Runnable hook, int priority, long timeoutSeconds) {
      ShutdownHookManager.get().addShutdownHook(hook, priority, timeoutSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void remove(Runnable hook) {
      ShutdownHookManager.get().removeShutdownHook(hook);
    }
  };

  /**
   * Registers {@code hook}.
   *
   * @throws IllegalStateException if the JVM is shutting down already: the hooks have begun to run,
   *     and this one never would
   */
  void add(Runnable hook, int priority, long timeoutSeconds);

  /**
   * Unregisters {@code hook}.
   *
   * @throws IllegalStateException if the JVM is shutting down: the hook runs or has run
   */
  void remove(Runnable hook);
}
