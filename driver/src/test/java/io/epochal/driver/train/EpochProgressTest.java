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
  void aChainOfRoundsAddsToTheEpochTheBitsItsRoundsRunOneByOneAdd() {
    // sums whose total depends on how the additions are grouped, as a chain's total would group them
    double[] loss = {62.29016948897019, 7.417869892607294, 7.951935655656967, 9.424502837770504};
    double[] abs = loss.clone();
    GradNorms[] norms = new GradNorms[4];
    EpochProgress oneByOne = EpochProgress.NONE;
    for (int i = 0; i < 4; i++) {
      norms[i] = new GradNorms(1, loss[i], loss[i], 0);
      oneByOne = oneByOne.plus(round(16, loss[i], EvaluationResult.NOT_COUNTED, norms[i]).withAbsoluteErrors(abs[i]));
    }
    java.util.List<io.epochal.driver.aggregate.RoundSums> rounds = new java.util.ArrayList<>();
    for (int i = 1; i < 4; i++) {
      rounds.add(new io.epochal.driver.aggregate.RoundSums(loss[i], abs[i], norms[i]));
    }
    AggregateResult chain = new AggregateResult(StateDict.empty(), 48, 6, loss[1] + loss[2] + loss[3],
        EvaluationResult.NOT_COUNTED, norms[1].plus(norms[2]).plus(norms[3]), 1)
        .withAbsoluteErrors(abs[1] + abs[2] + abs[3]).withRoundSums(rounds);

    EpochProgress chained = EpochProgress.NONE.plus(round(16, loss[0], EvaluationResult.NOT_COUNTED, norms[0])
        .withAbsoluteErrors(abs[0])).plus(chain);
    assertThat(chained).isEqualTo(oneByOne);
    assertThat(chained.toMetrics()).isEqualTo(oneByOne.toMetrics());
    assertThat(chained.samples()).isEqualTo(64);
    assertThat(loss[0] + chain.lossSum()).as("the chain's total added at once: other bits")
        .isNotEqualTo(oneByOne.lossSum());
    assertThat(abs[0] + chain.absErrorSum()).isNotEqualTo(oneByOne.absErrorSum());
    assertThat(norms[0].plus(chain.gradNorms()).sum()).isNotEqualTo(oneByOne.norms().sum());
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
