package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.params.ValueChange;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import io.epochal.params.HyperParameters;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AmendmentHistoryTest {

  @TempDir
  java.nio.file.Path tmp;

  private Path write(int attempt, JobEvent.Builder... events) throws IOException {
    Path dir = new Path(tmp.toUri());
    FileSystem fs = dir.getFileSystem(new Configuration());
    try (JobEventLog.Writer w = new JobEventLog(fs, dir).openAttempt(attempt)) {
      for (JobEvent.Builder e : events) {
        w.append(e.build());
      }
    }
    return dir;
  }

  private static JobEvent.Builder amended(int attempt, String message) {
    return JobEvent.builder(JobEventType.AMENDED, Instant.parse("2026-01-01T00:00:00Z"), attempt).optEpoch(2)
        .optRound(0).optMessage(message);
  }

  @Test
  void aValueThatHoldsTheMessagesSeparatorsIsReadFromTheRecordedChanges() throws IOException {
    String oldPath = "file:/data/a; b -> c";
    Path dir = write(2, amended(2, "data.path: \"" + oldPath + "\" -> \"file:/new\"; train.epochs: 6 -> 9")
        .optChanges(List.of(ValueChange.of("data.path", oldPath, "file:/new"), ValueChange.of("train.epochs", 6L, 9L))));

    AmendmentHistory history = AmendmentHistory.of(dir, new Configuration());

    assertThat(history.amendedAway("data.path", oldPath)).isTrue();
    assertThat(history.amendedAway("data.path", "file:/data/a")).isFalse();
    assertThat(history.amendedAway("train.epochs", "6")).isTrue();
    assertThat(history.amendedAway("train.epochs", "9")).as("the value it was amended to").isFalse();
    assertThat(history.amended("b -> c\"")).isFalse();
  }

  @Test
  void anAmendmentTakenBackBecauseJobJsonWasNotWrittenCountsAsNone() throws IOException {
    Path dir = write(2, amended(2, "train.epochs: 10 -> 20").optChanges(List.of(ValueChange.of("train.epochs", 10L,
        20L))), amended(2, "train.epochs: 20 -> 10" + io.epochal.driver.train.TrainingJob.AMENDMENT_TAKEN_BACK
        + "the amendment above was not written to job.json, which keeps train.epochs 10: disk full)")
        .optChanges(List.of(ValueChange.of("train.epochs", 20L, 10L))));

    AmendmentHistory history = AmendmentHistory.of(dir, new Configuration());

    assertThat(history.amended("train.epochs")).as("job.json never changed").isFalse();
    assertThat(history.amendedAway("train.epochs", "20")).isFalse();
    assertThat(history.amendedAway("train.epochs", "10")).isFalse();
  }

  @Test
  void anEventWrittenBeforeChangesWereRecordedIsReadFromItsMessage() throws IOException {
    Path dir = write(2, amended(2, "checkpoint.keep_last: 10 -> 1; data.path: \"file:/old\" -> \"file:/new\""));

    AmendmentHistory history = AmendmentHistory.of(dir, new Configuration());

    assertThat(history.amendedAway("checkpoint.keep_last", "10")).isTrue();
    assertThat(history.amendedAway("data.path", "\"file:/old\"")).isTrue();
    assertThat(history.amended("train.epochs")).isFalse();
  }

  @Test
  void aKeyAResumeSetAnewCountsAsAmendedFromNoValue() throws IOException {
    Path dir = write(3, amended(3, "checkpoint.keep_best: <unset> -> 2")
        .optChanges(List.of(ValueChange.of("checkpoint.keep_best", null, 2L))));

    AmendmentHistory history = AmendmentHistory.of(dir, new Configuration());

    assertThat(history.amended("checkpoint.keep_best")).isTrue();
    assertThat(history.amendedAway("checkpoint.keep_best", AmendmentHistory.NO_VALUE))
        .as("the command that started the job, which does not set it").isTrue();
    assertThat(history.amendedAway("checkpoint.keep_best", "<unset>")).isFalse();
    assertThat(history.amendedAway("checkpoint.keep_best", "2")).isFalse();
    assertThat(history.amendedAway("checkpoint.keep_best", "3")).as("a value asked for now").isFalse();
  }

  @Test
  void aValueIsComparedAsItsKeysTypeReadsItSoASparkConfThirtyIsTheRecordedThirtyPointZero() throws IOException {
    Path dir = write(2, amended(2, "checkpoint.every_n_minutes: 30.0 -> 10.0; train.shuffle: true -> false")
        .optChanges(List.of(ValueChange.of("checkpoint.every_n_minutes", 30.0, 10.0),
            ValueChange.of("checkpoint.keep_last", 5L, 2L))));

    AmendmentHistory history = AmendmentHistory.of(dir, new Configuration());

    assertThat(history.amendedAway("checkpoint.every_n_minutes", "30")).isTrue();
    assertThat(history.amendedAway("checkpoint.every_n_minutes", "3e1")).isTrue();
    assertThat(history.amendedAway("checkpoint.every_n_minutes", "10")).isFalse();
    assertThat(history.amendedAway("checkpoint.keep_last", "5")).isTrue();
    assertThat(history.amendedAway("checkpoint.keep_last", AmendmentHistory.NO_VALUE)).isFalse();
    Path heldOut = write(3, amended(3, "data.validation_path: \"file:///data/val\" -> <unset>")
        .optChanges(List.of(ValueChange.of("data.validation_path", "file:///data/val", null))));
    assertThat(AmendmentHistory.of(heldOut, new Configuration()).amendedAway("data.validation_path", "/data/val"))
        .as("the place, written as the line that started the job gave it").isTrue();
  }

  @Test
  void theSparkConfThatStartedAJobGivesWayToAResumeThatAmendedItsKeyToNone() throws IOException {
    // started with early_stop.patience=3 from spark-defaults.conf; a resume set it to 0 (no early stopping),
    // which the job stores as no key
    Path dir = write(2, amended(2, "early_stop.patience: 3 -> <unset>")
        .optChanges(List.of(ValueChange.of("early_stop.patience", 3L, null))));
    HyperParameters keys = HyperParameters.builder().put("train.epochs", 5L).build();
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();

    Map<String, String> kept = PreparedResume.sparkConfOfResume(Map.of("spark.epochal.early_stop.patience", "3",
        "spark.executor.memory", "4g"), keys, keys, dir, new Configuration(), new java.io.PrintStream(said, true));

    assertThat(kept).as("not applied again as an amendment").containsOnlyKeys("spark.executor.memory");
    assertThat(said.toString()).contains("the job continues as amended: early_stop.patience=(not set) (Spark conf: 3)");
    assertThat(PreparedResume.sparkConfOfResume(Map.of("spark.epochal.early_stop.patience", "4"), keys, keys, dir,
        new Configuration(), new java.io.PrintStream(said, true))).as("a value asked for now")
        .containsOnlyKeys("spark.epochal.early_stop.patience");
  }
}
