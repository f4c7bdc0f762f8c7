package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.retention.CheckpointCleaner;
import io.epochal.checkpoint.retention.DeletionFailure;
import io.epochal.checkpoint.retention.MetricGoal;
import io.epochal.checkpoint.retention.RetentionCandidate;
import io.epochal.checkpoint.retention.RetentionPolicy;
import io.epochal.checkpoint.retention.RetentionResult;
import io.epochal.driver.config.JobSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;

/**
 * Applies a job's retention keys ({@code checkpoint.keep_last}, {@code keep_every}, {@code
 * keep_best} by {@code best_metric}) to its checkpoints after a commit. Deletion failures are
 * reported as warnings, never fatal; a driver that no longer holds the lease deletes nothing, as
 * the job's checkpoints are its successor's to manage.
 *
 * <p>A checkpoint whose manifest cannot be read right now may be fine (a NameNode restarting, a
 * transient read error): retention never deletes it. Damaged checkpoints are moved aside by the
 * resume path, which reads every file and knows why. Candidates count as verified when their
 * manifest parses, without reading their data: retention runs right after this driver committed
 * the newest one from the bytes it hashed, and a resume moved any damaged newer one aside before
 * training, so the newest candidate, which every policy keeps, is a verified one. A damaged one
 * the resume left in place (a mid-epoch checkpoint it continues holds the state after it) is
 * named to retention, which keeps it and counts it as no verified checkpoint: it never takes the
 * place of an intact one among the last K.
 */
public final class JobRetention {

  /** Whether this driver's fencing token is still the newest one claimed on the job. */
  @FunctionalInterface
  interface HolderCheck {
    boolean stillHolder() throws IOException;
  }

  private final CheckpointStore store;
  private final Path dir;
  private final TrainingListener listener;

  JobRetention(CheckpointStore store, Path dir, TrainingListener listener) {
    this.store = checkNotNull(store, "store");
    this.dir = checkNotNull(dir, "dir");
    this.listener = checkNotNull(listener, "listener");
  }

  /**
   * What retention under {@code spec}'s keys would delete from {@code listing} when a run starts
   * (it applies retention then, and after each commit): the epochs, oldest first, and the policy's
   * keys; empty when it deletes nothing. Nothing is deleted.
   *
   * @param movedAsideFirst the epochs of damaged checkpoints the run moves aside before its
   *     retention runs (those newer than the checkpoint it resumes from): retention never sees them,
   *     so they keep no other checkpoint from being deleted
   * @param damagedInPlace the epochs of damaged checkpoints the run leaves in place (a mid-epoch
   *     checkpoint it continues holds the state after them): kept, and counted as no verified one
   */
  public static Optional<String> wouldDelete(JobSpec spec, List<CheckpointEntry> listing,
      Collection<Long> movedAsideFirst, Collection<Long> damagedInPlace) {
    Optional<RetentionPolicy> policy = policyOf(spec);
    if (policy.isEmpty()) {
      return Optional.empty();
    }
    List<CheckpointEntry> seen = listing.stream().filter(e -> !movedAsideFirst.contains(e.epoch())).toList();
    List<Long> delete = io.epochal.checkpoint.retention.RetentionPlanner.plan(policy.get(), candidates(seen,
        damagedInPlace)).getDelete();
    return delete.isEmpty() ? Optional.empty() : Optional.of(checkpointsOf(delete.stream().sorted().toList(), spec));
  }

  /**
   * The listed checkpoints as retention weighs them: epoch, metrics, and whether they count as verified (the manifest
   * was read, and the checkpoint is not one of {@code damaged}).
   */
  private static List<RetentionCandidate> candidates(List<CheckpointEntry> listing, Collection<Long> damaged) {
    List<RetentionCandidate> candidates = new ArrayList<>();
    for (CheckpointEntry e : listing) {
      candidates.add(RetentionCandidate.of(e.epoch(), e.manifest().map(m -> m.metrics()).orElse(Map.of()),
          e.manifest().isPresent() && !damaged.contains(e.epoch())));
    }
    return candidates;
  }

