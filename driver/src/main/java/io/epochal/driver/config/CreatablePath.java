package io.epochal.driver.config;

import io.epochal.job.JobPaths;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks, before anything is written, that a directory a command creates can be created: that
 * neither it nor one of its ancestors is a file. Otherwise the file system fails deep in a write
 * ("Parent path is not a directory"), without naming the option.
 */
public final class CreatablePath {

  private CreatablePath() {}

  /**
   * Refuses directory {@code dir}, given as {@code key}, when it or its nearest existing ancestor
   * is a file, or, on the local file system, cannot be written. A file system that cannot be
   * reached is left to the write that follows, which reports it.
   *
   * @throws ConfigException on {@code key}, naming the file and what to do
   */
  public static void requireDirectory(String key, Path dir, Configuration conf) {
    requireDirectory(key, dir, conf, false);
  }

  /**
   * Refuses directory {@code dir}, a part of the directory given as {@code key}, when it exists on
   * the local file system and cannot be written (a directory made immutable, say, which refuses
   * root too); an absent one, or one on another file system, is left to the write.
   *
   * @throws ConfigException on {@code key}, naming the directory and what to do
   */
  public static void requireWritableIfPresent(String key, Path dir, Configuration conf) {
    requireDirectory(key, dir, conf, true);
  }

  private static void requireDirectory(String key, Path dir, Configuration conf, boolean onlyIfPresent) {
    FileSystem fs;
    try {
      fs = dir.getFileSystem(conf);
    } catch (IOException | RuntimeException e) {
      return;
    }
    for (Path p = dir; p != null; p = p.getParent()) {
      FileStatus st;
      try {
        st = fs.getFileStatus(p);
      } catch (java.io.FileNotFoundException absent) {
        if (onlyIfPresent) {
          return;
        }
        continue;
      } catch (IOException | RuntimeException e) {
        return;
      }
      if (st.isDirectory()) {
        java.net.URI qualified = fs.makeQualified(p).toUri();
        if ("file".equals(qualified.getScheme())) {
          java.nio.file.Path local = io.epochal.checkpoint.Locations.localFile(fs.makeQualified(p));
          if (!java.nio.file.Files.isWritable(local)) {
            // a read-only mount refuses root too; other file systems are left to the write
            String named = onlyIfPresent ? JobSpecResolver.locationText(dir.getParent()) + ": its " + dir.getName()
                + " directory" : dir.toString();
            throw new ConfigException(key, key + " " + named + (p.equals(dir) ? " cannot be written"
                : " cannot be created: " + local + " cannot be written") + " (a read-only file system, no write "
                + "permission, or a directory made immutable with chattr +i); make it writable"
                + (p.equals(dir) || onlyIfPresent ? "" : ", or give a " + key + " elsewhere"));
          }
        }
        return;
      }
      throw new ConfigException(key, key + " " + dir + (p.equals(dir) ? " is a file" : " cannot be created: "
          + p + " is a file") + "; give a directory path whose parents are directories");
    }
  }

  /**
   * Refuses an output location inside a job's {@code checkpoints/} directory: retention deletes a
   * checkpoint's directory with everything in it, and {@code verify} warns of files its manifest
   * does not list.
   *
   * @throws ConfigException naming {@code option}, the location and the job
   */
  public static void refuseInsideCheckpoints(String option, Path location, Configuration conf) {
    try {
      FileSystem fs = location.getFileSystem(conf);
      for (Path a = fs.makeQualified(location); a != null && a.getParent() != null; a = a.getParent()) {
        if (a.getName().equals("checkpoints") && fs.exists(new Path(a.getParent(), JobPaths.JOB_SPEC))) {
          throw new ConfigException(option, option + " " + JobSpecResolver.locationText(fs.makeQualified(location))
              + " is inside the checkpoints of job " + JobSpecResolver.locationText(a.getParent()) + ", where "
              + "retention deletes a checkpoint's directory with everything in it: write it elsewhere");
        }
      }
    } catch (java.io.IOException e) {
      // an unreachable location is reported where it is written
    }
  }

  /**
   * Refuses {@code location}, given as {@code option}, when it is data the output would join:
   * {@code data} itself or a place inside it (Spark reads every file under a data directory, so the
   * next train, resume or predict on that data would read the output as rows, or fail on it).
   *
   * @param whose what {@code data} is, for the message ({@code --input}, {@code data.path of job ...})
   */
  public static void refuseInsideData(String option, Path location, Path data, String whose, Configuration conf) {
    try {
      FileSystem fs = location.getFileSystem(conf);
      Path out = fs.makeQualified(location);
      Path in = data.getFileSystem(conf).makeQualified(data);
      if ((out.toString() + "/").startsWith(in.toString() + "/")) {
        throw new ConfigException(option, option + " " + JobSpecResolver.locationText(out) + (out.equals(in) ? " is "
            : " is inside ") + "the data of " + whose + " (" + JobSpecResolver.locationText(in) + "): Spark reads every "
            + "file under it, so the next train, resume or predict on that data would read this output as data, or "
            + "fail on it; write it elsewhere");
      }
    } catch (IOException e) {
      // an unreachable location is reported where it is written
    }
  }

  /**
   * Refuses {@code location}, given as {@code option}, when it is the training or held-out data of
   * the job that {@code jobLocation} (a job directory or one of its checkpoints) belongs to, or
   * lies inside either ({@link #refuseInsideData}): the job's next resume would read it as rows.
   */
  public static void refuseInsideJobData(String option, Path location, Path jobLocation, Configuration conf) {
    java.util.Map<String, Object> keys = java.util.Map.of();
    Path job = null;
    try {
      FileSystem fs = jobLocation.getFileSystem(conf);
      for (Path a = fs.makeQualified(jobLocation); a != null && job == null; a = a.getParent()) {
        if (fs.exists(new Path(a, JobPaths.JOB_SPEC))) {
          job = a;
          keys = new io.epochal.job.JobSpecStore(fs, a).read().map(j -> j.getHyperParameters().asMap())
              .orElse(java.util.Map.of());
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      return; // no job to take the data of
    }
    for (String key : java.util.List.of(JobKeys.DATA_PATH, JobKeys.DATA_VALIDATION_PATH)) {
      Object data = keys.get(key);
      if (data != null && !data.toString().isBlank()) {
        refuseInsideData(option, location, new Path(data.toString()),
            "the job " + JobSpecResolver.locationText(job) + " (its " + key + ")", conf);
      }
    }
  }
}
