package io.epochal.driver.data;

import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the files under an input directory tell once Spark has opened it: data files Spark leaves
 * unread (in subdirectories that are not partition directories, or beside partition directories),
 * which are refused rather than left out of training without a word, and checksum files beside the
 * data that Hadoop cannot use, which are warned of. {@link InputFormats#load} runs these checks.
 */
public final class InputFileLayout {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InputFileLayout.class);

  private InputFileLayout() {}

  /** How a checksum file of Hadoop's local file system starts. */
  private static final byte[] CRC_MAGIC = {'c', 'r', 'c', 0};

  /**
   * Warns, in one line, of the input files whose {@code .<name>.crc} beside them (on the local file
   * system) is not a Hadoop checksum file: Hadoop ignores such a file and reads the data unchecked,
   * logging a stack trace for every read of it (shown with {@code --verbose}).
   */
  static void warnOfForeignChecksumFiles(FileSystem fs, Dataset<Row> df) {
    List<String> foreign = foreignChecksumFiles(fs, df.inputFiles());
    if (!foreign.isEmpty()) {
      LOG.warn("{} is not a Hadoop checksum file (it lacks the 'crc' header){}: Hadoop reads the data file beside it "
          + "without checking it; delete the .crc file if nothing else needs it", foreign.get(0),
          foreign.size() > 1 ? ", nor are " + (foreign.size() - 1) + " more .crc files beside the data" : "");
    }
  }

  /** The {@code .<name>.crc} files beside {@code files} that are not Hadoop checksum files (local file system only). */
  static List<String> foreignChecksumFiles(FileSystem fs, String[] files) {
    List<String> foreign = new ArrayList<>();
    if (!(fs instanceof org.apache.hadoop.fs.ChecksumFileSystem)) {
      return foreign;
    }
    FileSystem raw = ((org.apache.hadoop.fs.ChecksumFileSystem) fs).getRawFileSystem();
    for (String f : files) {
      Path data = new Path(URI.create(f));
      Path crc = new Path(data.getParent(), "." + data.getName() + ".crc");
      byte[] head = new byte[CRC_MAGIC.length];
      try (FSDataInputStream in = raw.open(crc)) {
        in.readFully(head);
      } catch (java.io.FileNotFoundException e) {
        continue;
      } catch (IOException | RuntimeException e) {
        // shorter than the header, or unreadable: not a checksum file Hadoop can use either
      }
      if (!Arrays.equals(head, CRC_MAGIC)) {
        foreign.add(crc.toString());
      }
    }
    return foreign;
  }

  /**
   * Refuses a directory that holds data files Spark does not read, whose rows would be left out of
   * training without a word: files in subdirectories that are not partition directories ({@code
   * column=value}), beside files it does read; and, in partitioned data, files beside the partition
   * directories (Spark reads only the files inside them); and files a Spark write left uncommitted under {@code
   * _temporary/}, a write that did not end, whose committed files may be only part of its rows. Files and
   * directories named {@code _*} or {@code .*} are skipped, as Spark skips them.
   */
  static void refuseUnreadFiles(FileSystem fs, Dataset<Row> df, String path, String pathKey) {
    List<String> inSubdirectories = new ArrayList<>();
    List<String> besidePartitions = new ArrayList<>();
    List<String> staged = new ArrayList<>(); // files a Spark write has not committed (its _temporary/)
    try {
      Path root = fs.makeQualified(new Path(path));
      if (!fs.getFileStatus(root).isDirectory()) {
        return;
      }
      Set<String> read = new HashSet<>();
      for (String f : df.inputFiles()) {
        read.add(new Path(URI.create(f)).toUri().getPath());
      }
      String rootPath = root.toUri().getPath();
      java.util.Map<Path, String> listed = new java.util.LinkedHashMap<>(); // file -> its path below the root
      boolean partitioned = false;
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
      while (files.hasNext()) {
        Path f = files.next().getPath();
        String relative = relative(f, rootPath);
        if (!skippedBySpark(relative)) {
          listed.put(f, relative);
          partitioned |= relative.contains("=") && relative.lastIndexOf('/') > relative.indexOf('=');
        } else if (relative.startsWith("_temporary/") && !f.getName().startsWith(".")) {
          staged.add(f.toString());
        }
      }
      for (java.util.Map.Entry<Path, String> e : listed.entrySet()) {
        Path f = e.getKey();
        String relative = e.getValue();
        int slash = relative.lastIndexOf('/');
        String parent = slash < 0 ? "" : relative.substring(relative.lastIndexOf('/', slash - 1) + 1, slash);
        // a file below a partition directory (split=b/extra/c.csv) is read as its partition's; one beside the
        // partition directories is not, though Spark lists it among its input files
        boolean belowPartition = slash > 0 && relative.substring(0, slash).contains("=");
        if (partitioned && !parent.contains("=") && !belowPartition) {
          besidePartitions.add(f.toString());
        } else if (!read.contains(f.toUri().getPath())) {
          inSubdirectories.add(f.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      return; // the listing failed where Spark's succeeded: nothing to tell
    }
    if (!staged.isEmpty()) {
      throw new ConfigException(pathKey, "data " + path + " holds " + files(staged) + " under _temporary/, which a "
          + "Spark write (gen-data, a job of yours) leaves until it commits them: the write stopped before it ended, "
          + "or still runs, so rows of it may be missing from " + path + "; write it again (gen-data ... --overwrite), "
          + "or, if it is known to have completed, remove " + path + "/_temporary");
    }
    if (!besidePartitions.isEmpty()) {
      throw new ConfigException(pathKey, "data " + path + " holds " + files(besidePartitions) + " beside its "
          + "partition directories (named column=value), which Spark does not read: in partitioned data it reads "
          + "only the files inside the partition directories, so their rows would be left out without a word; move "
          + "them into a partition directory, or out of " + path + " (or rename them to start with _)");
    }
    if (!inSubdirectories.isEmpty()) {
      throw new ConfigException(pathKey, "data " + path + " holds " + files(inSubdirectories) + " in subdirectories "
          + "that Spark does not read: it reads the files of the directory itself and of partition directories named "
          + "column=value, so their rows would be left out without a word; move them up into " + path + ", point "
          + pathKey + " at them, or rename their subdirectory to start with _ to leave them out on purpose");
    }
  }

  /**
   * " (a/, b/)": the subdirectories of {@code path} that hold data files and are not partition
   * directories (nor below one that is not), naming at most three; empty if the listing fails.
   */
  static String otherSubdirectories(FileSystem fs, String path) {
    java.util.Set<String> dirs = new java.util.TreeSet<>();
    try {
      Path root = fs.makeQualified(new Path(path));
      String rootPath = root.toUri().getPath();
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
      while (files.hasNext() && dirs.size() <= 3) { // three are named; one more says there are others
        String relative = relative(files.next().getPath(), rootPath);
        if (skippedBySpark(relative)) {
          continue;
        }
        String[] parts = relative.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
          if (!parts[i].contains("=")) {
            dirs.add(String.join("/", java.util.Arrays.copyOf(parts, i + 1)) + "/");
            break;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return "";
    }
    List<String> named = new ArrayList<>(dirs);
    return named.isEmpty() ? "" : " (" + String.join(", ", named.subList(0, Math.min(3, named.size())))
        + (named.size() > 3 ? ", ..." : "") + ")";
  }

  /** "2 data files (a, b)", naming at most three. */
  private static String files(List<String> files) {
    return files.size() + (files.size() == 1 ? " data file (" : " data files (") + String.join(", ",
        files.subList(0, Math.min(3, files.size()))) + (files.size() > 3 ? ", ..." : "") + ")";
  }

  /** {@code f}'s path below {@code rootPath}, without a leading slash. */
  private static String relative(Path f, String rootPath) {
    String p = f.toUri().getPath();
    String r = p.substring(Math.min(p.length(), rootPath.length()));
    return r.startsWith("/") ? r.substring(1) : r;
  }

  /** Whether Spark skips a file at {@code relative} (below the input's directory): a part named _* or .*. */
  public static boolean skippedBySpark(String relative) {
    for (String part : relative.split("/")) {
      if (part.startsWith(".") || part.startsWith("_") && !part.contains("=") || part.endsWith("._COPYING_")) {
        return true;
      }
    }
    return false;
  }
}
