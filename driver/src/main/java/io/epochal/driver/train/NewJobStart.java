package io.epochal.driver.train;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The start of a run on a job directory that holds no {@code job.json}: a new job, or one whose
 * {@code job.json} was lost while its checkpoints were kept, which only the spec they were trained
 * with may continue. A new job's starting weights and data are read and checked before {@code
 * job.json} is written, since it never changes and a spec that does not fit them must stay fixable
 * in place; the rows loaded are kept for the run's first attempt, and released when it does not
 * take them.
 */
final class NewJobStart {

  private final JobSpec spec;
  private final EpochalSpark spark;
  private final Configuration hadoopConf;
  private final JobData jobData;
  private final StartingWeights starting;
  private final TrainingListener listener;
  /** Whether this run writes the job.json its checkpoints lost (with as many epochs as they have, or more). */
  private boolean specRewritten;
  /** A new job's data, loaded before its job directory was written; used by the first attempt. */
  private LoadedDataset preloaded;
  /** A new job's held-out rows, loaded with {@link #preloaded}. */
  private LoadedDataset preloadedHeldOut;

  NewJobStart(JobSpec spec, EpochalSpark spark, Configuration hadoopConf, JobData jobData, StartingWeights starting,
      TrainingListener listener) {
    this.spec = spec;
    this.spark = spark;
    this.hadoopConf = hadoopConf;
    this.jobData = jobData;
    this.starting = starting;
    this.listener = listener;
  }

  /**
   * Checks the job in {@code dir}, which holds no {@code job.json}, against the checkpoints it may
   * hold and its starting weights, and loads its data and held-out rows before {@code job.json} is
   * written.
   */
  void prepare(JobDirectory dir) throws TrainingException, IOException {
    // job.json lost, checkpoints kept: only the spec they were trained with may continue them
    LostJobSpec.checkJob(spec, dir.store(), hadoopConf).ifPresent(e -> {
      listener.message("job.dir " + spec.jobDirText() + " holds no job.json but checkpoints up to "
          + new org.apache.hadoop.fs.Path(e.path()).getName() + " trained with this spec: writing job.json and "
          + "continuing after the newest verified one");
      specRewritten = true;
    });
    // a new job: its starting weights and data are read and checked before job.json is written, since
    // job.json never changes and a spec that does not fit them must stay fixable in place
    if (!specRewritten) { // checkpoints to continue from need no starting weights
      starting.checkNewJob();
    }
    try {
      preloaded = jobData.forNewJob();
      preloadedHeldOut = jobData.heldOut(true, false).orElse(null);
    } catch (TrainingException e) { // before any attempt: said as an attempt's failure would be
      TrainingException cause = StopCauses.executorsFailing(e, spark);
      throw cause == e ? e : new TrainingException(cause.reason(), 0, 0, cause.getMessage()
          + TrainingJob.NOTHING_WRITTEN + spec.jobDirText() + ")", e);
    }
  }

  /** Whether this run writes the job.json its checkpoints lost. */
  boolean specRewritten() {
    return specRewritten;
  }

  /** Whether the data loaded before job.json was written is still to be taken. */
  boolean holdsData() {
    return preloaded != null;
  }

  /** The data loaded before job.json was written, or null; a retry reads the data again. */
  LoadedDataset takeData() {
    LoadedDataset data = preloaded;
    preloaded = null;
    return data;
  }

  /** The held-out rows loaded before job.json was written, or null; a retry reads them again. */
  LoadedDataset takeHeldOut() {
    LoadedDataset heldOut = preloadedHeldOut;
    preloadedHeldOut = null;
    return heldOut;
  }

  /** Releases the rows no attempt took: the job was completed or leased by another driver. */
  void release() {
    if (preloaded != null) {
      preloaded.unpersist();
      preloaded = null;
    }
    if (preloadedHeldOut != null) {
      preloadedHeldOut.unpersist();
      preloadedHeldOut = null;
    }
  }
}
