package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamGroupsTest {

  private static final List<String> NAMES = List.of("layers.0.weight", "layers.0.bias", "layers.3.weight",
      "layers.3.bias", "layers.6.weight", "layers.6.bias");

  private static ParamGroups groups(String scales, String... noDecay) {
    return ParamGroups.of(ParamGroups.parseScales(scales), List.of(noDecay));
  }

  @Test
  void aParameterStepsAtTheScaleOfThePatternThatNamesItAndOthersAtTheRate() {
    ParamGroups g = groups("layers.0.*:0.1, layers.3.*:0.25");
    assertThat(NAMES.stream().map(g::lrScale)).containsExactly(0.1, 0.1, 0.25, 0.25, 1.0, 1.0);
    assertThat(g.scalePatterns()).containsExactly("layers.0.*", "layers.3.*");
    assertThat(NAMES.stream().allMatch(g::decays)).as("no pattern of no_decay").isTrue();
  }

  @Test
  void theNoDecayPatternsNameTheParametersNotDecayed() {
    ParamGroups g = groups("", "*.bias");
    assertThat(NAMES.stream().filter(n -> !g.decays(n))).containsExactly("layers.0.bias", "layers.3.bias",
        "layers.6.bias");
    assertThat(NAMES.stream().map(g::lrScale).distinct()).containsExactly(1.0);
    assertThat(g.noDecayPatterns()).containsExactly("*.bias");
  }

  @Test
  void theDescriptionNamesTheParametersOfEachGroup() {
    assertThat(groups("layers.0.*:0.1, layers.3.*:0.5", "*.bias").describe(NAMES)).isEqualTo("layers.0.weight, "
        + "layers.0.bias at 0.1 times the scheduled rate; layers.3.weight, layers.3.bias at 0.5 times the scheduled "
        + "rate; not decayed: layers.0.bias, layers.3.bias, layers.6.bias");
    assertThat(groups("", "layers.6.*").describe(NAMES)).isEqualTo("not decayed: layers.6.weight, layers.6.bias");
  }

  @Test
  void nothingGivenIsOneGroup() {
    assertThat(groups(" , ")).isSameAs(ParamGroups.NONE);
    assertThat(ParamGroups.NONE.isEmpty()).isTrue();
    assertThat(ParamGroups.NONE.lrScale("x")).isEqualTo(1.0);
  }

  @Test
  void malformedScalesAreRefusedNamingTheEntry() {
    assertThatThrownBy(() -> ParamGroups.parseScales("layers.0.*"))
        .hasMessageContaining("'layers.0.*' is not pattern:scale");
    assertThatThrownBy(() -> ParamGroups.parseScales(":0.5")).hasMessageContaining("':0.5' is not pattern:scale");
    assertThatThrownBy(() -> ParamGroups.parseScales("layers.0.*:tenth"))
        .hasMessageContaining("the scale of 'layers.0.*' is 'tenth', not a number");
    assertThatThrownBy(() -> ParamGroups.parseScales("layers.0.*:0.1f", true)).as("Java's form, not Python's")
        .hasMessageContaining("the scale of 'layers.0.*' is '0.1f', not a number");
    assertThat(ParamGroups.parseScales("layers.0.*:0.1f")).as("as a job stored with it reads it")
        .containsEntry("layers.0.*", 0.1);
    assertThatThrownBy(() -> ParamGroups.parseScales("layers.0.*:-0.1"))
        .hasMessageContaining("the scale of 'layers.0.*' is -0.1; it must be finite and >= 0");
    assertThatThrownBy(() -> ParamGroups.parseScales("layers.0.*:NaN")).hasMessageContaining("finite");
    assertThatThrownBy(() -> ParamGroups.parseScales("a:1,a:2")).hasMessageContaining("'a' is given a scale twice");
    Map<String, Double> negative = new LinkedHashMap<>();
    negative.put("a", Double.POSITIVE_INFINITY);
    assertThatThrownBy(() -> ParamGroups.of(negative, List.of())).hasMessageContaining("learning-rate scale of a");
    assertThatThrownBy(() -> groups("", " ")).hasMessageContaining("blank");
  }

  @Test
  void patternsThatNameNoTrainedParameterAndParametersInTwoGroupsAreProblems() {
    ParamGroups typo = groups("layers.0.*:0.1, encoder.*:0.5", "*.bias", "*.norm");
    assertThat(typo.scaleProblems(NAMES)).containsExactly("'encoder.*' matches no trained parameter");
    assertThat(typo.unmatchedNoDecay(NAMES)).containsExactly("*.norm");
    assertThat(groups("layers.*:0.1, *.bias:0.5").scaleProblems(NAMES)).containsExactly(
        "'layers.0.bias' is named by layers.* and *.bias, each with a scale of its own",
        "'layers.3.bias' is named by layers.* and *.bias, each with a scale of its own",
        "'layers.6.bias' is named by layers.* and *.bias, each with a scale of its own");
    ParamGroups fine = groups("layers.0.*:0.1", "*.bias");
    assertThat(fine.scaleProblems(NAMES)).isEmpty();
    assertThat(fine.unmatchedNoDecay(NAMES)).isEmpty();
  }

  @Test
  void aSerializedCopyTreatsEveryParameterAlike() throws Exception {
    ParamGroups g = groups("layers.0.*:0.1, layers.6.*:2", "*.bias");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(g);
    }
    ParamGroups copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (ParamGroups) in.readObject();
    }
    assertThat(copy).isEqualTo(g).hasSameHashCodeAs(g).isNotEqualTo(groups("layers.0.*:0.1, layers.6.*:3", "*.bias"));
    assertThat(NAMES.stream().map(copy::lrScale)).containsExactly(0.1, 0.1, 1.0, 1.0, 2.0, 2.0);
    assertThat(NAMES.stream().filter(copy::decays)).containsExactly("layers.0.weight", "layers.3.weight",
        "layers.6.weight");
    assertThat(copy.toString()).isEqualTo("lr scales [layers.0.*:0.1, layers.6.*:2.0], no decay [*.bias]");
  }
}
