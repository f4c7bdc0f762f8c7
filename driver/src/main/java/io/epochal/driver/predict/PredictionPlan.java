package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.data.RowDecoder;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * What every prediction task of a checkpoint's model needs besides the model's state: the model's
 * coordinates (name, version, raw hyperparameters as JSON, since tasks rebuild it from the
 * registry) and the {@link PredictionLayout} (row decoding, shapes, batch size, bad-row policy,
 * the task's row layout). Immutable; sent to tasks with Java serialization inside the task closure.
 */
public final class PredictionPlan implements Serializable {

  private static final long serialVersionUID = 2L;

  private final String modelName;
  private final int modelVersion;
  private final String hyperParametersJson;
  private final PredictionLayout layout;

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
    this(modelName, modelVersion, hyperParameters, new PredictionLayout(decoder, inputShape, outputSize,
        classification, batchSize, skipBadRows, passColumns, rowId));
  }

  /** A plan of a registered model predicted with {@code layout}. */
  public PredictionPlan(String modelName, int modelVersion, HyperParameters hyperParameters,
      PredictionLayout layout) {
    this.modelName = checkNotNull(modelName, "modelName");
    this.modelVersion = modelVersion;
    this.hyperParametersJson = checkNotNull(hyperParameters, "hyperParameters").toJson().toString();
    this.layout = checkNotNull(layout, "layout");
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

  /** Row decoding, shapes, batch size, bad-row policy and row layout. */
  public PredictionLayout layout() {
    return layout;
  }

  /** Decodes a task row's features. */
  public RowDecoder decoder() {
    return layout.decoder();
  }

  /** One sample's shape as the model takes it. */
  public long[] inputShape() {
    return layout.inputShape();
  }

  /** Outputs per row. */
  public int outputSize() {
    return layout.outputSize();
  }

  /** Whether outputs are class logits (prediction = argmax) rather than regression values. */
  public boolean classification() {
    return layout.classification();
  }

  /** Rows per forward pass. */
  public int batchSize() {
    return layout.batchSize();
  }

  /** Whether bad rows are skipped (otherwise the driver has refused the input before this plan runs). */
  public boolean skipBadRows() {
    return layout.skipBadRows();
  }

  /** Columns after the features copied to the output. */
  public int passColumns() {
    return layout.passColumns();
  }

  /** Whether a {@code row_id} column is added. */
  public boolean rowId() {
    return layout.rowId();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PredictionPlan)) {
      return false;
    }
    PredictionPlan p = (PredictionPlan) o;
    return modelName.equals(p.modelName) && modelVersion == p.modelVersion
        && hyperParametersJson.equals(p.hyperParametersJson) && layout.equals(p.layout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelName, modelVersion, hyperParametersJson, layout);
  }

  @Override
  public String toString() {
    return "PredictionPlan[" + modelName + " v" + modelVersion + " " + hyperParametersJson + ", " + layout + "]";
  }
}
