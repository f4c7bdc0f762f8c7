package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import io.epochal.worker.loss.Losses;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolved, validated specification of a training job: every key of {@link JobKeys} plus the model's, optimizer's
 * and schedule's hyperparameters, all typed and with defaults filled in. Immutable. Its {@link #toHyperParameters()
 * hyperparameter form} is what {@code job.json} and every checkpoint manifest record, and what a resume compares.
 */
public final class JobSpec {

  private final HyperParameters values;
  /** Whether a job file or an override gave {@code data.row_order} (not compared, not stored). */
  private final boolean rowOrderGiven;

  private JobSpec(HyperParameters values, boolean rowOrderGiven) {
    this.values = values;
    this.rowOrderGiven = rowOrderGiven;
  }

  /** The spec from its hyperparameter form, checking the fixed keys (not the catalog); a bad key: ConfigException. */
  public static JobSpec fromHyperParameters(HyperParameters hp) {
    return fromHyperParameters(hp, null);
  }

  /** As {@link #fromHyperParameters(HyperParameters)}, also checking model, optimizer, schedule against a catalog. */
  public static JobSpec fromHyperParameters(HyperParameters hp, ModelCatalog catalog) {
    return fromHyperParameters(hp, Map.of(), key -> key, catalog);
  }

  /**
   * The spec of stored values {@code hp} with some keys given anew as text ({@code texts}, parsed and checked as a
   * job file's are, {@code sourceOf} naming where each key's text came from, as {@code --set checkpoint.keep_last}).
   *
   * @throws ConfigException listing every key that is unknown, missing or invalid
   */
  public static JobSpec fromHyperParameters(HyperParameters hp, Map<String, String> texts,
      java.util.function.UnaryOperator<String> sourceOf, ModelCatalog catalog) {
    checkNotNull(hp, "hyperparameters");
    Map<String, SpecValidator.Sourced> raw = new LinkedHashMap<>();
    hp.asMap().forEach((k, v) -> raw.put(k, SpecValidator.Sourced.typed(v, "stored job spec")));
    texts.forEach((k, v) -> raw.put(k, SpecValidator.Sourced.text(v.trim(), sourceOf.apply(k))));
    JobSpec spec = new JobSpec(new SpecValidator(catalog).validate(raw), false).asStoredWithout(raw.keySet());
    // a job stored before data.row_order existed reads its rows as it always did
    return raw.containsKey(JobKeys.DATA_ROW_ORDER) ? spec : spec.withStoredRowOrder();
  }

  /**
   * This spec as a job whose stored keys are {@code storedKeys} holds it: without each key {@linkplain
   * JobKeys#ADDED_SINCE_FIRST_FORMAT added since} that the job lacks and this spec holds at its default, as a
   * {@code job.json} written before the key existed lacks it (a resume compares key by key; the getter reads the
   * default). A value other than the default stays, to be stored, or reported as a change.
   */
  public JobSpec asStoredWithout(java.util.Set<String> storedKeys) {
    HyperParameters.Builder b = null;
    for (String key : JobKeys.ADDED_SINCE_FIRST_FORMAT) {
      if (!storedKeys.contains(key) && values.contains(key) && JobKeys.addedAtDefault(key, values.get(key))) {
        b = (b == null ? HyperParameters.builder().putAll(values) : b).remove(key);
      }
    }
    return b == null ? this : new JobSpec(b.build(), rowOrderGiven);
  }

  /**
   * This spec for a job stored, or trained, without {@code data.row_order}: {@link #withStoredRowOrder} unless the
   * request gave {@code data.row_order=file_name} itself, which then stays, to be reported as a change.
   */
  public JobSpec forJobWithoutRowOrder() {
    return rowOrderGiven && rowsByFileName() ? this : withStoredRowOrder();
  }

  /**
   * This spec as a job stored before {@code data.row_order} existed holds it: without that key, whose absence means
   * {@link JobKeys#ROW_ORDER_SPARK_READ} (job.json and such a job's manifests lack it; a resume compares key by key).
   */
  public JobSpec withStoredRowOrder() {
    return !values.contains(JobKeys.DATA_ROW_ORDER) ? this
        : new JobSpec(HyperParameters.builder().putAll(values).remove(JobKeys.DATA_ROW_ORDER).build(), false);
  }

