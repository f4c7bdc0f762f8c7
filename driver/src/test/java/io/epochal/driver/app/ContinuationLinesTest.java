package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.params.HyperParameters;
import io.epochal.worker.schedule.LrSchedules;
import org.junit.jupiter.api.Test;

/** The "next rate" line that status and resume's dry run print from a checkpoint's schedule state. */
class ContinuationLinesTest {

  @Test
  void aScheduleThatSetsTheMomentumShowsTheNextStepsMomentumBesideItsRate() {
    HyperParameters job = HyperParameters.builder().put("schedule.name", "onecycle").build();
    HyperParameters cycled = LrSchedules.oneCycle(0.1, 6, 0.3, "cos", 25, 1e4, false, 0.85, 0.95).state(2);
    assertThat(ContinuationLines.learningRate(job, cycled))
        .hasValue("0.0811745653949763 at step 2, momentum 0.8688255099070633 (schedule onecycle)");
    HyperParameters plain = LrSchedules.oneCycle(0.1, 6, 0.3, "cos", 25, 1e4, false).state(2);
    assertThat(ContinuationLines.learningRate(job, plain)).hasValue("0.0811745653949763 at step 2 (schedule onecycle)");
    assertThat(ContinuationLines.learningRate(job, HyperParameters.empty())).isEmpty();
  }

  @Test
  void aScheduleSteppedOncePerEpochNamesTheEpochTheRateTrains() {
    HyperParameters job = HyperParameters.builder().put("schedule.name", "step").build();
    HyperParameters state = LrSchedules.stepDecay(0.1, 1, 0.5).state(2).with(HyperParameters.builder()
        .put("schedule.interval", "epoch").build());
    assertThat(ContinuationLines.learningRate(job, state))
        .hasValue("0.025 for epoch 3 (schedule step 2, once per epoch) (schedule step)");
  }

  @Test
  void scaledRatesAreThoseOfTheStepAResumeTakesNextFromAMidEpochCheckpoint() {
    HyperParameters job = HyperParameters.builder().put("schedule.name", "cosine").put("train.lr_scale", "*:0.5")
        .build();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    ContinuationLines.print(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), job,
        manifest(1, 0.1), manifest(2, 0.04), false);
    String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(printed).contains("the next step's: * 0.02;").contains("next rate:   0.04 at step")
        .doesNotContain("* 0.05");
  }

  private static io.epochal.checkpoint.CheckpointManifest manifest(long epoch, double lr) {
    return io.epochal.checkpoint.CheckpointManifest.builder().setJobId("job").setEpoch(epoch).setModel("mlp", "1")
        .optGlobalStep(10 * epoch).optLearningRateSchedule(HyperParameters.builder().put("schedule.name", "cosine")
            .put("schedule.lr", lr).put("schedule.step", 10 * epoch).build()).build();
  }
}
