package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One benchmark job's keys: a model, optimizer, batch, local steps, workers and epochs over a
 * generated dataset, resolved into a {@link JobSpec} the same way {@code epochal train} resolves a
 * job file (every key validated against the model registry).
 */
final class BenchJob {

  private final Map<String, String> keys;

  private BenchJob(Map<String, String> keys) {
    this.keys = Map.copyOf(keys);
  }

  /** Keys for an MLP classifier of {@code shape} on the data at {@code dataPath}. */
  static BenchJob of(String name, Path jobDir, Path dataPath, MlpShape shape) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put(JobKeys.JOB_NAME, name);
    k.put(JobKeys.JOB_DIR, jobDir.toUri().toString());
    k.put(JobKeys.JOB_SEED, "42");
    k.put(JobKeys.MODEL_NAME, "mlp");
    k.put(JobKeys.MODEL_VERSION, "1");
    k.put(JobKeys.MODEL_PREFIX + "input_dim", Integer.toString(shape.input()));
    k.put(JobKeys.MODEL_PREFIX + "hidden", shape.hiddenKey());
    k.put(JobKeys.MODEL_PREFIX + "output_dim", Integer.toString(shape.output()));
    k.put(JobKeys.OPTIMIZER_NAME, "adam");
    k.put(JobKeys.OPTIMIZER_PREFIX + "lr", "0.001");
    k.put(JobKeys.SCHEDULE_NAME, "constant");
    k.put(JobKeys.LOSS, "softmax_cross_entropy");
    k.put(JobKeys.BATCH_SIZE, "64");
    k.put(JobKeys.EPOCHS, "1");
    k.put(JobKeys.WORKERS, "1");
    k.put(JobKeys.LOCAL_STEPS, "1");
    k.put(JobKeys.THREADS_PER_WORKER, "1");
    k.put(JobKeys.DATA_PATH, dataPath.toUri().toString());
    k.put(JobKeys.DATA_FORMAT, "parquet");
    k.put(JobKeys.DATA_FEATURES, "features");
    k.put(JobKeys.DATA_LABEL, "label");
    k.put(JobKeys.DATA_CLASSES, Integer.toString(shape.output()));
    k.put(JobKeys.KEEP_LAST, "2");
    k.put(JobKeys.RETRY_MAX_ATTEMPTS, "1");
    return new BenchJob(k);
  }

  /** This job with {@code key} set to {@code value}. */
  BenchJob with(String key, Object value) {
    checkNotNull(value, "value of %s", key);
    Map<String, String> k = new LinkedHashMap<>(keys);
    k.put(key, String.valueOf(value));
    return new BenchJob(k);
  }

  /** This job with the optimizer {@code name} and learning rate {@code lr}. */
  BenchJob withOptimizer(String name, double lr) {
    checkArgument(lr > 0, "learning rate must be > 0, got %s", lr);
    return with(JobKeys.OPTIMIZER_NAME, name).with(JobKeys.OPTIMIZER_PREFIX + "lr", lr);
  }

  /** The value of {@code key}. */
  String get(String key) {
    return keys.get(key);
  }

  /** The validated spec. */
  JobSpec resolve() {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optOverrides(keys).build().resolve();
  }

  @Override
  public String toString() {
    return "BenchJob" + keys;
  }
}