  /** Wraps values the validator produced; {@code rowOrderGiven}: whether its sources gave {@code data.row_order}. */
  static JobSpec of(HyperParameters validated, boolean rowOrderGiven) {
    return new JobSpec(validated, rowOrderGiven);
  }

  /** Every key and value, typed, but the {@linkplain JobKeys#PLACEMENT_KEYS placement keys}: job.json's form. */
  public HyperParameters toHyperParameters() {
    return select(false);
  }

  /** {@link #toHyperParameters()} as job-file lines, key order, lists comma-separated: what dry runs print. */
  public List<String> toPropertyLines() {
    return toHyperParameters().asMap().entrySet().stream().map(e -> e.getKey() + "=" + AmendmentOptions.text(
        e.getValue())).toList();
  }

  /** The form stored in {@code job.json}: {@code job.name} as its id and name, and {@link #toHyperParameters()}. */
  public io.epochal.job.JobSpec toStored() {
    return io.epochal.job.JobSpec.of(jobName(), jobName(), toHyperParameters());
  }

  /** The value {@code key} resolves to, one meaning "none" and so not stored included; empty for a key it lacks. */
  public java.util.Optional<Object> resolved(String key) {
    return java.util.Optional.ofNullable(values.asMap().get(key));
  }

  /** The {@linkplain JobKeys#PLACEMENT_KEYS placement keys} with their values (defaults filled in). */
  public HyperParameters placement() {
    return select(true);
  }

  /** {@code train.device}: {@code auto}, {@code cpu} or {@code gpu}. */
  public String device() {
    return values.getString(JobKeys.DEVICE);
  }

  /** {@code resources.gpus_per_executor}; 0 when GPUs are not scheduled. */
  public int gpusPerExecutor() {
    return values.getInt(JobKeys.GPUS_PER_EXECUTOR);
  }

  /** {@code resources.gpus_per_task}; 0 when GPUs are not scheduled. */
  public int gpusPerTask() {
    return values.getInt(JobKeys.GPUS_PER_TASK);
  }

  /** {@code resources.gpu_discovery_script}; empty when none. */
  public String gpuDiscoveryScript() {
    return values.getString(JobKeys.GPU_DISCOVERY_SCRIPT);
  }

  /** {@code job.name}. */
  public String jobName() {
    return values.getString(JobKeys.JOB_NAME);
  }

  /** {@code job.dir} as job.json holds it (the location as written, for messages). */
  public String jobDirText() {
    return values.getString(JobKeys.JOB_DIR);
  }

  /** {@code job.dir} as a URI. */
  public URI jobDir() {
    return uri(JobKeys.JOB_DIR);
  }

  /** {@code job.seed}. */
  public long seed() {
    return values.getLong(JobKeys.JOB_SEED);
  }

  /** {@code model.name}. */
  public String modelName() {
    return values.getString(JobKeys.MODEL_NAME);
  }

  /** {@code model.version}. */
  public long modelVersion() {
    return values.getLong(JobKeys.MODEL_VERSION);
  }

  /** The model's hyperparameters (the {@code model.*} keys without the prefix, name and version). */
  public HyperParameters modelParams() {
    return prefixed(JobKeys.MODEL_PREFIX);
  }

  /** {@code optimizer.name}: sgd, adam or adamw. */
  public String optimizerName() {
    return values.getString(JobKeys.OPTIMIZER_NAME);
  }

  /** The optimizer's hyperparameters (the {@code optimizer.*} keys without the prefix and name). */
  public HyperParameters optimizerParams() {
    return prefixed(JobKeys.OPTIMIZER_PREFIX);
  }

  /** {@code schedule.name}. */
  public String scheduleName() {
    return values.getString(JobKeys.SCHEDULE_NAME);
  }

