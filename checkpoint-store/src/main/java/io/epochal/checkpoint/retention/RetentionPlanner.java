package io.epochal.checkpoint.retention;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Applies a {@link RetentionPolicy} to a list of checkpoints. Pure: no I/O, the same input always
 * gives the same plan.
 */
public final class RetentionPlanner {

  private RetentionPlanner() {}

  /**
   * The plan for {@code candidates} under {@code policy}.
   *
   * @throws IllegalArgumentException if two candidates have the same epoch
   */
  public static RetentionPlan plan(RetentionPolicy policy, List<RetentionCandidate> candidates) {
    checkNotNull(policy, "policy");
    checkNotNull(candidates, "candidates");
    Map<Long, RetentionCandidate> byEpoch = new TreeMap<>();
    for (RetentionCandidate c : candidates) {
      checkNotNull(c, "candidate");
      checkArgument(byEpoch.put(c.getEpoch(), c) == null,
          "two retention candidates for epoch %s; list each checkpoint once", c.getEpoch());
    }
    List<RetentionCandidate> verifiedNewestFirst = new ArrayList<>();
    for (RetentionCandidate c : byEpoch.values()) {
      if (c.isVerified()) {
        verifiedNewestFirst.add(0, c);
      }
    }
    Map<Long, List<String>> keepReasons = new HashMap<>();
    List<String> warnings = new ArrayList<>();

    if (!verifiedNewestFirst.isEmpty()) {
      add(keepReasons, verifiedNewestFirst.get(0).getEpoch(), "newest verified checkpoint (always kept)");
    }
    policy.getKeepLast().ifPresent(k -> {
      for (int i = 0; i < Math.min(k, verifiedNewestFirst.size()); i++) {
        add(keepReasons, verifiedNewestFirst.get(i).getEpoch(), "among the last " + k + " verified");
      }
    });
    policy.getKeepEvery().ifPresent(m -> {
      for (RetentionCandidate c : verifiedNewestFirst) {
        if (c.getEpoch() % m == 0) {
          add(keepReasons, c.getEpoch(), "epoch is a multiple of " + m);
        }
      }
    });
    policy.getKeepBest().ifPresent(n -> keepBest(policy, n, verifiedNewestFirst, keepReasons, warnings));

    TreeSet<Long> keep = new TreeSet<>();
    List<Long> delete = new ArrayList<>();
    Map<Long, List<String>> reasons = new HashMap<>();
    for (RetentionCandidate c : byEpoch.values()) {
      long e = c.getEpoch();
      if (!c.isVerified()) {
        if (policy.isKeepUnverified()) {
          keep.add(e);
          add(reasons, e, "failed verification; kept because the policy keeps unverified checkpoints");
        } else {
          delete.add(e);
          add(reasons, e, "failed verification; deleted");
        }
      } else if (keepReasons.containsKey(e)) {
        keep.add(e);
        reasons.put(e, keepReasons.get(e));
      } else {
        delete.add(e);
        add(reasons, e, "no rule keeps it");
      }
    }
    return new RetentionPlan(keep, delete, reasons, warnings);
  }

  private static void keepBest(RetentionPolicy policy, int n, List<RetentionCandidate> verified,
      Map<Long, List<String>> keepReasons, List<String> warnings) {
    String metric = policy.getMetric();
    List<RetentionCandidate> ranked = new ArrayList<>();
    for (RetentionCandidate c : verified) {
      Double v = c.getMetrics().get(metric);
      if (v == null || v.isNaN()) {
        String why = v == null ? "has no metric '" + metric + "'" : "has metric '" + metric + "' = NaN";
        add(keepReasons, c.getEpoch(), why + ", so best-" + n + " cannot rank it; kept");
        warnings.add("epoch " + c.getEpoch() + " " + why + " (present: " + c.getMetrics().keySet()
            + "); kept instead of ranked");
      } else {
        ranked.add(c);
      }
    }
    // + 0.0 makes -0.0 (a loss of -log(1)) equal to 0.0; a tie goes to the earlier epoch, the first to reach the
    // value, as Lightning's top-k (a later equal value does not replace it) and checkpoints/best take it
    Comparator<RetentionCandidate> byValue = Comparator.comparingDouble(c -> c.getMetrics().get(metric) + 0.0);
    if (policy.getGoal() == MetricGoal.MAX) {
      byValue = byValue.reversed();
    }
    ranked.sort(byValue.thenComparing(Comparator.comparingLong(RetentionCandidate::getEpoch)));
    for (int i = 0; i < Math.min(n, ranked.size()); i++) {
      RetentionCandidate c = ranked.get(i);
      add(keepReasons, c.getEpoch(), "best " + n + " by " + policy.getGoal() + " " + metric
          + " (" + c.getMetrics().get(metric) + ", rank " + (i + 1) + ")");
    }
  }

  private static void add(Map<Long, List<String>> reasons, long epoch, String reason) {
    reasons.computeIfAbsent(epoch, k -> new ArrayList<>()).add(reason);
  }
}
