package io.epochal.driver.train;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.LoadedDataset;

/**
 * Compares the held-out rows a run evaluates with those the checkpoint it continues measured its
 * {@code val_} metrics on ({@code held_out_sha256} of its manifest). Where schedule {@code plateau}
 * follows a held-out metric the rows decide the learning rate, so other rows would make the resumed
 * run train otherwise than the job did: refused, as other training rows are. Elsewhere they decide only
 * the {@code val_} metrics, early stopping and the ranking of checkpoints: rows that changed at the
 * same {@code data.validation_path} are said, since the metrics after the resume no longer compare
 * with those before it; rows at another place (given to the job anew, or moved with it) are not.
 */
public final class HeldOutRowsCheck {

  private HeldOutRowsCheck() {}

  /**
   * The held-out rows a checkpoint measured its val_ metrics on: where they were ({@code data.validation_path} as
   * its hyperparameters hold it; null if none) and their SHA-256.
   *
   * @param checkpoint the checkpoint's path, for messages
   */
  public record Measured(String checkpoint, String path, String sha256) {

    /** What {@code m}, the manifest of checkpoint {@code checkpoint}, records; empty when it records no digest. */
    public static java.util.Optional<Measured> of(String checkpoint, io.epochal.checkpoint.CheckpointManifest m) {
      Object path = m.hyperParameters().asMap().get(io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH);
      return m.heldOutDigest().map(d -> new Measured(checkpoint, path == null ? null : path.toString(), d));
    }
  }

  /**
   * Checks {@code heldOut} (null without held-out rows) against the rows {@code start}'s checkpoint measured.
   *
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when schedule plateau follows a held-out
   *     metric and the rows differ
   */
  static void check(JobSpec spec, ResumePoint start, LoadedDataset heldOut, TrainingListener listener)
      throws TrainingException {
    if (heldOut != null && start.heldOut() != null) {
      check(spec, start.heldOut(), start.completedEpochs(), heldOut.digest(), listener::warning);
    }
  }

  /**
   * As {@link #check(JobSpec, ResumePoint, LoadedDataset, TrainingListener)}, for a run that gives the job other
   * held-out rows when {@code amended}: those of a checkpoint that records no digest are refused as {@link
   * #refuseUnmeasured} says.
   */
  static void check(JobSpec spec, ResumePoint start, LoadedDataset heldOut, boolean amended,
      TrainingListener listener) throws TrainingException {
    if (heldOut != null && start.heldOut() == null) {
      refuseUnmeasured(spec, start.checkpoint() != null, amended, start.completedEpochs());
    }
    check(spec, start, heldOut, listener);
  }

  /**
   * Checks held-out rows of digest {@code now} against those {@code measured} (null: nothing to compare with), as a
   * resume that continues after epoch {@code epoch} does. Rows at another {@code data.validation_path} than the
   * measured ones were given to the job anew, or moved with it: they are not warned of.
   *
   * @param warning what is told a warning
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when schedule plateau follows a held-out
   *     metric and the rows differ
   */
  public static void check(JobSpec spec, Measured measured, long epoch, String now,
      java.util.function.Consumer<String> warning) throws TrainingException {
    if (measured == null || measured.sha256().equals(now)) {
      return; // the same rows, or a checkpoint from before the digest: nothing to compare with
    }
    String rows = "the held-out rows of " + io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH + " "
        + spec.validationPathText().orElse("?") + " are not those checkpoint "
        + JobSpecResolver.locationText(measured.checkpoint()) + " measured its val_ metrics on (held_out_sha256 "
        + measured.sha256() + " in its manifest, " + now + " now)";
    String monitor = plateauMonitor(spec);
    if (monitor != null) {
      throw new TrainingException(FailureReason.BAD_INPUT, Math.toIntExact(epoch), 0, rows + ": schedule plateau "
          + "sets the learning rate by their " + monitor + ", so a resume on them would not train as the job did; "
          + "restore the rows it was evaluated on and resume, or train with these rows in a new job.dir", null);
    }
    if (java.util.Objects.equals(measured.path(), spec.validationPathText().orElse(null))) {
      warning.accept(rows + ": the val_ metrics of the epochs after this resume measure other rows than those "
          + "before it, and early stopping and the ranking of checkpoints compare the two (restore the rows to "
          + "keep them comparable, unless they were replaced on purpose)");
    }
  }

  /**
   * Refuses other held-out rows ({@code amended}: this run gives {@code data.validation_path} anew) for a job whose
   * schedule plateau follows their metric when the checkpoint it continues ({@code checkpointed}: there is one)
   * records no {@code held_out_sha256} (written before Epochal recorded it): they cannot be shown to be the rows
   * that set its rate, which other rows would change.
   *
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) then
   */
  public static void refuseUnmeasured(JobSpec spec, boolean checkpointed, boolean amended, long epoch)
      throws TrainingException {
    String monitor = plateauMonitor(spec);
    if (monitor != null && checkpointed && amended) {
      throw new TrainingException(FailureReason.BAD_INPUT, Math.toIntExact(epoch), 0, "the held-out rows of "
          + io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH + " " + spec.validationPathText().orElse("''")
          + " cannot be compared with those the job was evaluated on: its checkpoint records no held_out_sha256 "
          + "(written before Epochal recorded it), and schedule plateau sets the learning rate by their " + monitor
          + "; resume with the rows where job.json names them (or move them with the job, --relocate, or with its "
          + "data, --data), or train with these rows in a new job.dir", null);
    }
  }

  /** The held-out metric schedule plateau follows, or null when the schedule follows none. */
  private static String plateauMonitor(JobSpec spec) {
    return io.epochal.driver.config.HeldOutAdvice.plateauMonitor(spec.toHyperParameters());
  }

}
