package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointCorruptedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * The best checkpoint of a job, {@code <job-dir>/checkpoints/best}: of its published checkpoints
 * that verify, the one whose {@code checkpoint.best_metric} (in {@code job.json}) is best in {@code
 * checkpoint.best_mode}, the earliest of equal ones, as PyTorch Lightning's {@code ModelCheckpoint}
 * keeps its first best and {@code ckpt_path="best"} takes it. A checkpoint that does not record the
 * metric is not ranked; a damaged one is said and passed over for the next best.
 */
final class BestCheckpoint {

  /** The last name of the location that names it. */
  static final String NAME = "best";

  /** How many times the checkpoints are listed at most, each after the best was deleted as it was read. */
  private static final int MAX_LISTINGS = 5;

  private final Path jobDir;
  private final org.apache.hadoop.conf.Configuration conf;

  BestCheckpoint(Path jobDir, org.apache.hadoop.conf.Configuration conf) {
    this.jobDir = jobDir;
    this.conf = conf;
  }

  /**
   * Loads the best checkpoint of {@code store}, saying on {@code err} which it is and why.
   *
   * @return empty, said on {@code err}, when the job has no checkpoint or none that records the metric verifies
   *     (damage: the command fails as for a job directory whose checkpoints are all damaged)
   * @throws ConfigException when the job has no {@code job.json} to name its metric, or no checkpoint
   *     records the metric
   */
  java.util.Optional<LoadedCheckpoint> load(CheckpointStore store, PrintStream err) throws CheckpointException {
    HyperParameters job = jobKeys();
    String metric = job.contains(JobKeys.BEST_METRIC) ? job.getString(JobKeys.BEST_METRIC) : "train_loss";
    boolean max = job.contains(JobKeys.BEST_MODE) && "max".equals(job.getString(JobKeys.BEST_MODE));
    // + 0.0: -0.0 (a loss of -log(1)) ties with 0.0, as retention's keep_best ranks them; a tie is the earlier epoch
    Comparator<CheckpointEntry> byValue = Comparator.comparingDouble(e -> value(e, metric) + 0.0);
    List<CheckpointEntry> listed;
    List<CheckpointEntry> ranked;
    java.util.Set<Long> damaged = new java.util.HashSet<>();
    boolean again;
    int listings = 0;
    do { // listed again when one was deleted meanwhile: a driver's retention, which may have committed a better one
      again = false;
      listed = store.list();
      ranked = listed.stream().filter(e -> Double.isFinite(value(e, metric)))
          .sorted((max ? byValue.reversed() : byValue).thenComparingLong(CheckpointEntry::epoch)).toList();
      for (CheckpointEntry e : ranked) {
        if (damaged.contains(e.epoch())) {
          continue;
        }
        try {
          LoadedCheckpoint c = store.load(e);
          err.println(String.format(Locale.ROOT, "epochal: the best checkpoint by %s (%s): epoch %d, %s %.6g (%s)",
              metric, max ? "max" : "min", e.epoch(), metric, value(e, metric),
              JobSpecResolver.locationText(c.path())));
          return java.util.Optional.of(c);
        } catch (CheckpointCorruptedException d) {
          damaged.add(e.epoch());
          err.println("epochal: warning: skipping damaged checkpoint of epoch " + e.epoch() + " (" + d.detail()
              + "), the best by " + metric + "; taking the next best");
        } catch (io.epochal.checkpoint.CheckpointDeletedException gone) {
          err.println("epochal: epoch " + e.epoch() + ", the best by " + metric + ", was deleted as it was read (the "
              + "retention of a driver that trains the job); ranking the checkpoints again");
          again = ++listings < MAX_LISTINGS;
          break;
        }
      }
    } while (again);
    String where = JobSpecResolver.locationText(jobDir);
    if (listings >= MAX_LISTINGS) { // each best deleted as it was read: nothing damaged, a retention kept going
      throw new CheckpointException(ranked.isEmpty() ? 0 : ranked.get(0).epoch(), new Path(jobDir, "checkpoints/"
          + NAME).toString(), "the best checkpoint was deleted as it was read " + MAX_LISTINGS + " times in a row, "
          + "by the retention of a driver that trains the job (nothing is damaged); run the command again or give a "
          + "checkpoint directory (.../checkpoints/epoch-NNNNNN)");
    }
    if (listed.isEmpty() || !ranked.isEmpty() || listed.stream().allMatch(e -> e.manifest().isEmpty())) {
      // nothing to pick from, or every candidate damaged (its manifest too: what it records is unknown)
      err.println("epochal: " + where + "/checkpoints/" + NAME + ": " + (listed.isEmpty() ? where + " holds no "
          + "checkpoint" : "no checkpoint that records " + metric + " verifies, or has a manifest that can be read "
          + "('bin/epochal verify " + where + " --all' says why)"));
      return java.util.Optional.empty();
    }
    throw new ConfigException("checkpoint", where + "/checkpoints/" + NAME + ": no checkpoint of " + where
        + " records " + JobKeys.BEST_METRIC + " = " + metric + " (its checkpoints are of epochs " + listed.stream()
        .map(x -> Long.toString(x.epoch())).toList() + "); give a checkpoint directory "
        + "(.../checkpoints/epoch-NNNNNN) or the job directory for its newest");
  }

  private HyperParameters jobKeys() {
    try {
      org.apache.hadoop.fs.FileSystem fs = jobDir.getFileSystem(conf);
      return new JobSpecStore(fs, jobDir).read().map(JobSpec::getHyperParameters).orElseThrow(() ->
          new ConfigException("checkpoint", JobSpecResolver.locationText(jobDir) + "/checkpoints/" + NAME
              + ": the job has no job.json to name its checkpoint.best_metric; give a checkpoint directory"));
    } catch (IOException e) {
      throw new ConfigException("checkpoint", JobSpecResolver.locationText(jobDir) + "/checkpoints/" + NAME
          + ": job.json cannot be read (" + e.getMessage() + ") to name its checkpoint.best_metric", e);
    }
  }

  /** The metric {@code metric} of checkpoint {@code e}, NaN when its manifest does not record it or cannot be read. */
  private static double value(CheckpointEntry e, String metric) {
    return e.manifest().map(m -> m.metrics().get(metric)).map(Double::doubleValue).orElse(Double.NaN);
  }
}
