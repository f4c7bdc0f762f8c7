package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.train.EpochValues;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code epochal history} on job directories written by hand: no Spark, no training. */
class HistoryCommandTest {

  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");

  @TempDir
  Path tmp;
  private Path job;

  /** A job of 3 epochs (a regression, a decaying rate) whose retention kept only epoch 3's checkpoint. */
  @BeforeEach
  void jobWhoseRetentionKeptTheLastCheckpoint() throws Exception {
    job = tmp.resolve("job");
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    new io.epochal.job.JobSpecStore(fs, dir).writeOnce(io.epochal.job.JobSpec.of("job", "job",
        HyperParameters.builder().put("train.epochs", 5L).build()));
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir.toString()).build();
        JobEventLog.Writer events = new JobEventLog(fs, dir).openAttempt(1)) {
      for (int e = 1; e <= 3; e++) {
        CheckpointManifest m = CheckpointManifest.builder().setJobId("job").setEpoch(e).setModel("mlp", "1")
            .optGlobalStep(16L * e).optMetric("train_loss", 0.5 / e).optMetric("train_mae", 0.25 / e)
            .optMetric("val_loss", 0.75 / e).optMetric("val_mae", 0.375 / e).optMetric("val_r2", 1 - 0.1 / e)
            .optLearningRateSchedule(HyperParameters.builder().put("schedule.lr", 0.004 / e).build())
            .optCreatedAt(T0.plusSeconds(e)).build();
        if (e == 3) {
          store.commit(CheckpointContent.builder()
              .setModel(StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, e)).build())
              .setManifest(m).build(), epoch -> { });
        }
        events.append(JobEvent.builder(JobEventType.EPOCH_COMMITTED, T0.plusSeconds(e), 1).optEpoch(e)
            .optMessage("train_loss=" + 0.5 / e).optMetrics(EpochValues.of(m).eventMetrics()).build());
      }
    }
  }

  @Test
  void theTableShowsEveryEpochAndWhichCheckpointsRetentionDeleted() {
    CliRun history = CliRun.of("history", job.toString());

    assertThat(history.code).as("%s", history).isZero();
    assertThat(history.out).contains("epochs:      3 committed of 5; 1 checkpoint kept, 2 deleted (retention), "
        + "their metrics from the job's history")
        .containsPattern("EPOCH +STEP +TRAIN_LOSS +TRAIN_MAE +VAL_LOSS +VAL_MAE +VAL_R2 +NEXT_LR +ATTEMPT "
            + "+COMMITTED +CHECKPOINT")
        .contains("     1         16     0.500000     0.250000     0.750000     0.375000     0.9000    0.00400"
            + "        1  2026-03-04T05:06:08Z  deleted")
        .contains("     3         48     0.166667     0.083333     0.250000     0.125000     0.9667    0.00133"
            + "        1  2026-03-04T05:06:10Z  kept");
  }

  @Test
  void theCsvHoldsEveryNumberExactlyWithAColumnPerMetric() {
    CliRun csv = CliRun.of("history", job.toString(), "--csv");

    assertThat(csv.code).as("%s", csv).isZero();
    assertThat(csv.out.lines()).containsExactly(
        "epoch,step,train_loss,train_mae,val_loss,val_mae,val_r2,next_lr,attempt,committed,checkpoint",
        "1,16,0.5,0.25,0.75,0.375,0.9,0.004,1,2026-03-04T05:06:08Z,deleted",
        "2,32,0.25,0.125,0.375,0.1875,0.95,0.002,1,2026-03-04T05:06:09Z,deleted",
        "3,48," + 0.5 / 3 + "," + 0.25 / 3 + ",0.25,0.125," + (1 - 0.1 / 3) + "," + 0.004 / 3
            + ",1,2026-03-04T05:06:10Z,kept");
  }

  @Test
  void aHistoryLineThatDoesNotParseIsNamedAndTheKeptCheckpointsAreShownStill() throws Exception {
    Files.writeString(job.resolve("events/attempt-0002.jsonl"), "{\"time\": not json}\n", StandardCharsets.UTF_8);

    CliRun history = CliRun.of("history", job.toString());

    assertThat(history.code).as("%s", history).isEqualTo(ExitCodes.FAILED);
    assertThat(history.out).contains("epochs:      1 committed of 5; every checkpoint kept");
    assertThat(history.err).contains("the job's history cannot be read", "attempt-0002.jsonl", "line 1");
  }

  @Test
  void aDirectoryThatHoldsNoJobIsRefusedAndOneWithJobsUnderItNamesStatus() throws Exception {
    CliRun missing = CliRun.of("history", tmp.resolve("nothing").toString());
    assertThat(missing.code).as("%s", missing).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err).contains("nothing does not exist; give a job directory");

    CliRun root = CliRun.of("history", tmp.toString());
    assertThat(root.code).as("%s", root).isEqualTo(ExitCodes.USAGE);
    assertThat(root.err).contains("is not a job directory (no job.json, events or checkpoints); it has jobs under "
        + "it, which 'bin/epochal status ", "' lists: give one of them");

    // another tool's run, whose checkpoints/ folder holds no Epochal checkpoint
    java.nio.file.Path lightning = java.nio.file.Files.createDirectories(tmp.resolve("lightning-run/checkpoints"));
    java.nio.file.Files.write(lightning.resolve("epoch=3-step=100.ckpt"), new byte[] {1, 2, 3});
    CliRun other = CliRun.of("history", tmp.resolve("lightning-run").toString());
    assertThat(other.code).as("%s", other).isEqualTo(ExitCodes.USAGE);
    assertThat(other.err).contains("lightning-run is not a job directory (no job.json, events or checkpoints)");
  }
}
