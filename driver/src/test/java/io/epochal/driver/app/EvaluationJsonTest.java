package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.worker.round.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code evaluate --json}: every number a JSON number. */
class EvaluationJsonTest {

  @Test
  void aLossThatOverflowedOnTheRowsIsNullWithANoteNotTheStringInfinity() throws Exception {
    EvaluationResult overflowed = new EvaluationResult(0, 4, Double.POSITIVE_INFINITY, 3);
    CheckpointEvaluation.Evaluated e = new CheckpointEvaluation.Evaluated("epoch-000002", "file:/jobs/a/epoch-000002",
        2, overflowed, null, null, 0.5, "trained");

    JsonNode doc = new ObjectMapper().readTree(EvaluationJson.of("file:/rows", null, 4, 0, List.of(e)));

    JsonNode c = doc.get("checkpoints").get(0);
    assertThat(c.get("loss").isNull()).as("%s", c).isTrue();
    assertThat(c.get("loss_not_finite").asText()).isEqualTo("Infinity");
    assertThat(c.get("accuracy").isNumber()).isTrue();
  }

  @Test
  void aDocumentOfNoCheckpointEvaluatedIsNoSuccess() throws Exception {
    // evaluate --all of a training job whose retention deleted every checkpoint listed while it ran
    JsonNode doc = new ObjectMapper().readTree(EvaluationJson.of("file:/rows", null, 0, 0, List.of(), false));

    assertThat(doc.get("ok").asBoolean()).isFalse();
    assertThat(doc.get("checkpoints")).isEmpty();
  }

  @Test
  void aRegressionPredictionThatIsNaNGivesANullMaeWithANoteNotAFailedEvaluation() throws Exception {
    io.epochal.worker.round.RegressionStats stats = io.epochal.worker.round.RegressionStats.empty(1)
        .plus(new float[] {Float.NaN, 1}, new float[] {0, 2}, new int[] {0, 1}, 0, 2);
    EvaluationResult nan = EvaluationResult.regression(0, 2, Double.NaN, Double.NaN, stats);
    CheckpointEvaluation.Evaluated e = new CheckpointEvaluation.Evaluated("epoch-000002", "file:/jobs/a/epoch-000002",
        2, nan, null, null, 0.5, "trained");

    JsonNode c = new ObjectMapper().readTree(EvaluationJson.of("file:/rows", null, 2, 0, List.of(e)))
        .get("checkpoints").get(0);

    assertThat(c.get("loss").isNull()).as("%s", c).isTrue();
    assertThat(c.get("loss_not_finite").asText()).isEqualTo("NaN");
    assertThat(c.get("mae").isNull()).as("%s", c).isTrue();
    assertThat(c.get("mae_not_finite").asText()).isEqualTo("NaN");
  }
}
