package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.Objects;

/**
 * What a prediction run did: the model and checkpoint, the feature columns used, rows read,
 * predicted and skipped, and where the predictions went (null: standard output). Immutable.
 */
public final class PredictionSummary {

  private final String model;
  private final String checkpoint;
  private final List<String> features;
  private final long rows;
  private final long skipped;
  private final String output;
  private final String outputFormat;
  /** Which of a checkpoint's weights predicted ({@code trained} or {@code ema}); null for an ONNX file. */
  private final String weights;

  /** A summary; {@code weights}: {@code trained} or {@code ema} for a checkpoint, null for an ONNX file. */
  public PredictionSummary(String model, String checkpoint, List<String> features, long rows, long skipped,
      String output, String outputFormat, String weights) {
    this.weights = weights;
    this.model = checkNotNull(model, "model");
    this.checkpoint = checkNotNull(checkpoint, "checkpoint");
    this.features = List.copyOf(features);
    this.rows = rows;
    this.skipped = skipped;
    this.output = output;
    this.outputFormat = checkNotNull(outputFormat, "outputFormat");
  }

  /** Which of the checkpoint's weights predicted: {@code trained} or {@code ema}; empty for an ONNX file. */
  public java.util.Optional<String> weights() {
    return java.util.Optional.ofNullable(weights);
  }

  /** The model, e.g. {@code mlp v1}. */
  public String model() {
    return model;
  }

  /** The checkpoint whose state was used. */
  public String checkpoint() {
    return checkpoint;
  }

  /** The feature columns read. */
  public List<String> features() {
    return features;
  }

  /** Rows read from the input, bad ones included. */
  public long rows() {
    return rows;
  }

  /** Bad rows skipped (always 0 unless bad rows are skipped). */
  public long skipped() {
    return skipped;
  }

  /** Rows predicted. */
  public long predicted() {
    return rows - skipped;
  }

  /** The output location, or null when the predictions were printed. */
  public String output() {
    return output;
  }

  /** parquet or csv. */
  public String outputFormat() {
    return outputFormat;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PredictionSummary)) {
      return false;
    }
    PredictionSummary s = (PredictionSummary) o;
    return model.equals(s.model) && checkpoint.equals(s.checkpoint) && features.equals(s.features)
        && rows == s.rows && skipped == s.skipped && Objects.equals(output, s.output)
        && outputFormat.equals(s.outputFormat);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, checkpoint, features, rows, skipped, output, outputFormat);
  }

  @Override
  public String toString() {
    return "predicted " + predicted() + " of " + rows + " rows (" + skipped + " bad rows skipped) with " + model
        + (weights == null ? "" : weights.equals(io.epochal.driver.train.ServedWeights.AVERAGE)
        ? " (its moving average, ema.safetensors)" : " (its trained weights)")
        + " from " + io.epochal.driver.config.JobSpecResolver.locationText(checkpoint) + ", features " + features
        + " -> " + (output == null ? "standard output" : outputFormat + " "
        + io.epochal.driver.config.JobSpecResolver.locationText(output))
        + (rows == 0 ? "; the input holds no rows, so the output holds none (is --input the data meant?)" : "");
  }
}
