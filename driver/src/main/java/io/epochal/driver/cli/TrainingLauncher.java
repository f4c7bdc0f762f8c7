package io.epochal.driver.cli;

import io.epochal.driver.config.JobSpec;
import java.net.URI;

/**
 * Runs jobs and reads their state for the {@code epochal} command. The application provides the
 * implementation, either to {@link EpochalCli#EpochalCli(TrainingLauncher,
 * io.epochal.driver.config.ModelCatalog)} or as a {@link java.util.ServiceLoader} service
 * ({@code META-INF/services/io.epochal.driver.cli.TrainingLauncher}). Every method returns an
 * {@link ExitCodes exit code} and prints its own results to standard output.
 */
public interface TrainingLauncher {

  /** Starts a new job from a validated spec. */
  int train(JobSpec spec, CliOptions options) throws Exception;

  /**
   * For {@code train --dry-run}: prints on standard output the spec a run would train, as {@link
   * JobSpec#toPropertyLines} (for a job its directory holds, as it is stored: values its resumes
   * amended, the row order it was created with), and says on standard error what training it would
   * do with its job directory (start a new job, or continue the job stored there), starting nothing;
   * {@link ExitCodes#USAGE} with the differences when the directory holds another spec, as
   * {@link #train} would refuse it.
   */
  default int dryRun(JobSpec spec, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support train --dry-run");
  }

  /** Resumes the job in {@code jobDir} from its latest valid checkpoint with its stored spec. */
  int resume(URI jobDir, CliOptions options) throws Exception;

  /**
   * {@link #resume(URI, CliOptions)} of a job whose directory (now {@code jobDir}) or data moved,
   * or that is to train another number of epochs: its stored spec is amended before it resumes.
   */
  default int resume(URI jobDir, JobAmendment amendment, CliOptions options) throws Exception {
    if (!amendment.isNone()) {
      throw new UnsupportedOperationException("this launcher does not support resume --relocate, --data or --epochs");
    }
    return resume(jobDir, options);
  }

  /**
   * For {@code resume <job-dir> --dry-run}: checks everything {@link #resume(URI, JobAmendment,
   * CliOptions)} checks before it starts Spark and says on standard error what it would do (the
   * epoch it continues after, how job.json would change, the lease), writing nothing; returns the
   * exit code the resume would start with ({@link ExitCodes#LEASE_HELD} while a live driver holds
   * the job).
   */
  default int resumeDryRun(URI jobDir, JobAmendment amendment, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support resume --dry-run");
  }

  /**
   * Resumes every job under {@code root} that is not COMPLETED (or is, with its final checkpoint
   * missing or visibly damaged) and whose lease has expired or is free, or with
   * {@link ResumeAllRequest#dryRun()} prints the plan only.
   */
  default int resumeAll(URI root, ResumeAllRequest request, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("resume --all is not supported by " + getClass().getName());
  }

  /**
   * Prints the state of the job in {@code jobDir} (or of every job under it): lease, epochs committed, last
   * metrics, where a running driver is; with {@code json} one JSON document instead.
   */
  int status(URI jobDir, boolean json, CliOptions options) throws Exception;

  /**
   * Prints every committed epoch of the job in {@code jobDir} with its metrics, as a table or with
   * {@code csv} as CSV.
   */
  default int history(URI jobDir, boolean csv, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support history");
  }

  /** Prints a checkpoint's manifest: epoch, hyperparameters, tensors, versions, metrics. */
  int inspect(URI checkpoint, CliOptions options) throws Exception;

  /**
   * Verifies a checkpoint, or a job directory's newest checkpoint: sizes, digests and the probe;
   * {@link ExitCodes#FAILED} when one is damaged.
   */
  int verify(URI target, CliOptions options) throws Exception;

  /**
   * Verifies {@code target}: a checkpoint, a job directory's newest checkpoint, or with {@code all}
   * every checkpoint of the job; with {@code json} one JSON document instead of lines.
   * {@link ExitCodes#FAILED} when a check fails.
   */
  default int verify(URI target, boolean all, boolean json, CliOptions options) throws Exception {
    if (all || json) {
      throw new UnsupportedOperationException("this launcher does not support verify --all or --json");
    }
    return verify(target, options);
  }

  /**
   * Exports the model of a checkpoint (or of a job directory's newest checkpoint) to {@code out}
   * in {@code format} ({@code onnx} or {@code djl}), with the weights {@code weights} names ({@code trained},
   * {@code ema}, or null for the checkpoint's served weights, {@link io.epochal.driver.train.ServedWeights}).
   */
  default int export(URI checkpoint, String format, URI out, String weights, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support export");
  }

  /**
   * Runs batch inference of a checkpoint's model (or an exported ONNX file) on {@code input} and
   * writes the predictions to {@code output}.
   *
   * @param output where to write the predictions, or null to print them
   * @param dataKeys {@code data.*} job keys (format, features, bad_rows) as for training, and
   *     {@code predict.output_format}, {@code predict.batch_size} and {@code predict.weights} when given
   */
  default int predict(URI model, URI input, URI output, java.util.Map<String, String> dataKeys,
      CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support predict");
  }

  /**
   * Evaluates a checkpoint's model (a job directory: its newest verified checkpoint; with {@code
   * all}, every checkpoint of the job) on the labelled rows {@code input} and prints the loss and,
   * for a classification loss, the accuracy of each.
   *
   * @param dataKeys {@code data.*} job keys (format, features, label, bad_rows) given for the
   *     rows; the checkpoint's own where absent
   * @param input the labelled rows, or null for the held-out rows the job was evaluated on
   * @param json print one JSON document instead of the table
   * @param perClass also give a classification's rows, predictions, precision, recall and F1 per class
   * @param weights {@code trained}, {@code ema}, or null for each checkpoint's served weights
   */
  default int evaluate(URI model, URI input, java.util.Map<String, String> dataKeys, boolean all, boolean json,
      boolean perClass, String weights, CliOptions options) throws Exception {
    throw new UnsupportedOperationException("this launcher does not support evaluate");
  }
}
