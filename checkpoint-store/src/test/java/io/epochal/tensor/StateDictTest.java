package io.epochal.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StateDictTest {

  private static final Tensor W = Tensor.ofFloats(new long[] {2}, 1f, 2f);
  private static final Tensor B = Tensor.scalarFloat(3f);

  @Test
  void orderIsKeptAndPartOfEquality() {
    StateDict ab = StateDict.builder().put("w", W).put("b", B).build();
    StateDict ba = StateDict.builder().put("b", B).put("w", W).build();
    assertThat(ab.nameList()).containsExactly("w", "b");
    assertThat(ab).isNotEqualTo(ba);
    assertThat(ab).isEqualTo(StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, 1f, 2f)).put("b", B).build());
    assertThat(ab.totalBytes()).isEqualTo(12);
  }

  @Test
  void duplicateAndMissingNamesAreNamedInErrors() {
    assertThatThrownBy(() -> StateDict.builder().put("w", W).put("w", B))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate tensor name 'w'");
    StateDict d = StateDict.builder().put("w", W).build();
    assertThatThrownBy(() -> d.require("bias"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bias'").hasMessageContaining("[w]");
  }

  @Test
  void filterAndConcatKeepOrder() {
    StateDict d = StateDict.builder().put("net.0.weight", W).put("net.0.bias", B).build();
    assertThat(d.filter(n -> n.endsWith("bias")).nameList()).containsExactly("net.0.bias");
    StateDict opt = StateDict.builder().put("net.0.weight.exp_avg", W).build();
    assertThat(d.concat(opt).nameList()).containsExactly("net.0.weight", "net.0.bias", "net.0.weight.exp_avg");
    assertThatThrownBy(() -> d.concat(d)).isInstanceOf(IllegalArgumentException.class);
  }
}
