package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.EvaluationResult;
import io.epochal.worker.round.GradNorms;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sums of an epoch's rounds a mid-epoch checkpoint records, and their way through its manifest. */
class EpochProgressTest {

  private static AggregateResult round(long samples, double lossSum, long correct, GradNorms norms) {
    return new AggregateResult(StateDict.empty(), samples, 2, lossSum, correct, norms, 2);
  }

  /** Through a manifest's JSON and back, as a resume reads them. */
  private static Map<String, Double> throughManifest(Map<String, Double> metrics) {
    CheckpointManifest m = CheckpointManifest.builder().setJobId("j").setEpoch(1).setModel("mlp", "1")
        .optMetrics(metrics).build();
    try {
      return CheckpointManifest.parse(m.toJson(), "manifest.json").metrics();
    } catch (io.epochal.checkpoint.ManifestFormatException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void classificationSumsComeBackBitForBitFromTheManifest() {
    EpochProgress p = EpochProgress.NONE.plus(round(64, 0.1 + 0.2, 60, new GradNorms(2, 1.5e-3, 1e-3, 1)))
        .plus(round(64, Math.PI / 7, 61, new GradNorms(2, 2.0 / 3, 0.5, 0)));
    EpochProgress back = EpochProgress.of(throughManifest(p.toMetrics()));
    assertThat(back).isEqualTo(p);
    assertThat(back.lossSum()).isEqualTo(0.1 + 0.2 + Math.PI / 7);
    assertThat(back.samples()).isEqualTo(128);
    assertThat(back.correct()).isEqualTo(121);
    assertThat(back.absErrorSum()).as("not measured for classification").isNaN();
    assertThat(back.norms()).isEqualTo(new GradNorms(4, 1.5e-3 + 2.0 / 3, 0.5, 1));
  }

  @Test
  void regressionSumsKeepTheirAbsoluteErrorAndNoCount() {
    EpochProgress p = EpochProgress.NONE.plus(round(10, 2.5, EvaluationResult.NOT_COUNTED, GradNorms.NONE)
        .withAbsoluteErrors(1.25));
    EpochProgress back = EpochProgress.of(throughManifest(p.toMetrics()));
    assertThat(back).isEqualTo(p);
    assertThat(back.correct()).isEqualTo(EvaluationResult.NOT_COUNTED);
    assertThat(back.absErrorSum()).isEqualTo(1.25);
    assertThat(back.meanLoss()).isEqualTo(0.25);
  }

  @Test
  void theEpochBeforesMetricsAreKeptApartFromTheSums() {
    Map<String, Double> carried = Map.of("train_loss", 0.5, "early_stop_wait", 1.0);
    java.util.Map<String, Double> all = new java.util.LinkedHashMap<>(carried);
    all.putAll(EpochProgress.NONE.toMetrics());
    assertThat(EpochProgress.withoutProgress(all)).isEqualTo(carried);
    assertThat(EpochProgress.of(all)).isEqualTo(EpochProgress.NONE);
  }

  @Test
  void aMissingSumIsRefusedNamingIt() {
    Map<String, Double> metrics = new java.util.HashMap<>(EpochProgress.NONE.toMetrics());
    metrics.remove("progress.samples");
    assertThatThrownBy(() -> EpochProgress.of(metrics)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no progress.samples");
  }
}
