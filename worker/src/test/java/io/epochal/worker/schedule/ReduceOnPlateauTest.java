package io.epochal.worker.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Schedule {@code plateau} against torch's {@code ReduceLROnPlateau.step} equations. */
class ReduceOnPlateauTest {

  private static ReduceOnPlateau start(double lr, Object... kv) {
    HyperParameters.Builder b = HyperParameters.builder().put("schedule", "plateau");
    for (int i = 0; i < kv.length; i += 2) {
      b.put((String) kv[i], kv[i + 1]);
    }
    return ReduceOnPlateau.start(lr, b.build());
  }

  /** The rate after each of {@code values}, stepping from {@code s}. */
  private static List<Double> rates(ReduceOnPlateau s, Double... values) {
    List<Double> out = new ArrayList<>();
    for (Double v : values) {
      s = s.step(v);
      out.add(s.rate());
    }
    return out;
  }

  @Test
  void theRateIsReducedAfterMoreThanPatienceEpochsWithoutImprovementAsTorchCountsThem() {
    // torch's documentation: with patience = 2 the first 2 epochs without improvement are ignored and the rate
    // is lowered after the 3rd
    ReduceOnPlateau s = start(0.1, "patience", 2L);
    assertThat(rates(s, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5))
        .containsExactly(0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1);
  }

  @Test
  void theRatesAreThoseTorchsReduceLrOnPlateauGaveForTheSameMetrics() {
    // printed by docs/torch_equations.py with PyTorch 1.13 (Debian's python3-torch): min mode, relative threshold,
    // cooldown and a min_lr floor; then max mode with an absolute threshold
    ReduceOnPlateau s = start(0.1, "factor", 0.5, "patience", 1L, "threshold", 0.1, "cooldown", 1L, "min_lr", 0.01);
    Double[] metrics = {1.0, 0.95, 0.92, 0.8, 0.85, 0.84, 0.83, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6};
    assertThat(rates(s, metrics)).containsExactly(0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.0125,
        0.0125, 0.0125, 0.01, 0.01);
    ReduceOnPlateau end = s;
    for (Double m : metrics) {
      end = end.step(m);
    }
    assertThat(end.state().getDouble(ReduceOnPlateau.BEST)).isEqualTo(0.5);
    assertThat(end.numBadEpochs()).isZero();
    ReduceOnPlateau max = start(0.1, "mode", "max", "factor", 0.3, "patience", 0L, "threshold", 0.05,
        "threshold_mode", "abs");
    assertThat(rates(max, 0.5, 0.52, 0.6, 0.61, 0.7, 0.7, 0.71, 0.9)).containsExactly(0.1, 0.03, 0.03, 0.009, 0.009,
        0.0026999999999999997, 0.0008099999999999998, 0.0008099999999999998);
  }

  @Test
  void aRelativeThresholdOfOneOrMoreInMinModeNeverImprovesFromTheStartAsInTorch() {
    // torch: best = inf; inf * (1 - 1) is NaN and inf * (1 - 2) is -inf, below which no value is: with
    // patience 2 every epoch is bad from the first, and the rate is lowered after the 3rd
    for (double threshold : new double[] {1.0, 2.0}) {
      ReduceOnPlateau s = start(0.1, "patience", 2L, "threshold", threshold);
      assertThat(rates(s, 1.0, 0.9, 0.8, 0.7)).as("threshold %s", threshold)
          .containsExactly(0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1);
    }
    // max mode: -inf * (1 + threshold) is -inf, above which every value is: the first improves
    assertThat(rates(start(0.1, "patience", 0L, "threshold", 2.0, "mode", "max"), 1.0)).containsExactly(0.1);
  }

  @Test
  void anImprovementResetsTheCount() {
    ReduceOnPlateau s = start(0.1, "patience", 1L);
    assertThat(rates(s, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8)).containsOnly(0.1);
    assertThat(s.step(1.0).step(1.0).numBadEpochs()).isEqualTo(1);
    assertThat(s.step(1.0).step(1.0).step(0.5).numBadEpochs()).isZero();
  }

  @Test
  void aRelativeThresholdNeedsThatFractionBelowTheBest() {
    ReduceOnPlateau s = start(0.1, "patience", 0L, "threshold", 0.1).step(1.0);
    // best * (1 - 0.1) = 0.9: 0.95 does not improve (patience 0: reduced at once), 0.89 does
    assertThat(s.step(0.95).rate()).isEqualTo(0.1 * 0.1);
    assertThat(s.step(0.89).rate()).isEqualTo(0.1);
    assertThat(s.step(0.89).state().getDouble(ReduceOnPlateau.BEST)).isEqualTo(0.89);
  }

  @Test
  void anAbsoluteThresholdInMaxModeNeedsThatMuchAboveTheBest() {
    ReduceOnPlateau s = start(0.1, "patience", 0L, "mode", "max", "threshold_mode", "abs", "threshold", 0.05,
        "monitor", "val_accuracy").step(0.5);
    assertThat(s.monitor()).isEqualTo("val_accuracy");
    assertThat(s.step(0.54).rate()).isEqualTo(0.1 * 0.1);
    assertThat(s.step(0.56).rate()).isEqualTo(0.1);
    // a lower value never improves in max mode
    assertThat(s.step(0.2).rate()).isEqualTo(0.1 * 0.1);
  }

  @Test
  void epochsWithoutImprovementInTheCooldownAreNotCounted() {
    ReduceOnPlateau s = start(1.0, "patience", 0L, "cooldown", 2L, "factor", 0.5);
    // epoch 1 sets the best; 2 reduces (1 > patience 0) and starts a cooldown of 2; 3 and 4 are not counted; 5 reduces
    assertThat(rates(s, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)).containsExactly(1.0, 0.5, 0.5, 0.5, 0.25, 0.25);
  }

