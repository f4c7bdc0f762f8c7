package io.epochal.driver.gpu;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.spark.GpuPreflight;
import io.epochal.driver.spark.GpuResources;
import io.epochal.driver.spark.SparkMaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Spark would wait on forever, or fail every task for, refused before Spark starts. */
class GpuPreflightTest {

  private static final SparkMaster LOCAL_CLUSTER = SparkMaster.parse("local-cluster[2,1,1024]");

  @TempDir
  Path tmp;

  private Path script(String body) throws IOException {
    Path s = tmp.resolve("discover-" + Integer.toHexString(body.hashCode()) + ".sh");
    Files.writeString(s, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
    return s;
  }

  private static void check(GpuResources gpus, SparkMaster master, Map<String, String> userConf) {
    Map<String, String> conf = new HashMap<>(gpus.sparkConf(master));
    conf.putAll(userConf);
    GpuPreflight.check(gpus, master, conf);
  }

  @Test
  void deviceGpuWithoutAGpuPerTaskIsRefusedOnEveryMasterNamingTheKeysToSet() {
    for (String master : new String[] {"local-cluster[2,1,1024]", "spark://host:7077", "yarn"}) {
      assertThatThrownBy(() -> check(new GpuResources(0, 0, "", true), SparkMaster.parse(master), Map.of()))
          .hasMessageContaining("train.device = gpu needs a GPU that Spark assigns to every task, but no GPU is "
              + "scheduled (spark.task.resource.gpu.amount is not set)")
          .hasMessageContaining("resources.gpus_per_task = 1");
    }
    // Spark's own key, given instead of the placement keys, counts (the cluster's nodes find the GPUs)
    assertThatCode(() -> check(new GpuResources(0, 0, "", true), SparkMaster.parse("yarn"),
        Map.of("spark.task.resource.gpu.amount", "1", "spark.executor.resource.gpu.amount", "1")))
        .doesNotThrowAnyException();
  }

  @Test
  void sparksOwnGpuKeysOnLocalClusterWithoutAWorkerDiscoveryScriptAreRefused() {
    assertThatThrownBy(() -> check(GpuResources.NONE, LOCAL_CLUSTER, Map.of("spark.executor.resource.gpu.amount", "1",
        "spark.task.resource.gpu.amount", "1")))
        .hasMessageContaining("GPUs are asked of the executors of local-cluster[2,1,1024] "
            + "(spark.task.resource.gpu.amount=1), but its workers have no discovery script")
        .hasMessageContaining("set resources.gpu_discovery_script");
  }

  @Test
  void sparksOwnResourceKeysOnALocalMasterAreRefusedBeforeSparkStarts() {
    assertThatThrownBy(() -> check(GpuResources.NONE, SparkMaster.parse("local[*]"),
        Map.of("spark.task.resource.gpu.amount", "1")))
        .hasMessageContaining("spark.task.resource.gpu.amount = 1 asks Spark for a resource per task, but master "
            + "local[*] runs tasks inside the driver");
    assertThatCode(() -> check(GpuResources.NONE, SparkMaster.parse("local[2]"),
        Map.of("spark.task.resource.gpu.amount", "0"))).doesNotThrowAnyException();
  }

  @Test
  void aDiscoveryScriptThatFailsOrPrintsNoGpuJsonIsRefusedWithWhatItSaid() throws IOException {
    Path fails = script("echo 'nvidia-smi: not found' >&2; exit 3");
    assertThatThrownBy(() -> check(new GpuResources(1, 1, fails.toString()), LOCAL_CLUSTER, Map.of()))
        .hasMessageContaining("resources.gpu_discovery_script = '" + fails + "' exited 3 (output: nvidia-smi: not "
            + "found); fix it");
    Path garbage = script("echo hello garbage");
    assertThatThrownBy(() -> check(new GpuResources(1, 1, garbage.toString()), LOCAL_CLUSTER, Map.of()))
        .hasMessageContaining("printed 'hello garbage', not Spark's {\"name\":\"gpu\",\"addresses\":[\"0\",...]}");
    Path otherResource = script("echo '{\"name\":\"fpga\",\"addresses\":[\"0\"]}'");
    assertThatThrownBy(() -> check(new GpuResources(1, 1, otherResource.toString()), LOCAL_CLUSTER, Map.of()))
        .hasMessageContaining("not Spark's {\"name\":\"gpu\"");
    Path silent = script("exit 0");
    assertThatThrownBy(() -> check(new GpuResources(1, 1, silent.toString()), LOCAL_CLUSTER, Map.of()))
        .hasMessageContaining("printed nothing");
  }

  @Test
  void aDiscoveryScriptNamingFewerGpusThanAWorkerMustHoldIsRefused() throws IOException {
    Path one = script("echo '{\"name\":\"gpu\",\"addresses\":[\"0\"]}'");
    assertThatThrownBy(() -> check(new GpuResources(2, 1, one.toString()), LOCAL_CLUSTER, Map.of()))
        .hasMessageContaining("names 1 GPU(s), fewer than the 2 each worker of local-cluster[2,1,1024] must hold");
    assertThatCode(() -> check(new GpuResources(1, 1, one.toString(), true), LOCAL_CLUSTER, Map.of()))
        .doesNotThrowAnyException();
  }

  @Test
  void aScriptForAClustersNodesIsNotRunHere() {
    // on YARN, Kubernetes or a standalone cluster the script is the nodes' path, perhaps absent here
    assertThatCode(() -> check(new GpuResources(1, 1, "/opt/cluster-only/getGpus.sh", true),
        SparkMaster.parse("spark://host:7077"), Map.of())).doesNotThrowAnyException();
  }
}
