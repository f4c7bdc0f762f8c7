package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.sql.Row;

/**
 * Predicts one partition of an ONNX model, inside a Spark task: takes the executor's session for
 * the model's digest (created from the broadcast bytes on first use, see {@link OnnxSessions}),
 * then feeds the mini-batches {@link BatchingPredictor} forms to the model's declared input.
 */
public final class OnnxPartitionPredictor extends BatchingPredictor {

  private final OnnxSignature signature;
  private final OnnxSessions.Handle session;

  private OnnxPartitionPredictor(PredictionLayout layout, OnnxSignature signature, String digest,
      Broadcast<byte[]> model, Iterator<Row> rows) {
    super(layout, rows);
    this.signature = signature;
    this.session = OnnxSessions.open(digest, model::value);
    TaskContext task = TaskContext.get();
    if (task != null) {
      // a task that fails before its rows are consumed still frees an uncached session
      TaskCompletionListener closeSession = context -> session.close();
      task.addTaskCompletionListener(closeSession);
    }
  }

  /**
   * The predictions of a partition's rows, computed as they are consumed.
   *
   * @param digest SHA-256 of the model's bytes ({@link OnnxModelFile#digest()})
   * @param model the model's bytes, read only when this executor has no session for {@code digest}
   * @param rows the partition's rows: features first, then the layout's pass columns, then the
   *     row's {@code row_id}; their predictions come in their order
   */
  public static Iterator<Row> predict(PredictionLayout layout, OnnxSignature signature, String digest,
      Broadcast<byte[]> model, Iterator<Row> rows) {
    checkNotNull(layout, "layout");
    checkNotNull(signature, "signature");
    checkNotNull(digest, "digest");
    checkNotNull(model, "model");
    return new OnnxPartitionPredictor(layout, signature, digest, model, rows);
  }

  @Override
  protected float[] forward(float[] batch, long[] shape) {
    return session.run(signature, batch, shape);
  }

  @Override
  protected void finish() {
    session.close();
  }
}
