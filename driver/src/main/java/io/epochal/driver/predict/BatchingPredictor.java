package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Predicts one partition's rows in mini-batches, whatever runs the model: reads rows lazily (numbered
 * by {@link RowNumbers}),
 * decodes their features with the layout's {@link io.epochal.driver.data.RowDecoder} (a bad row is
 * skipped when the layout says so, and otherwise means the input changed after the driver checked
 * it), hands {@link PredictionLayout#batchSize()} rows at a time to {@link #forward} and turns each
 * row's outputs into an output row: the row's pass columns, then {@code row_id} if planned, then
 * {@code prediction} (argmax for class scores, the value for one output, the values otherwise) and
 * {@code scores} (and, for a classification, {@code probability}, their softmax).
 */
public abstract class BatchingPredictor implements Iterator<Row> {

  private final PredictionLayout layout;
  private final Iterator<Row> rows;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();
  private final float[] features;
  private final Row[] pending;
  private final long[] pendingIds;
  private boolean finished;

  /**
   * A predictor of {@code rows}.
   *
   * @param rows the partition's rows, in the order their predictions are to come: features first,
   *     then the layout's pass columns, then the row's {@code row_id} ({@link RowNumbers#number})
   */
  protected BatchingPredictor(PredictionLayout layout, Iterator<Row> rows) {
    this.layout = checkNotNull(layout, "layout");
    this.rows = checkNotNull(rows, "rows");
    this.features = new float[layout.batchSize() * layout.decoder().featureSize()];
    this.pending = new Row[layout.batchSize()];
    this.pendingIds = new long[layout.batchSize()];
  }

  /**
   * Runs the model on {@code n} rows.
   *
   * @param batch {@code n * featureSize} floats, row after row
   * @param shape the batch's shape: {@code n}, then one sample's input shape
   * @return {@code n * outputSize} floats, row after row
   */
  protected abstract float[] forward(float[] batch, long[] shape);

  /** Called once when the partition has no more rows; releases what this predictor holds alone. */
  protected void finish() {}

  @Override
  public final boolean hasNext() {
    if (ready.isEmpty()) {
      fill();
    }
    if (ready.isEmpty() && !finished) {
      finished = true;
      finish();
    }
    return !ready.isEmpty();
  }

  @Override
  public final Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more predictions in this partition");
    }
    return ready.removeFirst();
  }

  private void fill() {
    int width = layout.decoder().featureSize();
    float[] one = new float[width];
    int n = 0;
    while (n < pending.length && rows.hasNext()) {
      Row r = rows.next();
      long id = r.getLong(r.length() - 1);
      String bad = layout.decoder().decode(r, one);
      if (bad != null) {
        if (layout.skipBadRows()) {
          continue;
        }
        throw new IllegalStateException("input row " + id + " is bad (" + bad + ") although the input was checked "
            + "before prediction; the input changed while it was read");
      }
      System.arraycopy(one, 0, features, n * width, width);
      pending[n] = r;
      pendingIds[n] = id;
      n++;
    }
    if (n == 0) {
      return;
    }
    long[] inputShape = layout.inputShape();
    long[] shape = new long[inputShape.length + 1];
    shape[0] = n;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    int values = n * width;
    float[] batch = values == features.length ? features : java.util.Arrays.copyOf(features, values);
    float[] out = forward(batch, shape);
    int k = layout.outputSize();
    if (out.length != n * k) {
      throw new IllegalStateException("the model returned " + out.length + " values for " + n + " rows, expected "
          + n + " x " + k);
    }
    for (int i = 0; i < n; i++) {
      float[] scores = new float[k];
      System.arraycopy(out, i * k, scores, 0, k);
      ready.addLast(outputRow(pending[i], pendingIds[i], scores));
      pending[i] = null;
    }
  }

  private Row outputRow(Row in, long id, float[] scores) {
    int first = in.length() - 1 - layout.passColumns(); // features first, the row_id last
    Object[] values = new Object[layout.passColumns() + (layout.rowId() ? 1 : 0) + (layout.classification() ? 3 : 2)];
    int at = 0;
    for (int c = 0; c < layout.passColumns(); c++) {
      values[at++] = in.get(first + c);
    }
    if (layout.rowId()) {
      values[at++] = id;
    }
    values[at++] = prediction(scores);
    values[at++] = scores;
    if (layout.classification()) {
      values[at] = probabilities(scores);
    }
    return RowFactory.create(values);
  }

  /** The softmax of {@code logits}, in double, shifted by the largest logit so that no exponential overflows. */
  static double[] probabilities(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private Object prediction(float[] scores) {
    if (layout.classification()) {
      int best = 0;
      for (int i = 1; i < scores.length; i++) {
        if (scores[i] > scores[best]) {
          best = i;
        }
      }
      return best;
    }
    return scores.length == 1 ? (Object) scores[0] : scores.clone();
  }
}
