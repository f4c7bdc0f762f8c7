package io.epochal.driver.predict;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.train.ServedWeights;
import io.epochal.params.HyperParameters;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The feature columns a prediction reads: those {@code --features} names, or those of the model's
 * {@code data.features}; checked against the features per row the model takes before Spark starts.
 */
final class PredictFeatures {

  private PredictFeatures() {}

  /**
   * Checks, before Spark starts, that {@code options} name feature columns for {@code model} and,
   * when they name several numeric columns, as many as the model takes.
   *
   * @throws ConfigException naming {@code --features}, the counts and the file
   */
  static void checkOnnx(OnnxModelFile model, PredictOptions options) {
    if (options.weights() != null) {
      throw new ConfigException(ServedWeights.OPTION, ServedWeights.OPTION + " " + options.weights() + " chooses the "
          + "weights of a checkpoint, but " + model.location() + " is an ONNX file (it holds the weights it was "
          + "exported with); leave " + ServedWeights.OPTION + " out");
    }
    int featureSize = model.signature().featureSize();
    if (options.features().isEmpty()) {
      throw new ConfigException("--features", "an ONNX model file has no data.features to take the feature "
          + "columns from (" + model.location() + "); name the " + featureSize + " numeric columns, or one "
          + "array/vector column, with --features");
    }
    if (options.features().size() > 1 && options.features().size() != featureSize) {
      throw count(options.features(), "--features", "ONNX model " + model.location(), featureSize);
    }
  }

  /**
   * The refusal of {@code features}, named by {@code source} ({@code --features}, or the model's keys), as
   * feature columns of {@code model}, which takes {@code featureSize} features per row.
   */
  static ConfigException count(List<String> features, String source, String model, int featureSize) {
    return new ConfigException(JobKeys.DATA_FEATURES, source + " names " + features.size() + " numeric columns "
        + features + " but " + model + " takes " + featureSize + " features per row; name " + featureSize
        + " columns or one array column" + (source.equals("--features") ? "" : " with --features"));
  }

  /** The feature columns to read: {@code --features}, else the checkpoint's {@code data.features} ({@code hp}). */
  static List<String> of(PredictOptions options, HyperParameters hp) {
    if (!options.features().isEmpty()) {
      return options.features();
    }
    if (!hp.contains(JobKeys.DATA_FEATURES)) {
      throw new ConfigException(JobKeys.DATA_FEATURES, "the checkpoint's job spec has no " + JobKeys.DATA_FEATURES
          + "; name the feature columns with --features");
    }
    return Arrays.stream(hp.getString(JobKeys.DATA_FEATURES).split(",")).map(String::trim)
        .filter(c -> !c.isEmpty()).collect(Collectors.toList());
  }
}
