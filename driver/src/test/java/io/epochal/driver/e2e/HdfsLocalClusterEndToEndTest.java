package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import io.epochal.worker.round.LocalRound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on {@code local-cluster[2,1,1024]} (two executor JVMs) with the job directory on HDFS
 * (a MiniDFSCluster on localhost) and the data on the local file system.
 */
class HdfsLocalClusterEndToEndTest {

  @TempDir
  static Path shared;

  private static MiniDfs hdfs;
  private static EpochalSpark spark;

  @BeforeAll
  static void start() throws Exception {
    hdfs = MiniDfs.start(Files.createDirectories(shared.resolve("hdfs")));
    spark = SparkSessions.builder().setMaster("local-cluster[2,1,1024]").optAppName("e2e-hdfs")
        .optConf("spark.task.maxFailures", "1").build();
    spark.awaitExecutors(2, Duration.ofSeconds(120));
  }

  @AfterAll
  static void stop() {
    try {
      if (spark != null) {
        spark.close();
      }
    } finally {
      if (hdfs != null) {
        hdfs.close();
      }
    }
  }

  @Test
  void twoEpochsOnExecutorJvmsCommitVerifiedCheckpointsToHdfs() throws Exception {
    String data = E2eFixtures.writeData(spark, shared.resolve("data"), 256, FEATURES, 13);
    String jobDir = hdfs.uri() + "/jobs/e2e";
    Configuration conf = hdfs.conf();
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir, data);
    keys.put("train.epochs", "2");
    JobSpec spec = E2eFixtures.resolve(shared, keys, conf);
    assertThat(spec.jobDir().getScheme()).isEqualTo("hdfs");

    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optHadoopConf(conf).build().run();

    assertThat(outcome.epochs()).isEqualTo(2);
    assertThat(outcome.checkpointsDir()).startsWith(hdfs.uri() + "/jobs/e2e/");
    FileSystem dfs = hdfs.fileSystem();
    for (int e = 1; e <= 2; e++) {
      String name = String.format("/jobs/e2e/checkpoints/epoch-%06d/", e);
      for (String file : new String[] {"manifest.json", CheckpointStore.MODEL_FILE, CheckpointStore.OPTIMIZER_FILE,
          CheckpointStore.PROBE_FILE}) {
        assertThat(dfs.exists(new org.apache.hadoop.fs.Path(name + file))).as(name + file).isTrue();
      }
    }
    assertThat(Path.of("/jobs/e2e")).doesNotExist();
    try (CheckpointStore store = E2eFixtures.store(jobDir, conf)) {
      assertThat(store.checkpointsDir()).startsWith("hdfs://");
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactly(1L, 2L);
      E2eFixtures.assertVerified(store, 1);
      LoadedCheckpoint last = E2eFixtures.assertVerified(store, 2);
      assertThat(last.model()).isEqualTo(LocalRound.modelPart(outcome.state()));
      assertThat(last.optimizer()).isEqualTo(LocalRound.optimizerPart(outcome.state()));
    }
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir);
    assertThat(E2eFixtures.events(dfs, dir)).extracting(ev -> ev.getType()).containsExactly(JobEventType.STARTED,
        JobEventType.EPOCH_COMMITTED, JobEventType.EPOCH_COMMITTED, JobEventType.COMPLETED);
    try (CheckpointStore store = E2eFixtures.store(jobDir, conf)) {
      // each commit's event holds its checkpoint's numbers, which outlive the checkpoint (epochal history)
      for (io.epochal.job.JobEvent committed : E2eFixtures.events(dfs, dir)) {
        if (committed.getType() == JobEventType.EPOCH_COMMITTED) {
          assertThat(io.epochal.driver.train.EpochValues.of(committed))
              .isEqualTo(io.epochal.driver.train.EpochValues.of(store.load(committed.getEpoch()).manifest()));
        }
      }
    }
    assertThat(E2eFixtures.state(dfs, dir)).hasValueSatisfying(s -> assertThat(s.getState())
        .isEqualTo(JobState.COMPLETED));
  }
}