  /** The schedule's hyperparameters (the {@code schedule.*} keys without the prefix and name). */
  public HyperParameters scheduleParams() {
    return prefixed(JobKeys.SCHEDULE_PREFIX);
  }

  /** {@code loss}: softmax_cross_entropy, mse, l1 or huber. */
  public String loss() {
    return values.getString(JobKeys.LOSS);
  }

  /** Whether the loss takes class indices as labels. */
  public boolean classification() {
    return Losses.isClassification(loss());
  }

  /** {@code train.batch_size}. */
  public int batchSize() {
    return values.getInt(JobKeys.BATCH_SIZE);
  }

  /** {@code train.epochs}. */
  public int epochs() {
    return values.getInt(JobKeys.EPOCHS);
  }

  /** {@code train.workers}. */
  public int workers() {
    return values.getInt(JobKeys.WORKERS);
  }

  /** {@code train.local_steps}. */
  public int localSteps() {
    return values.getInt(JobKeys.LOCAL_STEPS);
  }

  /** {@code train.threads_per_worker}. */
  public int threadsPerWorker() {
    return values.getInt(JobKeys.THREADS_PER_WORKER);
  }

  /** {@code train.accumulate_grad_batches}; 1 (also for a job stored without it) = every batch is a step. */
  public int accumulateGradBatches() {
    return values.contains(JobKeys.ACCUMULATE_GRAD_BATCHES) ? values.getInt(JobKeys.ACCUMULATE_GRAD_BATCHES) : 1;
  }

  /** {@code train.clip_grad_norm}; 0 (also for a job stored without it) = no clipping. */
  public double clipGradNorm() {
    return JobKeys.numberOrZero(values, JobKeys.CLIP_GRAD_NORM);
  }

  /** {@code train.clip_grad_value}; 0 (also for a job stored without it) = no clipping by value. */
  public double clipGradValue() {
    return JobKeys.numberOrZero(values, JobKeys.CLIP_GRAD_VALUE);
  }

  /**
   * The model's moving average: {@code train.ema_decay} and {@code train.ema_every_n_steps} (none, also for a job
   * stored without them).
   */
  public io.epochal.worker.ema.EmaSettings ema() {
    return EmaKeys.settings(values);
  }

  /**
   * The loss and its settings ({@code loss.label_smoothing}, {@code loss.class_weights}, {@code loss.huber_delta},
   * {@code loss.smooth_l1_beta}), each at torch's default when the job does not set it.
   */
  public io.epochal.worker.loss.LossConfig lossConfig() {
    return LossKeys.lossConfig(values);
  }

  /** {@code data.path} as job.json holds it (the location as written). */
  public String dataPathText() {
    return values.getString(JobKeys.DATA_PATH);
  }

  /** {@code data.path} as a URI. */
  public URI dataPath() {
    return uri(JobKeys.DATA_PATH);
  }

  /** {@code data.validation_path} as job.json holds it, if the job evaluates each epoch on held-out rows. */
  public java.util.Optional<String> validationPathText() {
    String path = values.contains(JobKeys.DATA_VALIDATION_PATH) ? values.getString(JobKeys.DATA_VALIDATION_PATH) : "";
    return path.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(path);
  }

  /** {@code data.format}: parquet, csv or json. */
  public String dataFormat() {
    return values.getString(JobKeys.DATA_FORMAT);
  }

  /** {@code data.features} split at commas: column names, or one array/vector column. */
  public List<String> dataFeatures() {
    return java.util.Arrays.stream(values.getString(JobKeys.DATA_FEATURES).split(",")).filter(c -> !c.isBlank())
        .map(String::trim).toList();
  }

  /** {@code data.label}. */
  public String dataLabel() {
    return values.getString(JobKeys.DATA_LABEL);
  }

  /** {@code data.classes}; 0 when not set (the model's output count then bounds the labels). */
  public int dataClasses() {
    return values.getInt(JobKeys.DATA_CLASSES);
  }

  /** {@code data.feature_size}; 0 when taken from the data. */
  public int dataFeatureSize() {
    return values.getInt(JobKeys.DATA_FEATURE_SIZE);
  }

