package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;

/** {@code epochal resume URI}: Resume a job from its latest valid checkpoint with its stored job spec. */
@Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a job from its latest valid checkpoint with its stored job spec.")
final class ResumeCommand extends LauncherCommand {

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.resume(uri, options);
  }
}
