package io.epochal.driver.recovery;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.chaos.ChaosJob;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.train.TrainingListener;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.LocalRound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/** A small job for the recovery tests: 256 rows, 8 features, 3 classes, 2 workers, 2 rounds per epoch. */
final class RecoveryFixture {

  static final int EPOCHS = 3;

  private RecoveryFixture() {}

  /** Writes the dataset as Parquet into {@code dir}. */
  static String writeData(EpochalSpark spark, Path dir) {
    String uri = dir.toUri().toString();
    DataGenerator.builder().optRows(256).optFeatures(8).optClasses(3).optSeed(7).optPartitions(2).build()
        .write(spark.session(), uri, true);
    return uri;
  }

  /** The job's keys: the chaos command's small job with its own name, dir and lease; {@code overrides} win. */
  static Map<String, String> keys(String jobDir, String data, Map<String, String> overrides) {
    Map<String, String> k = new LinkedHashMap<>(ChaosJob.keys(data, EPOCHS));
    k.put("job.name", "recovery");
    k.put("job.dir", jobDir);
    k.put("lease.ttl_ms", "60000"); // no test here waits for it to expire
    k.remove("checkpoint.keep_last");
    k.putAll(overrides);
    return k;
  }

  /** The resolved spec. */
  static JobSpec spec(String jobDir, String data, Map<String, String> overrides) {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optOverrides(keys(jobDir, data, overrides)).build().resolve();
  }

  /** The spec with no overrides. */
  static JobSpec spec(String jobDir, String data) {
    return spec(jobDir, data, Map.of());
  }

  /** Model and optimizer tensors of a final state, without anything else. */
  static StateDict tensors(StateDict state) {
    return StateDict.builder().putAll(LocalRound.modelPart(state)).putAll(LocalRound.optimizerPart(state)).build();
  }

  /** Model and optimizer tensors of committed checkpoint {@code epoch} of {@code jobDir}. */
  static StateDict checkpointTensors(String jobDir, long epoch, Configuration conf) throws CheckpointException,
      IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf).build()) {
      var c = store.load(epoch);
      return StateDict.builder().putAll(c.model()).putAll(LocalRound.prefixed(c.optimizer())).build();
    }
  }

  /** Every event of every attempt of {@code jobDir}. */
  static List<JobEvent> events(String jobDir, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir);
    FileSystem fs = dir.getFileSystem(conf);
    return new JobEventLog(fs, dir).readAll();
  }

  /** Deletes a local directory tree. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** One try of a run whose Spark jobs a listener cancels; tries count from 1. */
  interface CancelledRun<T> {
    T run(int attempt) throws Exception;
  }

  /** How many tries {@link #untilCancelsLand} makes at most. */
  static final int CANCEL_TRIES = 3;

  /**
   * Runs {@code run} until what it gives shows that its cancels landed, at most {@link #CANCEL_TRIES}
   * times, and gives the last try's result, which the test then checks in full. A cancel sent from
   * Spark's listener bus as a job starts lands only while the job runs: on a busy machine a round's
   * small job may end first, and such a run proves nothing. Each try needs a job directory of its own.
   */
  static <T> T untilCancelsLand(CancelledRun<T> run, java.util.function.Predicate<T> landed) throws Exception {
    T result = null;
    for (int attempt = 1; attempt <= CANCEL_TRIES; attempt++) {
      result = run.run(attempt);
      if (landed.test(result)) {
        break;
      }
    }
    return result;
  }

  /** How many of {@code listener}'s warnings say a first try failed as a cancelled job does. */
  static long cancelledTries(Recording listener) {
    return listener.warnings.stream().filter(w -> w.contains("attempt 1 failed (TASK_FAILED)")).count();
  }

  /** A listener that keeps every warning and forwards epoch ends and commits to hooks. */
  static class Recording implements TrainingListener {
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void warning(String message) {
      warnings.add(message);
    }
  }
}
