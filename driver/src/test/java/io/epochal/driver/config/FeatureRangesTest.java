package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class FeatureRangesTest {

  @Test
  void aRangeOfNumberedColumnsIsWrittenOutInOrderAmongTheOtherNames() {
    assertThat(FeatureRanges.expand("f0..f3", "data.features")).isEqualTo("f0,f1,f2,f3");
    assertThat(FeatureRanges.expand("id_x, f8..10,pixel_0..pixel_1", "data.features"))
        .isEqualTo("id_x,f8,f9,f10,pixel_0,pixel_1");
    assertThat(FeatureRanges.expand("c08..c10", "--features")).as("zero-padded").isEqualTo("c08,c09,c10");
  }

  @Test
  void aZeroPaddedRangeIsWrittenInAsciiDigitsWhateverTheMachinesLocale() {
    java.util.Locale before = java.util.Locale.getDefault();
    try {
      java.util.Locale.setDefault(java.util.Locale.forLanguageTag("fa-IR")); // its zero digit is not '0'
      assertThat(FeatureRanges.expand("px008..px010", "data.features")).isEqualTo("px008,px009,px010");
    } finally {
      java.util.Locale.setDefault(before);
    }
  }

  @Test
  void namesWithoutARangeStayAsTheyAre() {
    assertThat(FeatureRanges.expand("features", "data.features")).isEqualTo("features");
    assertThat(FeatureRanges.expand("a, b", "data.features")).isEqualTo("a, b");
    assertThat(FeatureRanges.expand("f0..g3", "data.features")).as("another prefix: not a range").isEqualTo("f0..g3");
  }

  @Test
  void aRangeThatCountsDownOrIsHugeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> FeatureRanges.expand("f9..f2", "--features")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--features range 'f9..f2' counts down");
    assertThatThrownBy(() -> FeatureRanges.expand("f0..f5000000", "data.features"))
        .hasMessageContaining("names more than 1000000 columns");
  }
}
