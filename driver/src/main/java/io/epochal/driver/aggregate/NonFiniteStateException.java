package io.epochal.driver.aggregate;

/**
 * A worker's round state (or the state averaged from it) holds a NaN or an infinity. The message
 * names the worker, the tensor and the flat element index; the round scheduler adds the epoch and
 * round with {@link #inRound(int, int)}. Such a state must never become a checkpoint.
 *
 * <p>Unchecked because it is raised inside Spark tasks and travels back to the driver as the cause
 * of the failed job; {@link SparkAggregator} rethrows it as itself.
 */
public final class NonFiniteStateException extends RuntimeException {

  /**
   * What to do: the job's hyperparameters never change and a resume repeats the same steps, so a
   * lower rate means a new job directory.
   */
  private static final String ADVICE = "resuming this job repeats the same steps; train with a lower optimizer.lr "
      + "(or schedule.warmup_steps) in a new job.dir, or check the input data";

  private static final long serialVersionUID = 1L;

  /** Worker index used when the aggregated state itself is not finite. */
  public static final int AGGREGATED = -1;

  /** The {@link #tensor()} of a failure of the total gradient norm ({@link #ofGradNorm}). */
  public static final String GRAD_NORM = "grad_norm";

  private final int worker;
  private final String tensor;
  private final long index;
  private final double value;
  /** The 1-based round it happened in, once {@link #inRound} named it; 0 before. */
  private final int round;

  /** A non-finite {@code value} at flat {@code index} of {@code tensor} in {@code worker}'s state. */
  public NonFiniteStateException(int worker, String tensor, long index, double value) {
    this(worker, tensor, index, value, describe(worker, tensor, index, value));
  }

  private NonFiniteStateException(int worker, String tensor, long index, double value, String message) {
    this(worker, tensor, index, value, message, 0);
  }

  private NonFiniteStateException(int worker, String tensor, long index, double value, String message, int round) {
    super(message);
    this.worker = worker;
    this.tensor = tensor;
    this.index = index;
    this.value = value;
    this.round = round;
  }

  private static String describe(int worker, String tensor, long index, double value) {
    String who = worker == AGGREGATED ? "the aggregated state" : "the state of worker " + worker;
    return who + " holds " + value + " in tensor '" + tensor + "' at flat index " + index
        + "; the round is rejected and no checkpoint was written from it"
        + " (" + ADVICE + ")";
  }

  /**
   * A round whose training loss summed to {@code lossSum}, NaN or an infinity, on {@code worker}
   * (or {@link #AGGREGATED}), while its weights may still be finite: the epoch's mean loss would be
   * the same, and training has diverged.
   */
  public static NonFiniteStateException ofLoss(int worker, double lossSum) {
    String who = worker == AGGREGATED ? "the workers' summed" : "worker " + worker + "'s";
    return new NonFiniteStateException(worker, "loss", 0, lossSum, who + " training loss is " + lossSum
        + "; the round is rejected and no checkpoint was written from it (" + ADVICE + ")");
  }

  /**
   * A round in which {@code worker} (or {@link #AGGREGATED}) measured a total gradient norm of
   * {@code norm}, NaN or an infinity, before clipping ({@code train.clip_grad_norm}): clipping scaled
   * that step's gradients by 0 or by NaN, training has diverged, and the epoch's {@code grad_norm}
   * could not be recorded in a checkpoint (its manifest holds finite numbers only).
   */
  public static NonFiniteStateException ofGradNorm(int worker, double norm) {
    String who = worker == AGGREGATED ? "the workers' summed" : "worker " + worker + "'s";
    return new NonFiniteStateException(worker, GRAD_NORM, 0, norm, who + " total gradient norm before clipping "
        + "(train.clip_grad_norm) is " + norm + "; the round is rejected and no checkpoint was written from it ("
        + ADVICE + ")");
  }

  /**
   * {@link #ofLoss} or {@link #ofGradNorm} for {@code worker}'s round whose loss summed to {@code
   * lossSum} and whose clipping saw {@code norms}, when either is not finite.
   */
  public static java.util.Optional<NonFiniteStateException> ofRound(int worker, double lossSum,
      io.epochal.worker.round.GradNorms norms) {
    if (!Double.isFinite(lossSum)) {
      return java.util.Optional.of(ofLoss(worker, lossSum));
    }
    if (!Double.isFinite(norms.max()) || !Double.isFinite(norms.sum())) {
      return java.util.Optional.of(ofGradNorm(worker, Double.isFinite(norms.max()) ? norms.sum() : norms.max()));
    }
    return java.util.Optional.empty();
  }

  /** The failure whose fields and message were sent over the wire ({@link ShardPiece}). */
  static NonFiniteStateException restore(int worker, String tensor, long index, double value, String message) {
    return new NonFiniteStateException(worker, tensor, index, value, message);
  }

  /** The same failure with the epoch and round named in front. */
  public NonFiniteStateException inRound(int epoch, int round) {
    return new NonFiniteStateException(worker, tensor, index, value,
        "epoch " + epoch + " round " + round + ": " + getMessage(), round);
  }

  /** The 1-based round {@link #inRound} named (a chain's round that produced the value), or 0. */
  public int round() {
    return round;
  }

  /** The worker index, or {@link #AGGREGATED}. */
  public int worker() {
    return worker;
  }

  /** The tensor name. */
  public String tensor() {
    return tensor;
  }

  /** The flat element index of the first non-finite element found. */
  public long index() {
    return index;
  }

  /** The non-finite value (NaN or an infinity). */
  public double value() {
    return value;
  }
}
