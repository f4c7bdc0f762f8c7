package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import java.util.Locale;
import java.util.Optional;

/**
 * Before a run trains on executors of their own (a cluster or {@code local-cluster}): whether
 * {@code spark.executor.memory} looks too small for the job's state, said before the first round
 * rather than after Spark has lost executor after executor to {@code OutOfMemoryError}s (exit
 * code 52) for minutes. In local mode the executors are the driver's JVM: {@link HeapWatch}.
 *
 * <p>A single worker's task returns its whole state as one task result, through the executor's
 * heap about {@value #WHOLE_STATE_COPIES} times over (the state copied out of the model,
 * serialized, and serialized again inside the task's result); with several workers each task
 * writes its state's shards to the aggregation's shuffle instead, about {@value #SHARDED_COPIES}
 * times over. On top comes the {@value #RESERVED_MB} MiB Spark keeps for itself. Measured with Adam
 * on {@code local-cluster}, a 250 MB state: one worker ran 1g executors out of memory and trained
 * on 2g; two workers trained on 1g executors running one task each and on a 2g executor running
 * both, and ran a 1g executor running both out of memory. A 2.3 GiB state with one worker ran 6g
 * and 8g executors out of memory. An estimate, not a bound: it warns, it does not refuse.
 */
public final class ExecutorMemoryCheck {

  /** How many times over an executor's heap holds a single worker's state while its task returns it whole. */
  static final int WHOLE_STATE_COPIES = 4;

  /** How many times over an executor's heap holds a worker's state while its task shuffles its shards. */
  static final int SHARDED_COPIES = 2;

  /** Spark's reserved memory, outside what tasks use (300 MiB). */
  static final long RESERVED_MB = 300;

  private static final double MIB = 1 << 20;

  private ExecutorMemoryCheck() {}

  /**
   * A warning when executors of {@code executorMemoryMb} running {@code tasksAtOnce} training tasks
   * that each hold a state of {@code stateBytes} {@code copies} times over look too small, with the
   * setting to give instead; empty when they look large enough.
   */
  static Optional<String> shortfall(long stateBytes, int copies, int tasksAtOnce, long executorMemoryMb) {
    checkArgument(copies >= 1, "copies must be >= 1, got %s", copies);
    checkArgument(tasksAtOnce >= 1, "tasksAtOnce must be >= 1, got %s", tasksAtOnce);
    checkArgument(executorMemoryMb > 0, "executorMemoryMb must be > 0, got %s", executorMemoryMb);
    double needMb = needMb(stateBytes, copies, tasksAtOnce);
    if (needMb <= HeapWatch.ESTIMATE_LIMIT * executorMemoryMb) {
      return Optional.empty();
    }
    long gib = gibHolding(needMb);
    return Optional.of(String.format(Locale.ROOT, "the job's state is %.0f MiB and an executor's heap holds it "
        + "about %d times over while a task returns it (%s; %d task%s at once per executor): about %.0f MiB with "
        + "Spark's own %d, more than %.0f %% of spark.executor.memory = %d MiB; the executors may run out of memory "
        + "(Spark then loses them with exit code 52, and the run stops once it has lost the round's tasks). Give "
        + "them more: --conf spark.executor.memory=%dg (spark-submit: --executor-memory %dg)", stateBytes / MIB,
        copies, copies == WHOLE_STATE_COPIES ? "one worker, its whole state as one task result"
            : "each worker's shards through the aggregation's shuffle", tasksAtOnce, tasksAtOnce == 1 ? "" : "s",
        needMb, RESERVED_MB, HeapWatch.ESTIMATE_LIMIT * 100,
        executorMemoryMb, gib, gib));
  }

  /**
   * {@link #shortfall} for the executors of {@code spark}: none in local mode. A job of one worker
   * returns its state whole, one of several through the shuffle. Tasks at once per executor: {@link
   * EpochalSpark#tasksPerExecutor}, at most the job's workers.
   */
  public static Optional<String> check(long stateBytes, JobSpec spec, EpochalSpark spark) {
    if (spark.jsc().isLocal()) {
      return Optional.empty();
    }
    int tasks = Math.max(1, Math.min(spec.workers(), spark.tasksPerExecutor()));
    long executorMb = spark.executorMemoryMb();
    int copies = spec.workers() == 1 ? WHOLE_STATE_COPIES : SHARDED_COPIES;
    SUGGESTED_GIB.set(Math.max(2 * ((executorMb + 1023) / 1024), gibHolding(needMb(stateBytes, copies, tasks))));
    return shortfall(stateBytes, copies, tasks, executorMb);
  }

  /** The executor heap in MiB that {@code tasks} tasks at once, each holding {@code copies} states, need. */
  private static double needMb(long stateBytes, int copies, int tasks) {
    return stateBytes * (double) copies * tasks / MIB + RESERVED_MB;
  }

  /** The executor memory in whole GiB that holds {@code needMb} within {@link HeapWatch#ESTIMATE_LIMIT}. */
  private static long gibHolding(double needMb) {
    return (long) Math.ceil(needMb / HeapWatch.ESTIMATE_LIMIT / 1024);
  }

  /** The executor memory in GiB to suggest after executors ran out: the estimate's, at least twice theirs. */
  private static final java.util.concurrent.atomic.AtomicLong SUGGESTED_GIB = new java.util.concurrent.atomic.AtomicLong();

  /**
   * {@code --conf spark.executor.memory=Ng} for executors that ran out of memory: what the last
   * {@link #check} estimated, and at least twice what they had; {@code 2g} before any check.
   */
  public static String largerMemoryOption() {
    return "spark.executor.memory=" + Math.max(2, SUGGESTED_GIB.get()) + "g";
  }

  /**
   * {@code resumeCommand} with the executors given {@link #largerMemoryOption()}: an executor memory it already sets
   * ({@code --conf spark.executor.memory=...}, spark-submit's {@code --executor-memory}) is replaced, else the option
   * is added after the command's name ({@code bin/epochal} or {@code spark-submit}), so that the command printed runs
   * the round on larger executors, not again on the same.
   */
  public static String withLargerMemory(String resumeCommand) {
    String larger = largerMemoryOption();
    String rest = CommandOptions.without(resumeCommand, "--executor-memory", "spark.executor.memory");
    int name = rest.indexOf(' ');
    return name < 0 ? rest + " --conf " + larger
        : rest.substring(0, name) + " --conf " + larger + rest.substring(name);
  }

  /**
   * Whether {@code e} is a round on executors of their own that failed because they ran out of
   * memory, as {@link StopCauses} names it (ending with the settings that give them more). Not
   * retried: Spark has already run the round's tasks again on new executors up to its own limit,
   * and the state they return is the same size in every attempt.
   */
  public static boolean ranOutOfMemory(TrainingException e) {
    return (e.reason() == FailureReason.WORKER_LOST || e.reason() == FailureReason.TASK_FAILED)
        && String.valueOf(e.getMessage()).contains(EpochalSpark.executorMemoryAdvice());
  }
}
