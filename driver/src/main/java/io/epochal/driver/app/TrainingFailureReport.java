package io.epochal.driver.app;

import io.epochal.driver.cli.EpochalCli;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.train.FailureClassifier;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import java.io.PrintStream;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * Says how a training run that failed ended and what to do next, by its failure reason, and gives
 * the command's exit code. A failure that only follows from a signal stopping Spark under the run
 * (a data read cancelled as the context stopped) is reported as the stop it is.
 */
final class TrainingFailureReport {

  private TrainingFailureReport() {}

  /**
   * Prints {@code e} and the advice for its reason to {@code err}, with {@code resume} the command
   * that continues the job, and returns the exit code.
   */
  static int report(TrainingException e, String resume, PrintStream err) {
    if (e.reason() != FailureReason.INTERRUPTED && e.reason() != FailureReason.DRIVER_OUT_OF_MEMORY
        && ShutdownHookManager.get().isShutdownInProgress()) {
      if (EpochalCli.firstToSayStopped()) {
        err.println("epochal: " + EpochalCli.STOPPED);
      }
      return 128 + 2;
    }
    if (e.reportedByStop()) {
      return ExitCodes.FAILED; // the stop said how the job ended and how to continue it
    }
    err.println("epochal: training failed (" + e.reason() + "): " + e.getMessage());
    if (io.epochal.driver.train.FailureManager.repeatsOnRestart(e)) {
      io.epochal.driver.cli.SupervisedExit.failureRepeatsOnRestart();
    }
    return exitCode(e, resume, err);
  }

