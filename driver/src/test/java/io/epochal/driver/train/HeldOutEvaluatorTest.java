package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.worker.round.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeldOutEvaluatorTest {

  @Test
  void aClassificationEvaluationGivesLossAccuracyAndRowsInThatOrder() {
    List<String> warnings = new ArrayList<>();

    Map<String, Double> metrics = HeldOutEvaluator.metrics(new EvaluationResult(0, 200, 50.0, 150), 2, warnings::add);

    assertThat(metrics).containsExactly(Map.entry("val_loss", 0.25), Map.entry("val_accuracy", 0.75),
        Map.entry("val_rows", 200.0));
    assertThat(warnings).isEmpty();
  }

  @Test
  void aRegressionEvaluationGivesItsErrorsAndR2AndNoR2ForASingleRow() {
    io.epochal.worker.round.RegressionStats stats = io.epochal.worker.round.RegressionStats.empty(1)
        .plus(new float[] {2.5f, 0, 2, 8}, new float[] {3, -0.5f, 2, 7}, new int[] {0, 1, 2, 3}, 0, 4);

    Map<String, Double> metrics = HeldOutEvaluator.metrics(EvaluationResult.regression(0, 4, 1.5, 2.0, stats), 1,
        w -> { });

    assertThat(metrics.keySet()).containsExactly("val_loss", "val_mae", "val_rmse", "val_r2", "val_rows");
    assertThat(metrics.get("val_mae")).isEqualTo(0.5);
    assertThat(metrics.get("val_rmse")).isEqualTo(Math.sqrt(0.375));
    assertThat(metrics.get("val_r2")).isEqualTo(stats.r2()).isBetween(0.948, 0.949);
    io.epochal.worker.round.RegressionStats one = io.epochal.worker.round.RegressionStats.empty(1)
        .plus(new float[] {1}, new float[] {2}, new int[] {0}, 0, 1);
    assertThat(HeldOutEvaluator.metrics(EvaluationResult.regression(0, 1, 1.0, 1.0, one), 1, w -> { }).keySet())
        .containsExactly("val_loss", "val_mae", "val_rmse", "val_rows");
  }

  @Test
  void aRegressionPredictionThatIsNaNIsSaidAndLeftOutNotAFailureOfTheEpoch() {
    // a held-out row far outside the training rows' range: two hidden units overflow, their difference is NaN
    io.epochal.worker.round.RegressionStats stats = io.epochal.worker.round.RegressionStats.empty(1)
        .plus(new float[] {Float.NaN, 1}, new float[] {0, 2}, new int[] {0, 1}, 0, 2);
    EvaluationResult held = EvaluationResult.combine(List.of(
        EvaluationResult.regression(0, 2, Double.NaN, Double.NaN, stats),
        EvaluationResult.regression(1, 0, 0, 0, io.epochal.worker.round.RegressionStats.empty(1))));
    List<String> warnings = new ArrayList<>();

    Map<String, Double> metrics = HeldOutEvaluator.metrics(held, 4, warnings::add);

    assertThat(held.measuredError()).as("measured, and NaN").isTrue();
    assertThat(held.meanAbsoluteError()).isNaN();
    assertThat(metrics).containsExactly(Map.entry("val_rows", 2.0));
    assertThat(warnings).singleElement().asString().startsWith("epoch 4: the loss on the 2 held-out rows is NaN");
  }

  @Test
  void aLossThatIsNotFiniteIsSaidAndLeftOutSoTheCheckpointCanBeWritten() {
    List<String> warnings = new ArrayList<>();

    Map<String, Double> metrics = HeldOutEvaluator.metrics(new EvaluationResult(0, 10, Double.POSITIVE_INFINITY,
        EvaluationResult.NOT_COUNTED), 3, warnings::add);

    assertThat(metrics).containsExactly(Map.entry("val_rows", 10.0));
    assertThat(warnings).singleElement().asString().startsWith("epoch 3: the loss on the 10 held-out rows is "
        + "Infinity").contains("its checkpoint records no val_loss (retention by val_loss keeps it unranked)");
  }
}
