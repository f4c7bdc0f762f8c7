package io.epochal.checkpoint;

import io.epochal.safetensors.SafetensorsIndex;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the manifest of a published checkpoint directory for the {@link CheckpointReader}: refused
 * when larger than a manifest may be, read once more through the client without checksums when the
 * checksumming one finds a block missing (every replica damaged, or none reachable), parsed, and
 * checked to be of its directory's epoch (or step) and to list every data file exactly once, as a
 * single file or as an index with its shards. Damage is a {@link CheckpointCorruptedException}; any
 * other I/O failure is a plain {@link CheckpointException}.
 */
final class ManifestReader {

  /** A manifest larger than this is refused before it is read. */
  static final long MAX_MANIFEST_BYTES = CheckpointManifest.MAX_BYTES;

  /** The data files every checkpoint lists, each as a single file or as an index with its shards. */
  private static final String[] DATA_FILES = {
      CheckpointStore.MODEL_FILE, CheckpointStore.OPTIMIZER_FILE, CheckpointStore.PROBE_FILE};
  /** Data files a checkpoint may list the same way, or not at all. */
  private static final String[] OPTIONAL_DATA_FILES = {CheckpointStore.EMA_FILE};

  private final FileSystem fs;
  private final FileSystem loadFs;
  private final CheckpointSeries series;

  /** A reader of {@code fs}; {@code loadFs}: {@code fs} or a client of it that skips its checksums. */
  ManifestReader(FileSystem fs, FileSystem loadFs, CheckpointSeries series) {
    this.fs = fs;
    this.loadFs = loadFs;
    this.series = series;
  }

  /** Reads and parses {@code dir}'s manifest and checks it belongs to {@code epoch}. */
  CheckpointManifest read(long epoch, Path dir) throws CheckpointException {
    Path p = new Path(dir, CheckpointManifest.FILE_NAME);
    byte[] bytes;
    try {
      FileStatus st = fs.getFileStatus(p);
      if (st.getLen() > MAX_MANIFEST_BYTES) {
        throw new ManifestFormatException(epoch, p.toString(), "manifest has " + st.getLen()
            + " bytes, more than the " + MAX_MANIFEST_BYTES + " a manifest may have");
      }
      try (FSDataInputStream in = fs.open(p)) {
        bytes = new byte[(int) st.getLen()];
        in.readFully(0, bytes);
      } catch (org.apache.hadoop.fs.FSError e) {
        throw ReadFailures.ioError(e);
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (FileNotFoundException e) {
      if (isFile(dir)) {
        throw new CheckpointCorruptedException(epoch, dir.toString(), dir.getName()
            + " is a file, not a checkpoint directory", e);
      }
      throw ReadFailures.classify(fs, epoch, p, "manifest cannot be read", e);
    } catch (IOException e) {
      CheckpointException c = ReadFailures.classify(fs, epoch, p, "manifest cannot be read", e);
      if (c instanceof CheckpointCorruptedException || loadFs == fs || !ReplicaDamage.blockMissing(e)) {
        throw c;
      }
      bytes = ReplicaDamage.reread(loadFs, p, c); // every replica damaged, or none reachable: its digest tells
      CheckpointManifest unchecked = ManifestJson.read(bytes, p.toString(), epoch);
      if (ManifestJson.before11(unchecked.formatVersion())) {
        // format 1.0 has no digest of its own to tell the bytes read without checksums intact. Its DataNodes answer
        // now: read with checksums once more (one back a moment after the first read gave up). A block missing
        // again: no replica passes them, damaged as an epoch whose data files are; another failure (a NameNode
        // failing over, the checkpoint deleted meanwhile) is the first read's, never damage
        bytes = rereadChecked(p, c);
        if (bytes == null) {
          throw new CheckpointCorruptedException(epoch, p.toString(), CheckpointManifest.FILE_NAME + " has no "
              + "replica that passes its checksums, and its format " + unchecked.formatVersion() + " has no digest of "
              + "its own to tell the bytes read without them intact (every replica damaged)", c);
        }
      }
    }
    CheckpointManifest m = ManifestJson.read(bytes, p.toString(), epoch);
    if (series.key(m) != epoch) {
      throw new ManifestFormatException(epoch, p.toString(), "manifest is of " + series.describe(series.key(m))
          + ", but its directory is of " + series.describe(epoch));
    }
    for (String name : DATA_FILES) {
      boolean single = m.file(name).isPresent();
      boolean sharded = m.file(SafetensorsIndex.indexName(name)).isPresent();
      if (single == sharded) {
        throw new ManifestFormatException(epoch, p.toString(), "manifest lists "
            + (single ? "both " : "neither ") + name + (single ? " and " : " nor ")
            + SafetensorsIndex.indexName(name) + "; it must list exactly one of them");
      }
    }
    for (String name : OPTIONAL_DATA_FILES) {
      if (m.file(name).isPresent() && m.file(SafetensorsIndex.indexName(name)).isPresent()) {
        throw new ManifestFormatException(epoch, p.toString(), "manifest lists both " + name + " and "
            + SafetensorsIndex.indexName(name) + "; it may list at most one of them");
      }
    }
    return m;
  }

  /**
   * {@code p} read with checksums again, after {@code failed}; null (the failure kept on it) if a block is missing
   * again; {@code failed} thrown if that read fails otherwise.
   */
  private byte[] rereadChecked(Path p, CheckpointException failed) throws CheckpointException {
    try {
      return ReplicaDamage.readWhole(fs, p);
    } catch (IOException | RuntimeException again) {
      failed.addSuppressed(again);
      if (ReplicaDamage.blockMissing(again)) {
        return null;
      }
      throw failed;
    }
  }

  /** The data files {@code m} holds: every required one, then the optional ones it lists. */
  static List<String> dataFilesOf(CheckpointManifest m) {
    List<String> names = new ArrayList<>(List.of(DATA_FILES));
    for (String name : OPTIONAL_DATA_FILES) {
      if (m.file(name).isPresent() || m.file(SafetensorsIndex.indexName(name)).isPresent()) {
        names.add(name);
      }
    }
    return names;
  }

  /** Whether {@code dir} is a file (where a checkpoint directory belongs); false if that cannot be told. */
  private boolean isFile(Path dir) {
    try {
      return fs.getFileStatus(dir).isFile();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
