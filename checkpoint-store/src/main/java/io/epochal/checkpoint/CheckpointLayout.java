package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Names inside {@code <job-dir>/checkpoints}: {@code epoch-NNNNNN}, {@code _tmp-epoch-NNNNNN-<uuid>}
 * (a commit under way), {@code _deleting-epoch-NNNNNN-<uuid>} (a deletion under way) and {@code
 * _damaged-epoch-NNNNNN-<millis>} (a damaged checkpoint moved aside), and the listing of that
 * directory; for the {@link CheckpointSeries#STEPS} series the same names with {@code step} inside
 * {@code <job-dir>/mid-epoch}.
 */
final class CheckpointLayout {

  static final String CHECKPOINTS = "checkpoints";
  static final String TMP_PREFIX = "_tmp-";
  static final String DELETING_PREFIX = "_deleting-";
  static final String MOVED_ASIDE_PREFIX = "_damaged-";
  private static final Pattern MOVED_ASIDE_DIR = Pattern.compile("_damaged-(?:epoch|step)-(\\d{6,})-(\\d+)");

  private final Path checkpointsDir;
  private final CheckpointSeries series;

  CheckpointLayout(Path jobDir, CheckpointSeries series) {
    this.series = series;
    this.checkpointsDir = new Path(jobDir, series.directory());
  }

  CheckpointLayout(Path jobDir) {
    this(jobDir, CheckpointSeries.EPOCHS);
  }

  CheckpointSeries series() {
    return series;
  }

  Path checkpointsDir() {
    return checkpointsDir;
  }

  static String epochName(long epoch) {
    return CheckpointSeries.EPOCHS.name(epoch);
  }

  /** The published directory of the member keyed {@code epoch} (a step, in the {@code STEPS} series). */
  Path epochDir(long epoch) {
    return new Path(checkpointsDir, series.name(epoch));
  }

  Path newTempDir(long epoch) {
    return new Path(checkpointsDir, TMP_PREFIX + series.name(epoch) + "-" + UUID.randomUUID());
  }

  /** Where the checkpoint of {@code epoch} is renamed to, unpublished, while it is deleted. */
  Path newDeletingDir(long epoch) {
    return new Path(checkpointsDir, DELETING_PREFIX + series.name(epoch) + "-" + UUID.randomUUID());
  }

  /** The key of a published directory name of this series, or empty for anything else. */
  OptionalLong parseKey(String name) {
    return series.parse(name);
  }

  /** Where the checkpoint of {@code epoch} goes when it is moved aside at {@code millis}. */
  Path movedAsideDir(long epoch, long millis) {
    return new Path(checkpointsDir, MOVED_ASIDE_PREFIX + series.name(epoch) + "-" + millis);
  }

  /** The key of a moved-aside directory name ({@code _damaged-epoch-NNNNNN-<millis>}), or empty. */
  static OptionalLong parseMovedAside(String name) {
    Matcher m = MOVED_ASIDE_DIR.matcher(name);
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    try {
      Long.parseLong(m.group(2));
      return OptionalLong.of(Long.parseLong(m.group(1)));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Whether {@code name} is a commit's or a deletion's directory, which no reader reads. */
  static boolean isTemp(String name) {
    return name.startsWith(TMP_PREFIX) || name.startsWith(DELETING_PREFIX);
  }

  /** The entries of the checkpoints directory in {@code fs}; none while it does not exist. */
  FileStatus[] list(FileSystem fs) throws CheckpointException {
    try {
      return fs.listStatus(checkpointsDir);
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    } catch (IOException e) {
      throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, checkpointsDir.toString(),
          "checkpoints cannot be listed: " + e, e);
    }
  }

  /**
   * The moved-aside directories in {@code fs}, by epoch, then by the time they were moved (a file
   * of such a name too: what was moved aside in place of a checkpoint directory).
   */
  java.util.List<Path> movedAside(FileSystem fs) throws CheckpointException {
    return Arrays.stream(list(fs))
        .map(FileStatus::getPath)
        .filter(p -> parseMovedAside(p.getName()).isPresent())
        .sorted(java.util.Comparator.comparingLong((Path p) -> parseMovedAside(p.getName()).getAsLong())
            .thenComparing(p -> p.getName().length()).thenComparing(Path::getName))
        .toList();
  }

  /**
   * The epochs of the published checkpoint directories in {@code fs}, ascending; a file of such a
   * name counts too (a checkpoint that is damaged: it holds no manifest, and it would stop that
   * epoch's commit), so that it is reported and moved aside like any damaged checkpoint.
   */
  long[] epochs(FileSystem fs) throws CheckpointException {
    return Arrays.stream(list(fs))
        .map(st -> parseKey(st.getPath().getName()))
        .filter(OptionalLong::isPresent)
        .mapToLong(OptionalLong::getAsLong)
        .sorted()
        .toArray();
  }

  /**
   * The directory of {@code entry}, which must be a published or moved-aside checkpoint directory
   * of its epoch directly in {@link #checkpointsDir()}.
   *
   * @throws IllegalArgumentException if it is not (the message names the path and this directory)
   */
  Path dirOf(FileSystem fs, CheckpointEntry entry) {
    Path dir = new Path(entry.path());
    String name = dir.getName();
    long epoch = entry.epoch();
    boolean named = parseKey(name).orElse(-1) == epoch || parseMovedAside(name).orElse(-1) == epoch;
    checkArgument(named && fs.makeQualified(dir).getParent().equals(fs.makeQualified(checkpointsDir)),
        "%s is not a checkpoint directory of %s in %s", entry.path(), series.describe(epoch), checkpointsDir);
    return dir;
  }
}
