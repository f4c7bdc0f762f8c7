package io.epochal.driver.train;

import io.epochal.driver.config.JobSpec;
import io.epochal.params.HyperParameters;
import io.epochal.worker.device.DeviceMode;
import io.epochal.worker.round.TrainingConfig;

/** Maps a resolved job spec to the configuration a worker needs for a round. */
public final class TrainingConfigs {

  /** The schedule-name key the worker's schedule factory reads. */
  static final String SCHEDULE_NAME_KEY = "schedule";

  private TrainingConfigs() {}

  /** The worker configuration of {@code spec}. */
  public static TrainingConfig of(JobSpec spec) {
    HyperParameters schedule = HyperParameters.builder()
        .putAll(spec.scheduleParams())
        .put(SCHEDULE_NAME_KEY, spec.scheduleName())
        .build();
    return TrainingConfig.builder()
        .setModel(spec.modelName(), Math.toIntExact(spec.modelVersion()), spec.modelParams())
        .setOptimizer(spec.optimizerName(), spec.optimizerParams())
        .optSchedule(schedule)
        .setLoss(spec.lossConfig())
        .setBatchSize(spec.batchSize())
        .optLocalSteps(spec.localSteps())
        .optAccumulateGradBatches(spec.accumulateGradBatches())
        .optClipGradNorm(spec.clipGradNorm())
        .optClipGradValue(spec.clipGradValue())
        .setSeed(spec.seed())
        .optThreads(spec.threadsPerWorker())
        .optDevice(DeviceMode.parse(spec.device()))
        .optFrozen(spec.fineTuning().frozenParameters())
        .optParamGroups(spec.fineTuning().paramGroups())
        .optEma(spec.ema())
        .build();
  }
}