  private static int exitCode(TrainingException e, String resume, PrintStream err) {
    if (FailureClassifier.isTaskClassMismatch(e)) {
      err.println("epochal: the executors could not load the tasks the driver sent them: their classes are not the "
          + "driver's. Submit the application jar (driver/target/epochal-app.jar) with spark-submit, or start the "
          + "driver with bin/epochal, which gives a spark:// master's executors its jars; and run on a cluster whose "
          + "Spark is this build's (" + io.epochal.driver.spark.SparkSessions.sparkVersion() + ", Scala 2.13)");
    }
    if (e.reason() != FailureReason.BAD_INPUT && String.valueOf(e.getMessage()).contains(TrainingJob.NOTHING_WRITTEN)) {
      // a new job stopped before its directory was written (its data could not be read): no job to resume
      err.println("epochal: train again once the cause above is fixed");
      return e.reason() == FailureReason.STORAGE_UNAVAILABLE ? ExitCodes.IO_ERROR
          : e.reason() == FailureReason.EXECUTORS_FAILING ? ExitCodes.USAGE : ExitCodes.FAILED;
    }
    if (FailureClassifier.isResultSizeLimit(e)) {
      err.println("epochal: not retried: every round sends the driver one model state (weights and optimizer state), "
          + "more than the spark.driver.maxResultSize this job was given; remove that setting (Epochal sets no limit) "
          + "or raise it above the state's size, then continue with: " + resume);
      return ExitCodes.FAILED;
    }
    if (io.epochal.driver.train.ExecutorMemoryCheck.ranOutOfMemory(e)) {
      String more = io.epochal.driver.train.ExecutorMemoryCheck.largerMemoryOption();
      err.println("epochal: not retried: Spark already ran the round again on new executors, which ran out the same "
          + "way (every attempt returns a state of the same size); nothing committed is lost; continue with executors "
          + "given more memory (--conf " + more + ", spark-submit --executor-memory " + more.substring(more.indexOf('=')
          + 1) + "; on local-cluster[N,C,MB] each worker's MB must hold it too): "
          + io.epochal.driver.train.ExecutorMemoryCheck.withLargerMemory(resume));
      return ExitCodes.FAILED;
    }
    switch (e.reason()) {
      case BAD_INPUT:
        if (String.valueOf(e.getMessage()).contains(io.epochal.driver.aggregate.WeightedAverager.MODELS_DIFFER)) {
          err.println("epochal: not retried: the executors built models that differ, so their code is not one "
              + "build's (an executor given other jars, or a model whose structure depends on where it is built); "
              + "nothing committed is lost. Run every executor with this build's jars and continue with: " + resume);
          return ExitCodes.USAGE;
        }
        err.println("epochal: not retried: fix the input or the job spec" + (String.valueOf(e.getMessage())
            .contains(TrainingJob.NOTHING_WRITTEN) ? "" : "; any committed checkpoints are kept"));
        return ExitCodes.BAD_INPUT;
      case INCOMPATIBLE_JOB:
        err.println("epochal: not retried: nothing was moved or trained; the job's checkpoints are kept as they are");
        return ExitCodes.USAGE;
      case CHECKPOINT_NOT_REPRODUCIBLE:
        err.println("epochal: not retried: a retry would fail the same way; committed checkpoints are "
            + "kept (what to do is said above)");
        return ExitCodes.FAILED;
      case DEVICE_UNAVAILABLE:
        err.println("epochal: not retried: every attempt runs on the same executors; nothing committed is lost. Give "
            + "every executor a GPU its engine can use (resources.gpus_per_executor, resources.gpus_per_task = 1, "
            + "resources.gpu_discovery_script, and a CUDA build of the engine: docs/GPU.md) and continue with: "
            + resume + " --set train.device=gpu and those keys; or continue on the CPU with: " + resume
            + " (a resume trains with train.device = auto unless given another)");
        return ExitCodes.USAGE;
      case EXECUTORS_FAILING:
        err.println("epochal: not retried: every attempt gets executors that exit the same way; nothing committed "
            + "is lost. Fix the executors' setting named above and continue with: " + resume);
        return ExitCodes.USAGE;
      case NON_FINITE_STATE:
        err.println("epochal: not retried: the same inputs give the same NaN/Inf; no checkpoint was written "
            + "from it");
        return ExitCodes.FAILED;
      case DRIVER_OUT_OF_MEMORY:
        err.println("epochal: not retried: a retry in this JVM runs out the same way; nothing committed is lost; "
            + "continue with a larger heap: " + io.epochal.driver.train.HeapWatch.withLargerHeap(resume));
        return ExitCodes.FAILED;
      case LEASE_LOST:
        err.println("epochal: this driver stopped; the driver now holding the lease continues the job");
        return ExitCodes.LEASE_HELD;
      case TASK_FAILED:
        if (FailureClassifier.isOneSampleBatch(e)) {
          err.println("epochal: a BatchNorm of the model got a batch of one sample, which PyTorch refuses in "
              + "training: a worker's shard leaves a last batch of one row, and it does so in every attempt and "
              + "every resume (the rows and train.batch_size are part of the job). Train the data again in a new "
              + "job.dir with a train.batch_size (or train.workers) that leaves no batch of one; a model of your own "
              + "declares minTrainingBatch() = 2 (worker/MODELS.md), so that such a job is refused before it trains");
          return ExitCodes.FAILED;
        }
        err.println("epochal: nothing committed is lost; once the cause above is fixed (a task failure that repeated "
            + "in every attempt repeats on a resume too), continue with: " + resume);
        return ExitCodes.FAILED;
      default:
        err.println("epochal: nothing committed is lost; " + (FailureClassifier.isOutOfSpace(e)
            ? "free space on the job's file system (a resume fails the same way until then), then "
            : FailureClassifier.isReadOnly(e) || (e.reason() == FailureReason.CHECKPOINT_WRITE_FAILED
            && FailureClassifier.isPermissionDenied(e)) ? "make the job's directory writable (a resume fails the same "
            + "way until then), then " : "")
            + "continue with: " + resume);
        return e.reason() == FailureReason.STORAGE_UNAVAILABLE ? ExitCodes.IO_ERROR : ExitCodes.FAILED;
    }
  }
}
