package io.epochal.worker.round;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceAssignment;
import io.epochal.worker.device.DeviceSelector;
import io.epochal.worker.loss.Loss;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.NoGrad;
import io.epochal.worker.state.TensorConversion;

/**
 * Evaluates a global state on one worker's shard of held-out rows: the model, taken from this thread's {@link
 * ModelCache} and loaded with the state's model tensors, runs in evaluation mode (no dropout, BatchNorm on its running
 * statistics, no state changed) on the rows in their order, in batches of {@code train.batch_size}; the result is the
 * sum of the batches' losses (each batch's mean times its rows; with class weights, its weighted mean times its labels'
 * weights, so that the result's {@link EvaluationResult#meanLoss()} is torch's weighted loss of all rows as one batch)
 * and, for {@code softmax_cross_entropy}, the rows whose largest output (the first of equal ones) is their label and,
 * for a model of two outputs, the rows' {@link BinaryScores} (the area under the ROC curve), of 3 to {@link
 * ClassScores#MAX_CLASSES} their {@link ClassScores}; for a regression loss, the sum of the rows' absolute errors
 * ({@code |output - label|}, each row's mean over its outputs, in double) and their {@link RegressionStats} (squared
 * errors and label statistics per output). A pure function of (state, config, shard): a retried task gives the same
 * bits. Optimizer tensors in the state are ignored.
 */
public final class LocalEvaluation {

  private LocalEvaluation() {}

  /**
   * Evaluates {@code global} on {@code shard} on the device {@link DeviceSelector} picks for the
   * job's {@code train.device} and the GPUs Spark assigned to the task.
   *
   * @throws io.epochal.worker.model.StateOutsideStateDictException if the cached model does not
   *     reload like a freshly built one (see {@link LocalRound})
   */
  public static EvaluationResult run(TrainingConfig config, StateDict global, DataShard shard,
      DeviceAssignment assignment) {
    return run(config, global, shard, DeviceSelector.select(config.device(), assignment).device());
  }

  /** Evaluates {@code global} on {@code shard} on the CPU. */
  public static EvaluationResult run(TrainingConfig config, StateDict global, DataShard shard) {
    return run(config, global, shard, Device.cpu());
  }

  private static EvaluationResult run(TrainingConfig config, StateDict global, DataShard shard, Device device) {
    boolean classification = EvaluationResult.counts(config);
    if (shard.rows() == 0) {
      return classification ? new EvaluationResult(shard.worker(), 0, 0.0, 0)
          : EvaluationResult.regression(shard.worker(), 0, 0.0, 0.0, RegressionStats.empty(shard.labelWidth()));
    }
    StateDict modelState = LocalRound.modelPart(global);
    ModelCache cache = ModelCache.forCurrentThread();
    EpochalModel model = EngineSettings.atThreads(config.threads(), () -> {
      EpochalModel m = cache.acquire(config.modelName(), config.modelVersion(), config.modelParams(), device);
      m.loadStateDict(modelState);
      return m;
    });
    if (cache.needsReloadCheck(model)) {
      ReloadCheck.verify(cache, config, device, model, modelState);
    }
    // as torch.no_grad(): no activation is kept for a backward that never comes
    return EngineSettings.atThreads(config.threads(),
        () -> NoGrad.call(() -> evaluate(config, model, shard, classification)));
  }

