package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.data.RowDecoder;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * What every prediction task needs besides the model's state: the model's coordinates (name,
 * version, raw hyperparameters as JSON, since tasks rebuild it from the registry), how to decode
 * a row, the model's input shape and output size, whether outputs are class logits, the
 * mini-batch size, the bad-row policy and the layout of the task's rows (the feature columns first,
 * then {@link #passColumns()} columns carried to the output, then the input file name).
 * Immutable; sent to tasks with Java serialization inside the task closure.
 */
public final class PredictionPlan implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String modelName;
  private final int modelVersion;
  private final String hyperParametersJson;
  private final RowDecoder decoder;
  private final long[] inputShape;
  private final int outputSize;
  private final boolean classification;
  private final int batchSize;
  private final boolean skipBadRows;
  private final int passColumns;
  private final boolean rowId;

  /**
   * A plan.
   *
   * @param passColumns input columns after the features that are copied to the output
   * @param rowId whether to add a {@code row_id} column (the row's index in the input)
   * @throws IllegalArgumentException when the decoder's feature size is not the number of values
   *     of {@code inputShape}, or a count is out of range
   */
  public PredictionPlan(String modelName, int modelVersion, HyperParameters hyperParameters, RowDecoder decoder,
      long[] inputShape, int outputSize, boolean classification, int batchSize, boolean skipBadRows,
      int passColumns, boolean rowId) {
    this.modelName = checkNotNull(modelName, "modelName");
    this.modelVersion = modelVersion;
    this.hyperParametersJson = checkNotNull(hyperParameters, "hyperParameters").toJson().toString();
    this.decoder = checkNotNull(decoder, "decoder");
    this.inputShape = checkNotNull(inputShape, "inputShape").clone();
    long numel = Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    checkArgument(numel == decoder.featureSize(), "model %s v%s takes %s values per row (shape %s) but rows "
        + "decode to %s", modelName, modelVersion, numel, Arrays.toString(inputShape), decoder.featureSize());
    checkArgument(outputSize >= 1, "output size must be >= 1, got %s", outputSize);
    checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
    checkArgument(passColumns >= 0, "pass columns must be >= 0, got %s", passColumns);
    this.outputSize = outputSize;
    this.classification = classification;
    this.batchSize = batchSize;
    this.skipBadRows = skipBadRows;
    this.passColumns = passColumns;
    this.rowId = rowId;
  }

  /** The registered model's name. */
  public String modelName() {
    return modelName;
  }

  /** The registered model's version. */
  public int modelVersion() {
    return modelVersion;
  }

  /** The model's raw hyperparameters (its {@code model.*} keys without the prefix, name and version). */
  public HyperParameters hyperParameters() {
    try {
      return HyperParameters.fromJson(new ObjectMapper().readTree(hyperParametersJson));
    } catch (IOException e) {
      throw new UncheckedIOException("hyperparameters of " + modelName + " do not parse back: "
          + hyperParametersJson, e);
    }
  }

  /** Decodes a task row's features. */
  public RowDecoder decoder() {
    return decoder;
  }

  /** One sample's shape as the model takes it. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** Outputs per row. */
  public int outputSize() {
    return outputSize;
  }

  /** Whether outputs are class logits (prediction = argmax) rather than regression values. */
  public boolean classification() {
    return classification;
  }

  /** Rows per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** Whether bad rows are skipped (otherwise the driver has refused the input before this plan runs). */
  public boolean skipBadRows() {
    return skipBadRows;
  }

  /** Columns after the features copied to the output. */
  public int passColumns() {
    return passColumns;
  }

  /** Whether a {@code row_id} column is added. */
  public boolean rowId() {
    return rowId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PredictionPlan)) {
      return false;
    }
    PredictionPlan p = (PredictionPlan) o;
    return modelName.equals(p.modelName) && modelVersion == p.modelVersion
        && hyperParametersJson.equals(p.hyperParametersJson) && decoder.equals(p.decoder)
        && Arrays.equals(inputShape, p.inputShape) && outputSize == p.outputSize
        && classification == p.classification && batchSize == p.batchSize && skipBadRows == p.skipBadRows
        && passColumns == p.passColumns && rowId == p.rowId;
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelName, modelVersion, hyperParametersJson, Arrays.hashCode(inputShape), outputSize,
        classification, batchSize, skipBadRows, passColumns, rowId);
  }

  @Override
  public String toString() {
    return "PredictionPlan[" + modelName + " v" + modelVersion + " " + hyperParametersJson + ", input "
        + Arrays.toString(inputShape) + ", " + outputSize + (classification ? " classes" : " outputs") + ", batch "
        + batchSize + ", bad rows " + (skipBadRows ? "skip" : "fail") + ", " + passColumns + " pass columns"
        + (rowId ? " + row_id" : "") + "]";
  }
}
