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
  void aLossThatIsNotFiniteIsSaidAndLeftOutSoTheCheckpointCanBeWritten() {
    List<String> warnings = new ArrayList<>();

    Map<String, Double> metrics = HeldOutEvaluator.metrics(new EvaluationResult(0, 10, Double.POSITIVE_INFINITY,
        EvaluationResult.NOT_COUNTED), 3, warnings::add);

    assertThat(metrics).containsExactly(Map.entry("val_rows", 10.0));
    assertThat(warnings).singleElement().asString().startsWith("epoch 3: the loss on the 10 held-out rows is "
        + "Infinity").contains("its checkpoint records no val_loss (retention by val_loss keeps it unranked)");
  }
}
