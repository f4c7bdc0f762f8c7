package io.epochal.driver.config;

import java.util.List;

/**
 * The metrics every checkpoint records for its epoch (its manifest's {@code metrics}), by name:
 * what {@code checkpoint.best_metric} may rank by, and what a resume compares.
 */
public final class EpochMetrics {

  /** The mean training loss over the epoch's samples. */
  public static final String TRAIN_LOSS = "train_loss";
  /**
   * The share of the epoch's samples whose training-mode output predicted their class, counted
   * before the step each one's batch took ({@code softmax_cross_entropy} only).
   */
  public static final String TRAIN_ACCURACY = "train_accuracy";
  /**
   * The mean absolute error of the epoch's samples, {@code |output - label|} averaged over every output, their
   * training-mode output before the step each one's batch took (regression losses only).
   */
  public static final String TRAIN_MAE = "train_mae";
  /** The samples the epoch trained on. */
  public static final String SAMPLES = "samples";
  /** Samples per second over the epoch, its checkpoint excluded. */
  public static final String SAMPLES_PER_SECOND = "samples_per_second";
  /** How many usable rows the job trains on. */
  public static final String DATA_ROWS = "data_rows";
  /** How many bad rows the job skips ({@code data.bad_rows=skip}). */
  public static final String SKIPPED_ROWS = "skipped_rows";

  /** The mean loss over the held-out rows of {@code data.validation_path}, in evaluation mode. */
  public static final String VAL_LOSS = "val_loss";
  /** The share of the held-out rows predicted right ({@code softmax_cross_entropy} only). */
  public static final String VAL_ACCURACY = "val_accuracy";
  /**
   * The area under the ROC curve of the held-out rows ({@code softmax_cross_entropy} with a model of up to 100
   * outputs; better when larger): for two, the chance that a row of class 1 scores above a row of class 0 by its
   * class-1 probability, a tie counting one half, as {@code sklearn.metrics.roc_auc_score} and torchmetrics' {@code
   * BinaryAUROC} compute it exactly; for more, each class's against the rest, averaged ({@code multi_class="ovr"},
   * {@code average="macro"}); not recorded when the held-out rows hold one class only.
   */
  public static final String VAL_AUC = "val_auc";
  /**
   * The macro-averaged F1 score of the held-out rows ({@code softmax_cross_entropy} only; better when larger): each
   * class's {@code 2 tp / (2 tp + fp + fn)} averaged over the classes some row is labelled with or predicted as, as
   * {@code sklearn.metrics.f1_score(average="macro")} computes it.
   */
  public static final String VAL_F1 = "val_f1";
  /**
   * The balanced accuracy of the held-out rows ({@code softmax_cross_entropy} only; better when larger): each class's
   * recall {@code tp / (tp + fn)} averaged over the classes some row is labelled with, as {@code
   * sklearn.metrics.balanced_accuracy_score} and torchmetrics' {@code MulticlassAccuracy(average="macro")} compute it;
   * the accuracy of imbalanced classes as if each had as many rows.
   */
  public static final String VAL_BALANCED_ACCURACY = "val_balanced_accuracy";
  /**
   * The average precision of the held-out rows (as {@link #VAL_AUC}, up to 100 outputs; better when larger): the
   * precision at each class-1 score threshold weighed by the recall it adds, without interpolation, as {@code
   * sklearn.metrics.average_precision_score} and torchmetrics' {@code BinaryAveragePrecision} compute it.
   */
  public static final String VAL_AP = "val_ap";
  /**
   * The mean absolute error over the held-out rows, {@code |output - label|} averaged over every output (regression
   * losses only), as {@code torch.nn.L1Loss} computes it.
   */
  public static final String VAL_MAE = "val_mae";
  /**
   * The root mean squared error over the held-out rows and every output (regression losses only), as {@code
   * torchmetrics.MeanSquaredError(squared=False)} computes it.
   */
  public static final String VAL_RMSE = "val_rmse";
  /**
   * The coefficient of determination R² of the held-out rows, per output and averaged over the outputs (regression
   * losses only; better when larger), as {@code sklearn.metrics.r2_score} computes it; not recorded for fewer than two
   * rows.
   */
  public static final String VAL_R2 = "val_r2";
  /** How many held-out rows the epoch was evaluated on. */
  public static final String VAL_ROWS = "val_rows";

  /**
   * The mean total gradient norm before clipping over the epoch's local steps (every worker's), as
   * {@code clip_grad_norm_} returns it (a job with {@code train.clip_grad_norm} only).
   */
  public static final String GRAD_NORM = "grad_norm";
  /** The largest such norm of the epoch. */
  public static final String GRAD_NORM_MAX = "grad_norm_max";
  /** The share of the epoch's local steps whose gradients clipping scaled down. */
  public static final String GRAD_CLIPPED = "grad_clipped";

  /** Every metric a checkpoint records, in the order it records them. */
  public static final List<String> ALL = List.of(TRAIN_LOSS, SAMPLES, SKIPPED_ROWS, DATA_ROWS, SAMPLES_PER_SECOND);
  /** The metrics a checkpoint of a job with {@code data.validation_path} records besides {@link #ALL}. */
  public static final List<String> VALIDATION = List.of(VAL_LOSS, VAL_ACCURACY, VAL_BALANCED_ACCURACY,
      VAL_F1, VAL_AUC, VAL_AP, VAL_MAE, VAL_RMSE, VAL_R2, VAL_ROWS);
  /** The held-out metrics of a regression loss only. */
  public static final List<String> REGRESSION = List.of(VAL_MAE, VAL_RMSE, VAL_R2);
  /**
   * The held-out metrics of ranked scores, recorded for a classification model of two outputs and, averaged one class
   * against the rest, of up to {@link io.epochal.worker.round.ClassScores#MAX_CLASSES}.
   */
  public static final List<String> RANKED = List.of(VAL_AUC, VAL_AP);
  /** The metrics that are better when larger. */
  public static final List<String> LARGER_IS_BETTER = List.of(TRAIN_ACCURACY, VAL_ACCURACY, VAL_F1, VAL_AUC,
      VAL_AP, VAL_R2, VAL_BALANCED_ACCURACY);

  private EpochMetrics() {}
}
