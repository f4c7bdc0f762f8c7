package io.epochal.driver.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.TrainingConfigs;
import io.epochal.worker.device.DeviceMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlacementKeysTest {

  @TempDir
  Path tmp;
  private Path jobFile;

  @BeforeEach
  void writeJobFile() throws IOException {
    jobFile = Files.writeString(tmp.resolve("job.properties"), String.join("\n",
        "job.name=gpu", "job.dir=" + tmp.resolve("job"), "model.name=mlp", "data.path=" + tmp.resolve("data"),
        "data.features=features", ""));
  }

  private JobSpec resolve(String... overrides) {
    JobSpecResolver.Builder b = JobSpecResolver.builder().optJobFile(jobFile).optCheckDataPath(false);
    for (int i = 0; i < overrides.length; i += 2) {
      b.optOverride(overrides[i], overrides[i + 1]);
    }
    return b.build().resolve();
  }

  @Test
  void defaultsAreAutoWithoutGpuScheduling() {
    JobSpec spec = resolve();
    assertThat(spec.device()).isEqualTo("auto");
    assertThat(spec.gpusPerExecutor()).isZero();
    assertThat(spec.gpusPerTask()).isZero();
    assertThat(spec.gpuDiscoveryScript()).isEmpty();
    assertThat(TrainingConfigs.of(spec).device()).isEqualTo(DeviceMode.AUTO);
  }

  @Test
  void aJobStartedOnGpusHasTheSameHyperParametersAsOnTheCpuSoEitherResumesTheOther() {
    JobSpec onGpus = resolve("train.device", "gpu", "resources.gpus_per_executor", "1",
        "resources.gpus_per_task", "1", "resources.gpu_discovery_script", "/opt/getGpus.sh");
    JobSpec onCpu = resolve("train.device", "cpu");

    assertThat(onGpus.toHyperParameters()).isEqualTo(onCpu.toHyperParameters());
    assertThat(onGpus.toHyperParameters().diff(onCpu.toHyperParameters())).isEmpty();
    assertThat(onGpus.toHyperParameters().asMap().keySet()).doesNotContainAnyElementsOf(JobKeys.PLACEMENT_KEYS);
    assertThat(onGpus.placement().asMap()).containsEntry("train.device", "gpu")
        .containsEntry("resources.gpus_per_task", 1L);
    assertThat(TrainingConfigs.of(onGpus).device()).isEqualTo(DeviceMode.GPU);
    assertThat(onGpus).isNotEqualTo(onCpu);
  }

  @Test
  void aStoredSpecResumesWithDefaultPlacement() {
    JobSpec onGpus = resolve("train.device", "gpu", "resources.gpus_per_executor", "2",
        "resources.gpus_per_task", "1");
    JobSpec resumed = JobSpec.fromHyperParameters(onGpus.toHyperParameters());
    assertThat(resumed.device()).isEqualTo("auto");
    assertThat(resumed.gpusPerTask()).isZero();
    assertThat(resumed.toHyperParameters()).isEqualTo(onGpus.toHyperParameters());
  }

  @Test
  void anUnknownDeviceIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> resolve("train.device", "cuda"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.device");
    assertThatThrownBy(() -> resolve("resources.gpus_per_task", "-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("resources.gpus_per_task");
  }
}
