package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
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
 * levels, without entering a job directory (its {@code checkpoints/} holds no jobs), a directory
 * holding Epochal's checkpoints without a {@code job.json} (a job that lost it), or a directory
 * whose name starts with {@code _} or {@code .} (Hadoop's and Spark's hidden files). A directory
 * named {@code checkpoints} that is not Epochal's (another tool's, with none of Epochal's
 * checkpoint directories in it) is no sign of a job: the search goes on into it and beside it.
 */
final class JobFinder {

  /** How many directory levels under the root are searched. */
  static final int MAX_DEPTH = 4;

  /**
   * The prefixes of the checkpoint store's directories that are not published: a commit, a
   * deletion under way, a damaged checkpoint moved aside ({@code _tmp-epoch-000003-<uuid>}).
   */
  private static final List<String> UNPUBLISHED_PREFIXES = List.of("_tmp-", "_deleting-", "_damaged-");

  private JobFinder() {}

  /**
   * What a search found: the job directories, each by its name (its path relative to the root, as
   * {@code team-a/mnist}, or the root's own name when the root is the job), and the directories
   * it was not allowed to look into, each by name with the reason, and the directories that hold
   * Epochal's checkpoints ({@link #holdsCheckpoints}) but no {@code job.json} (it was lost: they are
   * no job a command can resume, and not searched further). All sorted by name.
   */
  record Found(Map<String, Path> jobs, Map<String, String> unreadable, Map<String, Path> lostSpecs) {
    Found {
      jobs = java.util.Collections.unmodifiableMap(new TreeMap<>(jobs));
      unreadable = java.util.Collections.unmodifiableMap(new TreeMap<>(unreadable));
      lostSpecs = java.util.Collections.unmodifiableMap(new TreeMap<>(lostSpecs));
    }

    Found(Map<String, Path> jobs, Map<String, String> unreadable) {
      this(jobs, unreadable, Map.of());
    }
  }

  /**
   * The job directories at or under {@code root}; empty if the root does not exist or holds no
   * job. A directory under the root that this user may not read is skipped and reported, one removed
   * while the search runs is skipped; any other failure, and a root that cannot be read, fails the search.
   *
   * @throws IOException if the file system fails
   */
  static Found find(FileSystem fs, Path root) throws IOException {
    checkArgument(root != null, "root must not be null");
    Map<String, Path> jobs = new TreeMap<>();
    Map<String, String> unreadable = new TreeMap<>();
    Map<String, Path> lostSpecs = new TreeMap<>();
    Path qualified = fs.makeQualified(root);
    if (fs.exists(JobPaths.jobSpec(qualified))) {
      jobs.put(qualified.getName().isEmpty() ? qualified.toString() : qualified.getName(), qualified);
      return new Found(jobs, unreadable);
    }
    if (!fs.exists(qualified)) {
      return new Found(jobs, unreadable);
    }
    List<Path> level = List.of(qualified);
    for (int depth = 1; depth <= MAX_DEPTH && !level.isEmpty(); depth++) {
      List<Path> next = new ArrayList<>();
      for (Path dir : level) {
        FileStatus[] children;
        try {
          children = fs.listStatus(dir);
        } catch (java.io.FileNotFoundException e) {
          if (depth == 1) {
            throw e;
          }
          continue; // removed since its parent was listed (rm -r, a move to the trash): no job there now
        } catch (IOException e) {
          if (depth == 1 || !isPermissionDenied(e)) {
            throw e;
          }
          unreadable.put(relative(qualified, dir), "permission denied: " + firstLine(e));
          continue;
        }
        for (FileStatus s : children) {
          String name = s.getPath().getName();
          if (!s.isDirectory() || name.startsWith("_") || name.startsWith(".")) {
            continue;
          }
          boolean job;
          boolean lost;
          try {
            job = fs.exists(JobPaths.jobSpec(s.getPath()));
            lost = !job && holdsCheckpoints(fs, s.getPath());
          } catch (IOException e) {
            if (!isPermissionDenied(e)) {
              throw e;
            }
            unreadable.put(relative(qualified, s.getPath()), "permission denied: " + firstLine(e));
            continue;
          }
          if (job) {
            jobs.put(relative(qualified, s.getPath()), s.getPath());
          } else if (lost) {
            lostSpecs.put(relative(qualified, s.getPath()), s.getPath());
          } else {
            next.add(s.getPath());
          }
        }
      }
      level = next;
    }
    return new Found(jobs, unreadable, lostSpecs);
  }

