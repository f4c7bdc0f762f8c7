package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.NoGrad;
import io.epochal.worker.state.NativeBuffers;
import java.util.Iterator;
import org.apache.spark.sql.Row;

/**
 * Predicts one partition of a checkpoint's model, inside a Spark task: takes the thread's cached
 * model for the plan's coordinates from {@link ModelCache} (built from the registry on first use),
 * loads the state dict once, then runs the model in evaluation mode on the mini-batches
 * {@link BatchingPredictor} forms.
 */
public final class PartitionPredictor extends BatchingPredictor {

  private final EpochalModel model;

  private PartitionPredictor(PredictionPlan plan, StateDict state, Iterator<Row> rows) {
    super(plan.layout(), rows);
    EngineSettings.configureThreads(1);
    this.model = ModelCache.forCurrentThread().acquire(plan.modelName(), plan.modelVersion(),
        plan.hyperParameters(), state);
  }

  /**
   * The predictions of a partition's rows, computed as they are consumed.
   *
   * @param rows the partition's rows: features first, then the plan's pass columns, then the row's
   *     {@code row_id}; their predictions come in their order
   */
  public static Iterator<Row> predict(PredictionPlan plan, StateDict state, Iterator<Row> rows) {
    checkNotNull(plan, "plan");
    checkNotNull(state, "state");
    checkNotNull(rows, "rows");
    return new PartitionPredictor(plan, state, rows);
  }

  @Override
  protected float[] forward(float[] batch, long[] shape) {
    try (NDManager sub = model.manager().newSubManager()) {
      // the batch on the engine's alignment, so that its address never changes the arithmetic
      java.nio.ByteBuffer input = NativeBuffers.allocateFloats(batch.length);
      input.asFloatBuffer().put(batch);
      NDArray x = sub.create(input, new Shape(shape), DataType.FLOAT32);
      // as torch.no_grad(): no activation is kept for a backward that never comes
      return NoGrad.call(() -> io.epochal.worker.state.TensorConversion.toFloats(model.forward(x, false, null)));
    }
  }
}
