package io.epochal.driver.app;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Refuses a new job's {@code job.dir} that lies inside another job's directory or holds other
 * jobs: {@code status} and {@code resume --all} stop at the first {@code job.json} they meet on
 * the way down, so the inner job would never be listed, or resumed, again. Warns of one that holds
 * files of someone else's, beside which the job's own would be written.
 */
final class JobNesting {

  private static final int NAMED = 3;

  /** What a job directory holds of Epochal's own, at its top. */
  private static final Set<String> JOB_ENTRIES = Set.of(JobPaths.JOB_SPEC, JobPaths.LEASE, JobPaths.LEASE_TOKENS,
      JobPaths.RELOCATED, JobPaths.STATE, JobPaths.EVENTS, JobPaths.PROGRESS, JobPaths.INIT, "checkpoints",
      io.epochal.checkpoint.CheckpointSeries.STEPS.directory());

  private JobNesting() {}

  /**
   * Checks {@code dir}, where a new job is about to be created (it holds no {@code job.json}). A
   * file system that cannot be read is left to the run, which reports it.
   *
   * @return the warning of {@link #otherEntries} for a {@code dir} that holds files of someone else's
   * @throws ConfigException on {@code job.dir}, naming the enclosing job or the jobs found under it
   */
  static Optional<String> checkNewJobDir(Path dir, Configuration conf) {
    Path qualified;
    Path enclosing;
    List<String> inside = new ArrayList<>();
    try {
      FileSystem fs = dir.getFileSystem(conf);
      qualified = fs.makeQualified(dir);
      enclosing = enclosingJob(fs, qualified).orElse(null);
      JobFinder.Found found = JobFinder.find(fs, qualified);
      inside.addAll(found.jobs().keySet());
      inside.addAll(found.lostSpecs().keySet());
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // an unreachable or unreadable job.dir is reported where the run opens it
    }
    if (enclosing != null) {
      throw new ConfigException(JobKeys.JOB_DIR, "job.dir " + qualified + " is inside the directory of job "
          + enclosing + " (it holds job.json): 'status' and 'resume --all' would list only that job, never this "
          + "one; give a job.dir outside every job directory");
    }
    if (!inside.isEmpty()) {
      throw new ConfigException(JobKeys.JOB_DIR, "job.dir " + qualified + " holds " + (inside.size() == 1
          ? "the job directory " : inside.size() + " job directories, ") + String.join(", ", inside.subList(0,
          Math.min(NAMED, inside.size()))) + (inside.size() > NAMED ? ", ..." : "") + ": a job created here would "
          + "hide " + (inside.size() == 1 ? "it" : "them") + " from 'status' and 'resume --all'; give each job a "
          + "directory of its own, e.g. " + new Path(qualified, "new-job"));
    }
    return otherEntries(qualified, conf);
  }

  /**
   * The nearest directory above {@code dir} that holds a {@code job.json}, if any.
   *
   * @throws IOException if a directory above cannot be checked
   */
  static Optional<Path> enclosingJob(FileSystem fs, Path qualified) throws IOException {
    for (Path p = qualified.getParent(); p != null; p = p.getParent()) {
      if (fs.exists(JobPaths.jobSpec(p))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * A warning for a new job's {@code dir} that exists and holds files or directories that are not a
   * job's (names starting with {@code .} or {@code _}, which Hadoop and Spark keep for their own,
   * left out): the job's files would be written beside them, as PyTorch Lightning warns of a
   * checkpoint directory that is not empty. Empty when there are none, or the listing fails (the run
   * reports a file system it cannot use).
   */
  static Optional<String> otherEntries(Path dir, Configuration conf) {
    List<String> others = new ArrayList<>();
    Path qualified;
    try {
      FileSystem fs = dir.getFileSystem(conf);
      qualified = fs.makeQualified(dir);
      if (!fs.getFileStatus(qualified).isDirectory()) {
        return Optional.empty(); // a file: the run refuses it
      }
      for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(qualified)) {
        String name = st.getPath().getName();
        if (!JOB_ENTRIES.contains(name) && !name.startsWith(".") && !name.startsWith("_")) {
          others.add(st.isDirectory() ? name + "/" : name);
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // not there yet (the usual case), or unreadable: the run says so
    }
    if (others.isEmpty()) {
      return Optional.empty();
    }
    java.util.Collections.sort(others);
    boolean one = others.size() == 1;
    return Optional.of("job.dir " + JobSpecResolver.locationText(qualified) + " already holds " + others.size()
        + (one ? " entry that is not a job's (" : " entries that are not a job's (") + String.join(", ",
        others.subList(0, Math.min(NAMED, others.size()))) + (others.size() > NAMED ? ", ..." : "") + "): the job's "
        + "files (job.json, checkpoints/, events/, ...) are written beside " + (one ? "it" : "them") + "; give the "
        + "job a directory of its own to keep them apart, e.g. " + JobSpecResolver.locationText(new Path(qualified,
        "job")));
  }
}
