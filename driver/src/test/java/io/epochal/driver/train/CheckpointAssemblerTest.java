package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schedule position a checkpoint records: where the next optimizer step's rate comes from. */
class CheckpointAssemblerTest {

  private static final int ROUNDS = 4;

  /** The quickstart job (optimizer.lr = 0.003) halving its rate after every epoch. */
  private static JobSpec halvingPerEpoch() {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false)
        .optOverride("schedule.name", "step").optOverride("schedule.step_size", "1")
        .optOverride("schedule.gamma", "0.5").optOverride("schedule.interval", "epoch").build().resolve();
  }

  private static HyperParameters scheduleOf(int epochs, int round) throws Exception {
    JobSpec spec = halvingPerEpoch();
    TrainingConfig config = TrainingConfigs.of(spec);
    StateDict state;
    try (EpochalModel m = ModelRegistry.getDefault().create(config.modelName(), config.modelVersion(),
        config.modelParams())) {
      m.initialize(spec.seed());
      state = m.stateDict();
    }
    CheckpointAssembler assembler = new CheckpointAssembler(spec, config, spec.jobName(), "4.0.0", null, null);
    CheckpointManifest manifest = assembler.assemble(epochs, round, 40L * epochs + round, ROUNDS, state,
        Map.of("train_loss", 1.0), "0".repeat(64), null).manifest();
    return manifest.learningRateSchedule();
  }

  @Test
  void aMidEpochCheckpointRecordsTheRateOfTheEpochItContinues() throws Exception {
    HyperParameters schedule = scheduleOf(2, 1); // 2 epochs done, 1 round of epoch 3: epoch 3's rate
    assertThat(schedule.getLong("schedule.step")).isEqualTo(2);
    assertThat(schedule.getDouble("schedule.lr")).isEqualTo(0.003 * 0.25);
  }

  @Test
  void aStopCheckpointHoldingEveryRoundOfItsEpochRecordsTheRateOfTheEpochAfterIt() throws Exception {
    HyperParameters schedule = scheduleOf(2, ROUNDS); // epoch 3 trained whole: the next step is epoch 4's
    assertThat(schedule.getLong("schedule.step")).isEqualTo(3);
    assertThat(schedule.getDouble("schedule.lr")).isEqualTo(0.003 * 0.125);
    assertThat(scheduleOf(3, 0).getDouble("schedule.lr")).as("as epoch 3's own checkpoint records it")
        .isEqualTo(schedule.getDouble("schedule.lr"));
  }
}
