package io.epochal.driver.train;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.ShellWords;
import java.util.List;
import java.util.Optional;

/**
 * A job directory without {@code job.json} that holds checkpoints: its {@code job.json} was deleted
 * or lost. Training it writes {@code job.json} and continues after the newest verified checkpoint,
 * which is right only for the spec those checkpoints were trained with; any other spec is refused
 * here, before anything is written, since a {@code job.json} that disagrees with its checkpoints
 * can neither be trained nor resumed.
 */
public final class LostJobSpec {

  private LostJobSpec() {}

  /**
   * {@code spec} as the newest checkpoint of a store's listing {@code entries} whose manifest can be
   * read holds it: a checkpoint trained before {@code data.row_order} existed read its rows in Spark's read order,
   * so the job written again keeps that order ({@link JobSpec#forJobWithoutRowOrder}) unless {@code
   * spec} asks for file_name (which {@link #check} then refuses). {@code spec} itself when the listing
   * holds no such checkpoint.
   */
  public static JobSpec asTrained(JobSpec spec, List<CheckpointEntry> entries) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).manifest().isPresent()) {
        boolean keyed = entries.get(i).manifest().get().hyperParameters().contains(JobKeys.DATA_ROW_ORDER);
        return keyed ? spec : spec.forJobWithoutRowOrder();
      }
    }
    return spec;
  }

  /**
   * Checks {@code spec} against the newest checkpoint of {@code store} whose manifest can be read,
   * ignoring the keys a job may amend (location, data path, epochs, retention).
   *
   * @return that checkpoint, trained with {@code spec}; empty when the store holds none
   * @throws ConfigException (key {@code job.dir}) naming every differing key, when it was trained
   *     with other hyperparameters; (key {@code train.epochs}) when {@code spec} has fewer epochs than
   *     that checkpoint
   */
  public static Optional<CheckpointEntry> check(JobSpec spec, CheckpointStore store) throws CheckpointException {
    List<CheckpointEntry> entries = store.list();
    for (int i = entries.size() - 1; i >= 0; i--) {
      CheckpointEntry e = entries.get(i);
      if (e.manifest().isEmpty()) {
        continue;
      }
      List<String> diff = CheckpointFit.trainingDiff(e.manifest().get().hyperParameters(), spec.toHyperParameters());
      boolean mid = io.epochal.checkpoint.CheckpointSeries.of(e.path()) == io.epochal.checkpoint.CheckpointSeries.STEPS;
      if (!diff.isEmpty()) {
        throw new ConfigException(JobKeys.JOB_DIR, "job.dir " + spec.jobDirText() + " holds no job.json, but it "
            + "holds checkpoints (newest readable: " + (mid ? "mid-epoch checkpoint " + new org.apache.hadoop.fs.Path(
            e.path()).getName() : "epoch " + e.epoch()) + ") trained with other hyperparameters "
            + "(checkpoint -> given): " + String.join("; ", diff) + ". Nothing was written; to continue those "
            + "checkpoints, train the spec they were trained with ('bin/epochal inspect " + ShellWords.location(new org.apache.hadoop.fs.Path(e.path()))
            + "' lists it); to train this spec, give it a new job.dir");
      }
      long committed = mid ? e.manifest().get().epoch() : e.epoch(); // a mid-epoch one's: the epochs before it
      if (committed > spec.epochs()) {
        throw new ConfigException(JobKeys.EPOCHS, "train.epochs = " + spec.epochs() + " is fewer than the " + committed
            + " epochs job.dir " + spec.jobDirText() + " already committed (it holds no job.json, but its "
            + "checkpoints go up to epoch " + committed + "); give at least " + committed + ". Nothing was written");
      }
      return Optional.of(e);
    }
    return Optional.empty();
  }

  /**
   * {@link #check} of the job's epoch checkpoints in {@code store}, or when it holds none that can be read, of
   * its mid-epoch checkpoints (a job stopped inside its first epoch), which only the same spec continues alike.
   */
  public static Optional<CheckpointEntry> checkJob(JobSpec spec, CheckpointStore store,
      org.apache.hadoop.conf.Configuration conf) throws java.io.IOException {
    Optional<CheckpointEntry> epoch = check(spec, store);
    if (epoch.isPresent()) {
      return epoch;
    }
    try (CheckpointStore steps = io.epochal.checkpoint.HadoopCheckpointStore.builder()
        .setJobDir(spec.jobDir().toString()).optConfiguration(conf)
        .optSeries(io.epochal.checkpoint.CheckpointSeries.STEPS).build()) {
      return check(spec, steps);
    }
  }
}
