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
}
