package io.epochal.driver.app;

import io.epochal.driver.cli.EpochalCli;
import io.epochal.driver.cli.ProgressReporter;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.FailureClassifier;
import io.epochal.driver.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;

/** Renders a training job's progress through the CLI's {@link ProgressReporter}. */
final class ProgressListener implements TrainingListener {

  private final ProgressReporter progress;
  private final PrintStream err;
  private final Function<Path, String> resumeCommand;
  private long epochStart = System.nanoTime();
  /**
   * The epoch's training accuracy ({@code accuracy 0.9961}) or, for a regression, mean absolute error ({@code mae
   * 0.5024}), said before its line; empty for none.
   */
  private String trainMetric = "";
  /** The epoch's gradient norms before clipping ({@code train.clip_grad_norm} only), or empty. */
  private String clipping = "";
  /** The held-out rows' metrics of the epoch being finished, for its line; empty for none. */
  private String validation = "";
  /** The stop has said how the job ended: the rounds the training thread still finishes are not shown. */
  private volatile boolean stopped;

  /** {@code resumeCommand}: the command that continues a job directory, as this run was launched. */
  ProgressListener(ProgressReporter progress, PrintStream err, Function<Path, String> resumeCommand) {
    this.progress = progress;
    this.err = err;
    this.resumeCommand = resumeCommand;
  }

  @Override
  public synchronized void started(int firstEpoch, int epochs, int rounds, String checkpoint) {
    if (checkpoint != null) {
      boolean inside = io.epochal.checkpoint.CheckpointSeries.of(checkpoint)
          == io.epochal.checkpoint.CheckpointSeries.STEPS;
      progress.message((inside ? "resuming inside epoch " + (firstEpoch + 1) : "resuming after epoch " + firstEpoch)
          + " of " + epochs + " from "
          + io.epochal.driver.config.JobSpecResolver.locationText(new org.apache.hadoop.fs.Path(checkpoint)));
    } else {
      progress.message("training " + epochs + (epochs == 1 ? " epoch of " : " epochs of ") + rounds
          + (rounds == 1 ? " round" : " rounds"));
    }
    epochStart = System.nanoTime();
  }

  @Override
  public synchronized void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
    if (stopped) {
      return;
    }
    progress.round(epoch, epochs, round, rounds, samplesPerSecond, meanLoss);
  }

  @Override
  public synchronized void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
    if (stopped) {
      return;
    }
    String metrics = String.join("  ", java.util.stream.Stream.of(trainMetric, clipping, validation)
        .filter(m -> !m.isEmpty()).toList());
    progress.epochDone(epoch, epochs, meanLoss, (System.nanoTime() - epochStart) / 1_000_000, metrics);
    trainMetric = "";
    clipping = "";
    validation = "";
    epochStart = System.nanoTime();
  }

  @Override
  public synchronized void trainAccuracy(int epoch, int epochs, double trainAccuracy) {
    trainMetric = String.format(Locale.ROOT, "accuracy %.4f", trainAccuracy);
  }

  @Override
  public synchronized void trainMeanAbsoluteError(int epoch, int epochs, double mae) {
    trainMetric = "mae " + ProgressReporter.loss(mae);
  }

  @Override
  public synchronized void gradNorms(int epoch, int epochs, io.epochal.worker.round.GradNorms norms) {
    clipping = String.format(Locale.ROOT, "grad_norm %.3g (max %.3g, %.0f%% clipped)", norms.mean(), norms.max(),
        100.0 * norms.clipped() / norms.steps());
  }

  @Override
  public void validated(int epoch, int epochs, io.epochal.worker.round.EvaluationResult held, long millis) {
    validated(epoch, epochs, held, millis, false);
  }

  /** The held-out metrics for the epoch's line, followed by {@code (ema weights)} when the average was evaluated. */
  @Override
  public synchronized void validated(int epoch, int epochs, io.epochal.worker.round.EvaluationResult held,
      long millis, boolean average) {
    validation = String.format(Locale.ROOT, "val_loss %s", ProgressReporter.loss(held.meanLoss()))
        + (held.counted() ? String.format(Locale.ROOT, "  val_accuracy %.4f", held.accuracy()) : "")
        + (Double.isNaN(held.balancedAccuracy()) ? ""
            : String.format(Locale.ROOT, "  val_balanced_accuracy %.4f", held.balancedAccuracy()))
        + (Double.isNaN(held.macroF1()) ? "" : String.format(Locale.ROOT, "  val_f1 %.4f", held.macroF1()))
        + (Double.isNaN(held.areaUnderRoc()) ? "" : String.format(Locale.ROOT, "  val_auc %.4f", held.areaUnderRoc()))
        + (Double.isNaN(held.averagePrecision()) ? "" : String.format(Locale.ROOT, "  val_ap %.4f",
            held.averagePrecision()))
        + (held.measuredError() ? "  val_mae " + ProgressReporter.loss(held.meanAbsoluteError()) : "")
        + (Double.isNaN(held.rootMeanSquaredError()) ? "" : "  val_rmse "
            + ProgressReporter.loss(held.rootMeanSquaredError()))
        + (Double.isNaN(held.r2()) ? "" : String.format(Locale.ROOT, "  val_r2 %.4f", held.r2()))
        + (average ? " (ema weights)" : "");
  }

  @Override
  public synchronized void committed(int epoch, String path, long bytes, long millis) {
    progress.message(String.format(Locale.ROOT, "checkpoint %s (%s in %.2f s)",
        JobSpecResolver.locationText(new Path(path)), size(bytes), millis / 1000.0));
  }

  /** {@code bytes} in decimal units with three significant digits or more: 812 B, 61.4 kB, 268 MB, 1.07 GB. */
  static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = bytes / 1000.0;
    int u = 0;
    while (v >= 999.5 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, v >= 99.95 ? "%.0f %s" : v >= 9.995 ? "%.1f %s" : "%.2f %s", v, units[u]);
  }

  @Override
  public synchronized void message(String message) {
    progress.message(message);
  }

  @Override
  public synchronized void warning(String message) {
    progress.endLine(); // not after the progress bar on the same console line
    err.println("epochal: warning: " + FailureClassifier.withoutStackFrames(message));
  }

  @Override
  public void stopped(String message) {
    EpochalCli.firstToSayStopped(); // this says it: the command's last shutdown hook adds no generic line
    stopped = true;
    warning(message);
  }

  @Override
  public String resumeCommand(Path jobDir) {
    return resumeCommand.apply(jobDir);
  }
}
