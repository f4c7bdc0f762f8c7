package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.chaos.ChaosJob;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyStoppingTest {

  @TempDir
  Path tmp;

  private JobSpec spec(String... overrides) throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Map<String, String> keys = new LinkedHashMap<>(ChaosJob.keys(data.toUri().toString(), 8));
    keys.put("job.name", "early");
    keys.put("job.dir", tmp.resolve("job").toString());
    for (int i = 0; i < overrides.length; i += 2) {
      keys.put(overrides[i], overrides[i + 1]);
    }
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optOverrides(keys).build().resolve();
  }

  private static Map<String, Double> loss(double value) {
    return Map.of("train_loss", value);
  }

  @Test
  void patienceEpochsInARowWithoutImprovementStopTheJobAndAnImprovementStartsTheCountAgain() throws IOException {
    EarlyStopping s = EarlyStopping.start(spec("early_stop.patience", "2"), 0, Map.of(), null);
    assertThat(s.enabled()).isTrue();
    s = s.after(1, loss(1.0));
    assertThat(s.metrics()).containsExactly(Map.entry("early_stop_wait", 0.0), Map.entry("early_stop_best", 1.0),
        Map.entry("early_stop_best_epoch", 1.0));
    s = s.after(2, loss(1.0)); // equal is no improvement
    assertThat(s.waited()).isEqualTo(1);
    assertThat(s.progress()).isEqualTo("train_loss did not improve for 1 of early_stop.patience = 2 epochs (best "
        + "1.00000 at epoch 1)");
    assertThat(s.exhausted()).isFalse();
    s = s.after(3, loss(0.5));
    assertThat(s.waited()).isZero();
    s = s.after(4, loss(0.7)).after(5, loss(0.6));
    assertThat(s.exhausted()).isTrue();
    assertThat(s.metrics()).containsEntry("early_stop_best", 0.5).containsEntry("early_stop_best_epoch", 3.0)
        .containsEntry("early_stop_wait", 2.0);
    assertThat(s.reason()).isEqualTo("checkpoint.best_metric train_loss did not improve (down by more than "
        + "early_stop.min_delta = 0.0) for 2 epochs in a row (early_stop.patience = 2; best 0.500000 at epoch 3)");
  }

  @Test
  void anImprovementMustExceedMinDeltaInTheDirectionOfBestMode() throws IOException {
    EarlyStopping min = EarlyStopping.start(spec("early_stop.patience", "5", "early_stop.min_delta", "0.1"), 0,
        Map.of(), null).after(1, loss(1.0));
    assertThat(min.after(2, loss(0.9)).waited()).as("0.1 lower is not more than 0.1").isEqualTo(1);
    assertThat(min.after(2, loss(0.89)).waited()).isZero();
    assertThat(min.after(2, loss(2.0)).waited()).isEqualTo(1);

    EarlyStopping max = EarlyStopping.start(spec("early_stop.patience", "5", "early_stop.min_delta", "0.01",
        "checkpoint.best_metric", "train_accuracy", "checkpoint.best_mode", "max"), 0, Map.of(), null)
        .after(1, Map.of("train_accuracy", 0.9));
    assertThat(max.after(2, Map.of("train_accuracy", 0.905)).waited()).isEqualTo(1);
    assertThat(max.after(2, Map.of("train_accuracy", 0.92)).metrics()).containsEntry("early_stop_best", 0.92);
    assertThat(max.after(2, Map.of("train_accuracy", 0.5)).waited()).isEqualTo(1);
  }

  @Test
  void anEpochThatRecordsNoFiniteValueOfTheMetricDoesNotImproveIt() throws IOException {
    EarlyStopping s = EarlyStopping.start(spec("early_stop.patience", "2"), 0, Map.of(), null)
        .after(1, Map.of("samples", 3.0));
    assertThat(s.metrics()).containsExactly(Map.entry("early_stop_wait", 1.0));
    s = s.after(2, loss(Double.NaN));
    assertThat(s.exhausted()).isTrue();
    assertThat(s.reason()).endsWith("(early_stop.patience = 2; no value of it recorded yet)");
  }

  @Test
  void aResumeContinuesTheCountItsCheckpointRecordedUnderTheSameRanking() throws IOException {
    JobSpec spec = spec("early_stop.patience", "3");
    Map<String, Double> recorded = Map.of("train_loss", 0.8, "early_stop_wait", 2.0, "early_stop_best", 0.5,
        "early_stop_best_epoch", 4.0);
    EarlyStopping resumed = EarlyStopping.start(spec, 6, recorded, "train_loss:min");
    assertThat(resumed.waited()).isEqualTo(2);
    assertThat(resumed.after(7, loss(0.6)).exhausted()).isTrue();
    assertThat(resumed.after(7, loss(0.4)).waited()).isZero();

    EarlyStopping reranked = EarlyStopping.start(spec, 6, recorded, "val_loss:min");
    assertThat(reranked.waited()).as("counted for another metric: started afresh from the checkpoint's value")
        .isZero();
    assertThat(reranked.metrics()).containsEntry("early_stop_best", 0.8).containsEntry("early_stop_best_epoch", 6.0);
    assertThat(EarlyStopping.start(spec, 6, Map.of("train_loss", 0.8), "train_loss:min").metrics())
        .as("a checkpoint trained without early stopping").containsEntry("early_stop_best", 0.8)
        .containsEntry("early_stop_wait", 0.0);
  }

  @Test
  void aMonitorOfItsOwnIsWatchedWhileCheckpointsAreRankedByTheirMetric() throws IOException {
    JobSpec spec = spec("early_stop.patience", "2", "early_stop.monitor", "train_accuracy", "early_stop.mode", "max");
    assertThat(spec.bestMetric()).isEqualTo("train_loss");
    assertThat(spec.toHyperParameters().getString("early_stop.monitor")).isEqualTo("train_accuracy");
    EarlyStopping s = EarlyStopping.start(spec, 0, Map.of(), null)
        .after(1, Map.of("train_loss", 1.0, "train_accuracy", 0.9));
    s = s.after(2, Map.of("train_loss", 0.5, "train_accuracy", 0.9)).after(3, Map.of("train_loss", 0.2,
        "train_accuracy", 0.85));
    assertThat(s.exhausted()).as("the loss fell, the accuracy did not rise").isTrue();
    assertThat(s.reason()).startsWith("early_stop.monitor train_accuracy did not improve (up by more than");
    assertThat(EarlyStopping.rankedBy(spec.toHyperParameters())).isEqualTo("train_accuracy:max");

    JobSpec lightning = spec("early_stop.patience", "2", "early_stop.monitor", "train_loss",
        "checkpoint.best_metric", "train_accuracy", "checkpoint.best_mode", "max");
    assertThat(lightning.earlyStop().isMax()).as("a monitor of its own is better when lower, Lightning's mode")
        .isFalse();
    assertThat(EarlyStopping.rankedBy(lightning.toHyperParameters())).isEqualTo("train_loss:min");
    JobSpec ranked = spec("early_stop.patience", "2");
    assertThat(ranked.toHyperParameters().contains("early_stop.monitor")).as("stored as before the key").isFalse();
    assertThat(ranked.toHyperParameters().contains("early_stop.mode")).isFalse();
    assertThat(EarlyStopping.rankedBy(ranked.toHyperParameters())).isEqualTo("train_loss:min");
  }

  @Test
  void aMonitorNoCheckpointRecordsOrAnAccuracyWatchedForItsMinimumIsRefusedNamingTheKeyToSet() {
    assertThat(catchThrowable(() -> spec("early_stop.patience", "2", "early_stop.monitor", "train_accuracy")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("early_stop.mode = min makes the lowest the best")
        .hasMessageContaining("set early_stop.mode=max");
    assertThat(catchThrowable(() -> spec("early_stop.patience", "2", "early_stop.monitor", "val_loss")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("early_stop.monitor = 'val_loss'")
        .hasMessageContaining("recorded only for a job evaluated on held-out rows");
    assertThat(catchThrowable(() -> spec("early_stop.patience", "2", "early_stop.monitor", "train_los")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean 'train_loss'?");
  }

  @Test
  void withoutPatienceNothingStops() throws IOException {
    EarlyStopping off = EarlyStopping.start(spec(), 0, Map.of(), null);
    assertThat(off.enabled()).isFalse();
    for (int e = 1; e <= 5; e++) {
      off = off.after(e, loss(1.0));
    }
    assertThat(off.exhausted()).isFalse();
  }

  @Test
  void anEpochCountExtendedAfterTheStopIsTheJobsWhateverFormTheEventIsIn() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(Files.createDirectories(tmp.resolve("extended"))
        .toUri());
    org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(new org.apache.hadoop.conf.Configuration());
    io.epochal.job.JobEventLog log = new io.epochal.job.JobEventLog(fs, dir);
    java.util.function.BiFunction<Long, String, io.epochal.job.JobEvent.Builder> amended = (epoch, message) ->
        io.epochal.job.JobEvent.builder(io.epochal.job.JobEventType.AMENDED, java.time.Instant.now(), 1)
            .optEpoch(epoch).optRound(0).optMessage(message);
    try (io.epochal.job.JobEventLog.Writer w = log.openAttempt(1)) {
      w.append(amended.apply(1L, "train.epochs: 5 -> 10").build()); // before the stop's checkpoint: not after it
      w.append(amended.apply(3L, "train.epochs: 10 -> 3 (stopped early: no improvement)").build());
    }
    assertThat(EarlyStopping.epochsExtendedAfter(fs, dir, 3)).as("stopped, not extended").isFalse();
    try (io.epochal.job.JobEventLog.Writer w = log.openAttempt(2)) {
      w.append(io.epochal.job.JobEvent.builder(io.epochal.job.JobEventType.AMENDED, java.time.Instant.now(), 2)
          .optEpoch(3).optRound(0).optMessage("checkpoint.keep_last: 2 -> 1; train.epochs: 3 -> 6").build()); // as
      // events once said it, without the changes
    }
    assertThat(EarlyStopping.epochsExtendedAfter(fs, dir, 3)).as("a resume --epochs 6 after the stop").isTrue();
    try (io.epochal.job.JobEventLog.Writer w = log.openAttempt(3)) {
      w.append(io.epochal.job.JobEvent.builder(io.epochal.job.JobEventType.AMENDED, java.time.Instant.now(), 3)
          .optEpoch(4).optRound(0).optMessage("train.epochs: 6 -> 4 (stopped early)")
          .optChanges(java.util.List.of(io.epochal.params.ValueChange.of("train.epochs", 6L, 4L))).build());
    }
    assertThat(EarlyStopping.epochsExtendedAfter(fs, dir, 3)).as("the last change decides: 4 > 3").isTrue();
    assertThat(EarlyStopping.epochsExtendedAfter(fs, dir, 4)).as("stopped again at 4").isFalse();
  }
}
