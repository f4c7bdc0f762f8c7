package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Opens input files in the format a command was told, and tells files of another format from other
 * failures: Spark reads a Parquet file's footer while it opens the input, so CSV or JSON files read
 * as Parquet fail there with an error about magic numbers, deep inside a Spark job's stack trace.
 */
public final class InputFormats {

  /** What Parquet says of a file that is not Parquet. */
  private static final String NOT_PARQUET = "is not a Parquet file";

  /** How Spark starts its error for an input file it failed to read ([FAILED_READ_FILE...]). */
  private static final String READ_FILE_FAILED = "Encountered error while reading file";

  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private InputFormats() {}

  /**
   * {@code reader.load(path)}, with files that are not in {@code format} reported as such (Parquet
   * files are checked for Parquet's magic number first).
   *
   * @param formatKey the key or option that names the format ({@code data.format}, {@code --format})
   * @throws ConfigException naming {@code formatKey}, the path and the file, if a file is not in
   *     {@code format}
   */
  public static Dataset<Row> load(SparkSession spark, DataFrameReader reader, String path, String format,
      String formatKey) {
    checkNotNull(reader, "reader");
    FirstFile first = FirstFile.of(spark.sparkContext().hadoopConfiguration(), path);
    if (first != null && first.file == null) {
      String pathKey = pathKey(formatKey);
      throw new ConfigException(pathKey, "data " + path + " holds no data file (none at all, or only files "
          + "named _* or .*, which Spark skips); point " + pathKey + " at the directory or file that holds the "
          + format + " data");
    }
    if ("parquet".equals(format) && first != null && first.file.getLen() == 0) { // Spark reads its footer first
      String pathKey = pathKey(formatKey);
      throw new ConfigException(pathKey, "data " + path + ": " + io.epochal.driver.config.JobSpecResolver
          .locationText(first.file.getPath()) + " is empty (0 bytes), and Spark reads the schema of " + pathKey
          + " from the footer of its first Parquet file: remove the empty file");
    }
    if ("parquet".equals(format) && first != null) {
      // before Spark opens the files: its failed footer read logs a stack trace per file
      String what = notParquet(first.fs, first.file);
      if (what != null) {
        throw wrongFormat(spark, path, format, formatKey, what, null);
      }
    }
    Dataset<Row> df;
    try {
      df = reader.load(path);
    } catch (Exception e) { // Spark throws its checked SparkException undeclared
      String named = new org.apache.hadoop.fs.Path(path).getName();
      if (String.valueOf(e.getMessage()).contains("UNABLE_TO_INFER_SCHEMA") && (named.startsWith("_")
          || named.startsWith("."))) { // one file, named as Spark's own files are: skipped though given
        String pathKey = pathKey(formatKey);
        throw new ConfigException(pathKey, "data " + path + " is named as the files Spark skips (_* or .*, its own "
            + "markers), which it does not read even when given by name; rename it", e);
      }
      if (first != null && first.file != null && String.valueOf(e.getMessage()).contains("UNABLE_TO_INFER_SCHEMA")) {
        // files only in subdirectories that are not partition directories: Spark reads none of them
        String pathKey = pathKey(formatKey);
        throw new ConfigException(pathKey, "data " + path + " holds no file Spark reads: its data files (such as "
            + first.file.getPath() + ") are in subdirectories, and Spark reads only the files of the directory "
            + "itself and of partition directories named column=value; point " + pathKey + " at the directory "
            + "that holds the files, move them up, or name the subdirectories column=value", e);
      }
      if (first != null && first.file != null
          && String.valueOf(e.getMessage()).contains("CONFLICTING_DIRECTORY_STRUCTURES")) {
        String pathKey = pathKey(formatKey);
        String others = InputFileLayout.otherSubdirectories(first.fs, path);
        throw new ConfigException(pathKey, "data " + path + (others.isEmpty()
            ? " holds partition directories (named column=value) of different structures, which Spark cannot read as "
            + "one dataset; give every data file the same partition directories, or rename the others to start with _"
            : " mixes partition directories (named column=value) with other subdirectories" + others + ", which Spark "
            + "cannot read as one dataset; move their files into partition directories or out of " + path + ", point "
            + pathKey + " at one of them, or rename the other subdirectories to start with _ to leave them out on "
            + "purpose"), e);
      }
      java.util.regex.Matcher twice = java.util.regex.Pattern.compile("COLUMN_ALREADY_EXISTS.*?The column `([^`]*)`")
          .matcher(String.valueOf(e.getMessage()));
      if (twice.find()) {
        String pathKey = pathKey(formatKey);
        throw new ConfigException(pathKey, "data " + path + " read as " + format + " has the column '" + twice.group(1)
            + "' twice: " + ("json".equals(format) ? "a json object's keys" : "column names") + " that repeat or differ "
            + "only in case are one column to Spark, so no row of it can be read; give every column one name in the "
            + "data (or, for names meant apart by case, --conf spark.sql.caseSensitive=true)", e);
      }
      String what = wrongFormat(e);
      if (what == null) {
        throw InputFormats.<RuntimeException>rethrow(e);
      }
      throw wrongFormat(spark, path, format, formatKey, what, e);
    }
    if (first != null) {
      InputFileLayout.refuseUnreadFiles(first.fs, df, path, pathKey(formatKey));
      InputFileLayout.warnOfForeignChecksumFiles(first.fs, df);
    }
    return df;
  }

