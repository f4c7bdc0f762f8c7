package io.epochal.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevicePolicyTest {

  private static final String ENGINE = "PyTorch 2.7.1";

  private static DeviceAssignment gpus(String executor, String... addresses) {
    return new DeviceAssignment(executor, List.of(addresses));
  }

  @Test
  void autoTrainsOnTheAssignedGpuWhenTheEngineSeesIt() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, gpus("3", "1"), 2, ENGINE);
    assertThat(d.device()).isEqualTo(Device.gpu(1));
    assertThat(d.isGpu()).isTrue();
    assertThat(d.warning()).isEmpty();
  }

  @Test
  void autoFallsBackToTheCpuWithAWarningNamingTheExecutorWhenTheEngineHasNoCuda() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, gpus("7", "0"), 0, ENGINE);
    assertThat(d.device()).isEqualTo(Device.cpu());
    assertThat(d.warning()).hasValueSatisfying(w -> assertThat(w)
        .contains("train.device=auto", "executor 7", "trains on the CPU", "sees no CUDA device", "GPU 0",
            "-Pcuda"));
  }

  @Test
  void autoWarnsWhenTheEngineHasGpusButSparkAssignedNone() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, DeviceAssignment.noGpu("2"), 4, ENGINE);
    assertThat(d.device()).isEqualTo(Device.cpu());
    assertThat(d.warning()).hasValueSatisfying(w -> assertThat(w)
        .contains("executor 2", "Spark assigned no GPU", "sees 4 CUDA device(s)", "resources.gpus_per_task"));
  }

  @Test
  void autoOnALocalMasterWithAGpuSaysTheDriverGetsNoneAndAdvisesAMasterWithExecutorsNotKeysLocalRefuses() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, DeviceAssignment.noGpu("driver"), 1, ENGINE);
    assertThat(d.device()).isEqualTo(ai.djl.Device.cpu());
    assertThat(d.warning()).hasValueSatisfying(w -> assertThat(w).contains("a local[N] master runs tasks in the "
        + "driver, to which Spark assigns no GPU: train on a local-cluster[N,C,MB] or a cluster master")
        .doesNotContain("spark.executor/task.resource.gpu.amount"));
  }

  @Test
  void autoOnAPlainCpuClusterTrainsOnTheCpuWithoutWarning() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, DeviceAssignment.noGpu("0"), 0, ENGINE);
    assertThat(d).isEqualTo(DeviceDecision.of(Device.cpu()));
  }

  @Test
  void autoFallsBackWhenTheAssignedAddressIsNotVisibleToTheEngine() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, gpus("1", "3"), 2, ENGINE);
    assertThat(d.device()).isEqualTo(Device.cpu());
    assertThat(d.warning()).hasValueSatisfying(w -> assertThat(w)
        .contains("executor 1", "GPU 3 is not among the 2 CUDA device(s)", "CUDA_VISIBLE_DEVICES"));
  }

  @Test
  void autoWarnsThatExtraAssignedGpusStayIdle() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.AUTO, gpus("1", "1", "0"), 2, ENGINE);
    assertThat(d.device()).isEqualTo(Device.gpu(1));
    assertThat(d.warning()).hasValueSatisfying(w -> assertThat(w)
        .contains("executor 1 trains on GPU 1 only", "[1, 0]", "resources.gpus_per_task=1"));
  }

  @Test
  void cpuModeIgnoresAnAssignedGpu() {
    assertThat(DevicePolicy.decide(DeviceMode.CPU, gpus("0", "0"), 2, ENGINE))
        .isEqualTo(DeviceDecision.of(Device.cpu()));
    assertThat(DevicePolicy.decide(DeviceMode.CPU, DeviceAssignment.noGpu("0"), 0, ENGINE))
        .isEqualTo(DeviceDecision.of(Device.cpu()));
  }

  @Test
  void gpuModeTrainsOnTheAssignedGpu() {
    DeviceDecision d = DevicePolicy.decide(DeviceMode.GPU, gpus("0", "0"), 1, ENGINE);
    assertThat(d).isEqualTo(DeviceDecision.of(Device.gpu(0)));
  }

  @Test
  void gpuModeFailsNamingTheExecutorWhenSparkAssignedNoGpu() {
    assertThatThrownBy(() -> DevicePolicy.decide(DeviceMode.GPU, DeviceAssignment.noGpu("5"), 1, ENGINE))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("train.device=gpu but executor 5 cannot train on a GPU")
        .hasMessageContaining("Spark assigned no GPU to the task")
        .hasMessageContaining("resources.gpus_per_executor")
        .satisfies(e -> assertThat(((DeviceUnavailableException) e).executorId()).isEqualTo("5"));
  }

  @Test
  void gpuModeFailsNamingTheExecutorWhenTheEngineHasNoCuda() {
    assertThatThrownBy(() -> DevicePolicy.decide(DeviceMode.GPU, gpus("4", "1"), 0, ENGINE))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("executor 4")
        .hasMessageContaining("the PyTorch 2.7.1 engine sees no CUDA device although Spark assigned GPU 1")
        .hasMessageContaining("DJL counts CUDA devices through the host's CUDA runtime, libcudart.so")
        .hasMessageContaining("the unversioned libcudart.so in a directory of spark.executorEnv.LD_LIBRARY_PATH")
        .hasMessageContaining("-Djna.library.path")
        .hasMessageContaining("train.device=auto");
  }

  @Test
  void gpuModeRefusesAnAddressThatIsNotADeviceIndex() {
    assertThatThrownBy(() -> DevicePolicy.decide(DeviceMode.GPU, gpus("4", "GPU-5f1c"), 2, ENGINE))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("'GPU-5f1c' is not a CUDA device index");
  }

  @Test
  void modeParsesJobFileSpellingsAndRefusesOthersNamingTheKey() {
    assertThat(DeviceMode.parse("auto")).isEqualTo(DeviceMode.AUTO);
    assertThat(DeviceMode.parse(" GPU ")).isEqualTo(DeviceMode.GPU);
    assertThat(DeviceMode.CPU.key()).isEqualTo("cpu");
    assertThatThrownBy(() -> DeviceMode.parse("cuda"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("train.device = 'cuda' is not a device mode; set it to auto, cpu or gpu");
  }

  @Test
  void assignmentRefusesBlankExecutorsAndAddresses() {
    assertThatThrownBy(() -> new DeviceAssignment(" ", List.of())).hasMessageContaining("executor id");
    assertThatThrownBy(() -> gpus("1", "")).hasMessageContaining("GPU address must not be blank");
    assertThat(gpus("1", "0")).isEqualTo(gpus("1", "0")).hasToString("executor 1 (GPU [0])");
  }
}
