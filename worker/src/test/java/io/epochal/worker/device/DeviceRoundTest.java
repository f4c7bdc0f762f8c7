package io.epochal.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.worker.state.TensorConversion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rounds through the device policy on this machine's engine (the CPU native: no CUDA device), and
 * the property that makes checkpoints device-free: a round's state is a CPU copy.
 */
class DeviceRoundTest {

  private static final int FEATURES = 6;
  private static final DeviceAssignment FAKE_GPU = new DeviceAssignment("1", List.of("0"));

  @AfterEach
  void closeModels() {
    ModelCache.forCurrentThread().close();
  }

  @Test
  void autoWithAFakeGpuTrainsOnTheCpuAndMatchesThePlainCpuRoundBitForBit() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    TrainingConfig auto = config(DeviceMode.AUTO);
    StateDict start = initialState(auto);
    DataShard shard = shard(1, 48);

    assertThat(DeviceSelector.select(DeviceMode.AUTO, FAKE_GPU).device()).isEqualTo(Device.cpu());
    RoundResult viaPolicy = LocalRound.run(auto, start, shard, 0, 0, 0, FAKE_GPU);
    RoundResult onCpu = LocalRound.run(config(DeviceMode.CPU), start, shard, 0, 0, 0);
    RoundResult cpuMode = LocalRound.run(config(DeviceMode.CPU), start, shard, 0, 0, 0, FAKE_GPU);
    assertThat(viaPolicy).isEqualTo(onCpu);
    assertThat(cpuMode).isEqualTo(onCpu);
    assertThat(viaPolicy.state()).isNotEqualTo(start);
  }

  @Test
  void autoPassesItsWarningOnInEveryTaskSoThatARetryOfAFailedAttemptSaysItToo() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    List<String> first = new java.util.ArrayList<>();
    List<String> retry = new java.util.ArrayList<>();
    DeviceSelector.select(DeviceMode.AUTO, FAKE_GPU, first::add);
    DeviceSelector.select(DeviceMode.AUTO, FAKE_GPU, retry::add); // the same executor JVM, logged once only
    assertThat(first).singleElement().asString().contains("GPU");
    assertThat(retry).as("passed on again, for the driver that lost the first attempt's").isEqualTo(first);
  }

  @Test
  void gpuModeFailsTheRoundNamingTheExecutorWhenTheEngineHasNoCuda() {
    assumeTrue(DeviceSelector.engineGpuCount() == 0, "this machine's engine sees a CUDA device");
    TrainingConfig gpu = config(DeviceMode.GPU);
    StateDict start = initialState(gpu);
    assertThatThrownBy(() -> LocalRound.run(gpu, start, shard(0, 16), 0, 0, 0, FAKE_GPU))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("executor 1")
        .hasMessageContaining("engine sees no CUDA device although Spark assigned GPU 0");
    assertThatThrownBy(() -> LocalRound.run(gpu, start, shard(0, 16), 0, 0, 0, DeviceAssignment.noGpu("3")))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessageContaining("executor 3")
        .hasMessageContaining("Spark assigned no GPU to the task");
  }

  /**
   * Under {@code auto} with a GPU Spark assigned but no CUDA engine (every machine these tests run on), the round
   * trains on the CPU: its state is a copy that outlives the model's native arrays. The copy from a GPU's memory
   * ({@code TensorConversion}'s device path) is not exercised here.
   */
  @Test
  void roundStateOnTheCpuIsACopyThatOutlivesTheModelAndResumesOnAFreshCpuModel() throws Exception {
    TrainingConfig auto = config(DeviceMode.AUTO);
    StateDict start = initialState(auto);
    RoundResult result = LocalRound.run(auto, start, shard(0, 32), 0, 0, 0, FAKE_GPU);
    StateDict model = LocalRound.modelPart(result.state());
    StateDict before = copy(model);
    ModelCache.forCurrentThread().close(); // frees every native array the round used

    assertThat(model).isEqualTo(before);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SafetensorsWriter.write(model, bytes);
    StateDict read = SafetensorsReader.read(new ByteArrayInputStream(bytes.toByteArray()), bytes.size(),
        "model.safetensors").tensors();
    assertThat(read).isEqualTo(model);
    try (EpochalModel fresh = ModelRegistry.getDefault().create("mlp", 1, auto.modelParams(), Device.cpu())) {
      fresh.loadStateDict(read);
      assertThat(fresh.stateDict()).isEqualTo(model);
    }
  }

  @Test
  void tensorConversionCopiesTheElementsOutOfTheEngine() {
    Tensor tensor;
    try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
      NDArray array = manager.create(new float[] {1.5f, -2f, 3.25f});
      tensor = TensorConversion.toTensor(array);
      array.muli(0); // the tensor must not see later changes of the array
    }
    assertThat(tensor).isEqualTo(Tensor.ofFloats(new long[] {3}, 1.5f, -2f, 3.25f));
  }

  private static StateDict copy(StateDict s) {
    StateDict.Builder b = StateDict.builder();
    s.asMap().forEach((k, v) -> b.put(k, Tensor.of(v.dtype(), v.shape(), v.data())));
    return b.build();
  }

  private static TrainingConfig config(DeviceMode mode) {
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) FEATURES).put("hidden", List.of(8L)).put("output_dim", 2L).build());
    return TrainingConfig.builder()
        .setModel("mlp", 1, model)
        .setOptimizer("adam", Optimizers.params("adam").resolve(HyperParameters.builder().put("lr", 0.01).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(8)
        .optLocalSteps(2)
        .setSeed(11)
        .optDevice(mode)
        .build();
  }

  private static StateDict initialState(TrainingConfig config) {
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, config.modelParams())) {
      m.initialize(Seeds.derive(config.seed(), Seeds.INIT));
      return m.stateDict();
    }
  }

  private static DataShard shard(int worker, int rows) {
    SplittableRandom rng = new SplittableRandom(worker + 5L);
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) rng.nextGaussian();
      }
      y[i] = x[i * FEATURES] > 0 ? 1 : 0;
    }
    return new DataShard(worker, rows, new long[] {FEATURES}, 1, x, y);
  }
}
