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
        continue;
      } catch (IOException | RuntimeException e) {
        return;
      }
      if (st.isDirectory()) {
        java.net.URI qualified = fs.makeQualified(p).toUri();
        if ("file".equals(qualified.getScheme())) {
          java.nio.file.Path local = java.nio.file.Paths.get(qualified);
          if (!java.nio.file.Files.isWritable(local)) {
            // a read-only mount refuses root too; other file systems are left to the write
            throw new ConfigException(key, key + " " + dir + (p.equals(dir) ? " cannot be written"
                : " cannot be created: " + local + " cannot be written") + " (a read-only file system, or no write "
                + "permission); make it writable" + (p.equals(dir) ? "" : ", or give a " + key + " elsewhere"));
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
}
