package io.epochal.checkpoint.retention;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a {@link RetentionPolicy} decided for a set of checkpoints: the epochs to keep, the
 * epochs to delete (oldest first, so an interrupted run leaves the newer ones), the reasons for
 * every decision, and warnings (for example a checkpoint kept because it lacks the ranked
 * metric). Immutable.
 */
public final class RetentionPlan {

  private final SortedSet<Long> keep;
  private final List<Long> delete;
  private final Map<Long, List<String>> reasons;
  private final List<String> warnings;

  RetentionPlan(SortedSet<Long> keep, List<Long> delete, Map<Long, List<String>> reasons,
      List<String> warnings) {
    this.keep = Collections.unmodifiableSortedSet(new TreeSet<>(keep));
    List<Long> d = new ArrayList<>(delete);
    Collections.sort(d);
    this.delete = List.copyOf(d);
    TreeMap<Long, List<String>> r = new TreeMap<>();
    reasons.forEach((k, v) -> r.put(k, List.copyOf(v)));
    this.reasons = Collections.unmodifiableMap(r);
    this.warnings = List.copyOf(warnings);
  }

  /** The epochs kept, ascending. */
  public SortedSet<Long> getKeep() {
    return keep;
  }

  /** The epochs to delete, ascending (oldest first). */
  public List<Long> getDelete() {
    return delete;
  }

  /** Why {@code epoch} is kept or deleted, one entry per rule that decided; empty if unknown. */
  public List<String> reasonsFor(long epoch) {
    return reasons.getOrDefault(epoch, List.of());
  }

  /** The reasons of every epoch, ascending. */
  public Map<Long, List<String>> getReasons() {
    return reasons;
  }

  /** Problems the planner worked around (never fatal). */
  public List<String> getWarnings() {
    return warnings;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RetentionPlan)) {
      return false;
    }
    RetentionPlan p = (RetentionPlan) o;
    return keep.equals(p.keep) && delete.equals(p.delete) && reasons.equals(p.reasons)
        && warnings.equals(p.warnings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(keep, delete, reasons, warnings);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("RetentionPlan{keep=").append(keep)
        .append(", delete=").append(delete);
    if (!warnings.isEmpty()) {
      s.append(", warnings=").append(warnings);
    }
    return s.append('}').toString();
  }
}
