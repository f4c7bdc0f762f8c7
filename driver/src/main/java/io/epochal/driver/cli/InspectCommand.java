package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;

/** {@code epochal inspect URI}: prints a checkpoint's manifest. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a checkpoint's manifest (epoch, hyperparameters, tensors, versions, metrics).")
final class InspectCommand extends LauncherCommand {

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.inspect(uri, options);
  }
}
