package io.epochal.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class HyperParametersTest {

  @Test
  void jsonRoundTripKeepsLongsApartFromDoubles() throws Exception {
    HyperParameters hp = HyperParameters.builder().put("epochs", 10).put("lr", 1.0).put("nesterov", true)
        .put("optimizer", "sgd").put("hidden", List.of(256, 128)).put("betas", List.of(0.9, 0.999f)).build();
    String text = new ObjectMapper().writeValueAsString(hp.toJson());
    assertThat(text).contains("\"lr\":1.0").contains("\"epochs\":10");
    HyperParameters back = HyperParameters.fromJson(new ObjectMapper().readTree(text));
    assertThat(back).isEqualTo(hp);
    assertThat(back.get("epochs")).isInstanceOf(Long.class);
    assertThat(back.get("lr")).isInstanceOf(Double.class);
    assertThat(back.getList("hidden", Long.class)).containsExactly(256L, 128L);
  }

  @Test
  void sameNumberOfDifferentTypeIsNotEqual() {
    assertThat(HyperParameters.builder().put("lr", 1L).build())
        .isNotEqualTo(HyperParameters.builder().put("lr", 1.0).build());
  }

  @Test
  void diffListsEveryChangedKeyOnce() {
    HyperParameters old = HyperParameters.builder().put("lr", 0.1).put("batch", 64).put("opt", "sgd").build();
    HyperParameters now = HyperParameters.builder().put("lr", 0.2).put("batch", 64).put("seed", 7).build();
    assertThat(old.diff(now)).containsExactly("lr: 0.1 -> 0.2", "opt: \"sgd\" -> <unset>", "seed: <unset> -> 7");
    assertThat(old.diff(old)).isEmpty();
  }

  @Test
  void wrongTypeAccessAndUnsupportedValuesNameTheKey() {
    HyperParameters hp = HyperParameters.builder().put("lr", 0.1).build();
    assertThatThrownBy(() -> hp.getLong("lr")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lr'").hasMessageContaining("double");
    assertThatThrownBy(() -> hp.getString("momentum")).hasMessageContaining("'momentum' is not set");
    assertThatThrownBy(() -> HyperParameters.builder().put("x", new Object()))
        .hasMessageContaining("'x'").hasMessageContaining("unsupported type");
    assertThatThrownBy(() -> HyperParameters.builder().put("x", List.of(1, "a")))
        .hasMessageContaining("mixes types");
  }

  @Test
  void nonFiniteNumbersAreRefusedBecauseJsonCannotHoldThem() {
    // written to the manifest, Infinity would come back as the string "Infinity" and a resume
    // would see a changed hyperparameter
    assertThatThrownBy(() -> HyperParameters.builder().put("lr", Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'lr'").hasMessageContaining("finite");
    assertThatThrownBy(() -> HyperParameters.builder().put("betas", List.of(0.9, Double.NaN)))
        .hasMessageContaining("'betas'");
    assertThatThrownBy(() -> ParamType.DOUBLE.parse("Infinity")).hasMessageContaining("'Infinity' is not a finite number");
    assertThatThrownBy(() -> ParamType.DOUBLE_LIST.parse("0.9, NaN")).hasMessageContaining("not a finite number");
  }

  @Test
  void numbersAreReadAsDecimalsOnlyNotAsJavaLiteralsNoOtherToolReads() {
    assertThat(ParamType.DOUBLE.parse("0.01")).isEqualTo(0.01);
    assertThat(ParamType.DOUBLE.parse(" -1.5e-3 ")).isEqualTo(-1.5e-3);
    assertThat(ParamType.DOUBLE.parse(".5")).isEqualTo(0.5);
    assertThat(ParamType.DOUBLE.parse("2.")).isEqualTo(2.0);
    assertThat(ParamType.DOUBLE.parse("+3E2")).isEqualTo(300.0);
    assertThat(ParamType.DOUBLE_LIST.parse("[0.9, 0.999]")).isEqualTo(List.of(0.9, 0.999));
    for (String javaOnly : List.of("0.01f", "1d", "0x1p-3", "0x10", "1e", "1,5", "- 1")) {
      assertThatThrownBy(() -> ParamType.DOUBLE.parse(javaOnly)).as(javaOnly)
          .hasMessage("'" + javaOnly + "' is not a number: write it as a decimal number such as 0.001, 1e-3 or 2");
    }
    assertThatThrownBy(() -> ParamType.DOUBLE_LIST.parse("0.9, 0.999f")).hasMessage("'0.9, 0.999f' is not a list "
        + "of numbers: write each as a decimal number such as 0.001, 1e-3 or 2");
  }

  @Test
  void anIntegerBeyondTheLongRangeIsRefusedNamingItsKeyNotWrapped() throws Exception {
    com.fasterxml.jackson.databind.JsonNode json = new ObjectMapper().readTree("{\"seed\": 18446744073709551615}");
    assertThatThrownBy(() -> HyperParameters.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'seed'").hasMessageContaining("18446744073709551615")
        .hasMessageContaining("outside the 64-bit integer range");
  }
}
