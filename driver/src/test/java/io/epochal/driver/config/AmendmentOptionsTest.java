package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resume options that give an amendment again: {@link AmendmentOptions}. */
class AmendmentOptionsTest {

  @TempDir
  Path tmp;

  @Test
  void aKeySetToItsNoneValueWhichIsNotStoredIsGivenWithThatValue() throws Exception {
    Path jobFile = SpecFixtures.writeJobFile(tmp);
    JobSpec stored = SpecFixtures.resolver(jobFile).optOverride("early_stop.patience", "2")
        .optOverride("early_stop.monitor", "train_loss").build().resolve();
    JobSpec amended = SpecFixtures.resolver(jobFile).optOverride("train.epochs", "20")
        .optOverride("early_stop.patience", "0").build().resolve();
    assertThat(amended.toStored().getHyperParameters().contains("early_stop.patience")).as("not stored").isFalse();

    assertThat(AmendmentOptions.of(stored.toStored().getHyperParameters(), amended))
        .isEqualTo(" --set early_stop.monitor= --set early_stop.patience=0 --epochs 20");
    assertThat(AmendmentOptions.of(amended.toStored().getHyperParameters(), amended)).isEmpty();
  }

  @Test
  void movedDataAnOperationalKeyAndAListAreGivenAsAResumeTakesThem() throws Exception {
    Path jobFile = SpecFixtures.writeJobFile(tmp);
    JobSpec stored = SpecFixtures.resolver(jobFile).build().resolve();
    Path moved = java.nio.file.Files.createDirectories(tmp.resolve("moved-data"));
    JobSpec amended = SpecFixtures.resolver(jobFile).optOverride("data.path", moved.toUri().toString())
        .optOverride("checkpoint.keep_every", "2").build().resolve();

    assertThat(AmendmentOptions.of(stored.toStored().getHyperParameters(), amended))
        .isEqualTo(" --set checkpoint.keep_every=2 --data " + amended.dataPathText());
    assertThat(AmendmentOptions.text(java.util.List.of("a.*", "b.*"))).isEqualTo("a.*,b.*");
  }
}