  /** "the checkpoints of epochs 1, 2 (checkpoint.keep_last 1, keep_every 0, keep_best 0)". */
  private static String checkpointsOf(List<Long> epochs, JobSpec spec) {
    return "the checkpoint" + (epochs.size() == 1 ? " of epoch " : "s of epochs ")
        + epochs.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " (checkpoint.keep_last "
        + spec.keepLast() + ", keep_every " + spec.keepEvery() + ", keep_best " + spec.keepBest() + ")";
  }

  /** The policy {@code spec}'s retention keys ask for; empty when they keep every checkpoint. */
  static Optional<RetentionPolicy> policyOf(JobSpec spec) {
    if (spec.keepLast() <= 0 && spec.keepEvery() <= 0 && spec.keepBest() <= 0) {
      return Optional.empty();
    }
    RetentionPolicy.Builder b = RetentionPolicy.builder().optKeepUnverified(true);
    if (spec.keepLast() > 0) {
      b.optKeepLast(spec.keepLast());
    }
    if (spec.keepEvery() > 0) {
      b.optKeepEvery(spec.keepEvery());
    }
    if (spec.keepBest() > 0) {
      b.optKeepBest(spec.keepBest(), spec.bestMetric(), spec.bestIsMax() ? MetricGoal.MAX : MetricGoal.MIN);
    }
    return Optional.of(b.build());
  }

  /**
   * Deletes the checkpoints {@code spec}'s policy does not keep, if {@code holder} says the lease is
   * still ours; those of the epochs {@code damagedInPlace} are kept and count as no verified checkpoint.
   *
   * @return what was deleted and what could not be, for the job's history; empty when retention
   *     deleted nothing and nothing failed
   */
  Optional<String> apply(JobSpec spec, HolderCheck holder, Collection<Long> damagedInPlace) throws IOException {
    Optional<RetentionPolicy> policy = policyOf(spec);
    if (policy.isEmpty()) {
      return Optional.empty();
    }
    if (!holder.stillHolder()) {
      listener.warning("retention skipped: another driver holds the lease on " + dir + " now");
      return Optional.empty();
    }
    // the lease checked again before every deletion: a driver that paused and lost the job meanwhile
    // must not go on deleting under its own policy what the new holder's keeps
    RetentionResult result = new CheckpointCleaner(epoch -> {
      if (!holder.stillHolder()) {
        throw new io.epochal.checkpoint.retention.RetentionStoppedException("another driver holds the lease on "
            + dir + " now, and its retention decides");
      }
      store.delete(epoch);
    }).clean(policy.get(), candidates(store.list(), damagedInPlace));
    List<String> record = new ArrayList<>();
    if (!result.getDeleted().isEmpty()) {
      String deleted = "retention deleted " + checkpointsOf(result.getDeleted(), spec);
      listener.message(deleted);
      record.add(deleted);
    }
    List<Long> kept = new ArrayList<>();
    String stopped = null;
    for (DeletionFailure f : result.getFailures()) {
      if (f.getError() instanceof io.epochal.checkpoint.retention.RetentionStoppedException) {
        kept.add(f.getEpoch());
        stopped = f.getError().getMessage();
        continue;
      }
      String why = f.getError().getMessage() != null ? f.getError().getMessage() : f.getError().toString();
      String said = why.startsWith("checkpoint of epoch ") ? why // names the epoch and its directory itself
          : "could not delete the checkpoint of epoch " + f.getEpoch() + ": " + why;
      listener.warning("retention: " + said + (why.contains("was unpublished")
          ? " (no reader sees it any more; what remains of it is removed when the job next starts)"
          : " (it is kept, and tried again after the next commit)"));
      record.add("could not delete epoch " + f.getEpoch() + ": " + why);
    }
    if (stopped != null) {
      String said = "retention stopped: " + stopped + "; " + checkpointsOf(kept, spec) + " that this driver's "
          + "policy would delete " + (kept.size() == 1 ? "is" : "are") + " kept";
      listener.warning(said);
      record.add(said);
    }
    return record.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", record));
  }
}
