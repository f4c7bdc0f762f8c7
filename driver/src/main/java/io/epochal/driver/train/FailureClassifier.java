package io.epochal.driver.train;

import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.aggregate.WeightedAverager;
import io.epochal.driver.data.BadInputException;
import io.epochal.driver.data.DataChangedException;
import io.epochal.job.LeaseLostException;
import io.epochal.worker.device.DeviceUnavailableException;
import io.epochal.worker.model.StateOutsideStateDictException;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps the exception that aborted a round or a checkpoint write to a {@link FailureReason} by
 * walking its cause chain. Spark reports an aborted job as a {@code SparkException} whose message
 * carries the last task failure ({@code "ExecutorLostFailure (executor 1 exited caused by one of
 * the running tasks)"}, {@code "Task 0 in stage 3.0 failed 4 times"}); the executor's own
 * exception arrives as the cause when it could be deserialized.
 */
public final class FailureClassifier {

  /** Message fragments of Spark that mean an executor (a worker JVM or its host) went away. */
  private static final String[] WORKER_LOST_MARKERS = {
    "executorlostfailure", "executor lost", "executor heartbeat timed out", "worker lost",
    "lost executor", "remote rpc client disassociated", "slave lost", "fetchfailed",
    "killed by external signal", "exited caused by one of the running tasks", "container killed",
    "executor killed", "unable to create executor"
  };

  private FailureClassifier() {}

  /**
   * The reason a round failed with {@code failure}: {@link FailureReason#INTERRUPTED} when it is this thread's
   * interruption (a supervisor stopping the driver's user thread), whose flag Spark's wait for a job clears and this
   * sets again, so that the run stops rather than retries.
   */
  public static FailureReason ofRound(Throwable failure) {
    if (interrupted(failure)) {
      return FailureReason.INTERRUPTED;
    }
    if (find(failure, LeaseLostException.class) != null) {
      return FailureReason.LEASE_LOST;
    }
    if (find(failure, NonFiniteStateException.class) != null) {
      return FailureReason.NON_FINITE_STATE;
    }
    String text = chainText(failure);
    if (find(failure, StateOutsideStateDictException.class) != null
        || text.contains(StateOutsideStateDictException.MARKER.toLowerCase(Locale.ROOT))) {
      return FailureReason.CHECKPOINT_NOT_REPRODUCIBLE; // every attempt of the round finds the same
    }
    if (find(failure, DeviceUnavailableException.class) != null
        || text.contains(DeviceUnavailableException.class.getName().toLowerCase(Locale.ROOT))) {
      return FailureReason.DEVICE_UNAVAILABLE;
    }
    if (find(failure, BadInputException.class) != null || find(failure, DataChangedException.class) != null
        || text.contains(DataChangedException.MARKER) // a task's exception may arrive as text only
        || text.contains(WeightedAverager.NOT_AVERAGED.trim())) { // the same round fails the same way again
      return FailureReason.BAD_INPUT;
    }
    for (String marker : WORKER_LOST_MARKERS) {
      if (text.contains(marker)) {
        return FailureReason.WORKER_LOST;
      }
    }
    // an input file's read whose server did not answer (a refused or timed-out connection, a NameNode failing
    // over): it comes back; a task's failure may hold it as text only. A block no replica of which could be read is
    // not one: every replica may be corrupt, and a supervisor would restart the job without end
    if (isStorageFailure(failure) || io.epochal.driver.data.InputFormats.connectionAway(failure)) {
      return FailureReason.STORAGE_UNAVAILABLE;
    }
    return FailureReason.TASK_FAILED;
  }

  /**
   * Whether {@code failure} is the interruption of the calling thread: the thread is interrupted, or {@code failure}
   * itself is an interruption thrown to it (whose flag is then set again), not a socket's time-out.
   */
  private static boolean interrupted(Throwable failure) {
    boolean thrown = failure instanceof InterruptedException
        || failure instanceof java.nio.channels.ClosedByInterruptException
        || failure instanceof java.io.InterruptedIOException && !(failure instanceof java.net.SocketTimeoutException);
    if (thrown && !Thread.currentThread().isInterrupted()) {
      Thread.currentThread().interrupt();
    }
    return thrown || Thread.currentThread().isInterrupted();
  }

  /**
   * The reason a checkpoint write failed with {@code failure}. The commit guard refuses with a
   * {@link LeaseLostException} in three cases, and only one of them means another driver owns
   * the job now: a newer fencing token. A lease that merely expired (a long pause) or that could
   * not be read (a NameNode failing over) is this driver's still; the retry renews it, and the
   * renewal fails the job as LEASE_LOST if somebody took over meanwhile.
   */
  public static FailureReason ofCommit(Throwable failure) {
    LeaseLostException lost = find(failure, LeaseLostException.class);
    if (lost != null && lost.getNewer() != null) {
      return FailureReason.LEASE_LOST;
    }
    if (isStorageFailure(failure)) {
      return FailureReason.STORAGE_UNAVAILABLE;
    }
    return FailureReason.CHECKPOINT_WRITE_FAILED;
  }

  /**
   * Whether {@code failure} is the storage refusing a write until someone acts: a full file system, an exhausted
   * quota, a read-only file system, no permission.
   */
  public static boolean isWriteRefused(Throwable failure) {
    return isOutOfSpace(failure) || isQuotaExceeded(failure) || isReadOnly(failure) || isPermissionDenied(failure);
  }

  /** Whether {@code failure} is an exhausted HDFS name-space or disk-space quota. */
  public static boolean isQuotaExceeded(Throwable failure) {
    return anyInChain(failure, t -> t.getClass().getSimpleName().contains("QuotaExceeded")
        || String.valueOf(t.getMessage()).contains("QuotaExceededException"));
  }

  /**
   * Whether an exceeded quota is HDFS's namespace quota (a count of files and directories, {@code
   * hdfs dfsadmin -setQuota}) rather than its space quota ({@code -setSpaceQuota}).
   */
  public static boolean isNamespaceQuotaExceeded(Throwable failure) {
    return anyInChain(failure, t -> t.getClass().getSimpleName().contains("NSQuotaExceeded")
        || String.valueOf(t.getMessage()).contains("NSQuotaExceededException")
        || String.valueOf(t.getMessage()).contains("NameSpace quota"));
  }

  /**
   * Whether HDFS found no DataNode to store a block: "could only be written to 0 of the N
   * minReplication nodes" (every DataNode full, down, or excluded after failing the write).
   */
  public static boolean isNoDataNode(Throwable failure) {
    return chainText(failure).contains("could only be written to 0 of the");
  }

  /**
   * Whether the failure is a full file system: "No space left on device" (ENOSPC) anywhere in the
   * chain, or Hadoop's {@code DiskOutOfSpaceException}.
   */
  public static boolean isOutOfSpace(Throwable failure) {
    return anyInChain(failure, t -> t.getClass().getSimpleName().equals("DiskOutOfSpaceException")
        || String.valueOf(t.getMessage()).contains("No space left on device"));
  }

  /**
   * Whether the failure is a refused write anywhere in the chain: no permission (EACCES, HDFS's
   * {@code AccessControlException}) or an operation not permitted (EPERM: an immutable file or
   * directory).
   */
  public static boolean isPermissionDenied(Throwable failure) {
    return anyInChain(failure, t -> t instanceof java.nio.file.AccessDeniedException
        || t.getClass().getSimpleName().equals("AccessControlException")
        || String.valueOf(t.getMessage()).contains("Operation not permitted")
        || String.valueOf(t.getMessage()).contains("Permission denied"));
  }

  /** Whether the failure is a read-only file system (EROFS) anywhere in the chain. */
  public static boolean isReadOnly(Throwable failure) {
    return anyInChain(failure, t -> String.valueOf(t.getMessage()).contains("Read-only file system"));
  }

  /**
   * Whether the failure is the store being unreachable: a connection refused or reset, a
   * NameNode in safe mode, standby or still starting, or a retry of the HDFS client given up; a
   * NameNode's refusal that reaches the client as a {@code RemoteException} is told by the class it names.
   */
  static boolean isStorageFailure(Throwable failure) {
    for (Throwable t : chain(failure)) {
      String name = t instanceof org.apache.hadoop.ipc.RemoteException remote
          ? remote.getClassName().substring(remote.getClassName().lastIndexOf('.') + 1)
          : t.getClass().getSimpleName();
      // a SocketException: refused (ConnectException), reset or broken pipe (Hadoop's NetUtils
      // rethrows a reset as a plain SocketException), no route to host
      if (t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException
          || t instanceof java.io.EOFException
          || name.equals("SafeModeException") || name.equals("StandbyException")
          || name.equals("RetriableException") || name.equals("ConnectTimeoutException")) {
        return true;
      }
    }
    return false;
  }

  /** A line of a Java stack trace: a frame ({@code at a.B.c(B.java:1)}) or {@code ... 12 more}. */
  private static final java.util.regex.Pattern STACK_LINE =
      java.util.regex.Pattern.compile("(?m)^[ \\t]*(at [\\w$.<>/]+\\(.*\\)|\\.\\.\\. \\d+ more)[ \\t]*(\\r?\\n|$)");

  /**
   * {@code message} without the lines of a stack trace in it: Hadoop's {@code RemoteException}
   * carries the server's whole stack in its message (a NameNode in safe mode refuses each write
   * with about 80 lines), which no message of Epochal repeats; {@code --verbose} prints the traces.
   */
  public static String withoutStackFrames(String message) {
    if (message == null || message.indexOf('\n') < 0) {
      return message;
    }
    return STACK_LINE.matcher(message).replaceAll("").stripTrailing();
  }

  /**
   * What a task failed with when its failure is Epochal's own word to the user, without Spark's
   * account of the stage around it: the message of a {@link StateOutsideStateDictException} or a
   * {@link DeviceUnavailableException} in the chain, or the first line of its text after the class
   * name when Spark passed it on as text only. Empty for any other failure.
   */
  static java.util.Optional<String> taskMessage(Throwable failure) {
    return taskMessage(failure, StateOutsideStateDictException.class).or(() -> taskMessage(failure,
        DeviceUnavailableException.class));
  }

  private static java.util.Optional<String> taskMessage(Throwable failure, Class<? extends Throwable> type) {
    Throwable e = find(failure, type);
    if (e != null) {
      return java.util.Optional.of(e.getMessage());
    }
    String prefix = type.getName() + ": ";
    for (Throwable t : chain(failure)) {
      String m = String.valueOf(t.getMessage());
      int at = m.indexOf(prefix);
      if (at >= 0) {
        return java.util.Optional.of(firstLine(m.substring(at + prefix.length())));
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * The first line of {@code message} ("null" for none); when it ends with a colon, with the next
   * line that is not blank nor a stack frame after it, since that is what the colon announces
   * (Spark's "Most recent failure reason:", then the failure).
   */
  static String firstLine(String message) {
    String m = String.valueOf(message);
    int nl = m.indexOf('\n');
    if (nl < 0) {
      return m;
    }
    String first = m.substring(0, nl).stripTrailing();
    if (!first.endsWith(":")) {
      return first;
    }
    for (String line : m.substring(nl + 1).split("\n")) {
      String l = line.strip();
      if (!l.isEmpty()) {
        return l.startsWith("at ") ? first : first + " " + l;
      }
    }
    return first;
  }

  /** A one-line description of the innermost cause: its class and message. */
  public static String rootCause(Throwable failure) {
    Throwable root = failure;
    for (Throwable t : chain(failure)) {
      if (!t.getClass().getName().endsWith("OriginalTryStackTraceException")) {
        root = t; // not Spark's marker that only carries a caller's stack trace
      }
    }
    String msg = String.valueOf(withoutStackFrames(root.getMessage())).replaceAll("\\s*[\\r\\n]+\\s*", " ");
    if (msg.length() > 300) {
      msg = msg.substring(0, 300) + "...";
    }
    return root.getClass().getName() + ": " + msg;
  }

  /** The first throwable of type {@code type} in the cause chain (suppressed included), or null. */
  public static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t : chain(failure)) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * Whether {@code failure} is, or reports, a JVM that ran out of memory: an {@link
   * OutOfMemoryError} in its chain, or one named in a message of it (a task's failure as Spark
   * reports it, from whichever JVM ran the task).
   */
  public static boolean isOutOfMemory(Throwable failure) {
    return anyInChain(failure, t -> t instanceof OutOfMemoryError)
        || chainText(failure).contains("outofmemoryerror");
  }

  /** What PyTorch says when a BatchNorm in training mode gets a batch of one sample. */
  static final String ONE_SAMPLE_BATCH = "Expected more than 1 value per channel when training";

  /**
   * Whether {@code failure} is PyTorch refusing a batch of one sample to a BatchNorm in training
   * mode: the same batch comes in every attempt and every resume (the rows and train.batch_size
   * are part of the job), so the model must declare {@code minTrainingBatch()} for a job to be
   * refused such data before it trains.
   */
  public static boolean isOneSampleBatch(Throwable failure) {
    return chainText(failure).contains(ONE_SAMPLE_BATCH.toLowerCase(Locale.ROOT)); // the chain's text is lower case
  }

  /**
   * Whether {@code failure} is Spark refusing a round's results as larger than {@code
   * spark.driver.maxResultSize} (which Epochal leaves unlimited unless the user set it): every
   * round of the job sends the same size, so a retry fails the same way.
   */
  public static boolean isResultSizeLimit(Throwable failure) {
    return chainText(failure).contains("is bigger than " + io.epochal.driver.spark.SparkSessions.MAX_RESULT_SIZE
        .toLowerCase(Locale.ROOT));
  }

  /**
   * Whether {@code failure} is executors that could not deserialize a task the driver sent: Java
   * serialization's {@code unread block data}, a class of another version ({@code
   * InvalidClassException}), or one of Epochal's classes not found. Their classes differ from the
   * driver's (Epochal's jars missing on them, or a cluster of another Spark version), and every
   * task and every attempt fails the same way.
   */
  public static boolean isTaskClassMismatch(Throwable failure) {
    String text = chainText(failure);
    return text.contains("unread block data") || text.contains("java.io.invalidclassexception")
        || text.contains("classnotfoundexception: io.epochal.") || text.contains("noclassdeffounderror: io/epochal/");
  }

  private static String chainText(Throwable failure) {
    StringBuilder b = new StringBuilder();
    for (Throwable t : chain(failure)) {
      b.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }

  /** The first throwable in the cause chain (suppressed included) that {@code test} accepts, or null. */
  public static Throwable find(Throwable failure, java.util.function.Predicate<Throwable> test) {
    for (Throwable t : chain(failure)) {
      if (test.test(t)) {
        return t;
      }
    }
    return null;
  }

  private static boolean anyInChain(Throwable failure, java.util.function.Predicate<Throwable> test) {
    for (Throwable t : chain(failure)) {
      if (test.test(t)) {
        return true;
      }
    }
    return false;
  }

  private static Iterable<Throwable> chain(Throwable failure) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    java.util.List<Throwable> out = new java.util.ArrayList<>();
    java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
    if (failure != null) {
      todo.add(failure);
    }
    while (!todo.isEmpty() && out.size() < 64) {
      Throwable t = todo.poll();
      if (seen.put(t, Boolean.TRUE) != null) {
        continue;
      }
      out.add(t);
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      for (Throwable s : t.getSuppressed()) {
        todo.add(s);
      }
    }
    return out;
  }

  /** Whether the throwable or its cause chain is an I/O failure. */
  static boolean isIoFailure(Throwable failure) {
    return find(failure, IOException.class) != null;
  }
}
