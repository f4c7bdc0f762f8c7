package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.app.EpochHistory.CheckpointState;
import io.epochal.driver.train.EpochValues;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.params.HyperParameters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class EpochHistoryTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");

  /** The manifest of epoch {@code epoch}, trained to step 10 x epoch with a loss and accuracy of its own. */
  private static CheckpointManifest manifest(long epoch) {
    return CheckpointManifest.builder().setJobId("job").setEpoch(epoch).setModel("mlp", "1")
        .optGlobalStep(10 * epoch).optMetric("train_loss", 1.0 / (epoch + 2)).optMetric("train_accuracy", 0.1 * epoch)
        .optMetric("samples", 640).optLearningRateSchedule(HyperParameters.builder().put("schedule.name", "cosine")
            .put("schedule.lr", 0.01 / epoch).build())
        .optCreatedAt(T0.plusSeconds(epoch)).build();
  }

  private static CheckpointEntry kept(long epoch) {
    return new CheckpointEntry(epoch, "/job/checkpoints/" + String.format("epoch-%06d", epoch), manifest(epoch), null);
  }

  /** The event a driver of {@code attempt} writes for the commit of {@code m}, as read back from its JSON line. */
  private static JobEvent committed(int attempt, CheckpointManifest m) throws Exception {
    JobEvent written = JobEvent.builder(JobEventType.EPOCH_COMMITTED, m.createdAt(), attempt).optEpoch(m.epoch())
        .optRound(0).optMessage("train_loss=" + m.metrics().get("train_loss"))
        .optMetrics(EpochValues.of(m).eventMetrics()).build();
    return JobEvent.fromJson(JSON.readTree(JSON.writeValueAsString(written.toJson())));
  }

  private static JobEvent resumed(int attempt, long from) {
    return JobEvent.builder(JobEventType.RESUMED, T0.plusSeconds(100 + attempt), attempt).optEpoch(from).build();
  }

  @Test
  void theEpochsOfDeletedCheckpointsKeepEveryValueTheirCommitRecorded() throws Exception {
    List<JobEvent> events = List.of(committed(1, manifest(1)), committed(1, manifest(2)), committed(1, manifest(3)));

    EpochHistory h = EpochHistory.of(events, List.of(kept(3)));

    assertThat(h.epochs()).extracting(EpochHistory.Epoch::values)
        .containsExactly(EpochValues.of(manifest(1)), EpochValues.of(manifest(2)), EpochValues.of(manifest(3)));
    assertThat(h.epochs()).extracting(EpochHistory.Epoch::checkpoint)
        .containsExactly(CheckpointState.DELETED, CheckpointState.DELETED, CheckpointState.KEPT);
    assertThat(h.epochs().get(0).committedAt()).contains(T0.plusSeconds(1));
    assertThat(h.checkpointsThere()).isEqualTo(1);
  }

  @Test
  void aCheckpointMovedAsideByHandUnderANameWithoutATimeIsMovedAsideNotDeletedByRetention() throws Exception {
    List<JobEvent> events = List.of(committed(1, manifest(1)), committed(1, manifest(2)));
    CheckpointEntry byHand = new CheckpointEntry(2, "/job/checkpoints/_damaged-epoch-000002-1", manifest(2), null);
    CheckpointEntry byResume = new CheckpointEntry(2, "/job/checkpoints/_damaged-epoch-000002-"
        + T0.plusSeconds(3).toEpochMilli(), manifest(2), null);
    CheckpointEntry beforeTheCommit = new CheckpointEntry(2, "/job/checkpoints/_damaged-epoch-000002-"
        + T0.toEpochMilli(), manifest(2), null);

    assertThat(EpochHistory.of(events, List.of(kept(1), byHand)).epochs()).extracting(EpochHistory.Epoch::checkpoint)
        .containsExactly(CheckpointState.KEPT, CheckpointState.MOVED_ASIDE);
    assertThat(EpochHistory.of(events, List.of(kept(1), byResume)).epochs()).extracting(EpochHistory.Epoch::checkpoint)
        .containsExactly(CheckpointState.KEPT, CheckpointState.MOVED_ASIDE);
    assertThat(EpochHistory.of(events, List.of(kept(1), beforeTheCommit)).epochs())
        .as("a copy moved aside before the epoch was trained again, whose checkpoint retention deleted")
        .extracting(EpochHistory.Epoch::checkpoint).containsExactly(CheckpointState.KEPT, CheckpointState.DELETED);
    // moved by hand, then epoch 2 trained again (a later commit) and that checkpoint deleted by retention
    List<JobEvent> retrained = List.of(committed(1, manifest(1)), committed(1, manifest(2)), resumed(2, 1),
        JobEvent.builder(JobEventType.EPOCH_COMMITTED, T0.plusSeconds(500), 2).optEpoch(2).optRound(0)
            .optMetrics(EpochValues.of(manifest(2)).eventMetrics()).build());
    assertThat(EpochHistory.of(retrained, List.of(kept(1), byHand)).epochs())
        .extracting(EpochHistory.Epoch::checkpoint).containsExactly(CheckpointState.KEPT, CheckpointState.DELETED);
  }

  @Test
  void aResumeFromAnEarlierEpochGivesUpTheLaterOnesAndAnEpochTrainedAgainShowsItsSecondTraining() throws Exception {
    CheckpointManifest retrained = CheckpointManifest.builder().setJobId("job").setEpoch(2).setModel("mlp", "1")
        .optGlobalStep(20).optMetric("train_loss", 0.125).optCreatedAt(T0.plusSeconds(500)).build();
    List<JobEvent> events = new ArrayList<>(List.of(committed(1, manifest(1)), committed(1, manifest(2)),
        committed(1, manifest(3))));
    events.add(resumed(2, 1)); // epochs 2 and 3 were damaged and moved aside
    events.add(committed(2, retrained));

    EpochHistory h = EpochHistory.of(events, List.of(kept(1),
        new CheckpointEntry(2, "/job/checkpoints/epoch-000002", retrained, null)));

    assertThat(h.epochs()).extracting(e -> e.values().epoch()).containsExactly(1L, 2L);
    assertThat(h.epochs()).extracting(EpochHistory.Epoch::attempt).containsExactly(OptionalInt.of(1),
        OptionalInt.of(2));
    assertThat(h.epochs().get(1).values().metrics()).isEqualTo(Map.of("train_loss", 0.125));
  }

  @Test
  void aResumeThatFoundNoIntactCheckpointStartsTheLineAgainAtItsFirstCommit() throws Exception {
    List<JobEvent> events = List.of(committed(1, manifest(1)), committed(1, manifest(2)), committed(2, manifest(1)));

    EpochHistory h = EpochHistory.of(events, List.of(kept(1)));

    assertThat(h.epochs()).singleElement().satisfies(e -> {
      assertThat(e.values().epoch()).isEqualTo(1);
      assertThat(e.attempt()).hasValue(2);
    });
  }

  @Test
  void aCheckpointTheHistoryDoesNotTellOfIsShownFromItsManifest() {
    EpochHistory h = EpochHistory.of(List.of(), List.of(kept(4)));

    assertThat(h.epochs()).singleElement().satisfies(e -> {
      assertThat(e.values()).isEqualTo(EpochValues.of(manifest(4)));
      assertThat(e.attempt()).isEmpty();
      assertThat(e.committedAt()).contains(T0.plusSeconds(4));
      assertThat(e.checkpoint()).isEqualTo(CheckpointState.KEPT);
    });
  }

  @Test
  void aCheckpointWhoseManifestDoesNotReadIsDamagedAndKeepsItsEventsValues() throws Exception {
    EpochHistory h = EpochHistory.of(List.of(committed(1, manifest(1))),
        List.of(new CheckpointEntry(1, "/job/checkpoints/epoch-000001", null, "manifest.json is not JSON")));

    assertThat(h.epochs()).singleElement().satisfies(e -> {
      assertThat(e.values()).isEqualTo(EpochValues.of(manifest(1)));
      assertThat(e.checkpoint()).isEqualTo(CheckpointState.DAMAGED);
    });
  }

  @Test
  void aCheckpointANewerEpochalWroteIsShownAsSuchNotAsDamaged() throws Exception {
    EpochHistory h = EpochHistory.of(List.of(committed(1, manifest(1))), List.of(new CheckpointEntry(1,
        "/job/checkpoints/epoch-000001", null, "manifest format 3.0 is newer than this build reads (2)", true)));

    assertThat(h.epochs()).singleElement().satisfies(e -> {
      assertThat(e.values()).isEqualTo(EpochValues.of(manifest(1)));
      assertThat(e.checkpoint()).isEqualTo(CheckpointState.NEWER_FORMAT);
    });
  }

  @Test
  void aCommitRecordedBeforeEventsHeldMetricsGivesItsTrainingLossFromItsMessage() throws Exception {
    JobEvent old = JobEvent.fromJson(JSON.readTree("{\"time\":\"2026-03-04T05:06:08Z\",\"type\":\"EPOCH_COMMITTED\","
        + "\"attempt\":1,\"epoch\":1,\"round\":0,\"message\":\"train_loss=0.6931471805599453\"}"));

    EpochHistory h = EpochHistory.of(List.of(old), List.of());

    assertThat(h.epochs()).singleElement().satisfies(e -> {
      assertThat(e.values().metrics()).isEqualTo(Map.of("train_loss", 0.6931471805599453));
      assertThat(e.values().step()).isEmpty();
      assertThat(e.values().nextRate()).isEmpty();
      assertThat(e.checkpoint()).isEqualTo(CheckpointState.DELETED);
    });
  }
}
