package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.data.RowDecoder;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The model-independent part of a prediction task: how to decode a row, one sample's input shape,
 * outputs per row, whether outputs are class scores (prediction = argmax), the mini-batch size,
 * the bad-row policy and the layout of the task's rows (for csv input the malformed-line column
 * its decoder checks, then the feature columns, then {@link #passColumns()} columns carried to the
 * output, then the row's {@code row_id}, {@link RowNumbers}). A checkpoint's
 * model and an ONNX model file are predicted with the same layout. Immutable; sent to tasks with
 * Java serialization inside the task closure.
 */
public final class PredictionLayout implements Serializable {

  private static final long serialVersionUID = 1L;

  private final RowDecoder decoder;
  private final long[] inputShape;
  private final int outputSize;
  private final boolean classification;
  private final int batchSize;
  private final boolean skipBadRows;
  private final int passColumns;
  private final boolean rowId;

  /** The most values a batch's features or outputs may hold: Java's largest array. */
  static final long MAX_BATCH_FLOATS = Integer.MAX_VALUE - 8;

  /**
   * A layout.
   *
   * @param inputShape one sample's shape as the model takes it (without the batch dimension)
   * @param passColumns input columns after the features that are copied to the output
   * @param rowId whether to add a {@code row_id} column (the row's index in the input)
   * @throws IllegalArgumentException when the decoder's feature size is not the number of values
   *     of {@code inputShape}, or a count is out of range
   * @throws io.epochal.driver.config.ConfigException when a batch of {@code batchSize} rows would
   *     not fit in one Java array
   */
  public PredictionLayout(RowDecoder decoder, long[] inputShape, int outputSize, boolean classification,
      int batchSize, boolean skipBadRows, int passColumns, boolean rowId) {
    this.decoder = checkNotNull(decoder, "decoder");
    this.inputShape = checkNotNull(inputShape, "inputShape").clone();
    long numel = Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    checkArgument(numel == decoder.featureSize(), "the model takes %s values per row (shape %s) but rows decode "
        + "to %s", numel, Arrays.toString(inputShape), decoder.featureSize());
    checkArgument(outputSize >= 1, "output size must be >= 1, got %s", outputSize);
    checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
    long perRow = Math.max(decoder.featureSize(), outputSize);
    if (batchSize * perRow > MAX_BATCH_FLOATS) {
      // a task holds one batch of features and one of outputs in float arrays
      throw new io.epochal.driver.config.ConfigException(PredictOptions.BATCH_SIZE, "--batch-size " + batchSize
          + " rows of " + perRow + " values each do not fit in one array (at most " + MAX_BATCH_FLOATS + " values); "
          + "give --batch-size " + (MAX_BATCH_FLOATS / perRow) + " or less");
    }
    checkArgument(passColumns >= 0, "pass columns must be >= 0, got %s", passColumns);
    this.outputSize = outputSize;
    this.classification = classification;
    this.batchSize = batchSize;
    this.skipBadRows = skipBadRows;
    this.passColumns = passColumns;
    this.rowId = rowId;
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

  /** Whether outputs are class scores (prediction = argmax) rather than regression values. */
  public boolean classification() {
    return classification;
  }

  /** Rows per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** Whether bad rows are skipped (otherwise the driver has refused the input before this layout runs). */
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
    if (!(o instanceof PredictionLayout)) {
      return false;
    }
    PredictionLayout p = (PredictionLayout) o;
    return decoder.equals(p.decoder) && Arrays.equals(inputShape, p.inputShape) && outputSize == p.outputSize
        && classification == p.classification && batchSize == p.batchSize && skipBadRows == p.skipBadRows
        && passColumns == p.passColumns && rowId == p.rowId;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(inputShape), outputSize, classification, batchSize, skipBadRows,
        passColumns, rowId);
  }

  @Override
  public String toString() {
    return "input " + Arrays.toString(inputShape) + ", " + outputSize + (classification ? " classes" : " outputs")
        + ", batch " + batchSize + ", bad rows " + (skipBadRows ? "skip" : "fail") + ", " + passColumns
        + " pass columns" + (rowId ? " + row_id" : "");
  }
}
