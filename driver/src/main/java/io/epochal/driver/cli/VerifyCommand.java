package io.epochal.driver.cli;

import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;

/**
 * {@code epochal verify URI [--all] [--json]}: verifies a checkpoint, a job directory's newest
 * checkpoint, or with {@code --all} every checkpoint of a job; one PASS/WARN/FAIL line per check
 * (or one JSON document with {@code --json}); exit 0 when all pass, 1 otherwise.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, description = {
    "Verify a checkpoint, or a job directory's newest checkpoint (every checkpoint with --all): manifest "
        + "and format version, sizes and SHA-256, safetensors structure, model in the registry, names and "
        + "shapes, optimizer state, probe output against its digest, probe reproduced (bit for bit on the same "
        + "engine). Exit 0 when every check passes, 1 when one fails, 2 when the target is no checkpoint or job "
        + "directory."})
final class VerifyCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI", description = "A job directory (its newest checkpoint, or all "
      + "with --all) or one checkpoint directory, epoch-NNNNNN" + URI_FORMS)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--all", description = "Verify every checkpoint of the job directory, oldest first "
      + "(default: only the newest).")
  boolean all;

  @Option(names = "--json", description = "Print one JSON document (target, ok, checkpoints[].checks[], "
      + "not_checked[]: checkpoints left out and why, error when the target cannot be verified, and after a "
      + "failure resume_picks: the checkpoint a resume would continue after, null for none, with resume: what "
      + "that means) instead of lines.")
  boolean json;

  /** With {@code --json}, a location that cannot be used still gets its JSON document. */
  @Override
  void unusableLocation(io.epochal.driver.config.ConfigException e) {
    if (json) {
      printUnusable(e, true, "not_checked", "checkpoints"); // not_checked always there, as in a verify's document
    }
  }

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    return launcher.verify(uri, all, json, options);
  }
}