  private static EvaluationResult evaluate(TrainingConfig config, EpochalModel model, DataShard shard,
      boolean classification) {
    Loss loss = config.newLoss();
    int rows = shard.rows();
    int batch = config.batchSize();
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = i;
    }
    float[] labels = shard.labels();
    BatchInput input = new BatchInput(shard, batch);
    double lossSum = 0;
    double lossWeight = 0; // the rows, or with class weights the sum of their labels' weights
    double absErrorSum = 0;
    RegressionStats stats = classification ? null : RegressionStats.empty(shard.labelWidth());
    BinaryScores.Collector scores = null; // a two-class model's, once its first batch shows two logits per row
    ClassScores.Collector classScores = null; // a model's of more outputs, up to ClassScores.MAX_CLASSES
    ClassCounts.Collector counts = null; // a classification's, once its first batch shows the model's outputs
    try (NDManager evalManager = model.manager().newSubManager()) {
      for (int start = 0; start < rows; start += batch) {
        int end = Math.min(rows, start + batch);
        try (NDManager batchManager = evalManager.newSubManager()) {
          input.fill(order, start, end);
          NDArray prediction = model.forward(input.features(batchManager), false, null);
          // a batch's loss is its mean, weighted by class weights when there are: times its weight it is its sum
          double weight = config.lossConfig().weightOf(labels, order, start, end);
          // read through a view of the engine's memory: a full heap is an OutOfMemoryError, not a native crash
          lossSum += (double) TensorConversion.toFloats(loss.evaluate(prediction, input.labels(batchManager)))[0]
              * weight;
          lossWeight += weight;
          if (classification) {
            float[] logits = TensorConversion.toFloats(prediction);
            counts = (counts == null ? ClassCounts.collector(logits.length / (end - start)) : counts)
                .add(predictions(logits, end - start), labels, order, start, end);
            int classes = logits.length / (end - start);
            if (classes == 2) {
              scores = (scores == null ? BinaryScores.collector(rows) : scores).add(logits, labels, order, start, end);
            } else if (classes > 2 && classes <= ClassScores.MAX_CLASSES) {
              classScores = (classScores == null ? ClassScores.collector(rows, classes) : classScores)
                  .add(logits, labels, order, start, end);
            }
          } else {
            float[] outputs = TensorConversion.toFloats(prediction);
            absErrorSum += absoluteErrors(outputs, labels, shard.labelWidth(), order, start, end);
            stats = stats.plus(outputs, labels, order, start, end);
          }
        }
      }
    }
    if (classification) {
      ClassCounts perClass = counts.build(); // its right rows are the rows predicted right
      return (classScores != null ? EvaluationResult.classification(shard.worker(), rows, lossSum,
          perClass.rightRows(), perClass, classScores.build())
          : EvaluationResult.classification(shard.worker(), rows, lossSum, perClass.rightRows(), perClass,
              scores == null ? null : scores.build())).withLossWeight(lossWeight);
    }
    return EvaluationResult.regression(shard.worker(), rows, lossSum, absErrorSum, stats);
  }

  /**
   * The sum over rows {@code order[start..end)} of their mean absolute error over the {@code width} outputs ({@code
   * outputs} holds the batch's rows in that order), each difference taken in float32 as the loss takes it.
   */
  static double absoluteErrors(float[] outputs, float[] labels, int width, int[] order, int start, int end) {
    double sum = 0;
    for (int i = 0; i < end - start; i++) {
      double row = 0;
      for (int j = 0; j < width; j++) {
        row += Math.abs(outputs[i * width + j] - labels[order[start + i] * width + j]);
      }
      sum += row / width;
    }
    return sum;
  }

  /**
   * Rows {@code order[start..end)} whose largest logit (the first of equal ones; {@code logits}
   * holds the batch's rows in that order) is their label's class.
   */
  static long correct(float[] logits, float[] labels, int[] order, int start, int end) {
    int classes = logits.length / (end - start);
    long right = 0; // no array per batch: a training round counts every batch
    for (int i = 0; i < end - start; i++) {
      if (argmax(logits, i, classes) == (int) labels[order[start + i]]) {
        right++;
      }
    }
    return right;
  }

  /** Each of {@code rows} rows' predicted class: its largest logit, the first of equal ones. */
  static int[] predictions(float[] logits, int rows) {
    int classes = logits.length / rows;
    int[] predicted = new int[rows];
    for (int i = 0; i < rows; i++) {
      predicted[i] = argmax(logits, i, classes);
    }
    return predicted;
  }

  /** Row {@code row}'s largest of its {@code classes} logits, the first of equal ones. */
  private static int argmax(float[] logits, int row, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (logits[row * classes + c] > logits[row * classes + best]) {
        best = c;
      }
    }
    return best;
  }
}
