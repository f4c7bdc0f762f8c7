package io.epochal.driver.cli;

import io.epochal.driver.config.JobKeys;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;

/**
 * {@code epochal resume URI}: resumes a job from its latest valid checkpoint with its stored job
 * spec. With {@code --all}, URI is a root: every job under it that is not COMPLETED (or is, but its
 * final checkpoint is missing or visibly damaged) and whose lease has expired (or is free) is
 * resumed, each in its own child process.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
    description = {"Resume a job from its latest valid checkpoint with its stored job spec.",
        "With --all, resume every job under a root (down to 4 levels, not inside a job or a directory named _* "
            + "or .*) that is not COMPLETED (or whose final checkpoint is missing "
            + "or damaged) and whose lease has expired or is free; each resume runs as a child process (this "
            + "launcher, or --submit-template)."},
    footer = {"", "Examples:", "  epochal resume /jobs/mnist",
        "  epochal resume hdfs://nn2:8020/jobs/mnist --relocate        (the job directory was moved there)",
        "  epochal resume /jobs/mnist --data hdfs://nn:8020/datasets/mnist   (the job's data was moved there)",
        "  epochal resume /jobs/mnist --epochs 20                      (train on to 20 epochs in all)",
        "  epochal resume /jobs/mnist --set checkpoint.keep_last=2     (keep fewer checkpoints from now on)",
        "  epochal resume /jobs/mnist --epochs 20 --dry-run            (check and show that, change nothing)",
        "  epochal resume --all --dry-run hdfs://nn:8020/jobs",
        "  epochal resume --all --parallel 4 hdfs://nn:8020/jobs",
        "  epochal resume --all --relocate hdfs://nn2:8020/jobs       (a root of jobs was moved there)",
        "  epochal resume --all --submit-template \\",
        "    'spark-submit --master yarn --deploy-mode cluster --class io.epochal.driver.cli.EpochalCli "
            + "epochal-app.jar resume {job_dir}' hdfs://nn:8020/jobs"})
final class ResumeCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI",
      description = "A job directory; with --all, a directory with jobs under it" + URI_FORMS)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--all", description = "URI is a root: resume every resumable job under it.")
  boolean all;

  @Option(names = "--dry-run", description = "Check and print what the resume would do, start and write nothing: "
      + "for one job the spec it would run with (key=value on standard output, as train --dry-run prints), and "
      + "on standard error the epoch it continues after, how job.json would change, and its data, loaded on Spark "
      + "and checked against the model and that checkpoint (exit 4 if it does not fit); with --all the plan (job, "
      + "state, epoch, action, reason), and the checks each resume runs before its Spark starts (master, heap, "
      + "placement keys), run once.")
  boolean dryRun;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "1",
      description = "With --all: resume up to N jobs at once (default ${DEFAULT-VALUE}).")
  int parallel;

  @Option(names = "--submit-template", paramLabel = "COMMAND",
      description = "With --all: run each resume through this shell command, {job_dir} replaced by the job "
          + "directory (e.g. a spark-submit line ending in 'resume {job_dir}'). A job counts as resumed when "
          + "the command exited 0 and the job became COMPLETED while it ran; as failed when it became FAILED while "
          + "the command ran; as submitted when its state is as before, RUNNING or unreadable (see it with: "
          + "bin/epochal status <job>).")
  String submitTemplate;

  @Option(names = "--relocate", description = "The job directory was moved (not copied) here from the job.dir "
      + "its job.json names, which must hold no job any more: job.json is rewritten to name this directory, "
      + "every hyperparameter unchanged. With --all: every unfinished job moved under the root (its old job.dir "
      + "no longer holds it) is resumed so; copies stay skipped.")
  boolean relocate;

  @Option(names = "--data", paramLabel = "PATH", description = "The job's data moved to PATH: job.json is "
      + "rewritten to name it. The data must hold the rows the newest checkpoint was trained on (their counts, "
      + "values and order).")
  String data;

  @Option(names = "--epochs", paramLabel = "N", description = "Train the job to N epochs in all (more than "
      + "job.json's train.epochs to go on after it finished, fewer to stop earlier; at least the epochs already "
      + "committed): job.json is rewritten with train.epochs = N. The epochs trained are those an uninterrupted "
      + "N-epoch run trains.")
  Integer epochs;

  @Option(names = "--set", paramLabel = "KEY=VALUE", converter = KeyValues.Entry.class,
      description = "Change the held-out rows (data.validation_path; empty for none) or a retention, early-stopping, "
      + "mid-epoch checkpoint, retry or lease key of the job (checkpoint.keep_last, keep_every, keep_best, "
      + "best_metric, best_mode; early_stop.patience, min_delta, monitor, mode; checkpoint.every_n_rounds, "
      + "every_n_minutes; retry.max_attempts, retry.backoff_ms, retry.storage_wait_ms; lease.ttl_ms): job.json is "
      + "rewritten with it. A placement key "
      + "(train.device, resources.*) applies to this run only. A key that changes what is trained is refused "
      + "(exit 2; train a new job.dir for that), unless it repeats the job's own value. Repeatable.")
  List<String> setEntries = new ArrayList<>();

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    Map<String, String> sets = KeyValues.parse("--set", setEntries);
    if (!all) {
      if (submitTemplate != null || parallel != 1) {
        boolean both = submitTemplate != null && parallel != 1;
        String given = both ? "--parallel and --submit-template" : submitTemplate != null ? "--submit-template"
            : "--parallel";
        throw new IllegalArgumentException(given + (both ? " apply" : " applies") + " to 'resume --all <root>' only; "
            + "add --all or drop " + (both ? "them" : "it"));
      }
      if (epochs != null && (epochs < 1 || epochs > JobKeys.MAX_EPOCHS)) {
        throw new IllegalArgumentException("--epochs must be between 1 and " + JobKeys.MAX_EPOCHS + ", got " + epochs);
      }
      JobAmendment amendment = new JobAmendment(relocate, data, epochs == null ? 0 : epochs, sets);
      if (dryRun) {
        return launcher.resumeDryRun(uri, amendment, options);
      }
      return amendment.isNone() ? launcher.resume(uri, options) : launcher.resume(uri, amendment, options);
    }
    if (data != null || epochs != null || !sets.isEmpty()) {
      throw new IllegalArgumentException("--data, --epochs and --set apply to one job ('resume <job-dir>'), not to "
          + "'resume --all'; resume that job on its own first");
    }
    if (parallel < 1) {
      throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
    }
    if (submitTemplate != null && !submitTemplate.contains("{job_dir}")) {
      throw new IllegalArgumentException("--submit-template '" + submitTemplate + "' has no {job_dir} "
          + "placeholder; put it where the job directory goes, e.g. '... epochal-app.jar resume {job_dir}'");
    }
    if (relocate && submitTemplate != null) {
      throw new IllegalArgumentException("--relocate and --submit-template do not go together: the template runs "
          + "the same command for every job; drop --submit-template to resume the moved jobs with --relocate, or "
          + "resume each with a template ending in 'resume {job_dir} --relocate'");
    }
    return launcher.resumeAll(uri, new ResumeAllRequest(dryRun, parallel, submitTemplate, relocate), options);
  }

  @Override
  boolean readsJobKeys() {
    return true; // checked against job.json (ResumeConfCheck)
  }
}
