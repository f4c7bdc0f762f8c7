package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;

/** {@code epochal verify URI}: Verify a checkpoint, or every checkpoint of a job directory (sizes, digests, probe); exit 1 if one is damaged. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = "Verify a checkpoint, or every checkpoint of a job directory (sizes, digests, probe); exit 1 if one is damaged.")
final class VerifyCommand extends LauncherCommand {

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.verify(uri, options);
  }
}
