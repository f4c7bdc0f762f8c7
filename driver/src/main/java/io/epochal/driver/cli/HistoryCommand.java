package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code epochal history URI [--csv]}: every committed epoch of a job with its metrics, also those
 * whose checkpoints retention has deleted.
 */
@Command(name = "history", mixinStandardHelpOptions = true, description = {
    "Show every committed epoch of a job with the metrics its commit recorded (step, losses, accuracies or "
        + "regression errors, gradient norm, learning rate), also the epochs whose checkpoints retention has "
        + "deleted, read from the job's history: the epochs the newest checkpoint's training went through, an "
        + "epoch trained again after a damaged checkpoint with its second training."})
final class HistoryCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI", description = "A job directory" + URI_FORMS)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--csv", description = "Print CSV instead of the table: a header (epoch, step, the metrics "
      + "recorded, next_lr, attempt, committed, checkpoint), then one row per epoch, an empty cell for a value an "
      + "epoch did not record; numbers exact (as pandas.read_csv reads them back), times in ISO-8601 UTC.")
  boolean csv;

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.history(uri, csv, options);
  }
}
