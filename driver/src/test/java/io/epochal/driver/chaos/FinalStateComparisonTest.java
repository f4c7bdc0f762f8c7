package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinalStateComparisonTest {

  @TempDir
  Path tmp;

  /** What one epoch's checkpoint holds; the reference's unless a test changes a part. */
  private record Epoch(float weight, float moment, double lr, long step) {
    static Epoch of(int e) {
      return new Epoch(e * 0.5f, e * 0.25f, 0.1 / e, 10L * e);
    }
  }

  /** A job of the checkpoints {@code epochs} describe, epoch 1 first; a null one is not committed. */
  private String job(String name, List<Epoch> epochs) throws Exception {
    String dir = tmp.resolve(name).toUri().toString();
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      for (int e = 1; e <= epochs.size(); e++) {
        Epoch x = epochs.get(e - 1);
        if (x == null) {
          continue;
        }
        store.commit(CheckpointContent.builder()
            .setModel(StateDict.builder().put("net.0.weight", Tensor.ofFloats(new long[] {2}, x.weight(), 1f))
                .put("bn.running_mean", Tensor.ofFloats(new long[] {1}, 0f)).build())
            .optOptimizer(StateDict.builder().put("state.net.0.weight.exp_avg", Tensor.ofFloats(new long[] {2},
                x.moment(), 0f)).build())
            .setManifest(CheckpointManifest.builder().setJobId(name).setEpoch(e).setModel("mlp", "1")
                .optGlobalStep(x.step()).optLearningRateSchedule(HyperParameters.builder().put("lr", x.lr()).build())
                .build())
            .build(), epoch -> { });
      }
    }
    return dir;
  }

  private static List<Epoch> reference() {
    return List.of(Epoch.of(1), Epoch.of(2), Epoch.of(3));
  }

  private List<String> differences(String job) throws Exception {
    return new FinalStateComparison(new Configuration()).differences(job("reference", reference()), job, 3);
  }

  @Test
  void aRunThatEndsExactlyLikeTheReferenceHasNoDifferences() throws Exception {
    assertThat(differences(job("same", reference()))).isEmpty();
  }

  @Test
  void aJobThatStopsEarlyWhereTheReferenceDidHasNoDifferencesAndOneThatRunsOnHas() throws Exception {
    List<Epoch> two = List.of(Epoch.of(1), Epoch.of(2));
    FinalStateComparison comparison = new FinalStateComparison(new Configuration());
    String stopped = job("stopped-reference", two);
    assertThat(comparison.differences(stopped, job("stopped", two), 3)).isEmpty();
    assertThat(comparison.differences(stopped, job("ran-on", reference()), 3)).contains(
        "newest checkpoint is not of epoch 2: [1, 2, 3]");
  }

  @Test
  void aModelOrOptimizerTensorOneUlpApartIsReportedByEpochPartAndName() throws Exception {
    List<Epoch> drifted = new java.util.ArrayList<>(reference());
    drifted.set(2, new Epoch(Math.nextUp(1.5f), 0.75f, 0.1 / 3, 30L));
    drifted.set(1, new Epoch(1.0f, Math.nextDown(0.5f), 0.05, 20L));

    assertThat(differences(job("drifted", drifted))).containsExactly(
        "epoch 2 optimizer tensor state.net.0.weight.exp_avg differs from the reference",
        "epoch 3 model tensor net.0.weight differs from the reference");
  }

  @Test
  void aScheduleOrStepCountThatDiffersIsReported() throws Exception {
    List<Epoch> other = new java.util.ArrayList<>(reference());
    other.set(2, new Epoch(1.5f, 0.75f, 0.02, 31L));

    assertThat(differences(job("schedule", other))).containsExactly(
        "epoch 3: lr_schedule {lr=0.02}, reference {lr=0.03333333333333333}",
        "epoch 3: global step 31, reference 30");
  }

  @Test
  void aMissingEpochAndADamagedCheckpointAreReported() throws Exception {
    List<Epoch> short2 = new java.util.ArrayList<>(reference());
    short2.set(1, null);
    String job = job("short", short2);
    Path model = Path.of(java.net.URI.create(job)).resolve("checkpoints/epoch-000003/model.safetensors");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length - 1] ^= 1;
    Files.write(model, bytes);

    List<String> found = differences(job);

    assertThat(found).contains("checkpoints kept: [1, 3], reference: [1, 2, 3]");
    assertThat(found).anyMatch(d -> d.contains("epoch-000003 fails verification"));
  }
}
