package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobProgressTest {

  private static final Instant START = Instant.parse("2026-12-05T08:00:00Z");

  private static JobProgress at(int round, int firstRound, long seconds) {
    return new JobProgress("vm:7:u", 1, 2, 3, round, 128, firstRound, 9000, 0.5, START, START.plusSeconds(seconds));
  }

  @Test
  void itsJsonFormReadsBackEqualWithUnknownRatesAsNull() throws Exception {
    JobProgress p = new JobProgress("vm:7:u", 4, 1, 3, 0, 128, 1, Double.NaN, Double.NaN, START, START);
    ObjectNode json = p.toJson();
    assertThat(json.get("samples_per_second").isNull()).isTrue();
    assertThat(JobProgress.fromJson(new ObjectMapper().readTree(json.toString()))).isEqualTo(p);
    assertThat(JobProgress.fromJson(at(57, 1, 60).toJson())).isEqualTo(at(57, 1, 60));
  }

  @Test
  void aRoundTakesTheTimeSinceTheEpochBeganOverTheRoundsThisRunTrained() {
    assertThat(at(60, 1, 120).perRound()).contains(Duration.ofSeconds(2));
    // resumed inside the epoch at round 41: 20 rounds in 40 s
    assertThat(at(60, 41, 40).perRound()).contains(Duration.ofSeconds(2));
    assertThat(at(40, 41, 5).perRound()).as("none trained yet").isEmpty();
  }

  @Test
  void aMissingOrMistypedFieldIsRefusedNamingIt() {
    ObjectNode json = at(3, 1, 6).toJson();
    json.remove("rounds");
    assertThatThrownBy(() -> JobProgress.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'rounds' must be an integer, got null");
    ObjectNode loss = at(3, 1, 6).toJson();
    loss.put("mean_loss", "low");
    assertThatThrownBy(() -> JobProgress.fromJson(loss)).hasMessageContaining("'mean_loss' must be a number");
    ObjectNode time = at(3, 1, 6).toJson();
    time.put("updated_at", "yesterday");
    assertThatThrownBy(() -> JobProgress.fromJson(time)).hasMessageContaining("not an ISO-8601 instant");
  }

  @Test
  void aRoundOutsideItsEpochIsRefusedNamingTheValues() {
    assertThatThrownBy(() -> at(129, 1, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("round must be in [0, rounds=128], got 129");
    assertThatThrownBy(() -> new JobProgress("h", 1, 4, 3, 0, 128, 1, 0, 0, START, START))
        .hasMessage("epoch must be in [1, epochs=3], got 4");
  }
}
