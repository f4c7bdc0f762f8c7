package io.epochal.driver.train;

import io.epochal.driver.config.EpochMetrics;
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
 * with those before it; rows a resume gives the job on purpose ({@code --set data.validation_path})
 * are not.
 */
public final class HeldOutRowsCheck {

  private HeldOutRowsCheck() {}

  /**
   * Checks {@code heldOut} (null without held-out rows) against what {@code start}'s checkpoint recorded.
   *
   * @param amended whether this run gives the job other held-out rows ({@code --set}, {@code --relocate})
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when schedule plateau follows a held-out
   *     metric and the rows differ
   */
  static void check(JobSpec spec, ResumePoint start, LoadedDataset heldOut, boolean amended,
      TrainingListener listener) throws TrainingException {
    if (heldOut != null && start.checkpoint() != null) {
      check(spec, start.checkpoint(), start.completedEpochs(), start.heldOutDigest(), heldOut.digest(), amended,
          listener::warning);
    }
  }

  /**
   * Checks held-out rows of digest {@code now} against {@code recorded}, the {@code held_out_sha256} of
   * checkpoint {@code checkpoint} (of epoch {@code epoch}; null when it records none), as a resume does.
   *
   * @param amended whether the run gives the job other held-out rows than the checkpoint's
   * @param warning what is told a warning
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when schedule plateau follows a held-out
   *     metric and the rows differ
   */
  public static void check(JobSpec spec, String checkpoint, long epoch, String recorded, String now, boolean amended,
      java.util.function.Consumer<String> warning) throws TrainingException {
    if (recorded == null || recorded.equals(now)) {
      return; // the same rows, or a checkpoint from before the digest: nothing to compare with
    }
    String rows = "the held-out rows of " + io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH + " "
        + spec.validationPathText().orElse("?") + " are not those checkpoint "
        + JobSpecResolver.locationText(checkpoint) + " measured its val_ metrics on (held_out_sha256 "
        + recorded + " in its manifest, " + now + " now)";
    String monitor = plateauMonitor(spec);
    if (monitor != null) {
      throw new TrainingException(FailureReason.BAD_INPUT, Math.toIntExact(epoch), 0, rows + ": schedule plateau "
          + "sets the learning rate by their " + monitor + ", so a resume on them would not train as the job did; "
          + "restore the rows it was evaluated on and resume, or train with these rows in a new job.dir", null);
    }
    if (!amended) {
      warning.accept(rows + ": the val_ metrics of the epochs after this resume measure other rows than those "
          + "before it, and early stopping and the ranking of checkpoints compare the two (restore the rows to "
          + "keep them comparable, unless they were replaced on purpose)");
    }
  }

  /** The held-out metric schedule plateau follows, or null when the schedule follows none. */
  private static String plateauMonitor(JobSpec spec) {
    Object monitor = spec.scheduleParams().asMap().get("monitor");
    return "plateau".equals(spec.scheduleName()) && monitor != null && EpochMetrics.VALIDATION.contains(
        monitor.toString()) ? monitor.toString() : null;
  }
}
