package io.epochal.checkpoint;

import java.io.IOException;
import java.security.MessageDigest;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Tells a damaged file from an unreachable one after HDFS's checksumming client gave up on every
 * replica of one of its blocks ({@code BlockMissingException}, "no live nodes"). That client gives
 * up so both when no DataNode holding the block answers and, now and then, when every replica it
 * reached failed its checksum. A read of the same file without checksums (the store's second
 * client) then decides: when it reaches the replicas and their bytes are not the ones the manifest
 * lists, the file is damaged, and the store falls back from its checkpoint; when that read fails
 * too, or finds the listed bytes, it stays an I/O error. Holds no state.
 */
final class ReplicaDamage {

  private static final int BUFFER = 1 << 16;

  private ReplicaDamage() {}

  /** Whether HDFS found no replica of a block it could read ({@code BlockMissingException}) in {@code e}'s causes. */
  static boolean blockMissing(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass().getName().equals("org.apache.hadoop.hdfs.BlockMissingException")) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code failed}, the failure of a checked read of data file {@code p} listed as {@code entry}, or
   * when it is a missing block and {@code unchecked} reads the file to another SHA-256 than the
   * manifest's, the damage that makes it.
   */
  static CheckpointException judge(FileSystem unchecked, long epoch, Path p, ManifestFile entry,
      CheckpointException failed) {
    if (failed instanceof CheckpointCorruptedException || !blockMissing(failed)) {
      return failed;
    }
    String sha256;
    try {
      MessageDigest digest = Sha256.newDigest();
      byte[] buffer = new byte[BUFFER];
      try (FSDataInputStream in = unchecked.open(p)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          digest.update(buffer, 0, n);
        }
      }
      sha256 = Sha256.hex(digest.digest());
    } catch (IOException | RuntimeException again) {
      failed.addSuppressed(again); // unreachable without checksums too: an I/O error
      return failed;
    }
    if (sha256.equals(entry.sha256())) {
      return failed;
    }
    CheckpointCorruptedException damaged = new CheckpointCorruptedException(epoch, p.toString(), entry.name()
        + " has no replica that passes its checksums, and read without them its SHA-256 is " + sha256
        + " but the manifest lists " + entry.sha256() + " (every replica damaged)", failed);
    return damaged;
  }

  /**
   * The bytes of a small file ({@code manifest.json}) read through {@code unchecked}, after its checked
   * read {@code failed} with a missing block; {@code failed}, its cause kept, when that read fails too.
   * Whether they are intact is for their parser to say (a manifest carries its own digest).
   */
  static byte[] reread(FileSystem unchecked, Path p, CheckpointException failed) throws CheckpointException {
    try {
      return readWhole(unchecked, p);
    } catch (IOException | RuntimeException again) {
      failed.addSuppressed(again);
      throw failed;
    }
  }

  /** Every byte of the small file {@code p} (a manifest), read through {@code fs}. */
  static byte[] readWhole(FileSystem fs, Path p) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      byte[] bytes = new byte[Math.toIntExact(fs.getFileStatus(p).getLen())];
      in.readFully(0, bytes);
      return bytes;
    }
  }
}
