package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where chaos puts its default work directory, and which masters it refuses before any work. */
class ChaosWorkDirectoryTest {

  @Test
  void theDefaultWorkDirectoryGoesToTheLaunchersTemporaryRootNotItsPerRunDirectory() {
    assertThat(ChaosRunner.defaultWorkParent("/var/tmp/x", "/var/tmp/x/epochal-run-812"))
        .isEqualTo(Path.of("/var/tmp/x"));
    // without the launcher's property: outside a per-run directory the JVM may be in
    assertThat(ChaosRunner.defaultWorkParent(null, "/tmp/epochal-run-812")).isEqualTo(Path.of("/tmp"));
    assertThat(ChaosRunner.defaultWorkParent(null, "/tmp/epochal-run-812-aZ09xy")).isEqualTo(Path.of("/tmp"));
    assertThat(ChaosRunner.defaultWorkParent("", "/tmp/epochal-run-812/")).isEqualTo(Path.of("/tmp"));
    assertThat(ChaosRunner.defaultWorkParent(null, "/scratch/t")).isEqualTo(Path.of("/scratch/t"));
    assertThat(ChaosRunner.defaultWorkParent(null, "/scratch/epochal-run-old")).isEqualTo(
        Path.of("/scratch/epochal-run-old"));
  }

  @Test
  void aMasterThatIsNoSparkUrlIsRefusedNamingIt() {
    assertThatThrownBy(() -> ChaosOptions.builder().optMaster("foo://bar").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--master 'foo://bar'")
        .hasMessageContaining("local-cluster[N,CORES,MB]");
    assertThatThrownBy(() -> ChaosOptions.builder().optMaster("local[x]").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("local[x]");
    assertThatThrownBy(() -> ChaosOptions.builder().optMaster("yarn").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'yarn'");
    assertThat(ChaosOptions.builder().optMaster("local[3]").build().master()).isEqualTo("local[3]");
    assertThat(ChaosOptions.builder().optMaster("spark://h:7077").build().master()).isEqualTo("spark://h:7077");
  }
}
