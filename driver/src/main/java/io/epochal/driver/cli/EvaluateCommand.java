package io.epochal.driver.cli;

import io.epochal.driver.config.JobKeys;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code epochal evaluate URI [--input PATH] [--format F] [--features COLS] [--label COL]
 * [--bad-rows fail|skip] [--all] [--json]}: the loss and accuracy of a checkpoint's model on labelled rows,
 * through Spark, as a job evaluates its held-out rows after every epoch.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = {
    "The loss (and, for softmax_cross_entropy, the accuracy) of a checkpoint's model on labelled rows, through "
        + "Spark, in evaluation mode, as a job evaluates its held-out rows (data.validation_path) after every "
        + "epoch: the same columns, checks and shards. A job directory gives its newest verified checkpoint; with "
        + "--all, every checkpoint of the job, each verified first (one that fails is listed, the rest evaluated). "
        + "Prints a table on standard output."})
final class EvaluateCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI", description = JOB_OR_CHECKPOINT)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--input", paramLabel = "PATH",
      description = "Labelled rows: a file or directory (local path or Hadoop URI), with the columns the job "
          + "trained on (default: the held-out rows the job was evaluated on, its data.validation_path).")
  String input;

  @Option(names = "--format", paramLabel = "csv|parquet|json",
      description = "Format of --input (default: from its extension, or for a directory from the one extension "
          + "its data files share; else the checkpoint's data.format).")
  String format;

  @Option(names = "--features", paramLabel = "COLS",
      description = "Feature columns, as data.features takes them (default: the checkpoint's data.features).")
  String features;

  @Option(names = "--label", paramLabel = "COL", description = "Label column (default: the checkpoint's data.label).")
  String label;

  @Option(names = "--bad-rows", paramLabel = "fail|skip", description = "A bad row (a wrong number of features, a "
      + "value that is no number, a label out of range): fail naming file and row, or skip and count it (default: "
      + "fail for --input; the job's own held-out rows are read as its epochs read them, by its data.bad_rows).")
  String badRows;

  @Option(names = "--all", description = "Every checkpoint of the job directory given, oldest first.")
  boolean all;

  @Option(names = "--per-class", description = "Also give, for a classification, each class's rows, the rows "
      + "predicted as it, its precision, recall and F1 (scikit-learn's classification_report), after the table or as "
      + "each checkpoint's classes in --json.")
  boolean perClass;

  @Option(names = "--weights", paramLabel = "trained|ema", description = "The weights to evaluate: trained "
      + "(model.safetensors) or ema (ema.safetensors, the moving average a job with train.ema_decay keeps) "
      + "(default: the average when the checkpoint has one, as its held-out metrics, else the trained weights).")
  String weights;

  @Option(names = "--json", description = "Print one JSON document (exact numbers; a status and reason for a "
      + "checkpoint not evaluated; an error when none could be) instead of the table.")
  boolean json;

  /**
   * With {@code --json}, a location or input that cannot be used still gets its JSON document, the
   * one the launcher writes for a failure before any checkpoint is evaluated.
   */
  @Override
  void unusableLocation(io.epochal.driver.config.ConfigException e) {
    if (json) {
      com.fasterxml.jackson.databind.node.ObjectNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
          .createObjectNode();
      doc.put("ok", false).put("input", input).put("error", e.getMessage()).putArray("checkpoints");
      spec.commandLine().getOut().println(doc.toPrettyString());
    }
  }

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    URI rows;
    String served;
    try {
      rows = input == null ? null : qualify(input, options, "--input");
      served = io.epochal.driver.train.ServedWeights.choice(weights);
    } catch (io.epochal.driver.config.ConfigException e) {
      unusableLocation(e);
      throw e;
    }
    Map<String, String> keys = new LinkedHashMap<>();
    put(keys, JobKeys.DATA_FORMAT, format);
    put(keys, JobKeys.DATA_FEATURES, features);
    put(keys, JobKeys.DATA_LABEL, label);
    // rows of --input fail on a bad row unless told: skipping would measure on the rows left (the job's own
    // data.bad_rows=skip is for its training rows, not for a test set given here)
    put(keys, JobKeys.DATA_BAD_ROWS, badRows == null && input != null ? "fail" : badRows);
    return launcher.evaluate(uri, rows, keys, all, json, perClass, served, options);
  }
}
