package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.data.DataOptions;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code data.weight}: stored only when set, read into the data options, and refused when it names another column. */
class SampleWeightsKeyTest {

  @TempDir
  Path tmp;

  private Path jobFile;

  @BeforeEach
  void writeJobFile() throws IOException {
    jobFile = SpecFixtures.writeJobFile(tmp);
  }

  @Test
  void aWeightColumnIsStoredOnlyWhenSetAndReachesTheDataOptions() {
    JobSpec none = SpecFixtures.resolver(jobFile).build().resolve();
    assertThat(none.toHyperParameters().contains(SampleWeights.KEY)).as("job.json as before the key existed").isFalse();
    assertThat(SpecFixtures.resolver(jobFile).optOverride(SampleWeights.KEY, " ").build().resolve()
        .toHyperParameters()).isEqualTo(none.toHyperParameters());
    assertThat(DataOptions.fromJobSpec(none).weight()).isEmpty();

    JobSpec weighted = SpecFixtures.resolver(jobFile).optOverride(SampleWeights.KEY, "w").build().resolve();
    assertThat(weighted.toHyperParameters().getString(SampleWeights.KEY)).isEqualTo("w");
    assertThat(JobSpec.fromHyperParameters(weighted.toHyperParameters())).isEqualTo(weighted);
    assertThat(DataOptions.fromJobSpec(weighted).weight()).isEqualTo("w");
    assertThat(JobKeys.isAmendable(SampleWeights.KEY)).as("a resume trains on the same weights").isFalse();
  }

  @Test
  void aWeightColumnThatIsTheLabelOrAFeatureIsRefused() {
    JobSpec spec = SpecFixtures.resolver(jobFile).build().resolve();
    String label = spec.dataLabel();
    String feature = spec.dataFeatures().get(0);
    ConfigException asLabel = SpecFixtures.errorOf(
        SpecFixtures.resolver(jobFile).optOverride(SampleWeights.KEY, label));
    assertThat(asLabel.key()).isEqualTo(SampleWeights.KEY);
    assertThat(asLabel).hasMessageContaining("data.weight names column '" + label + "', which is the label "
        + "(data.label): a row's weight must come from a column of its own; set data.weight to that column, or leave "
        + "it empty for rows that weigh the same");
    assertThat(SpecFixtures.errorOf(SpecFixtures.resolver(jobFile).optOverride(SampleWeights.KEY, feature)))
        .hasMessageContaining("data.weight names column '" + feature + "', which is a feature column (data.features)");
  }
}
