package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeRecord;
import io.epochal.worker.probe.Tolerance;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A checkpoint's moving average is checked against the output its probe file recorded for it. */
class AverageProbeTest {

  private static final HyperParameters MLP =
      HyperParameters.builder().put("input_dim", 5).put("hidden", List.of(4L)).put("output_dim", 3).build();

  private static LoadedCheckpoint checkpoint(StateDict model, StateDict probe, StateDict ema) {
    return new LoadedCheckpoint("file:/tmp/job/checkpoints/epoch-000001", CheckpointManifest.builder()
        .setJobId("job").setEpoch(1).setModel("mlp", "1").build(), model, StateDict.empty(), probe, ema);
  }

  @Test
  void anAverageThatReloadsToItsRecordedOutputPassesAndAnotherFailsNamingTheDifference() {
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, MLP)) {
      m.initialize(1);
      StateDict trained = m.stateDict();
      ProbeRecord trainedProbe = Probe.record(m);
      m.initialize(2);
      StateDict average = m.stateDict();
      StateDict probe = trainedProbe.withAverage(Probe.record(m));

      assertThat(CheckpointFit.averageNotReproduced(m, checkpoint(trained, probe, average), Tolerance.exact()))
          .isEmpty();
      assertThat(m.stateDict()).as("left with the trained weights").isEqualTo(trained);

      m.initialize(3);
      StateDict other = m.stateDict();
      assertThat(CheckpointFit.averageNotReproduced(m, checkpoint(trained, probe, other), Tolerance.exact()))
          .hasValueSatisfying(why -> assertThat(why).isNotBlank());
      assertThat(CheckpointFit.averageNotReproduced(m, checkpoint(trained, trainedProbe.toStateDict(), average),
          Tolerance.exact())).contains("its probe.safetensors records no output of the average (probe.ema_output)");
      assertThat(CheckpointFit.averageNotReproduced(m, checkpoint(trained, trainedProbe.toStateDict(),
          StateDict.empty()), Tolerance.exact())).as("no average, nothing to check").isEmpty();
    }
  }
}
