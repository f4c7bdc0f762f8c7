package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Other held-out rows for a checkpoint that records no digest of them: {@link HeldOutRowsCheck#refuseUnmeasured}. */
class HeldOutRowsUnmeasuredTest {

  @TempDir
  Path tmp;

  private JobSpec resolve(Map<String, String> overrides) throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path heldOut = Files.createDirectories(tmp.resolve("validation"));
    Path file = tmp.resolve("job.properties");
    Files.write(file, List.of("job.name=unmeasured", "job.dir=" + tmp.resolve("job"), "model.name=mlp",
        "model.input_dim=8", "model.output_dim=3", "optimizer.name=sgd", "optimizer.lr=0.1", "train.epochs=4",
        "data.path=" + data.toUri(), "data.features=features", "data.validation_path=" + heldOut.toUri()),
        StandardCharsets.UTF_8);
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optJobFile(file).optOverrides(overrides)
        .build().resolve();
  }

  @Test
  void otherRowsForAPlateauJobWhoseCheckpointRecordsNoDigestAreRefusedNotTakenUnchecked() throws Exception {
    JobSpec plateau = resolve(Map.of("schedule.name", "plateau", "schedule.monitor", "val_loss"));
    assertThatThrownBy(() -> HeldOutRowsCheck.refuseUnmeasured(plateau, true, true, 2))
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("records no held_out_sha256").hasMessageContaining("by their val_loss");
    assertThatCode(() -> HeldOutRowsCheck.refuseUnmeasured(plateau, true, false, 2)).as("the job's own rows")
        .doesNotThrowAnyException();
    assertThatCode(() -> HeldOutRowsCheck.refuseUnmeasured(plateau, false, true, 0)).as("no checkpoint yet")
        .doesNotThrowAnyException();
    assertThatCode(() -> HeldOutRowsCheck.refuseUnmeasured(resolve(Map.of()), true, true, 2))
        .as("rows that set no rate").doesNotThrowAnyException();
  }
}
