package io.epochal.driver.app;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.job.JobPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Refuses a new job's {@code job.dir} that lies inside another job's directory or holds other
 * jobs: {@code status} and {@code resume --all} stop at the first {@code job.json} they meet on
 * the way down, so the inner job would never be listed, or resumed, again.
 */
final class JobNesting {

  private static final int NAMED = 3;

  private JobNesting() {}

  /**
   * Checks {@code dir}, where a new job is about to be created (it holds no {@code job.json}). A
   * file system that cannot be read is left to the run, which reports it.
   *
   * @throws ConfigException on {@code job.dir}, naming the enclosing job or the jobs found under it
   */
  static void checkNewJobDir(Path dir, Configuration conf) {
    Path qualified;
    Path enclosing = null;
    List<String> inside = new ArrayList<>();
    try {
      FileSystem fs = dir.getFileSystem(conf);
      qualified = fs.makeQualified(dir);
      for (Path p = qualified.getParent(); p != null && enclosing == null; p = p.getParent()) {
        enclosing = fs.exists(JobPaths.jobSpec(p)) ? p : null;
      }
      JobFinder.Found found = JobFinder.find(fs, qualified);
      inside.addAll(found.jobs().keySet());
      inside.addAll(found.lostSpecs().keySet());
    } catch (IOException | RuntimeException e) {
      return; // an unreachable or unreadable job.dir is reported where the run opens it
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
  }
}
