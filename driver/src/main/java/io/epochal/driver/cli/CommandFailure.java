package io.epochal.driver.cli;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.data.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * How a command that failed says so: the exception it threw, mapped to one line that names what
 * to fix (configuration, model, input, storage, memory, a signal) and to the command's exit code.
 */
final class CommandFailure {

  private static final java.util.regex.Pattern SPARK_MIN_HEAP = java.util.regex.Pattern.compile(
      "System memory (\\d+) must be at least (\\d+)");

  private CommandFailure() {}

  /**
   * Spark's refusal to start on a heap below its minimum (INVALID_DRIVER_MEMORY), which advises
   * spark-submit's --driver-memory: the same in Epochal's terms, for either launcher.
   */
  static Optional<String> belowSparksMinimumHeap(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      java.util.regex.Matcher m = SPARK_MIN_HEAP.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return Optional.of(io.epochal.driver.spark.SparkSessions.belowMinimumHeap(Long.parseLong(m.group(1)),
            Long.parseLong(m.group(2))));
      }
    }
    return Optional.empty();
  }

  /**
   * Says why a command failed, in one line (a job file's problems one line each), with its stack
   * trace when {@code verbose}, and returns the command's exit code ({@link ExitCodes}).
   *
   * @param trains whether the command trains a job, which says itself how it ended when a signal
   *     stopped it
   */
  static int report(Exception ex, PrintWriter err, boolean verbose, boolean trains) {
    // a command failing because Spark or a file system was stopped under it by a signal
    if (ShutdownHookManager.get().isShutdownInProgress()) {
      // what failed is Spark or Hadoop stopped under the command: shown with --verbose only
      if (EpochalCli.firstToSayStopped()) {
        err.println("epochal: " + (trains ? EpochalCli.STOPPED_BEFORE_TRAINING : EpochalCli.STOPPED)
            + (verbose ? " (" + oneLine(ex.getMessage()) + ")" : ""));
      }
      return 128 + 2;
    }
    Throwable t = ex;
    for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof OutOfMemoryError) { // in a thread of the command's (a store's reader): as its own
        return outOfMemory((OutOfMemoryError) t, err, verbose);
      }
    }
    // a reflective call's wrapper says nothing (Spark instantiates its serializer so): what it wraps is the failure
    while ((ex instanceof java.lang.reflect.InvocationTargetException
        || ex instanceof java.lang.reflect.UndeclaredThrowableException) && ex.getCause() instanceof Exception cause) {
      ex = cause;
    }
    if (ex instanceof java.io.UncheckedIOException && ex.getCause() != null) {
      ex = new IOException(ex.getMessage(), ex.getCause()); // an I/O failure in a lambda: the I/O error it is
    }
    Throwable refused = !ex.getClass().getName().equals("org.apache.spark.SparkException") ? null
        : io.epochal.driver.train.FailureClassifier.find(ex, c -> c instanceof IOException
            && io.epochal.driver.train.FailureClassifier.isWriteRefused(c));
    if (refused != null) { // a Spark job's write that storage refused (a full disk, a quota): what it wraps
      ex = new IOException("a Spark job's write was refused: " + refused.getMessage(), ex);
    }
    int code;
    String what;
    Optional<String> lowHeap = belowSparksMinimumHeap(ex);
    if (ex instanceof ConfigException) {
      code = ExitCodes.USAGE;
      what = "configuration error: ";
    } else if (ex instanceof io.epochal.worker.model.ModelCodeException) {
      code = ExitCodes.USAGE; // the class path's model jars: nothing of Epochal's failed
      what = "model error: ";
    } else if (ex instanceof BadInputException || ex instanceof io.epochal.driver.data.UnreadableInputException) {
      code = ExitCodes.BAD_INPUT;
      what = "";
    } else if (lowHeap.isPresent()) {
      code = ExitCodes.USAGE;
      what = "configuration error: "; // the JVM's heap option, as other settings are said
      ex = new IllegalArgumentException(lowHeap.get(), ex);
    } else if (ex instanceof IllegalArgumentException
        || ex.getClass().getName().equals("org.apache.spark.sql.AnalysisException")) {
      code = ExitCodes.USAGE;
      what = "";
    } else if (badMaster(ex)) {
      code = ExitCodes.USAGE;
      what = "--master: ";
      ex = new IllegalArgumentException(oneLine(ex.getMessage()) + "; give local[N], local[*], "
          + "local-cluster[N,CORES,MB], spark://host:port, yarn or k8s://https://host:port", ex);
    } else if (ex instanceof io.epochal.job.NewerJobFileException) {
      code = ExitCodes.USAGE; // not damaged: another build's job
      what = "";
    } else if (ex instanceof io.epochal.checkpoint.CheckpointCorruptedException) {
      code = ExitCodes.FAILED; // verification failed: the bytes were read, and are not what was written
      what = "damaged checkpoint: ";
    } else if (ex instanceof IOException || ex instanceof io.epochal.driver.config.StorageUnreachableException) {
      code = ExitCodes.IO_ERROR;
      what = "I/O error: ";
      if (refusedUntilSomeoneActs(ex) || ex instanceof io.epochal.job.JobFileFormatException) {
        // storage that refuses the job's writes, or a damaged job file: a new start meets them again
        SupervisedExit.failureRepeatsOnRestart();
      }
    } else {
      code = ExitCodes.INTERNAL;
      what = "internal error: " + ex.getClass().getName() + ": ";
      if (internalErrorRepeats(ex)) {
        SupervisedExit.failureRepeatsOnRestart(); // a defect, or an engine that does not load: every start meets it
      }
    }
    String hint = unreachable(ex) ? "; a file system is unreachable or not responding: check that it is running"
        + " and that the URI's host and port (job.dir, data.path, fs.defaultFS) are right, then run the command"
        + " again (a job continues from its newest checkpoint)"
        : ex instanceof IOException && io.epochal.driver.train.FailureClassifier.isPermissionDenied(ex)
        ? "; the user this command runs as may not write there: make the directory writable for it (HDFS: hdfs dfs "
        + "-chown / -chmod; HADOOP_USER_NAME names the user of a cluster without Kerberos) or give another job.dir"
        : "";
    List<String> problems = ex instanceof ConfigException ? ((ConfigException) ex).problems() : List.of();
    if (problems.size() > 1) {
      err.println("epochal: " + what + problems.size() + " problems; fix each:");
      for (int i = 0; i < problems.size(); i++) {
        err.println("  " + (i + 1) + ". " + problems.get(i));
      }
    } else {
      err.println("epochal: " + what + oneLine(ex.getMessage()) + hint);
    }
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      err.print(trace);
    }
    return code;
  }

  /**
   * Whether the storage answered and refused, which a new start meets again: no permission, an exhausted
   * quota, a full or read-only file system, which stay so until someone acts; a file system that does not answer
   * may come back.
   */
  static boolean refusedUntilSomeoneActs(Exception ex) {
    return !unreachable(ex) && io.epochal.driver.train.FailureClassifier.isWriteRefused(ex);
  }

  /**
   * A command that ran out of memory outside training (which reports its own): one line naming the
   * memory and the larger heap, the exit code Spark uses for it (52), and no stack trace unless
   * --verbose.
   */
  static int outOfMemory(OutOfMemoryError e, PrintWriter err, boolean verbose) {
    String message = String.valueOf(e.getMessage());
    boolean direct = message.contains("direct buffer memory");
    err.println("epochal: out of memory: " + oneLine(message) + (direct ? " (direct buffers take up to the heap's "
        + "maximum unless -XX:MaxDirectMemorySize says otherwise)" : "") + "; "
        + io.epochal.driver.train.HeapWatch.advice());
    if (verbose) {
      e.printStackTrace(new PrintWriter(err, true));
    }
    err.flush();
    return ExitCodes.OUT_OF_MEMORY;
  }

  private static String oneLine(String message) {
    return String.valueOf(io.epochal.driver.train.FailureClassifier.withoutStackFrames(message))
        .replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** Whether Spark refused the master URL ({@code --master} or {@code spark.master}). */
  private static boolean badMaster(Throwable ex) {
    return anyCause(ex, t -> String.valueOf(t.getMessage()).startsWith("Could not parse Master URL"));
  }

  /** Whether a host refused, timed out or could not be resolved somewhere in the cause chain. */
  /**
   * Whether an internal error (exit 70) would end a new start the same way: a defect or an engine that does not
   * load would, in the driver or in every attempt of a Spark job's task; a Spark job whose executors were lost, or
   * whose tasks failed on storage that did not answer (a data node, a NameNode's failover), and a file system that
   * did not answer may not, and keep the code for a supervisor to start the command again. A Spark job's failure is
   * told apart as a training round's is ({@link io.epochal.driver.train.FailureClassifier#ofRound}).
   */
  static boolean internalErrorRepeats(Exception ex) {
    if (unreachable(ex)) {
      return false;
    }
    if (!anyCause(ex, CommandFailure::sparkJobFailure)) {
      return true;
    }
    io.epochal.driver.train.FailureReason reason = io.epochal.driver.train.FailureClassifier.ofRound(ex);
    return reason != io.epochal.driver.train.FailureReason.WORKER_LOST
        && reason != io.epochal.driver.train.FailureReason.STORAGE_UNAVAILABLE
        && reason != io.epochal.driver.train.FailureReason.INTERRUPTED;
  }

  /** Whether {@code t} is Spark's report of a job that failed ({@code org.apache.spark.SparkException} or a kind of it). */
  private static boolean sparkJobFailure(Throwable t) {
    for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("org.apache.spark.SparkException")) {
        return true;
      }
    }
    return false;
  }

  private static boolean unreachable(Throwable ex) {
    return anyCause(ex, t -> t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
        || t instanceof java.net.NoRouteToHostException || t instanceof java.net.SocketTimeoutException);
  }

  /** Whether {@code ex} or anything in its cause chain (each once) matches {@code test}. */
  private static boolean anyCause(Throwable ex, java.util.function.Predicate<Throwable> test) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = ex; t != null && seen.add(t); t = t.getCause()) {
      if (test.test(t)) {
        return true;
      }
    }
    return false;
  }
}
