package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.job.JobPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Whether a location that a command would replace ({@code --overwrite} of {@code gen-data},
 * {@code predict}, {@code export}) holds what Epochal must never delete with it: a job (its
 * {@code job.json} and checkpoints) or a checkpoint. Each command adds what its {@code
 * --overwrite} does replace; none of them advises removing a job.
 */
public final class JobContent {

  /** How deep below a directory job directories are looked for. */
  private static final int LEVELS_DOWN = 2;

  private JobContent() {}

  /**
   * What of Epochal's {@code location} is, as a phrase to follow its name: {@code is an Epochal
   * job directory (job.json)}; {@code is inside the Epochal job directory <dir> (job.json)}; {@code
   * is an Epochal checkpoint directory (manifest.json)}; {@code holds the Epochal job directory
   * <dir> (job.json)} for a job up to two levels down; empty when it is none of these.
   *
   * @throws IOException when the file system cannot be read
   */
  public static Optional<String> of(FileSystem fs, FileStatus location) throws IOException {
    checkNotNull(fs, "fs");
    Path p = fs.makeQualified(checkNotNull(location, "location").getPath());
    for (Path up = p; up != null; up = up.getParent()) {
      if (fs.exists(JobPaths.jobSpec(up))) {
        return Optional.of((up.equals(p) ? "is an Epochal job directory" : "is inside the Epochal job directory "
            + JobSpecResolver.locationText(up)) + " (" + JobPaths.JOB_SPEC + ")");
      }
    }
    if (!location.isDirectory()) {
      return Optional.empty();
    }
    if (fs.exists(new Path(p, CheckpointManifest.FILE_NAME))) {
      return Optional.of("is an Epochal checkpoint directory (" + CheckpointManifest.FILE_NAME + ")");
    }
    List<Path> level = List.of(p);
    for (int depth = 1; depth <= LEVELS_DOWN; depth++) {
      List<Path> next = new ArrayList<>();
      for (Path dir : level) {
        for (FileStatus child : fs.listStatus(dir)) {
          if (child.isDirectory()) {
            if (fs.exists(JobPaths.jobSpec(child.getPath()))) {
              return Optional.of("holds the Epochal job directory " + JobSpecResolver.locationText(
                  fs.makeQualified(child.getPath())) + " (" + JobPaths.JOB_SPEC + ")");
            }
            next.add(child.getPath());
          }
        }
      }
      level = next;
    }
    return Optional.empty();
  }
}
