package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Predicts one partition, inside a Spark task: takes the thread's cached model for the plan's
 * coordinates from {@link ModelCache} (built from the registry on first use), loads the state dict
 * once, then reads rows lazily, decodes their features and runs the model in evaluation mode on
 * mini-batches of {@link PredictionPlan#batchSize()} rows. Each output row is the row's pass
 * columns, then {@code row_id} if planned, then {@code prediction} and {@code scores}.
 */
public final class PartitionPredictor implements Iterator<Row> {

  private final PredictionPlan plan;
  private final Iterator<Row> rows;
  private final EpochalModel model;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();
  private final float[] features;
  private final Row[] pending;
  private final long[] pendingIds;
  private long nextRowId;

  private PartitionPredictor(PredictionPlan plan, StateDict state, Iterator<Row> rows, long firstRowId) {
    this.plan = plan;
    this.rows = rows;
    this.nextRowId = firstRowId;
    this.features = new float[plan.batchSize() * plan.decoder().featureSize()];
    this.pending = new Row[plan.batchSize()];
    this.pendingIds = new long[plan.batchSize()];
    EngineSettings.configureThreads(1);
    this.model = ModelCache.forCurrentThread().acquire(plan.modelName(), plan.modelVersion(),
        plan.hyperParameters(), state);
  }

  /**
   * The predictions of a partition's rows, computed as they are consumed.
   *
   * @param rows the partition's rows: features first, then the plan's pass columns, then the input
   *     file name
   * @param firstRowId the input index of the partition's first row (counting bad rows)
   */
  public static Iterator<Row> predict(PredictionPlan plan, StateDict state, Iterator<Row> rows, long firstRowId) {
    checkNotNull(plan, "plan");
    checkNotNull(state, "state");
    checkNotNull(rows, "rows");
    return new PartitionPredictor(plan, state, rows, firstRowId);
  }

  @Override
  public boolean hasNext() {
    if (ready.isEmpty()) {
      fill();
    }
    return !ready.isEmpty();
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more predictions in this partition");
    }
    return ready.removeFirst();
  }

  private void fill() {
    int width = plan.decoder().featureSize();
    float[] one = new float[width];
    int n = 0;
    while (n < pending.length && rows.hasNext()) {
      Row r = rows.next();
      long id = nextRowId++;
      String bad = plan.decoder().decode(r, one);
      if (bad != null) {
        if (plan.skipBadRows()) {
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
    float[] out = forward(n);
    int k = plan.outputSize();
    for (int i = 0; i < n; i++) {
      float[] scores = new float[k];
      System.arraycopy(out, i * k, scores, 0, k);
      ready.addLast(outputRow(pending[i], pendingIds[i], scores));
      pending[i] = null;
    }
  }

  private float[] forward(int n) {
    long[] inputShape = plan.inputShape();
    long[] shape = new long[inputShape.length + 1];
    shape[0] = n;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    int values = n * plan.decoder().featureSize();
    float[] batch = values == features.length ? features : java.util.Arrays.copyOf(features, values);
    try (NDManager sub = model.manager().newSubManager()) {
      NDArray x = sub.create(batch, new Shape(shape));
      NDArray y = model.forward(x, false, null);
      return y.toFloatArray();
    }
  }

  private Row outputRow(Row in, long id, float[] scores) {
    int first = in.length() - 1 - plan.passColumns(); // features come first, the file name last
    Object[] values = new Object[plan.passColumns() + (plan.rowId() ? 1 : 0) + 2];
    int at = 0;
    for (int c = 0; c < plan.passColumns(); c++) {
      values[at++] = in.get(first + c);
    }
    if (plan.rowId()) {
      values[at++] = id;
    }
    values[at++] = prediction(scores);
    values[at] = scores;
    return RowFactory.create(values);
  }

  private Object prediction(float[] scores) {
    if (plan.classification()) {
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
