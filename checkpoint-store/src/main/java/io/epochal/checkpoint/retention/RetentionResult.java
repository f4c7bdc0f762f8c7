package io.epochal.checkpoint.retention;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link CheckpointCleaner} run did: the plan it executed, the epochs it deleted and the
 * deletions that failed. Immutable.
 */
public final class RetentionResult {

  private final RetentionPlan plan;
  private final List<Long> deleted;
  private final List<DeletionFailure> failures;

  RetentionResult(RetentionPlan plan, List<Long> deleted, List<DeletionFailure> failures) {
    this.plan = plan;
    this.deleted = List.copyOf(deleted);
    this.failures = List.copyOf(failures);
  }

  /** The executed plan. */
  public RetentionPlan getPlan() {
    return plan;
  }

  /** The epochs deleted, in deletion order. */
  public List<Long> getDeleted() {
    return deleted;
  }

  /** The deletions that failed, in order. */
  public List<DeletionFailure> getFailures() {
    return failures;
  }

  /** Whether every planned deletion succeeded. */
  public boolean isComplete() {
    return failures.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RetentionResult)) {
      return false;
    }
    RetentionResult r = (RetentionResult) o;
    return plan.equals(r.plan) && deleted.equals(r.deleted) && failures.equals(r.failures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(plan, deleted, failures);
  }

  @Override
  public String toString() {
    return "RetentionResult{kept=" + plan.getKeep() + ", deleted=" + deleted
        + (failures.isEmpty() ? "" : ", failed=" + failures) + "}";
  }
}
