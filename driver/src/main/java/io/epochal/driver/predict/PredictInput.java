package io.epochal.driver.predict;

import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The input of a prediction (or an evaluation): that it can be read, and in which format its files are. */
public final class PredictInput {

  private PredictInput() {}

  /**
   * Checks that {@code input} exists and can be read, naming {@code --input} if not.
   *
   * @throws ConfigException if it does not exist, names no usable file system, or this user may not read it
   * @throws io.epochal.driver.config.StorageUnreachableException if its file system fails to answer (a NameNode down
   *     or failing over): the command exits as an I/O error, which a supervisor runs again
   */
  public static void check(String input, Configuration conf) {
    io.epochal.driver.config.DataPathCheck.refusePattern("--input", input);
    Path p = new Path(input);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new ConfigException("--input", "--input " + input + " does not exist; give a file or directory of "
            + "csv, parquet or json rows");
      }
      if (fs.getFileStatus(p).isDirectory()) {
        fs.listStatus(p);
        if (fs.exists(new Path(p, io.epochal.job.JobPaths.JOB_SPEC))) {
          throw new ConfigException("--input", "--input " + io.epochal.driver.config.JobSpecResolver.locationText(
              fs.makeQualified(p)) + " is an Epochal job directory (it holds job.json), "
              + "not rows: give the data files (a job's data.path is in its job.json)");
        }
      } else {
        fs.open(p).close();
      }
    } catch (IOException e) {
      String why = "--input " + input + " cannot be read: " + e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ");
      if (!(e instanceof java.io.FileNotFoundException
          || e instanceof org.apache.hadoop.fs.UnsupportedFileSystemException
          || io.epochal.driver.train.FailureClassifier.isPermissionDenied(e))) {
        throw new io.epochal.driver.config.StorageUnreachableException(why, e); // the store, not the setting
      }
      throw new ConfigException("--input", why + "; give a readable file or directory", e);
    }
  }

  /**
   * The input's format: as given; else by the input's extension; else, for a directory, by the one
   * extension its data files share ({@code part-00000-....snappy.parquet}); else {@code otherwise}.
   */
  static String format(PredictOptions options, String otherwise, Configuration conf) {
    return format(options.input(), options.inputFormat(), otherwise, conf);
  }

  /**
   * The format of {@code inputPath}'s rows: {@code given} when not null; else by the input's
   * extension; else, for a directory, by the one extension its data files share; else {@code
   * otherwise}.
   */
  public static String format(String inputPath, String given, String otherwise, Configuration conf) {
    if (given != null) {
      return given;
    }
    Path input = new Path(inputPath);
    String byName = formatOf(input.getName());
    if (byName != null) {
      return byName;
    }
    java.util.Set<String> inside = new java.util.TreeSet<>();
    try {
      FileSystem fs = input.getFileSystem(conf);
      if (fs.getFileStatus(input).isDirectory()) {
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(input)) {
          String name = f.getPath().getName();
          if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
            inside.add(String.valueOf(formatOf(name)));
          }
        }
      }
    } catch (IOException e) {
      return otherwise; // reading the input reports what is wrong with it
    }
    return inside.size() == 1 && !inside.contains("null") ? inside.iterator().next() : otherwise;
  }

  /** The format a file name's extension names, or null. */
  private static String formatOf(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    for (String f : List.of("csv", "json", "parquet")) {
      if (name.endsWith("." + f)) {
        return f;
      }
    }
    return null;
  }
}