  private static ConfigException wrongFormat(SparkSession spark, String path, String format, String formatKey,
      String what, Throwable cause) {
    String stray = "parquet".equals(format) ? strayFile(spark.sparkContext().hadoopConfiguration(), path, what) : null;
    if (stray != null) {
      String pathKey = pathKey(formatKey);
      return new ConfigException(pathKey, "data " + path + ": " + what + ", but other files beside it are Parquet (" + stray
          + "): Spark reads every file of " + pathKey + " except those named _* or .*; move that file out of it, or "
          + "rename it to start with _", cause);
    }
    return new ConfigException(formatKey, "data " + path + " read as " + format + ": " + what + "; the files are "
        + "probably not " + format + "; set " + formatKey + " to their format (parquet, csv or json)", cause);
  }

  /**
   * For a file {@code what} says is not Parquet and whose name does not say it is: a file beside it
   * whose name ends with {@code .parquet}, or null if there is none (the data is then probably not
   * Parquet at all).
   */
  private static String strayFile(Configuration conf, String path, String what) {
    int at = what.indexOf(" " + NOT_PARQUET);
    if (at < 0) {
      return null;
    }
    try {
      Path bad = new Path(what.substring(0, at));
      if (bad.getName().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")) {
        return null;
      }
      FileSystem fs = bad.getFileSystem(conf);
      for (FileStatus f : fs.listStatus(bad.getParent())) {
        if (f.isFile() && f.getPath().getName().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")) {
          return "such as " + f.getPath().getName();
        }
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The first data file at a path (the path itself, or the first one found in its directories,
   * skipping Hadoop's and Spark's {@code _*} and {@code .*} files): {@code file} is null for a
   * directory without one.
   */
  private record FirstFile(FileSystem fs, FileStatus file) {

    /**
     * The first data file at {@code path}; null if the path cannot be read (Spark then says why), or
     * if no file was found above the search's depth but a directory goes deeper (data partitioned in
     * more levels, which Spark reads).
     */
    static FirstFile of(Configuration conf, String path) {
      try {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(conf);
        boolean[] deeper = new boolean[1];
        FileStatus file = firstFile(fs, fs.getFileStatus(p), 0, deeper);
        return file == null && deeper[0] ? null : new FirstFile(fs, file);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }

  /**
   * Why data file {@code file} is not Parquet, or null if it ends with Parquet's magic number or
   * cannot be read (Spark then says why).
   */
  static String notParquet(FileSystem fs, FileStatus file) {
    try {
      if (file.getLen() < PARQUET_MAGIC.length * 2L + 4) {
        return io.epochal.driver.config.JobSpecResolver.locationText(file.getPath()) + " is not a Parquet file ("
            + file.getLen() + " bytes)";
      }
      byte[] tail = new byte[PARQUET_MAGIC.length];
      try (FSDataInputStream in = fs.open(file.getPath())) {
        in.readFully(file.getLen() - tail.length, tail);
      }
      return Arrays.equals(tail, PARQUET_MAGIC) ? null
          : io.epochal.driver.config.JobSpecResolver.locationText(file.getPath()) + " " + NOT_PARQUET
          + " (it does not end with PAR1)";
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static FileStatus firstFile(FileSystem fs, FileStatus at, int depth, boolean[] deeper) throws IOException {
    if (!at.isDirectory()) {
      return at;
    }
    if (depth > 4) {
      deeper[0] = true;
      return null;
    }
    FileStatus[] children = fs.listStatus(at.getPath());
    Arrays.sort(children);
    for (FileStatus c : children) {
      String name = c.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      FileStatus f = firstFile(fs, c, depth + 1, deeper);
      if (f != null) {
        return f;
      }
    }
    return null;
  }

  /** Throws {@code t} as it is, checked or not (for what Spark throws undeclared). */
  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException rethrow(Throwable t) throws T {
    throw (T) t;
  }

  /** The key or option that names the input, for {@code formatKey}, the one that names its format. */
  static String pathKey(String formatKey) {
    return formatKey.equals("data.format") ? "data.path" : "--input";
  }

  /**
   * What to do about a file that cannot be read, given what the read said ({@code why}, as {@link
   * #unreadableFile} gives it): for a permission, make the file readable (removing it would change
   * the job's rows); for a Parquet column typed otherwise than in the other files, one type in every
   * file; for a name holding ':', rename it; otherwise replace or remove it.
   */
  public static String unreadableAdvice(String why) {
    String said = String.valueOf(why);
    if (said.contains("Permission denied") || said.contains("AccessControlException")) {
      return "make that file readable by the user the executors run as (removing it would leave its rows out, "
          + "and a job's resume refuses data whose rows changed)";
    }
    if (said.contains("SchemaColumnConvertNotSupportedException") || said.contains("PARQUET_COLUMN_DATA_TYPE_MISMATCH")) {
      return "that file is intact, but a column of it has another type than in the other files (Spark reads every "
          + "file with one schema, taken from one of them): write that column with one type in every file";
    }
    if (said.contains("Relative path in absolute URI")) {
      return "Hadoop cannot open a file whose name holds ':' (it takes what comes before it for a URI scheme): "
          + "rename that file without ':'";
    }
    return "replace or remove that file (a truncated or damaged compressed file, or one whose content is not what "
        + "its name says)";
  }

  /**
   * The file a read failed on and why, when {@code failure} is Spark's failure to read one input
   * file (a truncated or corrupt compressed file, a file that is not what its name says), or null.
   */
  public static String unreadableFile(Throwable failure) {
    if (storageAway(failure)) {
      return null; // its storage did not answer, or no replica of a block read: not a file of the wrong format
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      int at = m == null ? -1 : m.indexOf(READ_FILE_FAILED);
      if (at >= 0) {
        String file = m.substring(at + READ_FILE_FAILED.length()).strip();
        int end = file.indexOf(". ");
        file = end > 0 ? file.substring(0, end) : file.split("\\s")[0];
        Throwable cause = t.getCause() == null ? t : t.getCause();
        return file + " (" + cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage())
            .replaceAll("\\s*[\\r\\n]+\\s*", " ") + ")";
      }
    }
    return null;
  }

  /**
   * What a read that failed because a server did not answer holds in its chain, as a class or as text: a NameNode
   * or DataNode refusing or not taking connections, failing over, starting.
   */
  private static final java.util.List<String> CONNECTION_AWAY = java.util.List.of("ConnectException",
      "ConnectTimeoutException", "SocketTimeoutException", "NoRouteToHostException", "UnknownHostException",
      "RetriableException", "StandbyException", "SafeModeException");
  /** Those, and a block no replica of which could be read: its DataNodes gone, or every replica corrupt. */
  private static final java.util.List<String> STORAGE_AWAY = java.util.stream.Stream.concat(java.util.stream.Stream
      .of("BlockMissingException", "Could not obtain block"), CONNECTION_AWAY.stream()).toList();

  /**
   * Whether {@code failure} is a read whose storage did not give the file's bytes (a block no replica of which could
   * be read, its DataNodes gone or every replica corrupt; a NameNode failing over; a refused or timed-out
   * connection), rather than bytes that are not what the file's name says: named by a class in its chain, or in the
   * text of an executor's failure. Only {@link #connectionAway} tells storage that comes back.
   */
  public static boolean storageAway(Throwable failure) {
    return holdsAny(failure, STORAGE_AWAY);
  }

  /**
   * Whether {@code failure} is a read whose server did not answer: a refused or timed-out connection, a NameNode
   * failing over or in safe mode (a class in its chain, or the text of an executor's failure). A block no replica
   * of which could be read is not one: every replica may be corrupt, which no wait mends.
   */
  public static boolean connectionAway(Throwable failure) {
    return holdsAny(failure, CONNECTION_AWAY);
  }

  private static boolean holdsAny(Throwable failure, java.util.List<String> markers) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = t.getClass().getName() + ": " + t.getMessage() + (t instanceof org.apache.hadoop.ipc
          .RemoteException remote ? " " + remote.getClassName() : "");
      if (markers.stream().anyMatch(text::contains)) {
        return true;
      }
    }
    return false;
  }

  /** The sentence of {@code failure}'s chain that says a file is not Parquet, or null. */
  static String wrongFormat(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      int at = m == null ? -1 : m.indexOf(NOT_PARQUET);
      if (at >= 0) {
        int start = m.lastIndexOf('\n', at) + 1;
        String line = m.substring(start, at + NOT_PARQUET.length()).strip();
        int colon = line.lastIndexOf(": ");
        return colon >= 0 && colon < line.indexOf(NOT_PARQUET) ? line.substring(colon + 2) : line;
      }
    }
    return null;
  }
}
