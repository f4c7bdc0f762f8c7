package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code epochal inspect URI}: prints a checkpoint's manifest. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a checkpoint's manifest (epoch, hyperparameters, tensors, versions, metrics).")
final class InspectCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI",
      description = JOB_OR_CHECKPOINT)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.inspect(uri, options);
  }
}
