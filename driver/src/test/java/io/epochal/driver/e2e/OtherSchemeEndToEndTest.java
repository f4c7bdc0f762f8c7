package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingListener;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training job whose job directory is on a file system that is neither local nor HDFS
 * ({@link OtherSchemeFileSystem}): the job files, lease and checkpoints take the code paths of
 * every other Hadoop file system.
 */
class OtherSchemeEndToEndTest {

  private static EpochalSpark spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("e2e-other-scheme").build();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.close();
    }
  }

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  @Test
  void aJobTrainsThereAndRetentionOrEventsFailingAfterACommitAreOnlyWarnings() throws Exception {
    String data = E2eFixtures.writeData(spark, tmp.resolve("data"), 256, FEATURES, 8);
    String jobDir = OtherSchemeFileSystem.uri(tmp.resolve("job"));
    Configuration conf = OtherSchemeFileSystem.register(new Configuration());
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir, data);
    keys.put("checkpoint.keep_last", "1");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, conf);
    assertThat(spec.jobDir().toString()).startsWith(OtherSchemeFileSystem.SCHEME + ":");

    List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    TrainingListener listener = new TrainingListener() {
      @Override
      public void committed(int epoch, String path, long bytes, long millis) {
        // from the first publish on, the checkpoints directory cannot be listed (retention fails)
        // and the event history cannot be written
        OtherSchemeFileSystem.failListingOf(p -> p.getName().equals("checkpoints"));
        OtherSchemeFileSystem.failWritesTo(p -> p.getParent().getName().equals("events"));
      }

      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    };
    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener)
        .optHadoopConf(conf).build().run();
    OtherSchemeFileSystem.clearFaults();

    assertThat(outcome.epochs()).isEqualTo(3);
    assertThat(warnings).filteredOn(w -> w.contains("is committed, but retention could not run")).hasSize(3);
    assertThat(warnings).filteredOn(w -> w.contains("cannot append to the event history")).as("said once")
        .singleElement().asString().contains("injected fault", "later events may be missing");
    try (CheckpointStore store = E2eFixtures.store(jobDir, conf)) {
      assertThat(E2eFixtures.checkpointEpochs(store)).as("keep_last=1 could not delete anything")
          .containsExactly(1L, 2L, 3L);
      E2eFixtures.assertVerified(store, 3);
    }
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      assertThat(E2eFixtures.state(fs, new org.apache.hadoop.fs.Path(jobDir)))
          .hasValueSatisfying(s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
    }
  }
}
