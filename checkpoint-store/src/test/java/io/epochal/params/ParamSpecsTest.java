package io.epochal.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParamSpecsTest {

  private static ParamSpecs specs() {
    return new ParamSpecs("model mlp v1", List.of(
        ParamSpec.builder("learning_rate", ParamType.DOUBLE).optDefault(0.01).optMin(0).optMax(10).build(),
        ParamSpec.builder("hidden", ParamType.LONG_LIST).optDefault(List.of(64L)).optMin(1).build(),
        ParamSpec.builder("activation", ParamType.STRING).optAllowed("relu", "tanh").optDefault("relu").build(),
        ParamSpec.builder("input_size", ParamType.LONG).optMin(1).optDoc("features per sample").build()));
  }

  @Test
  void resolveFillsDefaultsAndCoercesCompatibleTypes() {
    HyperParameters r = specs().resolve(HyperParameters.builder().put("input_size", 4).put("learning_rate", 1).build());
    assertThat(r.getDouble("learning_rate")).isEqualTo(1.0);
    assertThat(r.getList("hidden", Long.class)).containsExactly(64L);
    assertThat(r.getString("activation")).isEqualTo("relu");
  }

  @Test
  void unknownKeySuggestsTheNearestDeclaredKey() {
    assertThatThrownBy(() -> specs().resolve(HyperParameters.builder().put("input_size", 4).put("learnig_rate", 0.1).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model mlp v1 has no hyperparameter 'learnig_rate'")
        .hasMessageContaining("did you mean 'learning_rate'?");
    assertThat(ParamSpecs.nearest("zzzzzz", List.of("learning_rate"))).isNull();
    assertThat(ParamSpecs.editDistance("kitten", "sitting")).isEqualTo(3);
  }

  @Test
  void theNearestKeyIgnoresCaseAndPrefersTheCompletionOfAKeyTypedInPart() {
    List<String> keys = List.of("schedule.gamma", "schedule.warmup_steps", "schedule.warmup_start_factor",
        "train.epochs");
    assertThat(ParamSpecs.nearest("TRAIN.EPOCHS", keys)).isEqualTo("train.epochs");
    assertThat(ParamSpecs.nearest("schedule.warmup", keys)).isEqualTo("schedule.warmup_steps");
    assertThat(ParamSpecs.nearest("schedule.gama", keys)).isEqualTo("schedule.gamma");
    assertThat(ParamSpecs.nearest("tra", List.of("train.epochs"))).as("too short to complete").isNull();
  }

  @Test
  void missingRequiredWrongTypeAndOutOfRangeAreNamed() {
    assertThatThrownBy(() -> specs().resolve(HyperParameters.empty()))
        .hasMessageContaining("needs hyperparameter 'input_size'").hasMessageContaining("features per sample");
    assertThatThrownBy(() -> specs().resolve(HyperParameters.builder().put("input_size", "four").build()))
        .hasMessageContaining("'input_size'").hasMessageContaining("expected integer");
    assertThatThrownBy(() -> specs().resolve(HyperParameters.builder().put("input_size", 4).put("learning_rate", 11.0).build()))
        .hasMessageContaining("out of range").hasMessageContaining("[0.0, 10.0]");
    assertThatThrownBy(() -> specs().resolve(HyperParameters.builder().put("input_size", 4).put("activation", "gelu").build()))
        .hasMessageContaining("not allowed").hasMessageContaining("one of relu, tanh");
  }

  @Test
  void anAllowedEmptyValueIsShownAsEmptyNotAsNothing() {
    ParamSpec mode = ParamSpec.builder("mode", ParamType.STRING).optDefault("").optAllowed("", "min", "max")
        .optDoc("mode").build();
    assertThat(mode.rangeText()).isEqualTo("one of '' (empty), min, max");
    assertThat(mode.check("")).isEqualTo("");
    assertThatThrownBy(() -> mode.check("mean")).hasMessageContaining("one of '' (empty), min, max");
  }

  @Test
  void anExcludedBoundIsRefusedItselfAndShownWithAParenthesis() {
    ParamSpec beta = ParamSpec.builder("beta", ParamType.DOUBLE).optDefault(0.9).optMin(0).optMaxExclusive(1.0)
        .optDoc("decay").build();
    ParamSpec factor = ParamSpec.builder("factor", ParamType.DOUBLE).optDefault(0.5).optMinExclusive(0).optMax(1)
        .optDoc("factor").build();
    assertThat(beta.rangeText()).isEqualTo("[0.0, 1.0)");
    assertThat(factor.rangeText()).isEqualTo("(0.0, 1.0]");
    assertThat(beta.check(0.0)).isEqualTo(0.0);
    assertThat(beta.check(0.999)).isEqualTo(0.999);
    assertThatThrownBy(() -> beta.check(1.0)).hasMessageContaining("'beta' = 1.0 is out of range; expected number in "
        + "[0.0, 1.0)");
    assertThat(factor.check(1.0)).isEqualTo(1.0);
    assertThatThrownBy(() -> factor.check(0.0)).hasMessageContaining("(0.0, 1.0]");
    assertThat(beta).isNotEqualTo(ParamSpec.builder("beta", ParamType.DOUBLE).optDefault(0.9).optMin(0).optMax(1.0)
        .optDoc("decay").build());
  }

  @Test
  void textValuesParseByType() {
    assertThat(ParamType.LONG_LIST.parse("[256, 128]")).isEqualTo(List.of(256L, 128L));
    assertThat(ParamType.LONG.parse("1_000")).isEqualTo(1000L);
    assertThatThrownBy(() -> ParamType.BOOLEAN.parse("yes")).hasMessageContaining("use true or false");
  }
}
