package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The checks a job's {@code data.path} passes before Spark starts: it exists (and is no glob), it
 * is not a job directory, and the job directory lies outside it and can be written.
 */
public final class DataPathCheck {

  private DataPathCheck() {}

  /**
   * Checks that {@code spec}'s data path exists, is not a glob, an Epochal job directory or a
   * directory holding the job's own directory, and that the job directory can be created and its
   * {@code checkpoints/} (if present) written.
   *
   * @param newJob false for a stored job, whose missing data no generated dataset replaces (the
   *     caller says what does)
   * @throws ConfigException naming {@code data.path} or {@code job.dir} and what to do
   */
  public static void check(JobSpec spec, Configuration hadoopConf, boolean newJob) {
    String text = spec.toHyperParameters().getString(JobKeys.DATA_PATH);
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(spec.dataPath());
    boolean exists = exists(JobKeys.DATA_PATH, text, path, hadoopConf);
    if (!exists && pathPart(text).matches(".*[*?\\[{].*")) {
      throw new ConfigException(JobKeys.DATA_PATH, "data.path = '" + text + "' is a pattern, and data.path names one "
          + "directory or file, not a glob: a job's rows are numbered by file and must be the same files on every "
          + "resume; point data.path at the directory that holds the files (other files in it can be named _* or .*, "
          + "which are not read)");
    }
    refusePattern(JobKeys.DATA_PATH, text);
    if (!exists) {
      throw new ConfigException(JobKeys.DATA_PATH, "data.path = '" + text + "' does not exist; point data.path "
          + "at existing " + spec.dataFormat() + " data" + (newJob ? " (or generate some with 'epochal gen-data')"
          : ""));
    }
    checkJobDirOutsideData(spec, path, hadoopConf);
    checkNotAJob(text, path, hadoopConf);
    checkHeldOut(spec, hadoopConf);
    CreatablePath.requireDirectory(JobKeys.JOB_DIR, new org.apache.hadoop.fs.Path(spec.jobDir()), hadoopConf);
    // an existing job's checkpoints: every epoch's commit writes there
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(spec.jobDir()),
        "checkpoints");
    CreatablePath.requireWritableIfPresent(JobKeys.JOB_DIR, checkpoints, hadoopConf);
  }

  /**
   * Refuses a location whose path holds a character Spark's file sources read as a glob ({@code [ ] { } ? *}),
   * though it exists as named: Spark would read the files the pattern matches ({@code t[12].csv} reads {@code
   * t1.csv}). Its authority is not read as one ({@code hdfs://[::1]:8020/d}).
   */
  public static void refusePattern(String key, String text) {
    if (pathPart(text).matches(".*[*?\\[\\]{}].*")) {
      throw new ConfigException(key, (key.startsWith("--") ? key + " " : key + " = ") + "'" + text + "' holds a "
          + "character Spark reads as a pattern ([ ] { } ? *): it would read the files that pattern matches, not the "
          + "one named; rename the file or directory without them");
    }
  }

  /** The path of location {@code text}, without its scheme and authority (which Hadoop does not glob). */
  private static String pathPart(String text) {
    try {
      String path = new org.apache.hadoop.fs.Path(text).toUri().getPath();
      return path == null ? text : path;
    } catch (IllegalArgumentException notAPath) {
      return text;
    }
  }

  /**
   * Checks the held-out rows of {@code data.validation_path}, when given: they exist, and are
   * neither {@code data.path} nor inside it nor around it (Spark reads every file under
   * {@code data.path}, so such rows would be trained on), but for a directory named {@code _*} or
   * {@code .*} between the two, which Spark skips; and the job directory is not inside them.
   */
  static void checkHeldOut(JobSpec spec, Configuration conf) {
    java.util.Optional<String> given = spec.validationPathText();
    if (given.isEmpty()) {
      return;
    }
    String key = JobKeys.DATA_VALIDATION_PATH;
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(given.get());
    String held = JobSpecResolver.locationText(path);
    String data = JobSpecResolver.locationText(new org.apache.hadoop.fs.Path(spec.dataPath()));
    String job = JobSpecResolver.locationText(new org.apache.hadoop.fs.Path(spec.jobDir()));
    boolean exists = exists(key, given.get(), path, conf);
    refusePattern(key, given.get());
    if (!exists) {
      throw new ConfigException(key, key + " = '" + given.get() + "' does not exist; point it at existing "
          + spec.dataFormat() + " data with the training rows' columns, rows the job does not train on");
    }
    // a directory inside data.path that Spark skips (_held, .held) is not trained on, as InputFileLayout says; nor,
    // read as held-out rows, is data.path in such a directory of them (data.path=/d/_train beside /d's own rows)
    boolean skipped = held.startsWith(data + "/")
        && io.epochal.driver.data.InputFileLayout.skippedBySpark(held.substring(data.length() + 1))
        || data.startsWith(held + "/")
        && io.epochal.driver.data.InputFileLayout.skippedBySpark(data.substring(held.length() + 1));
    if (!skipped && (held.equals(data) || held.startsWith(data + "/") || data.startsWith(held + "/"))) {
      throw new ConfigException(key, key + " = '" + given.get() + "' " + (held.equals(data) ? "is data.path itself"
          : held.startsWith(data + "/") ? "is inside data.path " + data + ", all of whose files are trained on but "
          + "those in a directory named _* or .*"
          : "holds data.path " + data) + ": held-out rows must be files the job does not train on; keep them in a "
          + "directory beside the training data (e.g. .../train and .../validation)");
    }
    if (job.equals(held) || job.startsWith(held + "/")) {
      throw new ConfigException(JobKeys.JOB_DIR, "job.dir " + job + " is inside " + key + " " + held + ": the job's "
          + "own files would be read as held-out rows; give the job a directory outside its data");
    }
  }

  /**
   * Whether {@code path}, the value {@code text} of {@code key}, exists.
   *
   * @throws ConfigException if its URI names no usable file system (a scheme without one, a
   *     malformed authority) or this user may not read it
   * @throws StorageUnreachableException naming the key if its file system fails to answer (a NameNode down
   *     or in safe mode): the store, not the configuration, so the command exits as an I/O error,
   *     which a supervising cluster manager retries
   */
  private static boolean exists(String key, String text, org.apache.hadoop.fs.Path path, Configuration conf) {
    try {
      return path.getFileSystem(conf).exists(path);
    } catch (org.apache.hadoop.fs.UnsupportedFileSystemException | RuntimeException e) {
      throw new ConfigException(key, key + " = '" + text + "' cannot be read: " + e + "; check the URI", e);
    } catch (IOException e) {
      if (io.epochal.driver.train.FailureClassifier.isPermissionDenied(e)) {
        throw new ConfigException(key, key + " = '" + text + "' cannot be read: " + e + "; let the user this "
            + "command runs as read it (HDFS: hdfs dfs -chmod; HADOOP_USER_NAME names the user of a cluster "
            + "without Kerberos)", e);
      }
      throw new StorageUnreachableException(key + " = '" + text + "' cannot be read: " + e, e);
    }
  }

  /** Refuses a data path that is an Epochal job directory: its checkpoints would be read as rows. */
  private static void checkNotAJob(String text, org.apache.hadoop.fs.Path data, Configuration conf) {
    boolean job;
    try {
      job = data.getFileSystem(conf).exists(new org.apache.hadoop.fs.Path(data, io.epochal.job.JobPaths.JOB_SPEC));
    } catch (IOException | RuntimeException e) {
      return; // read errors of the data are reported where it is read
    }
    if (job) {
      throw new ConfigException(JobKeys.DATA_PATH, "data.path = '" + text + "' is an Epochal job directory (it holds "
          + "job.json), not data; point data.path at the data files (a job's data.path is in its job.json)");
    }
  }

  /**
   * Refuses a job directory that is the data directory or lies inside it: the job's own files
   * (job.json, checkpoints/, events/) would be read as data by every run after the first.
   */
  private static void checkJobDirOutsideData(JobSpec spec, org.apache.hadoop.fs.Path data, Configuration conf) {
    org.apache.hadoop.fs.Path job = new org.apache.hadoop.fs.Path(spec.jobDir());
    String dataText;
    String jobText;
    try {
      dataText = data.getFileSystem(conf).makeQualified(data).toString();
      jobText = job.getFileSystem(conf).makeQualified(job).toString();
    } catch (IOException | RuntimeException e) {
      return; // an unreachable job.dir is reported where it is opened
    }
    if (jobText.equals(dataText) || jobText.startsWith(dataText.endsWith("/") ? dataText : dataText + "/")) {
      HyperParameters keys = spec.toHyperParameters();
      throw new ConfigException(JobKeys.JOB_DIR, "job.dir = '" + keys.getString(JobKeys.JOB_DIR) + "' is "
          + (jobText.equals(dataText) ? "the data directory" : "inside the data directory") + " (data.path = '"
          + keys.getString(JobKeys.DATA_PATH) + "'): the job's own files (job.json, checkpoints/) would be read "
          + "as data when it resumes; put the job directory somewhere else");
    }
  }
}
