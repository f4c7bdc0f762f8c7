package io.epochal.checkpoint.retention;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a {@link RetentionPlan} through a {@link CheckpointDeleter}. A failed deletion is
 * logged and recorded in the {@link RetentionResult}; it never stops the remaining deletions, unless
 * the deleter says to stop ({@link RetentionStoppedException}): then the remaining ones are recorded
 * as not made, with that exception.
 */
public final class CheckpointCleaner {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointCleaner.class);

  private final CheckpointDeleter deleter;

  /** A cleaner deleting through {@code deleter}. */
  public CheckpointCleaner(CheckpointDeleter deleter) {
    this.deleter = checkNotNull(deleter, "deleter");
  }

  /** Plans with {@code policy} and deletes what the plan says. */
  public RetentionResult clean(RetentionPolicy policy, List<RetentionCandidate> candidates) {
    return execute(RetentionPlanner.plan(policy, candidates));
  }

  /** Deletes the plan's epochs, oldest first, collecting failures. */
  public RetentionResult execute(RetentionPlan plan) {
    checkNotNull(plan, "plan");
    for (String warning : plan.getWarnings()) {
      LOG.warn("Retention: {}", warning);
    }
    List<Long> deleted = new ArrayList<>();
    List<DeletionFailure> failures = new ArrayList<>();
    RetentionStoppedException stopped = null;
    for (long epoch : plan.getDelete()) {
      if (stopped != null) {
        failures.add(new DeletionFailure(epoch, stopped));
        continue;
      }
      try {
        deleter.delete(epoch);
        deleted.add(epoch);
        LOG.info("Retention deleted checkpoint of epoch {} ({})", epoch, plan.reasonsFor(epoch));
      } catch (RetentionStoppedException e) {
        LOG.warn("Retention stopped before the checkpoint of epoch {}: {}", epoch, e.getMessage());
        stopped = e;
        failures.add(new DeletionFailure(epoch, e));
      } catch (Exception e) {
        // Recorded and reported in the result; the other deletions still run.
        LOG.warn("Retention could not delete checkpoint of epoch {}", epoch, e);
        failures.add(new DeletionFailure(epoch, e));
      }
    }
    return new RetentionResult(plan, deleted, failures);
  }
}
