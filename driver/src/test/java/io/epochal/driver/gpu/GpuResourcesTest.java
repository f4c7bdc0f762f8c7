package io.epochal.driver.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.epochal.driver.spark.GpuResources;
import io.epochal.driver.spark.SparkMaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuResourcesTest {

  @TempDir
  Path tmp;

  @Test
  void clusterMasterGetsExecutorAndTaskAmountsAndTheExecutorDiscoveryScript() {
    GpuResources gpus = new GpuResources(2, 1, "/opt/spark/getGpus.sh");
    assertThat(gpus.sparkConf(SparkMaster.parse("yarn"))).containsExactly(
        entry("spark.executor.resource.gpu.amount", "2"),
        entry("spark.task.resource.gpu.amount", "1"),
        entry("spark.executor.resource.gpu.discoveryScript", "/opt/spark/getGpus.sh"));
    assertThat(new GpuResources(1, 1, "").sparkConf(SparkMaster.parse("spark://host:7077"))).containsExactly(
        entry("spark.executor.resource.gpu.amount", "1"),
        entry("spark.task.resource.gpu.amount", "1"));
  }

  @Test
  void localClusterAlsoConfiguresItsWorkersToDiscoverGpus() throws IOException {
    Path script = FakeGpus.writeDiscoveryScript(tmp, "0", "1");
    assertThat(new GpuResources(1, 1, script.toString()).sparkConf(SparkMaster.parse("local-cluster[2,1,1024]")))
        .containsEntry("spark.worker.resource.gpu.amount", "1")
        .containsEntry("spark.worker.resource.gpu.discoveryScript", script.toString())
        .containsEntry("spark.executor.resource.gpu.amount", "1")
        .containsEntry("spark.task.resource.gpu.amount", "1");
  }

  @Test
  void noGpusMapToNoEntryOnAnyMaster() {
    assertThat(GpuResources.NONE.sparkConf(SparkMaster.parse("local[2]"))).isEmpty();
    assertThat(new GpuResources(0, 0, "/x.sh").sparkConf(SparkMaster.parse("yarn"))).isEmpty();
  }

  @Test
  void localMasterWithGpusIsRefusedNamingTheKeyAndTheFix() {
    assertThatThrownBy(() -> new GpuResources(1, 1, "").sparkConf(SparkMaster.parse("local[2]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("resources.gpus_per_task = 1 needs executors")
        .hasMessageContaining("local-cluster");
  }

  @Test
  void aDiscoveryScriptOnALocalMasterIsRefusedEvenWithoutGpus() {
    assertThatThrownBy(() -> new GpuResources(0, 0, "/nonexist.sh").sparkConf(SparkMaster.parse("local[*]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("resources.gpu_discovery_script = /nonexist.sh finds the GPUs of executors, but master "
            + "local[*] runs tasks inside the driver");
    assertThat(new GpuResources(0, 0, "/opt/getGpus.sh").sparkConf(SparkMaster.parse("spark://h:7077"))).isEmpty();
  }

  @Test
  void aRequiredGpuIsRefusedOnALocalMasterAndLeftToSparkElsewhere() {
    assertThatThrownBy(() -> new GpuResources(0, 0, "", true).sparkConf(SparkMaster.parse("local[2]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("train.device = gpu needs a GPU that Spark assigns to every task, but master local[2]")
        .hasMessageContaining("train.device = auto");
    // a cluster's own spark.task.resource.gpu.amount (spark-defaults.conf) may give every task a GPU
    assertThat(new GpuResources(0, 0, "", true).sparkConf(SparkMaster.parse("yarn"))).isEmpty();
    assertThat(new GpuResources(1, 1, "", true).sparkConf(SparkMaster.parse("yarn")))
        .containsEntry("spark.task.resource.gpu.amount", "1");
  }

  @Test
  void localClusterWithoutAnExecutableScriptIsRefused() throws IOException {
    SparkMaster cluster = SparkMaster.parse("local-cluster[2,1,1024]");
    assertThatThrownBy(() -> new GpuResources(1, 1, "").sparkConf(cluster))
        .hasMessageContaining("resources.gpu_discovery_script is empty");
    Path plain = Files.writeString(tmp.resolve("not-executable.sh"), "echo");
    assertThatThrownBy(() -> new GpuResources(1, 1, plain.toString()).sparkConf(cluster))
        .hasMessageContaining("is not an executable file; create it and chmod +x it");
  }

  @Test
  void inconsistentAmountsAreRefusedNamingBothKeys() {
    assertThatThrownBy(() -> new GpuResources(1, 2, ""))
        .hasMessageContaining("resources.gpus_per_task = 2 exceeds resources.gpus_per_executor = 1");
    assertThatThrownBy(() -> new GpuResources(1, 0, ""))
        .hasMessageContaining("resources.gpus_per_executor = 1 but resources.gpus_per_task = 0");
    assertThatThrownBy(() -> new GpuResources(-1, 0, "")).hasMessageContaining("must be >= 0");
  }
}
