package io.epochal.checkpoint.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {

  /** Epochs 1..30; val_loss = 1 + 0.1 * |e - 12|; 20 and 30 unverified; 5 has no val_loss. */
  private static List<RetentionCandidate> thirtyEpochs() {
    List<RetentionCandidate> list = new ArrayList<>();
    for (long e = 1; e <= 30; e++) {
      Map<String, Double> metrics = e == 5 ? Map.of("train_loss", 0.5)
          : Map.of("val_loss", 1 + 0.1 * Math.abs(e - 12), "accuracy", e / 100.0);
      list.add(RetentionCandidate.of(e, metrics, e != 20 && e != 30));
    }
    return list;
  }

  @Test
  void mixedPolicyKeepsExactlyWhatEachRulePromises() {
    RetentionPolicy policy = RetentionPolicy.builder().optKeepLast(3).optKeepEvery(10)
        .optKeepBest(2, "val_loss", MetricGoal.MIN).build();
    RetentionPlan plan = RetentionPlanner.plan(policy, thirtyEpochs());
    // verified: 1..29 without 20. newest verified: 29.
    // last 3 verified: 29, 28, 27. multiples of 10 that are verified: 10 (20, 30 unverified).
    // best 2 by min val_loss: 12 (1.0), then 11 and 13 tie at 1.1 -> the earlier, 11, the first to reach it.
    // 5 lacks val_loss: kept and reported.
    assertThat(plan.getKeep()).containsExactly(5L, 10L, 11L, 12L, 27L, 28L, 29L);
    List<Long> expectedDelete = new ArrayList<>();
    for (long e = 1; e <= 30; e++) {
      if (!List.of(5L, 10L, 11L, 12L, 27L, 28L, 29L).contains(e)) {
        expectedDelete.add(e);
      }
    }
    assertThat(plan.getDelete()).containsExactlyElementsOf(expectedDelete);
    assertThat(plan.getWarnings()).singleElement().asString().contains("epoch 5").contains("val_loss");
    assertThat(plan.reasonsFor(5)).singleElement().asString().contains("has no metric 'val_loss'");
    assertThat(plan.reasonsFor(29)).anyMatch(r -> r.contains("newest verified"))
        .anyMatch(r -> r.contains("last 3"));
    assertThat(plan.reasonsFor(20)).containsExactly("failed verification; deleted");
    assertThat(plan.reasonsFor(13)).containsExactly("no rule keeps it");
  }

  @Test
  void aTieOfMinusZeroAndZeroGoesToTheEarlierEpoch() {
    // a loss of -log(1.0) is -0.0, which the manifest keeps: it ties with 0.0, it is not below it
    List<RetentionCandidate> candidates = List.of(
        RetentionCandidate.of(10, Map.of("train_loss", 0.0), true),
        RetentionCandidate.of(12, Map.of("train_loss", -0.0), true),
        RetentionCandidate.of(14, Map.of("train_loss", 0.5), true));
    RetentionPlan plan = RetentionPlanner.plan(RetentionPolicy.builder()
        .optKeepBest(1, "train_loss", MetricGoal.MIN).build(), candidates);

    assertThat(plan.getKeep()).containsExactly(10L, 14L);
    assertThat(plan.getDelete()).containsExactly(12L);
  }

  @Test
  void anEpochWhoseMetricIsNaNIsKeptUnrankedAndReported() {
    // NaN sorts after every number: ranked, it would lose to epoch 1 and be deleted
    List<RetentionCandidate> candidates = List.of(
        RetentionCandidate.of(1, Map.of("val_loss", 0.5), true),
        RetentionCandidate.of(2, Map.of("val_loss", Double.NaN), true),
        RetentionCandidate.of(3, Map.of("val_loss", 0.9), true));
    RetentionPlan plan = RetentionPlanner.plan(RetentionPolicy.builder()
        .optKeepBest(1, "val_loss", MetricGoal.MIN).build(), candidates);

    assertThat(plan.getKeep()).containsExactly(1L, 2L, 3L);
    assertThat(plan.getDelete()).isEmpty();
    assertThat(plan.getWarnings()).singleElement().asString().contains("epoch 2").contains("NaN")
        .contains("kept instead of ranked");
    assertThat(plan.reasonsFor(2)).singleElement().asString().contains("'val_loss' = NaN")
        .contains("cannot rank it; kept");
  }

  @Test
  void newestVerifiedIsNeverDeleted() {
    // only keep-every-7: 7, 14, 21, 28; newest verified 29 is kept anyway, unverified 30 is not
    RetentionPlan plan = RetentionPlanner.plan(RetentionPolicy.builder().optKeepEvery(7).build(), thirtyEpochs());
    assertThat(plan.getKeep()).containsExactly(7L, 14L, 21L, 28L, 29L);
    assertThat(plan.getDelete()).contains(30L).doesNotContain(29L);
  }

  @Test
  void unverifiedAreKeptWhenThePolicySaysSo() {
    RetentionPlan plan = RetentionPlanner.plan(RetentionPolicy.builder().optKeepLast(1)
        .optKeepUnverified(true).build(), thirtyEpochs());
    assertThat(plan.getKeep()).containsExactly(20L, 29L, 30L);
  }

  @Test
  void everyPolicyCombinationMatchesBruteForce() {
    List<RetentionCandidate> candidates = thirtyEpochs();
    for (int k : new int[] {0, 1, 3}) {
      for (int m : new int[] {0, 7, 10}) {
        for (int n : new int[] {0, 1, 4}) {
          for (MetricGoal goal : MetricGoal.values()) {
            if (k + m + n == 0) {
              continue;
            }
            RetentionPolicy.Builder b = RetentionPolicy.builder();
            if (k > 0) {
              b.optKeepLast(k);
            }
            if (m > 0) {
              b.optKeepEvery(m);
            }
            if (n > 0) {
              b.optKeepBest(n, "val_loss", goal);
            }
            RetentionPolicy policy = b.build();
            RetentionPlan plan = RetentionPlanner.plan(policy, candidates);
            TreeSet<Long> expected = bruteForceKeep(candidates, k, m, n, goal);
            assertThat(plan.getKeep()).as("%s", policy).containsExactlyElementsOf(expected);
            TreeSet<Long> all = new TreeSet<>();
            candidates.forEach(c -> all.add(c.getEpoch()));
            all.removeAll(expected);
            assertThat(plan.getDelete()).as("%s", policy).containsExactlyElementsOf(all);
          }
        }
      }
    }
  }

  /** Decides each epoch on its own, by counting who beats it; no sorting, no shared code. */
  private static TreeSet<Long> bruteForceKeep(List<RetentionCandidate> all, int k, int m, int n, MetricGoal goal) {
    long newestVerified = -1;
    for (RetentionCandidate c : all) {
      if (c.isVerified()) {
        newestVerified = Math.max(newestVerified, c.getEpoch());
      }
    }
    TreeSet<Long> keep = new TreeSet<>();
    for (RetentionCandidate c : all) {
      if (!c.isVerified()) {
        continue;
      }
      long e = c.getEpoch();
      int newer = 0;
      int better = 0;
      Double mine = c.getMetrics().get("val_loss");
      for (RetentionCandidate o : all) {
        if (!o.isVerified() || o == c) {
          continue;
        }
        if (o.getEpoch() > e) {
          newer++;
        }
        Double theirs = o.getMetrics().get("val_loss");
        if (mine != null && theirs != null) {
          boolean strictlyBetter = goal == MetricGoal.MIN ? theirs < mine : theirs > mine;
          if (strictlyBetter || (theirs + 0.0 == mine + 0.0 && o.getEpoch() < e)) {
            better++;
          }
        }
      }
      boolean kept = e == newestVerified
          || (k > 0 && newer < k)
          || (m > 0 && e % m == 0)
          || (n > 0 && (mine == null || better < n));
      if (kept) {
        keep.add(e);
      }
    }
    return keep;
  }

  @Test
  void duplicateEpochIsRefused() {
    List<RetentionCandidate> twice = List.of(RetentionCandidate.of(3, Map.of(), true),
        RetentionCandidate.of(3, Map.of(), false));
    assertThatThrownBy(() -> RetentionPlanner.plan(RetentionPolicy.builder().optKeepLast(1).build(), twice))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epoch 3");
  }

  @Test
  void policyWithoutRulesIsRefused() {
    assertThatThrownBy(() -> RetentionPolicy.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("optKeepLast");
  }

  @Test
  void policyIsAValue() {
    RetentionPolicy a = RetentionPolicy.builder().optKeepLast(2).optKeepBest(1, "acc", MetricGoal.MAX).build();
    RetentionPolicy b = RetentionPolicy.builder().optKeepBest(1, "acc", MetricGoal.MAX).optKeepLast(2).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.toString()).contains("keepLast=2").contains("MAX acc");
  }
}
