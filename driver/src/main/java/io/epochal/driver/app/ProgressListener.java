package io.epochal.driver.app;

import io.epochal.driver.cli.ProgressReporter;
import io.epochal.driver.train.TrainingListener;
import java.io.PrintStream;

/** Renders a training job's progress through the CLI's {@link ProgressReporter}. */
final class ProgressListener implements TrainingListener {

  private final ProgressReporter progress;
  private final PrintStream err;
  private long epochStart = System.nanoTime();

  ProgressListener(ProgressReporter progress, PrintStream err) {
    this.progress = progress;
    this.err = err;
  }

  @Override
  public synchronized void started(int firstEpoch, int epochs, int rounds, String checkpoint) {
    if (checkpoint != null) {
      progress.message("resuming after epoch " + firstEpoch + " of " + epochs + " from " + checkpoint);
    } else {
      progress.message("training " + epochs + " epochs of " + rounds + " rounds");
    }
    epochStart = System.nanoTime();
  }

  @Override
  public synchronized void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
    progress.round(epoch, epochs, round, rounds, samplesPerSecond, meanLoss);
  }

  @Override
  public synchronized void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
    progress.epochDone(epoch, epochs, meanLoss, (System.nanoTime() - epochStart) / 1_000_000);
    epochStart = System.nanoTime();
  }

  @Override
  public synchronized void committed(int epoch, String path) {
    progress.message("checkpoint " + path);
  }

  @Override
  public synchronized void message(String message) {
    progress.message(message);
  }

  @Override
  public synchronized void warning(String message) {
    err.println("epochal: warning: " + message);
  }
}
