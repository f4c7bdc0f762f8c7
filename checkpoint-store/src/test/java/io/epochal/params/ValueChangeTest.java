package io.epochal.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueChangeTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyValueTypeSurvivesTheJsonRoundTripWithItsType() throws Exception {
    List<ValueChange> changes = List.of(ValueChange.of("train.epochs", 2L, 3L),
        ValueChange.of("optimizer.lr", 1.0, 0.5), ValueChange.of("data.shuffle", true, false),
        ValueChange.of("data.path", "file:/a; b -> c", "file:/d"),
        ValueChange.of("data.features", List.of("f0", "f1"), List.of("f0")),
        ValueChange.of("checkpoint.keep_best", null, 2L), ValueChange.of("checkpoint.keep_every", 5L, null));

    for (ValueChange c : changes) {
      String line = JSON.writeValueAsString(c.toJson());
      assertThat(ValueChange.fromJson(JSON.readTree(line))).as(line).isEqualTo(c);
    }
    assertThat(JSON.writeValueAsString(ValueChange.of("optimizer.lr", 1.0, 0.5).toJson()))
        .isEqualTo("{\"key\":\"optimizer.lr\",\"from\":1.0,\"to\":0.5}");
    assertThat(JSON.writeValueAsString(ValueChange.of("checkpoint.keep_best", null, 2L).toJson()))
        .isEqualTo("{\"key\":\"checkpoint.keep_best\",\"to\":2}");
  }

  @Test
  void theOldValueReadsAsACommandLineSpellsIt() {
    assertThat(ValueChange.of("data.path", "file:/a; b", "file:/c").fromText()).hasValue("file:/a; b");
    assertThat(ValueChange.of("train.epochs", 6, 9L).fromText()).hasValue("6");
    assertThat(ValueChange.of("checkpoint.keep_best", null, 2L).fromText()).isEmpty();
  }

  @Test
  void itSaysTheChangeAsTheSpecDiffDoes() {
    HyperParameters old = HyperParameters.builder().put("a", "x").put("b", 1L).build();
    HyperParameters now = HyperParameters.builder().put("a", "y").put("c", 2.0).build();

    assertThat(old.changes(now)).extracting(ValueChange::toString)
        .containsExactly("a: \"x\" -> \"y\"", "b: 1 -> <unset>", "c: <unset> -> 2.0")
        .isEqualTo(old.diff(now));
    assertThat(old.changes(old)).isEmpty();
  }

  @Test
  void aChangeThatChangesNothingOrHoldsNoHyperparameterIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> ValueChange.of("train.epochs", 3, 3L))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'train.epochs'");
    assertThatThrownBy(() -> ValueChange.of("x", new Object(), 1L))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
    assertThatThrownBy(() -> ValueChange.fromJson(JSON.readTree("{\"key\":\"k\",\"from\":{\"a\":1}}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'k'");
    assertThatThrownBy(() -> ValueChange.fromJson(JSON.readTree("{\"from\":1}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'key'");
  }
}