  /** Whether {@code data.bad_rows} is {@code skip}. */
  public boolean skipBadRows() {
    return "skip".equals(values.getString(JobKeys.DATA_BAD_ROWS));
  }

  /** Whether rows come in file-name order ({@code file_name}), not in Spark's read order ({@code spark_read}). */
  public boolean rowsByFileName() {
    return values.contains(JobKeys.DATA_ROW_ORDER)
        && JobKeys.ROW_ORDER_FILE_NAME.equals(values.getString(JobKeys.DATA_ROW_ORDER));
  }

  /** Whether the job was created before {@code data.row_order} existed: it reads its input as it did then. */
  public boolean createdBeforeRowOrder() {
    return !values.contains(JobKeys.DATA_ROW_ORDER);
  }

  /** {@code checkpoint.keep_last} (a count beyond an int keeps as many as an int counts). */
  public int keepLast() {
    return count(JobKeys.KEEP_LAST);
  }

  /** {@code checkpoint.keep_every}; 0 for none. */
  public int keepEvery() {
    return count(JobKeys.KEEP_EVERY);
  }

  /** {@code checkpoint.keep_best}; 0 for none. */
  public int keepBest() {
    return count(JobKeys.KEEP_BEST);
  }

  private int count(String key) {
    return (int) Math.min(Integer.MAX_VALUE, values.getLong(key));
  }

  /** Early stopping's keys: patience, minimum change, the metric it watches and which way is better. */
  public EarlyStopMonitor earlyStop() {
    return EarlyStopMonitor.of(values);
  }

  /** Where the job's weights start from: {@code init.weights}, {@code init.strict}, {@code init.strip_prefix}. */
  public FineTuning fineTuning() {
    return FineTuning.of(values);
  }

  /** {@code checkpoint.best_metric}. */
  public String bestMetric() {
    return values.getString(JobKeys.BEST_METRIC);
  }

  /** Whether a larger {@code checkpoint.best_metric} is better ({@code checkpoint.best_mode=max}). */
  public boolean bestIsMax() {
    return "max".equals(values.getString(JobKeys.BEST_MODE));
  }

  /** {@code retry.max_attempts}. */
  public int retryMaxAttempts() {
    return values.getInt(JobKeys.RETRY_MAX_ATTEMPTS);
  }

  /** {@code retry.backoff_ms}. */
  public long retryBackoffMs() {
    return values.getLong(JobKeys.RETRY_BACKOFF_MS);
  }

  /** {@code retry.storage_wait_ms}. */
  public long retryStorageWaitMs() {
    return (Long) resolved(JobKeys.RETRY_STORAGE_WAIT_MS).orElse(JobKeys.specs().get(JobKeys.RETRY_STORAGE_WAIT_MS)
        .defaultValue());
  }

  /** {@code lease.ttl_ms}. */
  public long leaseTtlMs() {
    return values.getLong(JobKeys.LEASE_TTL_MS);
  }

  private HyperParameters select(boolean placement) {
    HyperParameters.Builder b = HyperParameters.builder();
    values.asMap().forEach((k, v) -> {
      if (JobKeys.isPlacement(k) == placement && !JobKeys.storedAsAbsent(k, v)) {
        b.put(k, v);
      }
    });
    return b.build();
  }

  private HyperParameters prefixed(String prefix) {
    HyperParameters.Builder b = HyperParameters.builder();
    values.asMap().forEach((k, v) -> {
      if (k.startsWith(prefix) && JobKeys.specs().get(k) == null) {
        b.put(k.substring(prefix.length()), v);
      }
    });
    return b.build();
  }

  private URI uri(String key) {
    String text = values.getString(key);
    try {
      return new org.apache.hadoop.fs.Path(text).toUri();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, key + " = '" + text + "' is not a valid location (" + e.getMessage()
          + "); write it as file:///abs/path or hdfs://host:port/path", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobSpec && values.equals(((JobSpec) o).values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "JobSpec[" + jobName() + ", model " + modelName() + " v" + modelVersion() + ", " + values.asMap() + "]";
  }
}
