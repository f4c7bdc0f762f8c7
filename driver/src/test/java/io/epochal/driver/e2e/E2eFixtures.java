package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.params.HyperParameters;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Shared pieces of the end-to-end tests: a small job file (an MLP of hidden width 16 on a generated
 * 3-class dataset), spec resolution through the real catalog, checkpoint checks (digests and the
 * probe on a model rebuilt from the registry) and readers of the job's state and history.
 */
final class E2eFixtures {

  /** Features per generated row. */
  static final int FEATURES = 12;
  /** Classes of the generated data. */
  static final int CLASSES = 3;

  private E2eFixtures() {}

  /**
   * Writes {@code rows} generated rows of {@code features} features in {@link #CLASSES} classes
   * with {@code seed} to local directory {@code dir}; returns its URI.
   */
  static String writeData(EpochalSpark spark, Path dir, int rows, int features, long seed) {
    String uri = dir.toUri().toString();
    DataGenerator.builder().optRows(rows).optFeatures(features).optClasses(CLASSES).optSeed(seed).build()
        .write(spark.session(), uri, false);
    return uri;
  }

  /**
   * The keys of a small job: Adam (lr 0.01), batch 32, 4 local steps, 2 workers, 3 epochs, every
   * checkpoint kept, no retries.
   */
  /**
   * A csv of {@code rows} rows with a header: columns f0..f(FEATURES - 1) of random floats from {@code seed}, and
   * {@code label} the row's number modulo CLASSES; the cells {@code bad} accepts (row, feature) hold "oops".
   */
  static String csvRows(int rows, long seed, java.util.function.BiPredicate<Integer, Integer> bad) {
    StringBuilder b = new StringBuilder();
    List<String> header = new java.util.ArrayList<>();
    for (int f = 0; f < FEATURES; f++) {
      header.add("f" + f);
    }
    b.append(String.join(",", header)).append(",label\n");
    java.util.Random random = new java.util.Random(seed);
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < FEATURES; f++) {
        b.append(bad.test(r, f) ? "oops" : Float.toString(random.nextFloat())).append(',');
      }
      b.append(r % CLASSES).append('\n');
    }
    return b.toString();
  }

  static Map<String, String> jobKeys(String jobDir, String dataPath) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("job.name", "e2e");
    k.put("job.dir", jobDir);
    k.put("job.seed", "11");
    k.put("model.name", "mlp");
    k.put("model.version", "1");
    k.put("model.input_dim", Integer.toString(FEATURES));
    k.put("model.hidden", "16");
    k.put("model.output_dim", Integer.toString(CLASSES));
    k.put("optimizer.name", "adam");
    k.put("optimizer.lr", "0.01");
    k.put("schedule.name", "constant");
    k.put("loss", "softmax_cross_entropy");
    k.put("train.batch_size", "32");
    k.put("train.epochs", "3");
    k.put("train.workers", "2");
    k.put("train.local_steps", "4");
    k.put("train.threads_per_worker", "1");
    k.put("data.path", dataPath);
    k.put("data.format", "parquet");
    k.put("data.features", "features");
    k.put("data.label", "label");
    k.put("data.classes", Integer.toString(CLASSES));
    k.put("checkpoint.keep_last", "10");
    k.put("retry.max_attempts", "1");
    k.put("retry.backoff_ms", "0");
    return k;
  }

  /** Writes {@code keys} as a Java properties job file; returns it. */
  static Path writeJobFile(Path file, Map<String, String> keys) {
    List<String> lines = new ArrayList<>();
    keys.forEach((k, v) -> lines.add(k + "=" + v));
    try {
      Files.write(file, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the job file " + file, e);
    }
    return file;
  }

  /** Resolves {@code keys} the way {@code epochal train} does, with the registry's catalog. */
  static JobSpec resolve(Path tmp, Map<String, String> keys, Configuration hadoopConf) {
    Path file = writeJobFile(tmp.resolve("resolve-" + System.nanoTime() + ".properties"), keys);
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog())
        .optHadoopConf(hadoopConf).build().resolve();
  }

  /** The checkpoint store of {@code jobDir}; the caller closes it. */
  static CheckpointStore store(String jobDir, Configuration conf) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf).build();
  }

  /**
   * Asserts that checkpoint {@code epoch} passes {@link CheckpointStore#verify} and that its probe
   * reproduces bit for bit on a model rebuilt from the registry; returns the loaded checkpoint.
   */
  static LoadedCheckpoint assertVerified(CheckpointStore store, long epoch) throws Exception {
    VerificationReport report = store.verify(epoch);
    assertThat(report.ok()).as("verification of epoch %s: %s", epoch, report.problems()).isTrue();
    LoadedCheckpoint c = store.load(epoch);
    CheckpointManifest m = c.manifest();
    assertThat(m.epoch()).isEqualTo(epoch);
    HyperParameters raw = HyperParameters.builder().putAll(m.hyperParameters().withPrefix("model."))
        .remove("name").remove("version").build();
    try (EpochalModel model = ModelRegistry.getDefault().create(m.modelName(), Integer.parseInt(m.modelVersion()),
        raw)) {
      model.loadStateDict(c.model());
      Probe.check(model, ProbeRecord.fromStateDict(c.probe()));
    }
    return c;
  }

  /** The epochs of the published checkpoints, oldest first. */
  static List<Long> checkpointEpochs(CheckpointStore store) throws CheckpointException {
    return store.list().stream().map(e -> e.epoch()).toList();
  }

  /** Every event of the job in {@code jobDir}, attempts in order. */
  static List<JobEvent> events(FileSystem fs, org.apache.hadoop.fs.Path jobDir) throws IOException {
    return new JobEventLog(fs, jobDir).readAll();
  }

  /** The job's stored state. */
  static Optional<JobStatus> state(FileSystem fs, org.apache.hadoop.fs.Path jobDir) throws IOException {
    return new JobStateStore(fs, jobDir).read();
  }
}
