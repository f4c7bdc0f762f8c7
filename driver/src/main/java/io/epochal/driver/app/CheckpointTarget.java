package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.ConfigException;
import io.epochal.job.JobPaths;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a command's location names: one checkpoint ({@code <job-dir>/checkpoints/epoch-NNNNNN}) or
 * a job directory (then {@link #epoch()} is -1 and the command picks the newest or all).
 */
final class CheckpointTarget {

  private static final Pattern EPOCH_DIR = Pattern.compile("epoch-(\\d{6,})");

  private final Path jobDir;
  private final long epoch;

  private CheckpointTarget(Path jobDir, long epoch) {
    this.jobDir = jobDir;
    this.epoch = epoch;
  }

  /**
   * Resolves {@code uri}.
   *
   * @throws ConfigException if it is neither a checkpoint directory nor a job directory
   */
  static CheckpointTarget resolve(URI uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    Matcher matcher = EPOCH_DIR.matcher(p.getName());
    if (matcher.matches() && p.getParent() != null && p.getParent().getParent() != null) {
      return new CheckpointTarget(p.getParent().getParent(), Long.parseLong(matcher.group(1)));
    }
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(JobPaths.jobSpec(p)) && !fs.exists(new Path(p, "checkpoints"))) {
      throw new ConfigException("checkpoint", uri + " is neither a checkpoint directory "
          + "(.../checkpoints/epoch-NNNNNN) nor a job directory; give one of those");
    }
    return new CheckpointTarget(p, -1);
  }

  /** The job directory. */
  Path jobDir() {
    return jobDir;
  }

  /** The epoch named, or -1 for a job directory. */
  long epoch() {
    return epoch;
  }

  /** Whether a single checkpoint was named. */
  boolean isCheckpoint() {
    return epoch >= 0;
  }

  /** The store of the job directory; the caller closes it. */
  CheckpointStore open(Configuration conf) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optConfiguration(conf).build();
  }

  /** The epoch named, or the newest published checkpoint's; -1 when there is none. */
  long epochOrNewest(CheckpointStore store) throws CheckpointException {
    if (epoch >= 0) {
      return epoch;
    }
    List<CheckpointEntry> entries = store.list();
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
  }

  @Override
  public String toString() {
    return epoch >= 0 ? String.format("%s/checkpoints/epoch-%06d", jobDir, epoch) : jobDir.toString();
  }
}
