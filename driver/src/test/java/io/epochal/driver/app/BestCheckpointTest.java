package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.ConfigException;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BestCheckpointTest {

  @TempDir
  Path tmp;

  private final ByteArrayOutputStream said = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(said, true, StandardCharsets.UTF_8);

  /** A job ranking by {@code metric} in {@code mode} with checkpoints of epochs 1.. recording {@code values}. */
  private CheckpointStore job(String metric, String mode, Double... values) throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("job").toUri());
    new io.epochal.job.JobSpecStore(FileSystem.getLocal(new Configuration()), dir).writeOnce(io.epochal.job.JobSpec.of(
        "job", "job", HyperParameters.builder().put("checkpoint.best_metric", metric).put("checkpoint.best_mode", mode)
            .build()));
    CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir.toString()).build();
    for (int e = 1; e <= values.length; e++) {
      Map<String, Double> metrics = values[e - 1] == null ? Map.of("samples", 1.0) : Map.of(metric, values[e - 1]);
      store.commit(CheckpointContent.builder()
          .setModel(StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, e)).build())
          .setManifest(CheckpointManifest.builder().setJobId("job").setEpoch(e).setModel("mlp", "1")
              .optMetrics(metrics).build())
          .build(), epoch -> { });
    }
    return store;
  }

  /** What a test does as a listed checkpoint is loaded, before the load: a driver's retention racing the read. */
  private interface BeforeLoad {
    void run(io.epochal.checkpoint.CheckpointEntry entry) throws Exception;
  }

  /** {@code store}, running {@code before} with each listed checkpoint it is asked to load. */
  private static CheckpointStore loadingAfter(CheckpointStore store, BeforeLoad before) {
    return (CheckpointStore) java.lang.reflect.Proxy.newProxyInstance(CheckpointStore.class.getClassLoader(),
        new Class<?>[] {CheckpointStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("load") && args[0] instanceof io.epochal.checkpoint.CheckpointEntry e) {
            before.run(e);
          }
          try {
            return method.invoke(store, args);
          } catch (java.lang.reflect.InvocationTargetException ex) {
            throw ex.getCause();
          }
        });
  }

  private BestCheckpoint best() {
    return new BestCheckpoint(new org.apache.hadoop.fs.Path(tmp.resolve("job").toUri()), new Configuration());
  }

  @Test
  void aLossOfMinusZeroTiesWithZeroAndTheEarlierIsTakenAsKeepBestKeepsIt() throws Exception {
    try (CheckpointStore store = job("train_loss", "min", 0.0, -0.0, 0.5)) {
      assertThat(best().load(store, err).orElseThrow().manifest().epoch()).isEqualTo(1);
      io.epochal.checkpoint.retention.RetentionPlan kept = io.epochal.checkpoint.retention.RetentionPlanner.plan(
          io.epochal.checkpoint.retention.RetentionPolicy.builder().optKeepBest(1, "train_loss",
              io.epochal.checkpoint.retention.MetricGoal.MIN).build(), java.util.List.of(
              io.epochal.checkpoint.retention.RetentionCandidate.of(1, Map.of("train_loss", 0.0), true),
              io.epochal.checkpoint.retention.RetentionCandidate.of(2, Map.of("train_loss", -0.0), true),
              io.epochal.checkpoint.retention.RetentionCandidate.of(3, Map.of("train_loss", 0.5), true)));
      assertThat(kept.reasonsFor(1)).anySatisfy(r -> assertThat(r).contains("best 1"));
    }
  }

  @Test
  void aBestDeletedAsItIsReadIsRankedAgainAndTheNextBestTakenNotAnError() throws Exception {
    try (CheckpointStore store = job("val_loss", "min", 0.9, 0.4, 0.5)) {
      // a driver's retention deletes epoch 2 between this listing and its read
      CheckpointStore racing = loadingAfter(store, e -> {
        if (e.epoch() == 2) {
          store.delete(2);
        }
      });
      assertThat(best().load(racing, err).orElseThrow().manifest().epoch()).isEqualTo(3);
      assertThat(said.toString(StandardCharsets.UTF_8)).contains("epoch 2, the best by val_loss, was deleted as it "
          + "was read").contains("the best checkpoint by val_loss (min): epoch 3");
    }
  }

  @Test
  void aBestDeletedAsItIsReadAtEveryListingIsSaidAsDeletionNotAsDamage() throws Exception {
    try (CheckpointStore store = job("val_loss", "min", 0.9, 0.4)) {
      CheckpointStore deleting = loadingAfter(store, e -> {
        throw new io.epochal.checkpoint.CheckpointDeletedException(e.epoch(), e.path(),
            new java.io.FileNotFoundException(e.path()));
      });
      assertThatThrownBy(() -> best().load(deleting, err))
          .isInstanceOf(io.epochal.checkpoint.CheckpointException.class)
          .hasMessageContaining("deleted as it was read 5 times in a row").hasMessageContaining("nothing is damaged");
      assertThat(said.toString(StandardCharsets.UTF_8)).doesNotContain("verifies");
    }
  }

  @Test
  void theBestByTheJobsMetricIsTakenTheEarliestOfEqualOnesAndADamagedOnePassedOver() throws Exception {
    try (CheckpointStore store = job("val_loss", "min", 0.9, 0.4, null, 0.4, 0.7)) {
      assertThat(best().load(store, err).orElseThrow().manifest().epoch())
          .as("0.4 first at epoch 2; epoch 3 records none")
          .isEqualTo(2);
      assertThat(said.toString(StandardCharsets.UTF_8)).contains("the best checkpoint by val_loss (min): epoch 2, "
          + "val_loss 0.400000");
      // a flipped byte in the best one's model file: the next best (of equal value, epoch 4) is taken
      Path model = tmp.resolve("job/checkpoints/epoch-000002/model.safetensors");
      byte[] bytes = Files.readAllBytes(model);
      bytes[bytes.length - 1] ^= 1;
      Files.write(model, bytes);
      assertThat(best().load(store, err).orElseThrow().manifest().epoch()).isEqualTo(4);
      assertThat(said.toString(StandardCharsets.UTF_8)).contains("skipping damaged checkpoint of epoch 2");
      // every one that records it damaged: damage, which the command reports as a failed check (exit 1), not a
      // configuration error (exit 2)
      for (int e : new int[] {1, 4, 5}) {
        Path m = tmp.resolve("job/checkpoints/epoch-00000" + e + "/model.safetensors");
        Files.write(m, java.util.Arrays.copyOf(Files.readAllBytes(m), 10));
      }
      assertThat(best().load(store, err)).isEmpty();
      assertThat(said.toString(StandardCharsets.UTF_8)).contains("/checkpoints/best: no checkpoint that records "
          + "val_loss verifies, or has a manifest that can be read ('bin/epochal verify ");
      for (int e = 1; e <= 5; e++) { // not one manifest left to say what they record: damage too
        Files.writeString(tmp.resolve("job/checkpoints/epoch-00000" + e + "/manifest.json"), "{ not a manifest");
      }
      assertThat(best().load(store, err)).isEmpty();
    }
  }

  @Test
  void maxModeTakesTheLargestAndAJobWhoseCheckpointsDoNotRecordTheMetricIsAConfigErrorNamingIt() throws Exception {
    try (CheckpointStore store = job("val_accuracy", "max", 0.5, 0.8, 0.7)) {
      assertThat(best().load(store, err).orElseThrow().manifest().epoch()).isEqualTo(2);
    }
    Path other = Files.createDirectories(tmp.resolve("other"));
    tmp = other;
    try (CheckpointStore store = job("val_loss", "min", null, null)) {
      assertThatThrownBy(() -> best().load(store, err)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("no checkpoint of ").hasMessageContaining("records checkpoint.best_metric = val_loss "
              + "(its checkpoints are of epochs [1, 2])");
    }
  }
}
