package io.epochal.driver.config;

import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.loss.Losses;
import io.epochal.worker.optim.Optimizers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The declared keys of a job spec with their types, defaults, ranges and meaning (the fine-tuning ones in {@link
 * FineTuning}). Besides these, a job file holds the model's, the optimizer's and the schedule's own hyperparameters
 * under the prefixes {@link #MODEL_PREFIX}, {@link #OPTIMIZER_PREFIX} and {@link #SCHEDULE_PREFIX}; those are
 * declared by the {@link ModelCatalog}.
 */
public final class JobKeys {

  /** Prefix of the model's hyperparameters. */
  public static final String MODEL_PREFIX = "model.";
  /** Prefix of the optimizer's hyperparameters. */
  public static final String OPTIMIZER_PREFIX = "optimizer.";
  /** Prefix of the learning-rate schedule's hyperparameters. */
  public static final String SCHEDULE_PREFIX = "schedule.";
  /** Prefix of job keys given as Spark conf entries. */
  public static final String SPARK_CONF_PREFIX = "spark.epochal.";

  public static final String JOB_NAME = "job.name";
  public static final String JOB_DIR = "job.dir";
  public static final String JOB_SEED = "job.seed";
  public static final String MODEL_NAME = "model.name";
  public static final String MODEL_VERSION = "model.version";
  public static final String OPTIMIZER_NAME = "optimizer.name";
  public static final String SCHEDULE_NAME = "schedule.name";
  /** What a schedule's steps count: optimizer steps ({@code step}, not stored) or epochs ({@code epoch}). */
  public static final String SCHEDULE_INTERVAL = "schedule.interval";
  /** Schedule onecycle's {@code cycle_momentum}: whether it sets every step's momentum (or beta1). */
  public static final String SCHEDULE_CYCLE_MOMENTUM = "schedule.cycle_momentum";
  /** Schedule onecycle's {@code base_momentum}. */
  public static final String SCHEDULE_BASE_MOMENTUM = "schedule.base_momentum";
  /** Schedule onecycle's {@code max_momentum}. */
  public static final String SCHEDULE_MAX_MOMENTUM = "schedule.max_momentum";
  public static final String LOSS = "loss";
  public static final String BATCH_SIZE = "train.batch_size";
  public static final String EPOCHS = "train.epochs";
  /** The most epochs a job may have ({@value #EPOCHS} and {@code resume --epochs}): checkpoints are epoch-NNNNNN. */
  public static final long MAX_EPOCHS = 999_999L;
  /**
   * The most epochs {@code early_stop.patience} and {@code train.freeze_epochs} count (not an epoch's number, so not
   * bound by its checkpoint's name; a job stored with the limit of earlier builds keeps it).
   */
  public static final long MAX_EPOCH_COUNT = 1_000_000L;
  public static final String WORKERS = "train.workers";
  public static final String LOCAL_STEPS = "train.local_steps";
  /** Batches whose gradients one optimizer step sums; 1 = none accumulated. */
  public static final String ACCUMULATE_GRAD_BATCHES = "train.accumulate_grad_batches";
  public static final String THREADS_PER_WORKER = "train.threads_per_worker";
  /** The largest total L2 norm of one local step's gradients; 0 = no clipping. */
  public static final String CLIP_GRAD_NORM = "train.clip_grad_norm";
  /** The largest magnitude of one local step's gradient elements; 0 = no clipping by value. */
  public static final String CLIP_GRAD_VALUE = "train.clip_grad_value";
  /** Where loss huber turns from quadratic to linear; 1 (torch's) is not stored. */
  public static final String HUBER_DELTA = "loss.huber_delta";
  /** Where loss smooth_l1 turns from quadratic to linear, torch's {@code SmoothL1Loss(beta)}. */
  public static final String SMOOTH_L1_BETA = "loss.smooth_l1_beta";
  /** Label smoothing of loss softmax_cross_entropy; 0 = none. */
  public static final String LABEL_SMOOTHING = "loss.label_smoothing";
  public static final String DATA_PATH = "data.path";
  /** Held-out rows every epoch's state is evaluated on ({@code val_loss}, {@code val_accuracy} or {@code val_mae}). */
  public static final String DATA_VALIDATION_PATH = "data.validation_path";
  public static final String DATA_FORMAT = "data.format";
  public static final String DATA_FEATURES = "data.features";
  public static final String DATA_LABEL = "data.label";
  public static final String DATA_CLASSES = "data.classes";
  public static final String DATA_FEATURE_SIZE = "data.feature_size";
  public static final String DATA_BAD_ROWS = "data.bad_rows";
  public static final String DATA_ROW_ORDER = "data.row_order";
  /** {@link #DATA_ROW_ORDER}: files in the order of their names, each from its start. */
  public static final String ROW_ORDER_FILE_NAME = "file_name";
  /**
   * {@link #DATA_ROW_ORDER}: the order Spark reads the files in, larger files first and files of
   * one size as the file system lists them. A job stored without the key (created before it
   * existed) keeps this order.
   */
  public static final String ROW_ORDER_SPARK_READ = "spark_read";
  public static final String KEEP_LAST = "checkpoint.keep_last";
  public static final String KEEP_EVERY = "checkpoint.keep_every";
  public static final String KEEP_BEST = "checkpoint.keep_best";
  public static final String BEST_METRIC = "checkpoint.best_metric";
  public static final String BEST_MODE = "checkpoint.best_mode";
  /** Epochs in a row without improvement of {@link #BEST_METRIC} after which the job stops; 0 = never. */
  public static final String EARLY_STOP_PATIENCE = "early_stop.patience";
  /** How much {@link #BEST_METRIC} must improve on its best to count as an improvement. */
  public static final String EARLY_STOP_MIN_DELTA = "early_stop.min_delta";
  /** The metric early stopping watches; empty: {@link #BEST_METRIC}, as before the key existed. */
  public static final String EARLY_STOP_MONITOR = "early_stop.monitor";
  /** Whether a smaller (min) or larger (max) {@link #EARLY_STOP_MONITOR} is better; empty: {@link #BEST_MODE}. */
  public static final String EARLY_STOP_MODE = "early_stop.mode";
  public static final String RETRY_MAX_ATTEMPTS = "retry.max_attempts";
  public static final String RETRY_BACKOFF_MS = "retry.backoff_ms";
  public static final String RETRY_STORAGE_WAIT_MS = "retry.storage_wait_ms";
  public static final String LEASE_TTL_MS = "lease.ttl_ms";
  /**
   * The keys a resume may change ({@code resume --set}): they decide which checkpoints are kept or taken,
   * which held-out rows each epoch is evaluated on, when the job stops early and how failures are
   * retried, not what an epoch trains.
   */
  public static final Set<String> OPERATIONAL = Set.of(DATA_VALIDATION_PATH, KEEP_LAST, KEEP_EVERY, KEEP_BEST,
      BEST_METRIC, BEST_MODE, EARLY_STOP_PATIENCE, EARLY_STOP_MIN_DELTA, EARLY_STOP_MONITOR, EARLY_STOP_MODE,
      RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_MS, RETRY_STORAGE_WAIT_MS, LEASE_TTL_MS, MidEpochKeys.EVERY_N_ROUNDS,
      MidEpochKeys.EVERY_N_MINUTES);
  public static final String DEVICE = "train.device";
  public static final String GPUS_PER_EXECUTOR = "resources.gpus_per_executor";
  public static final String GPUS_PER_TASK = "resources.gpus_per_task";
  public static final String GPU_DISCOVERY_SCRIPT = "resources.gpu_discovery_script";

  /**
   * Placement keys: where a job runs, not what it computes. They are resolved and validated like
   * every key but left out of the spec's hyperparameter form (job.json, manifests), so the
   * identical-hyperparameter check on resume ignores them and a job started on GPUs may continue on
   * CPUs and the other way round.
   */
  public static final Set<String> PLACEMENT_KEYS = Set.of(DEVICE, GPUS_PER_EXECUTOR, GPUS_PER_TASK,
      GPU_DISCOVERY_SCRIPT);

  private static final ParamSpecs SPECS = declare();

  private JobKeys() {}

  /** The declarations of the fixed keys, in documentation order. */
  public static ParamSpecs specs() {
    return SPECS;
  }

  /**
   * Checks {@code text}, given for fixed key {@code key} by {@code source} ({@code --conf spark.epochal.<key>}),
   * against the key's declaration alone: its type and range, as a job's spec checks it. A key of no fixed
   * declaration (a model's or optimizer's) passes.
   *
   * @throws ConfigException naming the key, the value, where it came from and what to give
   */
  public static void checkText(String key, String text, String source) {
    io.epochal.params.ParamSpec spec = SPECS.get(key);
    if (spec != null) {
      ValueCheck.value(spec, key, SpecValidator.Sourced.text(text.trim(), source), "see conf/REFERENCE.md");
    }
  }

  /**
   * Whether {@code key} is one a resume may amend: where the job and its data live, how many epochs
   * it trains, and the {@link #OPERATIONAL} keys. None of them changes what an epoch computes.
   */
  public static boolean isAmendable(String key) {
    return key.equals(JOB_DIR) || key.equals(DATA_PATH) || key.equals(EPOCHS) || OPERATIONAL.contains(key);
  }

  /** {@code hp} without the {@linkplain #isAmendable amendable} keys: what an epoch computes from. */
  public static io.epochal.params.HyperParameters withoutAmendable(io.epochal.params.HyperParameters hp) {
    io.epochal.params.HyperParameters.Builder b = io.epochal.params.HyperParameters.builder();
    hp.asMap().forEach((k, v) -> {
      if (!isAmendable(k)) {
        b.put(k, v);
      }
    });
    return b.build();
  }

  /**
   * What to say after {@code value} of {@code key} out of its range, where PyTorch or an earlier build gives that
   * value a meaning; or "".
   */
  static String rangeHint(String key, Object value) {
    double v = value instanceof Number n ? n.doubleValue() : Double.NaN;
    return key.equals(SMOOTH_L1_BETA) && v == 0 ? "; torch's SmoothL1Loss(beta=0) is L1Loss, here loss=l1"
        : key.equals(EPOCHS) && v > MAX_EPOCHS ? "; an epoch's checkpoint is epoch-NNNNNN, six digits: a job stored with more (as earlier "
        + "builds allowed) is resumed with --epochs " + MAX_EPOCHS + " or fewer" : "";
  }

  /** Whether {@code key} is a {@linkplain #PLACEMENT_KEYS placement key}. */
  public static boolean isPlacement(String key) {
    return PLACEMENT_KEYS.contains(key);
  }

  /** Numeric key {@code key}'s value in {@code hp}, read as 0 when absent ({@link #storedAsAbsent} when 0). */
  static double numberOrZero(io.epochal.params.HyperParameters hp, String key) {
    return hp.contains(key) ? ((Number) hp.get(key)).doubleValue() : 0.0;
  }

  /**
   * Whether {@code value} of {@code key} (typed, or as text) means "none" and is therefore not stored: no held-out rows
   * or sample weights ({@link #DATA_VALIDATION_PATH}, {@link SampleWeights#KEY} blank), no gradient accumulation
   * ({@link #ACCUMULATE_GRAD_BATCHES} 1), torch's Huber delta ({@link #HUBER_DELTA} 1) and smooth L1 beta ({@link
   * #SMOOTH_L1_BETA} 1), no gradient clipping ({@link #CLIP_GRAD_NORM}, {@link #CLIP_GRAD_VALUE} 0), no label smoothing
   * ({@link #LABEL_SMOOTHING} 0) or class weights ({@link LossKeys#CLASS_WEIGHTS} empty), no moving average ({@link
   * EmaKeys}), no early stopping ({@link #EARLY_STOP_PATIENCE} and {@link #EARLY_STOP_MIN_DELTA} 0; {@link
   * #EARLY_STOP_MONITOR} and {@link #EARLY_STOP_MODE} empty: the checkpoint ranking's), a schedule that counts
   * optimizer steps ({@link #SCHEDULE_INTERVAL} step), a one-cycle schedule that leaves the momentum alone ({@link
   * #SCHEDULE_CYCLE_MOMENTUM} false, {@link #SCHEDULE_BASE_MOMENTUM} 0.85, {@link #SCHEDULE_MAX_MOMENTUM} 0.95: torch's
   * defaults), seeded weights all trained ({@link FineTuning}). The job.json and manifests of a job without them read
   * as those of jobs made before the keys existed, and each compares equal with the other on resume.
   */
  public static boolean storedAsAbsent(String key, Object value) {
    return AbsentDefaults.storedAsAbsent(key, value);
  }

  /**
   * The {@linkplain #OPERATIONAL operational} keys added since jobs were first stored whose default is stored: a
   * {@code job.json} written before one existed lacks it, reads as holding its default, and keeps lacking it until
   * a resume sets it ({@link JobSpec#asStoredWithout}), so the job resumes as it is.
   */
  public static final Set<String> ADDED_SINCE_FIRST_FORMAT = Set.of(RETRY_STORAGE_WAIT_MS);

  /**
   * Whether {@code value} of {@code key} is what a job stored before {@code key} existed holds without it: the
   * default of a key {@linkplain #ADDED_SINCE_FIRST_FORMAT added since}.
   */
  public static boolean addedAtDefault(String key, Object value) {
    return ADDED_SINCE_FIRST_FORMAT.contains(key) && value != null && value.equals(specs().get(key).defaultValue());
  }

  /**
   * Whether {@code text} of {@code key} ({@code schedule.patience}) is the default of a key that only schedules
   * other than {@code schedule} declare: a spec of {@code schedule} drops it as changing nothing, so its job stores
   * no such key, and the line that started the job may give it again.
   */
  public static boolean otherSchedulesDefault(ModelCatalog catalog, String schedule, String key, String text) {
    if (!key.startsWith(SCHEDULE_PREFIX)) {
      return false;
    }
    String name = key.substring(SCHEDULE_PREFIX.length());
    if (catalog.schedule(schedule).map(s -> s.get(name) != null).orElse(true)) {
      return false; // its own key, or a schedule not known here
    }
    return catalog.scheduleNames().stream().flatMap(n -> catalog.schedule(n).map(d -> d.get(name)).stream())
        .filter(d -> d != null).findFirst().map(d -> ValueCheck.isDefault(d, key, SpecValidator.Sourced.text(
            text.trim(), "the Spark conf"))).orElse(false);
  }

  /**
   * Whether {@code key} is one of the fixed keys' prefixes' hyperparameter keys, i.e. starts with
   * {@code model.}, {@code optimizer.} or {@code schedule.} and is not a fixed key itself.
   */
  public static boolean isPrefixed(String key) {
    return SPECS.get(key) == null
        && (key.startsWith(MODEL_PREFIX) || key.startsWith(OPTIMIZER_PREFIX) || key.startsWith(SCHEDULE_PREFIX));
  }

  private static ParamSpecs declare() {
    List<ParamSpec> s = new ArrayList<>();
    s.add(str(JOB_NAME, null, "Name of the job, shown in logs, events and the Spark UI."));
    s.add(str(JOB_DIR, null, "Directory of the job on any Hadoop FileSystem (file:///..., hdfs://nn:8020/...): "
        + "job.json, lease, events and checkpoints."));
    s.add(lng(JOB_SEED, 42L, null, null, "Seed from which every shuffle, dropout and initialisation seed is "
        + "derived (with epoch, round and worker)."));
    s.add(str(MODEL_NAME, null, "Registered model to train; its own hyperparameters are the model.<hp> keys."));
    s.add(lng(MODEL_VERSION, 1L, 1.0, null, "Version of the registered model."));
    FineTuning.declare(s);
    s.add(ParamSpec.builder(OPTIMIZER_NAME, ParamType.STRING).optDefault("adam")
        .optAllowed(Optimizers.NAMES.toArray(new String[0]))
        .optDoc("Optimizer; its hyperparameters are the optimizer.<hp> keys (e.g. optimizer.lr).").build());
    s.add(str(SCHEDULE_NAME, "constant", "Learning-rate schedule (constant, step, multistep, cosine, "
        + "cosine_restarts, linear, onecycle peaking at optimizer.lr, or plateau lowering the rate when an epoch "
        + "metric stops improving, as the schedule "
        + "registry holds them); its "
        + "hyperparameters are the schedule.<hp> keys."));
    s.add(ParamSpec.builder(LOSS, ParamType.STRING).optDefault("softmax_cross_entropy")
        .optAllowed(Losses.NAMES.toArray(new String[0]))
        .optDoc("Loss: softmax_cross_entropy (label = class index; torch's CrossEntropyLoss) for classification; "
            + "for regression (label = numeric target; one per row, for a model with one output) mse (MSELoss), l1 "
            + "(L1Loss, the mean absolute error), huber (HuberLoss: quadratic within loss.huber_delta of the "
            + "target, linear beyond) or smooth_l1 (SmoothL1Loss: huber divided by loss.smooth_l1_beta).").build());
    LossKeys.declare(s);
    s.add(lng(BATCH_SIZE, 64L, 1.0, 1048576.0, "Mini-batch size of one local step on one worker (of one forward "
        + "and backward pass with train.accumulate_grad_batches)."));
    s.add(lng(EPOCHS, 10L, 1.0, (double) MAX_EPOCHS, "Number of passes over the data; a checkpoint is written after each."));
    s.add(lng(WORKERS, 2L, 1.0, 4096.0, "Number of data-parallel workers; the data is split into this many shards."));
    s.add(lng(LOCAL_STEPS, 8L, 1.0, 1000000.0, "Local steps every worker runs per round before the states are "
        + "averaged."));
    s.add(lng(ACCUMULATE_GRAD_BATCHES, 1L, 1.0, 1024.0, "Batches whose gradients one optimizer step sums, as "
        + "PyTorch Lightning's accumulate_grad_batches: each local step runs this many batches of train.batch_size "
        + "through forward and backward, each batch's mean loss weighed by its share of the step's samples, then "
        + "clips and steps once, so a step sees batch_size x this many samples with the memory of one batch. "
        + "Schedules and global_step count optimizer steps. 1 = none (a job created before this key existed "
        + "accumulates none)."));
    s.add(lng(THREADS_PER_WORKER, 1L, 1.0, 256.0, "Intra-op threads of one worker (1 is fastest on small CPUs)."));
    s.add(ParamSpec.builder(CLIP_GRAD_NORM, ParamType.DOUBLE).optDefault(0.0).optMin(0.0)
        .optDoc("Largest L2 norm of the gradients of one local step, all trainable parameters together: before "
            + "every optimizer step each worker scales the gradients of its mini-batch by min(1, "
            + "clip_grad_norm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_(model.parameters(), "
            + "clip_grad_norm) between backward and step. 0 = no clipping (a job created before this key existed "
            + "has none).").build());
    s.add(ParamSpec.builder(CLIP_GRAD_VALUE, ParamType.DOUBLE).optDefault(0.0).optMin(0.0)
        .optDoc("Largest magnitude of a gradient element of one local step: before every optimizer step each worker "
            + "clamps every gradient element of its mini-batch to [-clip_grad_value, clip_grad_value], as "
            + "torch.nn.utils.clip_grad_value_(model.parameters(), clip_grad_value) between backward and step "
            + "(Lightning's gradient_clip_algorithm=\"value\"). 0 = no clipping; not together with "
            + "train.clip_grad_norm.").build());
    FineTuning.declareParameterKeys(s);
    EmaKeys.declare(s);
    s.add(str(DATA_PATH, null, "Input data: a file or directory on any Hadoop FileSystem."));
    s.add(str(DATA_VALIDATION_PATH, "", "Held-out rows (a file or directory on any Hadoop FileSystem, in "
        + "data.format with the same feature and label columns) that the state of every epoch is evaluated on, in "
        + "evaluation mode: its checkpoint records val_loss, val_rows and, for softmax_cross_entropy, val_accuracy, "
        + "val_balanced_accuracy (the mean recall of the classes), val_f1 (macro) and, for a model of up to 100 "
        + "outputs, val_auc and val_ap, the area under the ROC curve and the average precision (of more than two, one "
        + "class against the rest, averaged) (for a regression loss val_mae, val_rmse and val_r2: the mean absolute "
        + "error, root mean squared error and R2) (for checkpoint.best_metric). They are never trained on. Empty = "
        + "none. A resume may change it (--set)."));
    s.add(ParamSpec.builder(DATA_FORMAT, ParamType.STRING).optDefault("parquet").optAllowed("parquet", "csv", "json")
        .optDoc("Format of data.path; csv files must have a header line.").build());
    s.add(str(DATA_FEATURES, null, "Feature columns: comma-separated numeric column names (a range of numbered "
        + "ones as f0..f783), or the name of one array or ML vector column."));
    s.add(str(DATA_LABEL, "label", "Label column: class index in [0, data.classes) or numeric target."));
    SampleWeights.declare(s);
    s.add(lng(DATA_CLASSES, 0L, 0.0, 1000000.0, "Number of classes the labels are checked against when the data "
        + "is read (softmax_cross_entropy); 0 = the model's output count, which also bounds a larger value."));
    s.add(lng(DATA_FEATURE_SIZE, 0L, 0.0, 1.0e9, "Features per row; 0 = taken from the first row (an array "
        + "column) or the number of named columns."));
    s.add(ParamSpec.builder(DATA_BAD_ROWS, ParamType.STRING).optDefault("fail").optAllowed("fail", "skip")
        .optDoc("A row with wrong arity (an array of another length, a csv line with another number of "
            + "fields than its header), a json line that does not parse, a null or non-numeric value or a label "
            + "out of range: fail the job naming "
            + "file and row, or skip and count it.").build());
    s.add(ParamSpec.builder(DATA_ROW_ORDER, ParamType.STRING).optDefault(ROW_ORDER_FILE_NAME)
        .optAllowed(ROW_ORDER_FILE_NAME, ROW_ORDER_SPARK_READ)
        .optDoc("Order of the rows, which decides each row's worker and batch: file_name (the files in the order "
            + "of their paths, each from its start: the same on every file system) or spark_read (the order Spark "
            + "reads them in: larger files first, files of one size as the file system lists them, so a copy on "
            + "another disk may come in another order). A job created before this key existed keeps spark_read "
            + "and reads csv as it did (without the checks data.bad_rows lists for csv).")
        .build());
    s.add(lng(KEEP_LAST, 3L, 1.0, null, "Number of newest checkpoints kept."));
    s.add(lng(KEEP_EVERY, 0L, 0.0, null, "Also keep every checkpoint whose epoch is a multiple of this; "
        + "0 = none."));
    s.add(lng(KEEP_BEST, 0L, 0.0, null, "Also keep this many best checkpoints by checkpoint.best_metric; "
        + "0 = none."));
    s.add(str(BEST_METRIC, "train_loss", "Metric that ranks checkpoints for checkpoint.keep_best: one a checkpoint "
        + "records (train_loss, samples, skipped_rows, data_rows, samples_per_second; for softmax_cross_entropy "
        + "train_accuracy, for a regression loss train_mae; with data.validation_path also "
        + "val_loss, val_rows and, for softmax_cross_entropy, val_accuracy, val_balanced_accuracy, val_f1 (and "
        + "val_auc, val_ap up to 100 outputs), for a regression loss val_mae, val_rmse and val_r2; the accuracies, "
        + "val_f1, val_auc, val_ap and val_r2 are better when larger: checkpoint.best_mode=max)."));
    s.add(ParamSpec.builder(BEST_MODE, ParamType.STRING).optDefault("min").optAllowed("min", "max")
        .optDoc("Whether a smaller (min) or larger (max) checkpoint.best_metric is better.").build());
    MidEpochKeys.declare(s);
    s.add(lng(EARLY_STOP_PATIENCE, 0L, 0.0, (double) MAX_EPOCH_COUNT, "Early stopping: the job ends after this many "
        + "epochs in a row whose early_stop.monitor (by default checkpoint.best_metric in checkpoint.best_mode) did "
        + "not improve on the best so far "
        + "by more than early_stop.min_delta, its train.epochs amended to the epoch it ends at (an AMENDED event says "
        + "why); the count and the best are recorded in every checkpoint (early_stop_wait, early_stop_best), so a "
        + "resume continues them. An epoch that does not record the metric does not improve it. 0 = never. A resume "
        + "may change it (--set)."));
    s.add(ParamSpec.builder(EARLY_STOP_MIN_DELTA, ParamType.DOUBLE).optDefault(0.0).optMin(0.0)
        .optDoc("Early stopping: the least change of the monitored metric, in the better direction, that counts as "
            + "an improvement (as PyTorch Lightning's EarlyStopping min_delta). Needs early_stop.patience above 0. "
            + "A resume may change it (--set).")
        .build());
    s.add(str(EARLY_STOP_MONITOR, "", "Early stopping: the metric it watches, one a checkpoint records (as "
        + "checkpoint.best_metric; as PyTorch Lightning's EarlyStopping monitor), e.g. val_loss while checkpoints are "
        + "ranked by val_accuracy. Empty = checkpoint.best_metric (not stored then). Needs early_stop.patience above "
        + "0. A resume may change it (--set), which starts the count afresh."));
    s.add(ParamSpec.builder(EARLY_STOP_MODE, ParamType.STRING).optDefault("").optAllowed("", "min", "max")
        .optDoc("Early stopping: whether a smaller (min) or larger (max) early_stop.monitor is better. Empty = "
            + "checkpoint.best_mode when early_stop.monitor is empty too, else min (Lightning's default). Needs "
            + "early_stop.patience above 0. A resume may change it (--set).").build());
    s.add(lng(RETRY_MAX_ATTEMPTS, 3L, 1.0, 100.0, "Attempts since the newest committed checkpoint before the job "
        + "fails: a failed round, held-out evaluation or checkpoint write is done again from the state in memory, "
        + "other failures (and a round that fails again) reload the latest checkpoint; each retry is an attempt."));
    s.add(lng(RETRY_BACKOFF_MS, 1000L, 0.0, 3600000.0, "Wait before the first retry in milliseconds; doubles with "
        + "every further attempt; each wait is at most one minute (60000), however large this is."));
    s.add(lng(RETRY_STORAGE_WAIT_MS, 300000L, 0.0, 86400000.0, "Before a retry, when a run starts and when it marks "
        + "the job COMPLETED, how long in milliseconds to wait for the job directory to take writes again (a "
        + "NameNode restarting or in safe mode), and how long a checkpoint the file system refuses (full, over a "
        + "quota, read-only) is tried again from memory while training goes on, trying every 2 s and saying so "
        + "every 15 s; the wait is not an attempt. 0 = no wait."));
    s.add(lng(LEASE_TTL_MS, 60000L, 1000.0, 86400000.0, "Lease lifetime in milliseconds: another driver may take "
        + "the job over when the holder's heartbeat is older than this."));
    s.add(ParamSpec.builder(DEVICE, ParamType.STRING).optDefault("auto").optAllowed("auto", "cpu", "gpu")
        .optDoc("Where each worker trains: auto = the GPU Spark assigned to its task when the engine sees one, "
            + "else the CPU with a warning naming the executor; cpu = always the CPU; gpu = the assigned GPU, "
            + "failing the task (naming executor and reason) when there is none or the engine has no CUDA. "
            + "A placement key: not compared on resume (see docs/GPU.md).").build());
    s.add(lng(GPUS_PER_EXECUTOR, 0L, 0.0, 1024.0, "GPUs Spark gives every executor "
        + "(spark.executor.resource.gpu.amount; on local-cluster also spark.worker.resource.gpu.amount); "
        + "0 = no GPU scheduling. A placement key."));
    s.add(lng(GPUS_PER_TASK, 0L, 0.0, 1024.0, "GPUs Spark gives every task (spark.task.resource.gpu.amount); "
        + "0 = no GPU scheduling; at most resources.gpus_per_executor. A round uses one GPU, so 1 is the useful "
        + "value. A placement key."));
    s.add(str(GPU_DISCOVERY_SCRIPT, "", "Script that prints the GPUs of a node as {\"name\":\"gpu\",\"addresses\":"
        + "[\"0\",...]} (spark.executor.resource.gpu.discoveryScript; on local-cluster also "
        + "spark.worker.resource.gpu.discoveryScript); needed on YARN, Kubernetes and local-cluster. Empty = none. "
        + "A placement key."));
    return new ParamSpecs("job spec", s);
  }

  private static ParamSpec str(String name, String def, String doc) {
    ParamSpec.Builder b = ParamSpec.builder(name, ParamType.STRING).optDoc(doc);
    if (def != null) {
      b.optDefault(def);
    }
    return b.build();
  }

  private static ParamSpec lng(String name, Long def, Double min, Double max, String doc) {
    ParamSpec.Builder b = ParamSpec.builder(name, ParamType.LONG).optDoc(doc);
    if (def != null) {
      b.optDefault(def);
    }
    if (min != null) {
      b.optMin(min);
    }
    if (max != null) {
      b.optMax(max);
    }
    return b.build();
  }
}
