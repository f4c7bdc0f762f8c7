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
  void parametersFrozenForSomeEpochsTrainAfterThemStartingFreshInTheFirstRoundOnly() {
    FrozenParameters two = FrozenParameters.of(List.of("layers.0.*"), 2);
    assertThat(two.epochs()).isEqualTo(2);
    assertThat(two.inEpoch(0)).isSameAs(two);
    assertThat(two.inEpoch(1).isFrozen("layers.0.weight")).isTrue();
    assertThat(two.inEpoch(2)).isSameAs(FrozenParameters.NONE);
    assertThat(two.inEpoch(7).isFrozen("layers.0.weight")).isFalse();
    assertThat(two.startsFreshIn("layers.0.weight", 2, 0)).isTrue();
    assertThat(two.startsFreshIn("layers.0.weight", 2, 1)).as("the first round created its state").isFalse();
    assertThat(two.startsFreshIn("layers.0.weight", 3, 0)).isFalse();
    assertThat(two.startsFreshIn("layers.0.weight", 1, 0)).as("still frozen").isFalse();
    assertThat(two.startsFreshIn("fc.bias", 2, 0)).as("never frozen").isFalse();
    FrozenParameters always = FrozenParameters.of(List.of("layers.0.*"));
    assertThat(always.inEpoch(1_000_000)).isSameAs(always);
    assertThat(always.startsFreshIn("layers.0.weight", 0, 0)).isFalse();
    assertThat(two).isNotEqualTo(always).hasToString("frozen [layers.0.*] for 2 epochs");
    assertThatThrownBy(() -> FrozenParameters.of(List.of(), 2)).hasMessageContaining("no parameter frozen");
    assertThatThrownBy(() -> FrozenParameters.of(List.of("a"), -1)).hasMessageContaining(">= 0");
  }

  @Test
  void aSerializedCopyFreezesTheSameParameters() throws Exception {
    FrozenParameters f = FrozenParameters.of(List.of("layers.0.*"), 3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    FrozenParameters back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (FrozenParameters) in.readObject();
    }
    assertThat(back).isEqualTo(f);
    assertThat(back.epochs()).isEqualTo(3);
    assertThat(back.isFrozen("layers.0.bias")).isTrue();
    assertThat(back.isFrozen("fc.bias")).isFalse();
  }
}
