package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrozenParametersTest {

  private static final List<String> NAMES = List.of("layers.0.weight", "layers.0.bias", "layers.10.weight",
      "fc.bias");

  @Test
  void aStarStandsForAnyRunOfCharactersAndEverythingElseIsLiteral() {
    FrozenParameters first = FrozenParameters.of(List.of("layers.0.*"));
    assertThat(NAMES.stream().filter(first::isFrozen)).containsExactly("layers.0.weight", "layers.0.bias");
    FrozenParameters biases = FrozenParameters.of(List.of("*.bias", "layers.10.weight"));
    assertThat(NAMES.stream().filter(biases::isFrozen)).containsExactly("layers.0.bias", "layers.10.weight", "fc.bias");
    assertThat(FrozenParameters.of(List.of("layers.0")).isFrozen("layers.0.weight")).as("a name is whole").isFalse();
    assertThat(FrozenParameters.of(List.of("layers?0.weight")).isFrozen("layers.0.weight")).isFalse();
    assertThat(FrozenParameters.of(List.of("layers.0.weight")).isFrozen("layersX0.weight")).as("a dot is a dot")
        .isFalse();
  }

  @Test
  void patternsThatMatchNothingAreNamedAndBlankOnesRefused() {
    assertThat(FrozenParameters.of(List.of("layers.0.*", "encoder.*", "fc.bias")).unmatched(NAMES))
        .containsExactly("encoder.*");
    assertThat(FrozenParameters.of(List.of())).isSameAs(FrozenParameters.NONE);
    assertThatThrownBy(() -> FrozenParameters.of(List.of("fc.bias", " ")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
  }

  @Test
  void aSerializedCopyFreezesTheSameParameters() throws Exception {
    FrozenParameters f = FrozenParameters.of(List.of("layers.0.*"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    FrozenParameters back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (FrozenParameters) in.readObject();
    }
    assertThat(back).isEqualTo(f);
    assertThat(back.isFrozen("layers.0.bias")).isTrue();
    assertThat(back.isFrozen("fc.bias")).isFalse();
  }
}
