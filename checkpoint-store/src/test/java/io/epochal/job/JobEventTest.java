package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.params.ValueChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobEventTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void anAmendmentKeepsItsChangesAsTypedValuesThroughItsJsonLine() throws Exception {
    JobEvent amended = JobEvent.builder(JobEventType.AMENDED, T, 2).optEpoch(4).optRound(0)
        .optMessage("data.path: \"file:/a; b\" -> \"file:/c\"; train.epochs: 6 -> 9")
        .optChanges(List.of(ValueChange.of("data.path", "file:/a; b", "file:/c"), ValueChange.of("train.epochs", 6L, 9L)))
        .build();

    JobEvent read = JobEvent.fromJson(JSON.readTree(JSON.writeValueAsString(amended.toJson())));

    assertThat(read).isEqualTo(amended);
    assertThat(read.getChanges()).extracting(c -> c.fromText().orElseThrow()).containsExactly("file:/a; b", "6");
  }

  @Test
  void anEventLineWithoutChangesReadsWithNone() throws Exception {
    JobEvent read = JobEvent.fromJson(JSON.readTree("{\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"AMENDED\","
        + "\"attempt\":2,\"epoch\":4,\"round\":0,\"message\":\"train.epochs: 6 -> 9\"}"));

    assertThat(read.getChanges()).isEmpty();
    assertThat(read.getMessage()).isEqualTo("train.epochs: 6 -> 9");
    assertThat(read.toJson().has("changes")).as("no empty list written back").isFalse();
  }

  @Test
  void changesThatAreNotAListAreRefusedNamingTheField() {
    assertThatThrownBy(() -> JobEvent.fromJson(JSON.readTree("{\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"AMENDED\","
        + "\"attempt\":2,\"changes\":{\"key\":\"a\"}}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'changes'");
  }
}
