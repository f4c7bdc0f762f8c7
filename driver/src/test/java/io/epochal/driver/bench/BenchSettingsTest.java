package io.epochal.driver.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchSettingsTest {

  @Test
  void noArgumentsGiveTheDefaults() {
    BenchSettings s = BenchSettings.parse();
    assertThat(s.integer("epochs")).isEqualTo(3);
    assertThat(s.integer("pairs")).isEqualTo(7);
    assertThat(s.section(1)).isTrue();
    assertThat(s.section(4)).isTrue();
  }

  @Test
  void givenValuesReplaceTheDefaults() {
    BenchSettings s = BenchSettings.parse("--sections=1,4", "--epochs=5");
    assertThat(s.integer("epochs")).isEqualTo(5);
    assertThat(s.section(1)).isTrue();
    assertThat(s.section(2)).isFalse();
  }

  @Test
  void anUnknownSectionIsRefusedInsteadOfPrintingAnEmptyTable() {
    assertThatThrownBy(() -> BenchSettings.parse("--sections=9")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--sections must list section numbers from 1 to 4 separated by commas, got '9'");
    assertThatThrownBy(() -> BenchSettings.parse("--sections=")).hasMessageStartingWith("--sections must list");
  }

  @Test
  void aSectionThatIsNotANumberIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> BenchSettings.parse("--sections=abc"))
        .hasMessage("--sections must list whole numbers separated by commas, got 'abc'");
  }

  @Test
  void zeroPairsAndZeroEpochsAreRefusedWhenParsedNamingTheKey() {
    assertThatThrownBy(() -> BenchSettings.parse("--pairs=0")).hasMessage("--pairs must be >= 1, got 0");
    assertThatThrownBy(() -> BenchSettings.parse("--epochs=0")).hasMessage("--epochs must be >= 1, got 0");
    assertThatThrownBy(() -> BenchSettings.parse("--classes=1")).hasMessage("--classes must be >= 2, got 1");
  }

  @Test
  void aNonNumericValueIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> BenchSettings.parse("--rows=lots")).hasMessage("--rows must be a whole number, got 'lots'");
    assertThatThrownBy(() -> BenchSettings.parse("--rows=99999999999")).hasMessage("--rows is too large, got 99999999999");
  }

  @Test
  void aSizeBelowOneIsRefused() {
    assertThatThrownBy(() -> BenchSettings.parse("--sizes=1000,0"))
        .hasMessage("--sizes must list parameter counts >= 1 separated by commas, got '1000,0'");
  }

  @Test
  void aSparkConfEntryWithoutEqualsIsRefusedWhenParsed() {
    assertThatThrownBy(() -> BenchSettings.parse("--spark-conf=spark.x"))
        .hasMessage("--spark-conf entry 'spark.x' is not key=value (separate entries with ';')");
  }

  @Test
  void anUnknownKeyOrAnArgumentThatIsNotKeyValueIsRefusedListingTheKeys() {
    assertThatThrownBy(() -> BenchSettings.parse("--foo=1")).hasMessageStartingWith("unknown benchmark key 'foo'")
        .hasMessageContaining("pairs");
    assertThatThrownBy(() -> BenchSettings.parse("--epochs")).hasMessageStartingWith("argument '--epochs' is not --key=value");
  }

  @Test
  void helpIsRecognisedAndTheUsageListsEveryKeyWithItsRangeAndDefault() {
    assertThat(BenchSettings.help("--epochs=2", "--help")).isTrue();
    assertThat(BenchSettings.help("-h")).isTrue();
    assertThat(BenchSettings.help("--epochs=2")).isFalse();
    assertThat(BenchSettings.usage()).contains("--pairs", ">= 1 (7)").contains("--classes", ">= 2 (10)")
        .contains("--work-dir").contains("--spark-conf");
  }
}
