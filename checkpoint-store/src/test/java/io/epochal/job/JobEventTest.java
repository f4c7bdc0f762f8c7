package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.params.ValueChange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  @Test
  void aCommittedEpochKeepsItsMetricsExactlyThroughItsJsonLine() throws Exception {
    JobEvent committed = JobEvent.builder(JobEventType.EPOCH_COMMITTED, T, 1).optEpoch(3).optRound(0)
        .optMessage("train_loss=0.1").optMetrics(Map.of("train_loss", 0.1, "val_r2", -1.0 / 3, "step", 192.0))
        .build();

    String line = JSON.writeValueAsString(committed.toJson());
    JobEvent read = JobEvent.fromJson(JSON.readTree(line));

    assertThat(read).isEqualTo(committed);
    assertThat(read.getMetrics()).containsExactly(entry("step", 192.0), entry("train_loss", 0.1),
        entry("val_r2", -1.0 / 3));
    assertThat(line).contains("\"metrics\":{\"step\":192.0,\"train_loss\":0.1,");
  }

  @Test
  void anEventLineWithoutMetricsReadsWithNoneAndWritesNone() throws Exception {
    JobEvent read = JobEvent.fromJson(JSON.readTree("{\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"EPOCH_COMMITTED\","
        + "\"attempt\":1,\"epoch\":2,\"round\":0,\"message\":\"train_loss=0.5\"}"));

    assertThat(read.getMetrics()).isEmpty();
    assertThat(read.toJson().has("metrics")).isFalse();
  }

  @Test
  void aMetricThatIsNotFiniteIsRefusedNamingIt() {
    Map<String, Double> metrics = new TreeMap<>(Map.of("train_loss", 0.5, "grad_norm", Double.POSITIVE_INFINITY));

    assertThatThrownBy(() -> JobEvent.builder(JobEventType.EPOCH_COMMITTED, T, 1).optMetrics(metrics))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'grad_norm'")
        .hasMessageContaining("Infinity");
  }

  @Test
  void aMetricThatIsNotANumberIsRefusedNamingIt() {
    assertThatThrownBy(() -> JobEvent.fromJson(JSON.readTree("{\"time\":\"2026-01-02T03:04:05Z\","
        + "\"type\":\"EPOCH_COMMITTED\",\"attempt\":1,\"metrics\":{\"train_loss\":\"low\"}}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'train_loss'");
  }
}
