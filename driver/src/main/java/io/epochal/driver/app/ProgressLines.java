package io.epochal.driver.app;

import io.epochal.job.JobProgress;
import io.epochal.job.LeaseRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code status} says of a job's {@code progress.json} ({@link JobProgress}): for a RUNNING job
 * whose live lease is held by the driver that wrote it, where that driver is and about how long its
 * epoch and its job still take; for a job whose driver is gone (LOST, or FAILED by that driver), the
 * last position it reported. A report of another driver than the lease's holder (one that lost the
 * lease, or the one before a driver that has not reported yet) is not shown. Holds no state.
 */
final class ProgressLines {

  private ProgressLines() {}

  /** Whether {@code p} is the report of the driver that holds {@code lease} now, for a job in {@code state}. */
  static boolean live(Optional<JobProgress> p, String state, Optional<LeaseRecord> lease, Instant now) {
    return p.isPresent() && state.equals("RUNNING") && lease.isPresent() && lease.get().isLiveAt(now)
        && lease.get().getHolder().equals(p.get().getHolder());
  }

  /**
   * Whether {@code status} shows report {@code p}: the live driver's ({@link #live}), or the last report of a
   * driver that is gone (a LOST job, or one it left FAILED) while no other driver took the lease since.
   */
  static boolean shown(Optional<JobProgress> p, String state, Optional<LeaseRecord> lease, Instant now) {
    return live(p, state, lease, now) || p.isPresent() && (state.equals("LOST") || state.equals("FAILED"))
        && lease.map(l -> l.getHolder().equals(p.get().getHolder())).orElse(true);
  }

  /** The line {@code status} of one job prints for report {@code p}, if any. */
  static Optional<String> line(Optional<JobProgress> p, String state, Optional<LeaseRecord> lease, Instant now) {
    if (!shown(p, state, lease, now)) {
      return Optional.empty();
    }
    JobProgress r = p.get();
    if (live(p, state, lease, now)) {
      return Optional.of("progress:    " + position(r) + rates(r) + ", reported " + ago(r.getUpdatedAt(), now)
          + remaining(r).map(s -> "; " + s).orElse(""));
    }
    return Optional.of("last report: " + position(r) + rates(r) + ", at " + r.getUpdatedAt()
        .truncatedTo(ChronoUnit.SECONDS) + " by driver " + JobStatusReport.briefHolder(r.getHolder())
        + " (attempt " + r.getAttempt() + "), which is gone; a resume continues from the checkpoints below");
  }

  /** The ROUND column of {@code status} of a root for report {@code p}: {@code 57/128} while live, else "-". */
  static String column(Optional<JobProgress> p, String state, Optional<LeaseRecord> lease, Instant now) {
    return live(p, state, lease, now) ? p.get().getRound() + "/" + p.get().getRounds() : "-";
  }

  private static String position(JobProgress r) {
    return "epoch " + r.getEpoch() + "/" + r.getEpochs() + ", round " + r.getRound() + " of " + r.getRounds()
        + String.format(Locale.ROOT, " (%d %%)", Math.round(100.0 * r.getRound() / r.getRounds()));
  }

  private static String rates(JobProgress r) {
    return (Double.isFinite(r.getSamplesPerSecond()) ? String.format(Locale.ROOT, ", %.0f samples/s",
        r.getSamplesPerSecond()) : "") + (Double.isFinite(r.getMeanLoss()) ? ", loss "
        + JobStatusReport.lossText(r.getMeanLoss()) : "");
  }

  /**
   * About how long the epoch and the job still take at the pace of this run's rounds of the epoch (checkpoints,
   * held-out evaluations and failures not foreseen), once it finished one.
   */
  private static Optional<String> remaining(JobProgress r) {
    Optional<Duration> perRound = r.perRound();
    if (perRound.isEmpty() || perRound.get().isZero()) {
      return Optional.empty();
    }
    long inEpoch = r.roundsToEpochEnd();
    long inJob = r.roundsToJobEnd();
    String epoch = inEpoch == 0 ? "the epoch's rounds are done" : "about " + human(perRound.get().multipliedBy(
        inEpoch)) + " to the end of the epoch";
    return Optional.of(epoch + (r.getEpoch() == r.getEpochs() ? "" : ", " + human(perRound.get().multipliedBy(inJob))
        + " to the end of the job") + " (" + human(perRound.get()) + " a round)");
  }

  private static String ago(Instant then, Instant now) {
    Duration d = Duration.between(then, now);
    return d.isNegative() ? "just now" : human(d) + " ago";
  }

  /** {@code 42 ms}, {@code 1.4 s}, {@code 12 s}, {@code 3 min}, {@code 2.5 h}. */
  static String human(Duration d) {
    double s = d.toNanos() / 1e9;
    if (s < 1) {
      return Math.round(s * 1000) + " ms";
    }
    if (s < 10) {
      return String.format(Locale.ROOT, "%.1f s", s);
    }
    if (s < 120) {
      return Math.round(s) + " s";
    }
    if (s < 7200) {
      return Math.round(s / 60) + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", s / 3600);
  }
}
