package io.epochal.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;

/**
 * The data files of one commit once every byte is written, synced and hashed: their manifest
 * entries, and on HDFS the files themselves, still open.
 *
 * <p>Closing an HDFS file only completes it at the NameNode, once the DataNodes have reported its
 * last block; its bytes are durable from the final {@code hsync} on. So the store writes the
 * manifest while the data files are being closed, and publishes only when both are done. Closing
 * this object closes every file still open and ignores their errors: it runs after a failed commit,
 * whose temporary directory is removed next.
 */
final class SyncedFiles implements Closeable {

  private final Queue<Map.Entry<Path, Closeable>> open = new ConcurrentLinkedQueue<>();
  private volatile List<ManifestFile> entries = List.of();
  private volatile Map.Entry<Path, FSDataOutputStream> manifest;

  /** Registers a file that was created and must be closed, whatever happens to the commit. */
  void opened(Path path, Closeable file) {
    open.add(Map.entry(path, file));
  }

  /**
   * Registers the manifest file, created empty while the data files are written; {@link
   * #takeManifest} hands it to the writer of its content, and {@link #close} closes it if that never
   * happens.
   */
  void openedManifest(Path path, FSDataOutputStream file) {
    this.manifest = Map.entry(path, file);
  }

  /** Removes and returns the created, empty manifest file, if one was created. */
  Map.Entry<Path, FSDataOutputStream> takeManifest() {
    Map.Entry<Path, FSDataOutputStream> m = manifest;
    manifest = null;
    return m;
  }

  void setEntries(List<ManifestFile> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Manifest entries in the order the files were listed: per part its single file, or its index then its shards. */
  List<ManifestFile> entries() {
    return entries;
  }

  /** The size an entry lists for file {@code name}. */
  long sizeOf(String name) {
    for (ManifestFile f : entries) {
      if (f.name().equals(name)) {
        return f.size();
      }
    }
    throw new IllegalArgumentException("no manifest entry for " + name + " among " + entries.size() + " files");
  }

  /** Removes and returns the files still open, for the caller to close. */
  List<Map.Entry<Path, Closeable>> takeOpen() {
    List<Map.Entry<Path, Closeable>> out = new ArrayList<>();
    for (Map.Entry<Path, Closeable> e; (e = open.poll()) != null; ) {
      out.add(e);
    }
    return out;
  }

  /** Closes every file still open, ignoring errors (see the class comment). */
  @Override
  public void close() {
    List<Map.Entry<Path, Closeable>> files = takeOpen();
    Map.Entry<Path, FSDataOutputStream> m = takeManifest();
    if (m != null) {
      files.add(Map.entry(m.getKey(), m.getValue()));
    }
    closeQuietly(files);
  }

  /** Closes {@code files}, ignoring errors: only after a failed commit, whose temporary directory is removed next. */
  static void closeQuietly(List<Map.Entry<Path, Closeable>> files) {
    for (Map.Entry<Path, Closeable> e : files) {
      try {
        e.getValue().close();
      } catch (IOException | RuntimeException ignored) {
        // the commit has failed already
      }
    }
  }
}
