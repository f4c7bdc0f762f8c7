package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.FineTuning;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.init.InitialState;
import io.epochal.driver.init.InitialWeights;
import io.epochal.driver.init.InitialWeightsReader;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.job.JobPaths;
import io.epochal.job.StartingWeightsRecord;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The state a job's first epoch starts from: the model initialised from {@code Seeds.derive(seed,
 * INIT)}, with the tensors of {@code init.weights} put into it when the job names some. A new job's
 * weights are read and fitted to the model before its job.json is written ({@link #checkNewJob}), so
 * that weights that do not fit leave nothing behind; a later start before the first checkpoint (a
 * retry, a resume) reads them again.
 */
final class StartingWeights {

  /** A state to start from and the SHA-256 of the weights in it, or null when it is the seeded one. */
  record Start(StateDict state, String initDigest) {}

  private final JobSpec spec;
  private final TrainingConfig config;
  private final Configuration conf;
  private final TrainingListener listener;
  /** A new job's start, read by {@link #checkNewJob} and taken by the first attempt. */
  private Start checked;
  /** The SHA-256 of the weights this run read first: every later read (a retry's) must read the same. */
  private String firstDigest;

  StartingWeights(JobSpec spec, TrainingConfig config, Configuration conf, TrainingListener listener) {
    this.spec = checkNotNull(spec, "spec");
    this.config = checkNotNull(config, "config");
    this.conf = checkNotNull(conf, "conf");
    this.listener = checkNotNull(listener, "listener");
  }

  /**
   * Reads a new job's {@code init.weights} and fits them to the model, before its job.json is written.
   *
   * @throws ConfigException ({@code init.weights}) saying what does not fit and that nothing was written
   * @throws TrainingException (STORAGE_UNAVAILABLE) when they cannot be read
   */
  void checkNewJob() throws TrainingException {
    if (spec.fineTuning().weights().isPresent()) {
      checked = load(true);
    }
  }

  /**
   * The state epoch 1 starts from: the one {@link #checkNewJob} read, the first time; else read now.
   * Weights of its own are recorded in the job directory ({@link StartingWeightsRecord}) the first time
   * a run of the job takes them, and must be those every later run takes until the first checkpoint.
   *
   * @throws TrainingException BAD_INPUT when the weights no longer fit or are not those recorded (not
   *     retried), STORAGE_UNAVAILABLE when they or the record cannot be read or written
   */
  Start take() throws TrainingException {
    Start s = checked;
    checked = null;
    Start start = s != null ? s : load(false);
    if (start.initDigest() != null) {
      // a run that wrote job.json itself (a new job, or one whose job.json was lost) starts the record anew
      checkRecorded(start.initDigest(), s != null);
    }
    return start;
  }

  /**
   * Reads the weights and fits them to the model as {@link #take} does, and compares their SHA-256
   * with the one recorded, as a later run's {@code take} does, writing nothing: for dry runs.
   *
   * @throws TrainingException as {@link #take}
   */
  Start read() throws TrainingException {
    Start start = load(false);
    if (start.initDigest() != null) {
      checkRecorded(start.initDigest(), record -> record.recorded().orElse(null));
    }
    return start;
  }

  /** What a run does with the job's record of its starting weights: the SHA-256 recorded, or null for none. */
  @FunctionalInterface
  private interface RecordUse {
    String apply(StartingWeightsRecord record) throws IOException;
  }

  private void checkRecorded(String digest, boolean newJob) throws TrainingException {
    String location = spec.fineTuning().weights().orElseThrow();
    checkRecorded(digest, newJob ? record -> record.record(location, digest)
        : record -> record.recordOnce(location, digest));
  }

  private void checkRecorded(String digest, RecordUse use) throws TrainingException {
    String location = spec.fineTuning().weights().orElseThrow();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
    StartingWeightsRecord record;
    String recorded;
    try {
      record = new StartingWeightsRecord(dir.getFileSystem(conf), dir);
      recorded = use.apply(record);
    } catch (io.epochal.job.JobFileFormatException e) {
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, e.getMessage() + ": it records the SHA-256 of the "
          + FineTuning.WEIGHTS + " the job started from, and the job has no verified checkpoint: once the weights at "
          + location + " are those the job started with, delete the file; the next run records them", e);
    } catch (IOException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot check the SHA-256 of "
          + FineTuning.WEIGHTS + " = " + location + " against " + JobPaths.INIT + " of " + spec.jobDirText() + ": "
          + e.getMessage(), e);
    }
    if (recorded != null && !recorded.equals(digest)) {
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, FineTuning.WEIGHTS + " = " + location + " is not the "
          + "file this job started from (sha256 " + recorded + " recorded in " + record.getFile() + " when a run "
          + "first read it, " + digest + " now): the job has no verified checkpoint, so its first epoch starts from "
          + "these weights: put back the ones it was started with, or train the job again in a new job.dir", null);
    }
  }

  /** The model's state dict initialised from {@code Seeds.derive(seed, INIT)}, built by this thread's cached model. */
  static StateDict seeded(TrainingConfig config) {
    EpochalModel model = ModelCache.forCurrentThread()
        .acquire(config.modelName(), config.modelVersion(), config.modelParams());
    model.initialize(Seeds.derive(config.seed(), Seeds.INIT));
    return model.stateDict();
  }

  private Start load(boolean newJob) throws TrainingException {
    StateDict seeded = seeded(config);
    FineTuning init = spec.fineTuning();
    if (init.weights().isEmpty()) {
      return new Start(seeded, null);
    }
    String location = init.weights().get();
    try {
      InitialWeights weights = new InitialWeightsReader(conf).read(location, init.stripPrefix());
      InitialState state = weights.applyTo(seeded, init.strict(),
          io.epochal.worker.state.NamePatterns.of(init.skipped()), config.modelName() + " v" + config.modelVersion());
      if (firstDigest != null && !firstDigest.equals(weights.sha256())) {
        throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, FineTuning.WEIGHTS + " = " + location + " changed "
            + "while this run trained from it (sha256 " + firstDigest + " when first read, " + weights.sha256()
            + " now): the job has no verified checkpoint, so its first epoch starts from these weights: put back the "
            + "ones it was started with, or train the job again in a new job.dir", null);
      }
      firstDigest = weights.sha256();
      listener.message("starting weights (" + FineTuning.WEIGHTS + "): " + state.describe(weights));
      return new Start(state.state(), weights.sha256());
    } catch (ConfigException e) {
      if (newJob) {
        throw new ConfigException(e.key(), e.getMessage() + TrainingJob.NOTHING_WRITTEN + spec.jobDirText() + ")");
      }
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, e.getMessage() + "; the job has no verified "
          + "checkpoint, so its first epoch starts from these weights: put back the ones it was created with, or train "
          + "the job again in a new job.dir", e);
    } catch (IOException e) {
      // a new job's: before its job.json, so what continues it is a train again, not a resume
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot read " + FineTuning.WEIGHTS
          + " = " + location + ": " + e.getMessage() + (newJob ? TrainingJob.NOTHING_WRITTEN + spec.jobDirText() + ")"
          : ""), e);
    }
  }
}
