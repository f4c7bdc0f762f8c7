package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code epochal status URI}: Show a job's lease, committed epochs and latest metrics. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show a job's lease, committed epochs and latest metrics.",
    "Given a directory that is not a job, show every job under it (down to 4 levels, not inside a job "
        + "or a directory named _* or .*)."})
final class StatusCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI",
      description = "A job directory, or a directory with jobs under it (each listed)" + URI_FORMS)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--json", description = "Print one JSON document: target, and jobs[] with each job's path, state, "
      + "reason, epoch, epochs, train_loss, val_loss, last_checkpoint, lease, progress (where its driver is, live or "
      + "its last report) and problems; for one job also its checkpoints[] and mid_epoch (error when the location "
      + "cannot be read).")
  boolean json;

  /** With {@code --json}, a location that cannot be used still gets its JSON document. */
  @Override
  void unusableLocation(io.epochal.driver.config.ConfigException e) {
    if (json) {
      printUnusable(e, false, "jobs");
    }
  }

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.status(uri, json, options);
  }
}
