package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.job.JobPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Finds the job directories (directories holding {@code job.json}) at or under a root, for the
 * commands that take a directory of jobs ({@code status}, {@code resume --all}). A root that is a
 * job is the only job found. Otherwise its directories are searched down to {@value #MAX_DEPTH}
 * levels, without entering a job directory (its {@code checkpoints/} holds no jobs) or a directory
 * whose name starts with {@code _} or {@code .} (Hadoop's and Spark's hidden files).
 */
final class JobFinder {

  /** How many directory levels under the root are searched. */
  static final int MAX_DEPTH = 4;

  private JobFinder() {}

  /**
   * The job directories at or under {@code root}, each with its name: its path relative to the
   * root ({@code team-a/mnist}), or the root's own name when the root is the job. Sorted by name;
   * empty if the root does not exist or holds no job.
   */
  static Map<String, Path> find(FileSystem fs, Path root) throws IOException {
    checkArgument(root != null, "root must not be null");
    Map<String, Path> jobs = new TreeMap<>();
    Path qualified = fs.makeQualified(root);
    if (fs.exists(JobPaths.jobSpec(qualified))) {
      jobs.put(qualified.getName().isEmpty() ? qualified.toString() : qualified.getName(), qualified);
      return jobs;
    }
    if (!fs.exists(qualified)) {
      return jobs;
    }
    List<Path> level = List.of(qualified);
    for (int depth = 1; depth <= MAX_DEPTH && !level.isEmpty(); depth++) {
      List<Path> next = new ArrayList<>();
      for (Path dir : level) {
        for (FileStatus s : fs.listStatus(dir)) {
          String name = s.getPath().getName();
          if (!s.isDirectory() || name.startsWith("_") || name.startsWith(".")) {
            continue;
          }
          if (fs.exists(JobPaths.jobSpec(s.getPath()))) {
            jobs.put(relative(qualified, s.getPath()), s.getPath());
          } else {
            next.add(s.getPath());
          }
        }
      }
      level = next;
    }
    return jobs;
  }

  private static String relative(Path root, Path job) {
    String base = root.toUri().getPath();
    String path = job.toUri().getPath();
    String prefix = base.endsWith("/") ? base : base + "/";
    return path.startsWith(prefix) ? path.substring(prefix.length()) : job.getName();
  }
}