  /**
   * Whether {@code dir} holds checkpoints of Epochal's (a job's, whose job.json may be lost): its
   * {@code checkpoints/} (or {@code mid-epoch/}) directory holds a checkpoint directory of
   * Epochal's name ({@code epoch-NNNNNN}, or one being written, deleted or moved aside: {@code
   * _tmp-epoch-*}, {@code _deleting-epoch-*}, {@code _damaged-epoch-*}) with a {@code manifest.json}
   * in it. A directory named {@code checkpoints} without one (another tool's), or a plain file of
   * that name, is no sign of a job.
   *
   * @throws IOException if the file system fails, or {@code checkpoints/} may not be listed
   */
  static boolean holdsCheckpoints(FileSystem fs, Path dir) throws IOException {
    for (CheckpointSeries series : CheckpointSeries.values()) {
      FileStatus[] entries;
      try {
        entries = fs.listStatus(new Path(dir, series.directory()));
      } catch (java.io.FileNotFoundException e) {
        continue;
      }
      for (FileStatus e : entries) {
        if (e.isDirectory() && isCheckpointName(series, e.getPath().getName())
            && isFile(fs, new Path(e.getPath(), CheckpointManifest.FILE_NAME))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isFile(FileSystem fs, Path path) throws IOException {
    try {
      return fs.getFileStatus(path).isFile();
    } catch (java.io.FileNotFoundException e) {
      return false;
    }
  }

  /**
   * The newest published checkpoint under job directory {@code dir} that holds a {@code manifest.json}: of its epoch
   * checkpoints, else of its mid-epoch ones; empty when it holds only unpublished ones ({@code _tmp-*} and the like).
   */
  static java.util.Optional<Path> newestPublished(FileSystem fs, Path dir) throws IOException {
    for (CheckpointSeries series : List.of(CheckpointSeries.EPOCHS, CheckpointSeries.STEPS)) {
      FileStatus[] entries;
      try {
        entries = fs.listStatus(new Path(dir, series.directory()));
      } catch (java.io.FileNotFoundException e) {
        continue;
      }
      java.util.Optional<Path> newest = java.util.Arrays.stream(entries)
          .filter(e -> e.isDirectory() && series.parse(e.getPath().getName()).isPresent())
          .map(FileStatus::getPath).filter(p -> {
            try {
              return isFile(fs, new Path(p, CheckpointManifest.FILE_NAME));
            } catch (IOException unreadable) {
              return false;
            }
          }).max(java.util.Comparator.comparingLong(p -> series.parse(p.getName()).getAsLong()));
      if (newest.isPresent()) {
        return newest;
      }
    }
    return java.util.Optional.empty();
  }

  /** Whether {@code name} is a name the checkpoint store gives a member of {@code series}'s directory. */
  private static boolean isCheckpointName(CheckpointSeries series, String name) {
    if (series.parse(name).isPresent()) {
      return true;
    }
    for (String prefix : UNPUBLISHED_PREFIXES) {
      if (name.startsWith(prefix + series.unit() + "-")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPermissionDenied(IOException e) {
    return e instanceof org.apache.hadoop.security.AccessControlException
        || e instanceof java.nio.file.AccessDeniedException
        || String.valueOf(e.getMessage()).contains("Permission denied");
  }

  private static String firstLine(IOException e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static String relative(Path root, Path job) {
    String base = root.toUri().getPath();
    String path = job.toUri().getPath();
    String prefix = base.endsWith("/") ? base : base + "/";
    return path.startsWith(prefix) ? path.substring(prefix.length()) : job.getName();
  }
}
