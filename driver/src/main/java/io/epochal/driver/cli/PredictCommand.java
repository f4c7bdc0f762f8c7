package io.epochal.driver.cli;

import io.epochal.driver.config.JobKeys;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;

/**
 * {@code epochal predict URI --input PATH [--format F] [--features COLS] [--output PATH]
 * [--output-format parquet|csv] [--batch-size N] [--bad-rows fail|skip]}: batch inference through
 * Spark of a checkpoint's model (a job directory: its newest checkpoint) or of an ONNX model file
 * (a file whose name ends in {@code .onnx}, run in ONNX Runtime).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, description = {
    "Batch inference through Spark with a checkpoint's model (a job directory: its newest checkpoint) or an "
        + "ONNX model file (a file ending in .onnx, run in ONNX Runtime): writes the input's other columns, "
        + "row_id (the row's index in the input, files in the order of their paths, as training numbers rows with "
        + "the default data.row_order=file_name), prediction (argmax class, or the regression output), scores "
        + "(the model's outputs) and, for a classification, probability (the softmax of the scores; csv output "
        + "holds a score_<i> and a probability_<i> column for each output i). "
        + "Feature columns default to the checkpoint's data.features; an ONNX file has none, so give --features. "
        + "With spark-submit, predicting from an ONNX file needs --packages "
        + "com.microsoft.onnxruntime:onnxruntime:1.22.0 (bin/epochal has it)."})
final class PredictCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI",
      description = JOB_OR_CHECKPOINT)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "Rows to predict: a file or directory (local path or Hadoop URI).")
  String input;

  @Option(names = "--format", paramLabel = "csv|parquet|json",
      description = "Format of --input (default: from its extension, or for a directory from the one "
          + "extension its data files share; else the checkpoint's data.format, else parquet).")
  String format;

  @Option(names = "--features", paramLabel = "COLS", description = "Comma-separated numeric columns (f0..f783 for a "
      + "range of numbered ones), or one "
      + "array/vector column (default: the checkpoint's data.features; required for an ONNX model file).")
  String features;

  @Option(names = "--output", paramLabel = "PATH",
      description = "Directory to write the predictions to, as Spark writes a dataset: part files and "
          + "_SUCCESS, whatever its name ends with (default: print them as CSV).")
  String output;

  @Option(names = "--output-format", paramLabel = "parquet|csv",
      description = "Format of --output (default: csv when it ends with .csv, parquet otherwise; an output "
          + "named .json, .jsonl, .ndjson, .txt or .tsv needs this option, since predict writes neither).")
  String outputFormat;

  @Option(names = "--batch-size", paramLabel = "N", description = "Rows per forward pass (default 256).")
  String batchSize;

  @Option(names = "--bad-rows", paramLabel = "fail|skip", description = "A row with a wrong number of features "
      + "or a non-numeric value: fail naming file and row (default), or skip it.")
  String badRows;

  @Option(names = "--weights", paramLabel = "trained|ema", description = "The weights to predict with: trained "
      + "(model.safetensors) or ema (ema.safetensors, the moving average a job with train.ema_decay keeps) "
      + "(default: the average when the checkpoint has one, as its held-out metrics, else the trained weights).")
  String weights;

  @Option(names = "--overwrite", description = "Replace an earlier prediction output at --output: a directory "
      + "holding the _EPOCHAL_PREDICTIONS file predict writes into each output it completes. Nothing else (data, a "
      + "job directory) is replaced.")
  boolean overwrite;

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    if (output == null && (overwrite || outputFormat != null)) {
      throw new io.epochal.driver.config.ConfigException("--output", (overwrite ? "--overwrite" : "--output-format")
          + " applies to --output, which is not given (predictions go to standard output); give --output <path>, "
          + "or leave " + (overwrite ? "--overwrite" : "--output-format") + " out");
    }
    Map<String, String> keys = new LinkedHashMap<>();
    if (overwrite) {
      keys.put(io.epochal.driver.predict.PredictOptions.OVERWRITE, "true");
    }
    put(keys, JobKeys.DATA_FORMAT, format);
    put(keys, JobKeys.DATA_FEATURES, features);
    put(keys, JobKeys.DATA_BAD_ROWS, badRows);
    put(keys, "predict.output_format", outputFormat);
    put(keys, "predict.batch_size", batchSize);
    put(keys, io.epochal.driver.predict.PredictOptions.WEIGHTS, io.epochal.driver.train.ServedWeights.choice(weights));
    URI target = output == null ? null : qualify(output, options, "--output");
    if (target != null) {
      io.epochal.driver.config.CreatablePath.refuseInsideJobData("--output", new org.apache.hadoop.fs.Path(target),
          new org.apache.hadoop.fs.Path(uri), options.hadoopConfiguration());
    }
    return launcher.predict(uri, qualify(input, options, "--input"), target, keys, options);
  }
}
