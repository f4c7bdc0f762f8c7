package io.epochal.driver.train;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import java.util.Optional;

/**
 * What a failed round or commit means when the driver's heap ran out or its JVM is stopping: the
 * failure the training thread saw (a lost task, a cancelled job, a failed write) is how those show
 * in Spark, and the run reports the cause instead, so that it is neither retried nor misnamed.
 */
final class StopCauses {

  private StopCauses() {}

  /**
   * Where a piece of work (an attempt, a round, a commit) began: how many executors had run out of
   * memory then, and the driver's heap watch from then. A failure of the work is judged by what
   * happened since, not by an executor lost, or a full collection, during earlier work that went on.
   */
  record Window(int executorsOutOfMemory, HeapWatch.Mark heap) {

    /** A window beginning now. */
    static Window begin(EpochalSpark spark) {
      return new Window(spark.executorsOutOfMemory(), HeapWatch.mark());
    }

    /** {@link #ranOutOfHeap} of {@code e}, a failure of the work begun at this window. */
    TrainingException judge(TrainingException e, EpochalSpark spark) {
      TrainingException cannotStart = executorsFailing(e, spark);
      if (cannotStart != e) { // the cause, though the master then removed the application and stopped the context
        return cannotStart;
      }
      if (e.reason().retryable() && spark.jsc().sc().isStopped()) {
        // its cluster manager ended the application (yarn application -kill, the standalone master removing
        // it): no job runs on this context again, so the run stops as at a signal, not retried
        return new TrainingException(FailureReason.INTERRUPTED, e.epoch(), e.round(), "this driver's SparkContext "
            + "was stopped (its cluster manager ended the application, or the JVM is stopping): "
            + FailureClassifier.firstLine(e.getMessage()) + "; the run cannot go on, and a resume continues the job "
            + "from its newest checkpoint", e);
      }
      boolean local = spark.jsc().isLocal();
      return ranOutOfHeap(e, local, spark.executorsOutOfMemory() - executorsOutOfMemory,
          driverEvidence(local, heap.exhaustion(), heap.threadKilled()));
    }
  }

  /**
   * {@code e}, or an {@link FailureReason#EXECUTORS_FAILING} failure in its place when {@code spark}'s executors
   * cannot start and its jobs were cancelled for it ({@link EpochalSpark#executorsFailing}): the cause, not
   * retried.
   */
  static TrainingException executorsFailing(TrainingException e, EpochalSpark spark) {
    Optional<String> failing = spark.executorsFailing();
    return failing.isPresent() && e.reason().retryable()
        ? new TrainingException(FailureReason.EXECUTORS_FAILING, e.epoch(), e.round(), failing.get(), e) : e;
  }

  /**
   * What says a failure was the driver's heap: in local mode, where the executors share it, full collections that
   * left it full or a thread an OutOfMemoryError ended; on a cluster only the latter (a driver thread that fetched
   * results or wrote a checkpoint died), since a full heap there does not lose executors.
   */
  static Optional<String> driverEvidence(boolean local, Optional<String> exhaustion, Optional<String> threadKilled) {
    return local ? exhaustion.or(() -> threadKilled) : threadKilled;
  }

  /**
   * {@code e}, or a {@link FailureReason#DRIVER_OUT_OF_MEMORY} failure in its place when the heap
   * ran out during the failed work ({@code heapExhaustion} says how) and {@code e} is how that
   * shows in Spark: a task or its result lost, a commit failed. Retrying in the same JVM would run
   * out the same way (each attempt sooner, as Spark still holds blocks of the last). {@code local}:
   * the executors run in the driver's JVM. On a cluster, a task or executor lost while {@code
   * executorsOutOfMemory} executors ran out of memory (Spark's exit code 52, which the task's failure
   * may not show) says so, with the setting; without them, the driver's heap running out is the cause
   * there too.
   */
  static TrainingException ranOutOfHeap(TrainingException e, boolean local, int executorsOutOfMemory,
      Optional<String> heapExhaustion) {
    FailureReason r = e.reason();
    if (r != FailureReason.TASK_FAILED && r != FailureReason.WORKER_LOST && r != FailureReason.CHECKPOINT_WRITE_FAILED) {
      return e;
    }
    if (FailureClassifier.isOutOfMemory(e)) {
      return local || e.reason() == FailureReason.CHECKPOINT_WRITE_FAILED
          ? new TrainingException(FailureReason.DRIVER_OUT_OF_MEMORY, e.epoch(), e.round(), e.getMessage()
              + "; the driver's JVM ran out of heap: " + HeapWatch.advice(), e)
          : new TrainingException(r, e.epoch(), e.round(), e.getMessage() + "; an executor ran out of memory: "
              + EpochalSpark.executorMemoryAdvice(), e);
    }
    if (!local && executorsOutOfMemory > 0 && r != FailureReason.CHECKPOINT_WRITE_FAILED) {
      return new TrainingException(r, e.epoch(), e.round(), e.getMessage() + "; " + (executorsOutOfMemory == 1
          ? "an executor" : executorsOutOfMemory + " executors") + " ran out of memory while it ran (exit "
          + "code 52, Spark's exit on an OutOfMemoryError): " + EpochalSpark.executorMemoryAdvice(), e);
    }
    // on any master the driver's own threads fetch the tasks' results and write the checkpoints: a round its
    // stall watch cancelled after one of them died of OutOfMemoryError would run out (or stall) again
    return heapExhaustion.map(h -> new TrainingException(FailureReason.DRIVER_OUT_OF_MEMORY, e.epoch(), e.round(),
        e.getMessage() + "; " + h + ", which is the likely cause: " + HeapWatch.advice(), e)).orElse(e);
  }

  /**
   * The failure of a run whose JVM shuts down, whatever the training thread saw as it stopped:
   * {@link FailureReason#DRIVER_OUT_OF_MEMORY} when the heap ran out (Spark's exit on an
   * OutOfMemoryError shuts the JVM down too), else {@link FailureReason#INTERRUPTED}.
   */
  static TrainingException interrupted(JobDirectory dir, JobSpec spec, Exception seen) {
    JobDirectory.Position at = dir.position();
    // whether or not the shutdown hook has run yet
    JobOutcome outcome = dir.outcome();
    Optional<String> heapOut = outcome.stoppedAs() == FailureReason.DRIVER_OUT_OF_MEMORY
        ? Optional.of("the heap ran out") : dir.heapExhaustion();
    FailureReason reason = heapOut.isPresent() ? FailureReason.DRIVER_OUT_OF_MEMORY : FailureReason.INTERRUPTED;
    return new TrainingException(reason, at.epoch(), at.round(), "stopped: the driver's JVM is shutting down"
        + heapOut.map(h -> " after " + h).orElse("") + (outcome.gaveUp() ? "; job " + spec.jobDirText() + " is marked "
        + "FAILED (" + outcome.stoppedAs() + ") and its lease released" : ""), seen, dir.stopReported());
  }
}
