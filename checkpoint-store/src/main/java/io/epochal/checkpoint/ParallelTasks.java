package io.epochal.checkpoint;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a list of file tasks on a pool and returns their results in list order. After a failure the
 * tasks that have not started are skipped, and the call returns only once no task runs any more
 * (so a caller may remove what they wrote); the first failure in list order is thrown with the
 * others suppressed.
 */
final class ParallelTasks {

  private ParallelTasks() {}

  /** A file task: writes or reads one file. */
  @FunctionalInterface
  interface FileTask<T> {
    T call() throws IOException;
  }

  static <T> List<T> runAll(ExecutorService pool, List<FileTask<T>> tasks) throws IOException {
    AtomicBoolean failed = new AtomicBoolean();
    List<Future<T>> futures = new ArrayList<>(tasks.size());
    for (FileTask<T> task : tasks) {
      Callable<T> guarded = () -> {
        if (failed.get()) {
          return null; // skipped: an earlier task failed
        }
        try {
          return task.call();
        } catch (IOException | RuntimeException | Error e) {
          failed.set(true);
          throw e;
        }
      };
      futures.add(pool.submit(guarded));
    }
    List<T> out = new ArrayList<>(tasks.size());
    Throwable first = null;
    boolean interrupted = false;
    for (Future<T> f : futures) {
      while (true) {
        try {
          out.add(f.get());
          break;
        } catch (InterruptedException e) {
          // keep waiting: the tasks may still write into files the caller is about to remove
          interrupted = true;
          failed.set(true);
        } catch (ExecutionException e) {
          if (first == null) {
            first = e.getCause();
          } else if (first != e.getCause()) {
            first.addSuppressed(e.getCause());
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      InterruptedIOException ie = new InterruptedIOException("interrupted while files were written or read");
      if (first != null) {
        ie.addSuppressed(first);
      }
      throw ie;
    }
    if (first instanceof IOException) {
      throw (IOException) first;
    }
    if (first instanceof RuntimeException) {
      throw (RuntimeException) first;
    }
    if (first instanceof Error) {
      throw (Error) first;
    }
    return out;
  }
}