  @Test
  void noReductionGoesBelowMinLrOrIsSmallerThanEps() {
    ReduceOnPlateau s = start(0.1, "patience", 0L, "factor", 0.5, "min_lr", 0.04);
    s = s.step(1.0);
    List<Double> r = rates(s, 1.0, 1.0, 1.0);
    assertThat(r).containsExactly(0.05, 0.04, 0.04);
    ReduceOnPlateau floor = s.step(1.0).step(1.0).step(1.0);
    assertThat(floor.reductions()).isEqualTo(2); // 0.04 -> max(0.02, 0.04) changes nothing
    assertThat(floor.progress(s.step(1.0).step(1.0)).orElseThrow())
        .contains("is at schedule.min_lr = 0.04 and is not reduced further");
    // 1e-8 * 0.5 is 5e-9 lower: not more than eps, so torch keeps the rate
    ReduceOnPlateau best = start(1e-8, "patience", 0L, "factor", 0.5).step(1.0);
    ReduceOnPlateau tiny = best.step(1.0);
    assertThat(tiny.rate()).isEqualTo(1e-8);
    assertThat(tiny.reductions()).isZero();
    assertThat(tiny.progress(best).orElseThrow()).as("not at min_lr = 0: below torch's eps")
        .contains("the learning rate 1.0E-8 is not reduced: the cut to 5.0E-9 would change it by less than 1.0E-8, "
            + "which torch's ReduceLROnPlateau skips as well (its eps)").doesNotContain("min_lr");
  }

  @Test
  void anEpochWithoutAValueOfTheMetricDoesNotImproveIt() {
    ReduceOnPlateau s = start(0.1, "patience", 1L);
    assertThat(rates(s, null, Double.NaN)).containsExactly(0.1, 0.1 * 0.1);
    assertThat(s.step(null).state().contains(ReduceOnPlateau.BEST)).isFalse();
    assertThat(s.step(2.0).step(null).step(Double.NaN).rate()).isEqualTo(0.1 * 0.1);
  }

  @Test
  void aStateRestoredFromACheckpointContinuesExactlyAsTheUninterruptedOne() {
    HyperParameters params = HyperParameters.builder().put("schedule", "plateau").put("patience", 1L)
        .put("cooldown", 1L).put("factor", 0.3).build();
    Double[] values = {3.0, 2.0, 2.5, 2.4, 2.3, 2.2, 2.2, 2.2, 1.0, 1.5, 1.5, 1.5, 1.5};
    ReduceOnPlateau uninterrupted = ReduceOnPlateau.start(0.02, params);
    for (Double v : values) {
      uninterrupted = uninterrupted.step(v);
    }
    for (int stop = 0; stop <= values.length; stop++) {
      ReduceOnPlateau first = ReduceOnPlateau.start(0.02, params);
      for (int i = 0; i < stop; i++) {
        first = first.step(values[i]);
      }
      // what a checkpoint's schedule state holds: LrSchedule.state of the current rate, and the plateau's entries
      HyperParameters recorded = LrSchedules.create(first.rate(), params).state(17 * stop).with(first.state());
      ReduceOnPlateau resumed = ReduceOnPlateau.restore(params, recorded);
      assertThat(resumed).as("restored after epoch %s", stop).isEqualTo(first);
      for (int i = stop; i < values.length; i++) {
        resumed = resumed.step(values[i]);
      }
      assertThat(resumed).as("resumed after epoch %s", stop).isEqualTo(uninterrupted);
    }
    assertThat(uninterrupted.reductions()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aScheduleStateWithoutThePlateauEntriesIsRefusedNamingTheEntry() {
    HyperParameters params = HyperParameters.builder().put("schedule", "plateau").build();
    HyperParameters constantState = LrSchedules.create(0.1, HyperParameters.empty()).state(8);
    assertThatThrownBy(() -> ReduceOnPlateau.restore(params, constantState))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ReduceOnPlateau.NUM_BAD_EPOCHS);
  }

  @Test
  void outOfRangeHyperparametersAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> start(0.1, "factor", 1.0)).hasMessageContaining("factor");
    assertThatThrownBy(() -> start(0.1, "mode", "maximum")).hasMessageContaining("mode");
    assertThatThrownBy(() -> start(0.1, "threshold_mode", "relative")).hasMessageContaining("threshold_mode");
    assertThatThrownBy(() -> start(0.1, "patience", -1L)).hasMessageContaining("patience");
  }

  @Test
  void progressSaysTheReductionAndHowFarTheCountIs() {
    ReduceOnPlateau s = start(0.1, "patience", 1L, "monitor", "val_loss").step(1.0);
    ReduceOnPlateau one = s.step(1.0);
    assertThat(one.progress(s).orElseThrow()).isEqualTo("val_loss did not improve for 1 epoch (best 1.00000); the "
        + "learning rate 0.1 is multiplied by schedule.factor = 0.1 after more than schedule.patience = 1");
    assertThat(one.step(1.0).progress(one).orElseThrow()).isEqualTo("val_loss did not improve for 2 epochs (best "
        + "1.00000), more than schedule.patience = 1: learning rate 0.1 -> " + (0.1 * 0.1));
    assertThat(s.step(0.5).progress(s)).isEmpty();
    ReduceOnPlateau cooling = start(0.1, "patience", 0L, "cooldown", 1L).step(1.0).step(1.0);
    assertThat(cooling.step(1.0).progress(cooling)).as("in the cooldown").isEmpty();
  }
}
