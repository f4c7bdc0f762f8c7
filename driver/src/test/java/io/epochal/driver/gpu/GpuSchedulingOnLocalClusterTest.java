package io.epochal.driver.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.GpuResources;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.spark.SparkTaskResources;
import io.epochal.driver.train.RoundRunner;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceDecision;
import io.epochal.worker.device.DeviceMode;
import io.epochal.worker.device.DevicePolicy;
import io.epochal.worker.device.DeviceSelector;
import io.epochal.worker.round.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GPU scheduling on {@code local-cluster[2,1,1024]} (two executor JVMs) with fake GPUs: a discovery
 * script reports GPU addresses, Spark assigns one to each executor and task, and the device policy
 * decides inside the executors, whose PyTorch engine (the CPU native) sees no CUDA device.
 */
class GpuSchedulingOnLocalClusterTest {

  private static Path dir;
  private static EpochalSpark spark;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("epochal-gpu-test");
    Path script = FakeGpus.writeDiscoveryScript(dir, "0", "1");
    spark = SparkSessions.builder().setMaster("local-cluster[2,1,1024]").optAppName("gpu-scheduling-test")
        .optGpus(new GpuResources(1, 1, script.toString()))
        .optConf("spark.task.maxFailures", "1")
        .build();
    spark.awaitExecutors(2, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (spark != null) {
        spark.close();
      }
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void eachExecutorsTasksSeeOneGpuAddressDistinctFromTheOtherExecutors() {
    List<String> seen = spark.jsc().parallelize(List.of(0, 1, 2, 3, 4, 5), 6).map(i -> {
      Thread.sleep(150); // keep both executors busy so that the tasks spread over them
      return SparkTaskResources.current().executorId() + "=" + String.join(",",
          SparkTaskResources.current().gpuAddresses());
    }).collect();

    Map<String, List<String>> byExecutor = new TreeMap<>(seen.stream().collect(Collectors.groupingBy(
        s -> s.substring(0, s.indexOf('=')), Collectors.mapping(s -> s.substring(s.indexOf('=') + 1),
            Collectors.toList()))));
    assertThat(byExecutor).as("tasks per executor: %s", seen).hasSize(2);
    List<String> addresses = byExecutor.values().stream().map(l -> {
      assertThat(l).as("one executor's tasks all see the same single address").hasSizeGreaterThan(0)
          .allMatch(a -> a.equals(l.get(0))).allMatch(a -> !a.contains(","));
      return l.get(0);
    }).sorted().toList();
    assertThat(addresses).containsExactly("0", "1");
  }

  @Test
  void theDriverSeesNoAssignment() {
    assertThat(SparkTaskResources.current().gpuAddresses()).isEmpty();
    assertThat(SparkTaskResources.current().executorId()).isEqualTo("driver");
  }

  @Test
  void autoFallsBackToTheCpuInEveryExecutorWithAWarningNamingIt() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    List<String> decisions = spark.jsc().parallelize(List.of(0, 1, 2, 3), 4).map(i -> {
      Thread.sleep(150);
      // the policy alone: DeviceSelector would mark the warning as given in this executor JVM
      DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, SparkTaskResources.current(),
          DeviceSelector.engineGpuCount(), DeviceSelector.engineDescription());
      return d.device() + "|" + d.warning().orElse("") + "|" + SparkTaskResources.current().executorId();
    }).collect();
    assertThat(decisions).hasSize(4).allSatisfy(d -> {
      String[] parts = d.split("\\|");
      assertThat(parts[0]).isEqualTo("cpu()");
      assertThat(parts[1]).contains("train.device=auto: executor " + parts[2] + " trains on the CPU",
          "engine sees no CUDA device although Spark assigned GPU");
    });
  }

  @Test
  void autoRoundWithAssignedFakeGpusEqualsTheCpuRoundBitForBit() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    JavaRDD<DataShard> shards = spark.jsc().parallelize(List.of(FakeGpus.shard(0, 40), FakeGpus.shard(1, 40)), 2);
    StateDict start = FakeGpus.initialState(FakeGpus.config(DeviceMode.AUTO));

    RoundRunner autoRunner = new RoundRunner(spark.jsc(), shards, FakeGpus.config(DeviceMode.AUTO), 2, 40);
    AggregateResult auto = autoRunner.run(start, 0, 0, 0, "auto on fake GPUs");
    RoundRunner cpuRunner = new RoundRunner(spark.jsc(), shards, FakeGpus.config(DeviceMode.CPU), 2, 40);
    AggregateResult cpu = cpuRunner.run(start, 0, 0, 0, "cpu");
    // the fallback's warning reaches the driver (not only the executor's log), once per executor JVM
    List<String> warned = autoRunner.newDeviceWarnings();
    assertThat(warned).isNotEmpty().hasSizeLessThanOrEqualTo(2).allSatisfy(w -> assertThat(w).containsPattern(
        "train\\.device=auto: executor \\d+ trains on the CPU because the PyTorch \\S+ engine sees no CUDA device "
            + "although Spark assigned GPU [01]"));
    autoRunner.run(auto.state(), 0, 1, 2, "auto again");
    assertThat(autoRunner.newDeviceWarnings()).as("said once").isEmpty();
    assertThat(cpuRunner.newDeviceWarnings()).isEmpty();
    assertThat(auto.contributors()).isEqualTo(2);
    assertThat(auto.samples()).isEqualTo(2L * 2 * FakeGpus.BATCH);
    assertThat(auto.state()).isEqualTo(cpu.state()).isNotEqualTo(start);
  }

  @Test
  void gpuModeFailsTheRoundNamingTheExecutorAndTheReason() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    JavaRDD<DataShard> shards = spark.jsc().parallelize(List.of(FakeGpus.shard(0, 16), FakeGpus.shard(1, 16)), 2);
    TrainingConfig gpu = FakeGpus.config(DeviceMode.GPU);
    StateDict start = FakeGpus.initialState(gpu);
    assertThatThrownBy(() -> new RoundRunner(spark.jsc(), shards, gpu, 2, 16).run(start, 0, 0, 0, "gpu on fake GPUs"))
        .hasMessageContaining("DeviceUnavailableException")
        .hasMessageMatching("(?s).*train\\.device=gpu but executor \\d+ cannot train on a GPU: the PyTorch \\S+ "
            + "engine sees no CUDA device although Spark assigned GPU [01].*");
  }
}
