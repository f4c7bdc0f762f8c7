package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;
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

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.status(uri, options);
  }
}
