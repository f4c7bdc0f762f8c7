package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a running driver is in its job ({@code progress.json}): which driver (lease holder and
 * attempt), the epoch it trains and the rounds of it done, the rows per second of its latest round,
 * the epoch's mean training loss so far, when the epoch (or this run's part of it) began and when
 * this was written. It is a report for people and {@code status}, never read to resume: the
 * checkpoints alone say where a job continues. Immutable.
 */
public final class JobProgress {

  private final String holder;
  private final int attempt;
  private final int epoch;
  private final int epochs;
  private final int round;
  private final int rounds;
  private final int firstRound;
  private final double samplesPerSecond;
  private final double meanLoss;
  private final Instant epochStartedAt;
  private final Instant updatedAt;

  /**
   * A report of driver {@code holder} (attempt {@code attempt}): {@code round} of the {@code rounds} of epoch
   * {@code epoch} (of {@code epochs}, all 1-based) done, {@code firstRound} the first of them this run trained
   * (after a resume inside the epoch, the one after those a mid-epoch checkpoint holds), since {@code
   * epochStartedAt}; written at {@code updatedAt}.
   */
  public JobProgress(String holder, int attempt, int epoch, int epochs, int round, int rounds, int firstRound,
      double samplesPerSecond, double meanLoss, Instant epochStartedAt, Instant updatedAt) {
    this.holder = checkNotNull(holder, "holder");
    checkArgument(attempt >= 0, "attempt must be >= 0, got %s", attempt);
    checkArgument(epoch >= 1 && epoch <= epochs, "epoch must be in [1, epochs=%s], got %s", epochs, epoch);
    checkArgument(round >= 0 && round <= rounds, "round must be in [0, rounds=%s], got %s", rounds, round);
    checkArgument(firstRound >= 1 && firstRound <= Math.max(1, rounds), "firstRound must be in [1, rounds=%s], got %s",
        rounds, firstRound);
    this.attempt = attempt;
    this.epoch = epoch;
    this.epochs = epochs;
    this.round = round;
    this.rounds = rounds;
    this.firstRound = firstRound;
    this.samplesPerSecond = samplesPerSecond;
    this.meanLoss = meanLoss;
    this.epochStartedAt = checkNotNull(epochStartedAt, "epochStartedAt");
    this.updatedAt = checkNotNull(updatedAt, "updatedAt");
  }

  /** The lease holder that wrote it ({@code host:pid:uuid}). */
  public String getHolder() {
    return holder;
  }

  /** The driver attempt that wrote it. */
  public int getAttempt() {
    return attempt;
  }

  /** The epoch being trained, 1-based. */
  public int getEpoch() {
    return epoch;
  }

  /** The epochs the job trains in all. */
  public int getEpochs() {
    return epochs;
  }

  /** The rounds of the epoch done. */
  public int getRound() {
    return round;
  }

  /** The rounds of an epoch. */
  public int getRounds() {
    return rounds;
  }

  /** The first round of the epoch this run trained (1, or the one after a mid-epoch checkpoint's rounds). */
  public int getFirstRound() {
    return firstRound;
  }

  /** The training rows per second of the latest round (NaN before the first). */
  public double getSamplesPerSecond() {
    return samplesPerSecond;
  }

  /** The epoch's mean training loss over its rounds so far (NaN before the first). */
  public double getMeanLoss() {
    return meanLoss;
  }

  /** When this run began the epoch (for a resume inside it, at {@link #getFirstRound()}). */
  public Instant getEpochStartedAt() {
    return epochStartedAt;
  }

  /** When it was written. */
  public Instant getUpdatedAt() {
    return updatedAt;
  }

  /**
   * The time a round took on average since {@link #getEpochStartedAt()}, or empty before this run finished one;
   * includes what ran between the rounds (mid-epoch checkpoints, the commit of the epoch before).
   */
  public java.util.Optional<Duration> perRound() {
    int done = round - firstRound + 1;
    if (done <= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Duration.between(epochStartedAt, updatedAt).dividedBy(done));
  }

  /** The rounds of the current epoch still to train. */
  public long roundsToEpochEnd() {
    return rounds - round;
  }

  /** The rounds still to train in the job: the rest of this epoch and every epoch after it. */
  public long roundsToJobEnd() {
    return roundsToEpochEnd() + (long) rounds * (epochs - epoch);
  }

  /** The JSON form. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("holder", holder);
    n.put("attempt", attempt);
    n.put("epoch", epoch);
    n.put("epochs", epochs);
    n.put("round", round);
    n.put("rounds", rounds);
    n.put("first_round", firstRound);
    putNumber(n, "samples_per_second", samplesPerSecond);
    putNumber(n, "mean_loss", meanLoss);
    n.put("epoch_started_at", epochStartedAt.toString());
    n.put("updated_at", updatedAt.toString());
    return n;
  }

  private static void putNumber(ObjectNode n, String field, double value) {
    if (Double.isFinite(value)) {
      n.put(field, value);
    } else {
      n.putNull(field); // JSON has no NaN
    }
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static JobProgress fromJson(JsonNode n) {
    checkArgument(n != null && n.isObject(), "job progress must be a JSON object, got %s", n);
    try {
      return new JobProgress(text(n, "holder"), integer(n, "attempt"), integer(n, "epoch"), integer(n, "epochs"),
          integer(n, "round"), integer(n, "rounds"), integer(n, "first_round"), number(n, "samples_per_second"),
          number(n, "mean_loss"), Instant.parse(text(n, "epoch_started_at")), Instant.parse(text(n, "updated_at")));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("job progress field 'epoch_started_at' or 'updated_at' is not an ISO-8601 "
          + "instant: " + n, e);
    }
  }

  private static String text(JsonNode n, String field) {
    return JobJson.text(n, "job progress", field);
  }

  private static int integer(JsonNode n, String field) {
    return JobJson.integer(n, "job progress", field);
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    checkArgument(v == null || v.isNull() || v.isNumber(), "job progress field '%s' must be a number, got %s",
        field, v);
    return v == null || v.isNull() ? Double.NaN : v.doubleValue();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobProgress)) {
      return false;
    }
    JobProgress p = (JobProgress) o;
    return holder.equals(p.holder) && attempt == p.attempt && epoch == p.epoch && epochs == p.epochs
        && round == p.round && rounds == p.rounds && firstRound == p.firstRound
        && Double.compare(samplesPerSecond, p.samplesPerSecond) == 0 && Double.compare(meanLoss, p.meanLoss) == 0
        && epochStartedAt.equals(p.epochStartedAt) && updatedAt.equals(p.updatedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(holder, attempt, epoch, epochs, round, rounds, firstRound, samplesPerSecond, meanLoss,
        epochStartedAt, updatedAt);
  }

  @Override
  public String toString() {
    return "JobProgress{" + holder + ", attempt=" + attempt + ", epoch " + epoch + "/" + epochs + ", round " + round
        + "/" + rounds + " (from " + firstRound + "), " + samplesPerSecond + " samples/s, loss " + meanLoss
        + ", epoch started " + epochStartedAt + ", updated " + updatedAt + "}";
  }
}
