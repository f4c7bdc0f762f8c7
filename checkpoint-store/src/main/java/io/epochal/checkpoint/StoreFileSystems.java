package io.epochal.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * The file system clients a {@link HadoopCheckpointStore} opens for itself, and closes with it:
 *
 * <ul>
 *   <li>the local file system: Hadoop's raw (checksum-free) one; the store fsyncs files and
 *       directories itself;
 *   <li>any other: a new instance with the store's HDFS client tuning ({@link HdfsCloseTuning},
 *       {@link HdfsPacketBuffers}) unless the configuration sets it, and its {@link FileContext}
 *       when the scheme has one ({@code fs.AbstractFileSystem.<scheme>.impl}: HDFS, the object
 *       stores' connectors); a connector that ships only a {@link FileSystem} has none, and the
 *       store then publishes with {@link FileSystem#rename} (see {@link CheckpointPublisher});
 *   <li>on HDFS also a second instance that reads without HDFS's CRCs, for loads ({@link
 *       #loadFs()}; see {@link CheckpointReader}).
 * </ul>
 */
final class StoreFileSystems implements Closeable {

  private static final String HDFS_SCHEME = "hdfs";

  private final FileSystem fs;
  private final FileSystem loadFs;
  private final FileContext fc;
  private final boolean local;

  private StoreFileSystems(FileSystem fs, FileSystem loadFs, FileContext fc, boolean local) {
    this.fs = fs;
    this.loadFs = loadFs;
    this.fc = fc;
    this.local = local;
  }

  /**
   * Opens the clients for {@code dir}; {@code localFs}, if not null, is the local file system to use.
   *
   * @throws IOException if a client cannot be opened; any opened before it are closed
   */
  static StoreFileSystems open(Path dir, Configuration conf, RawLocalFileSystem localFs) throws IOException {
    URI uri = dir.toUri();
    if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
      RawLocalFileSystem raw = localFs != null ? localFs : new RawLocalFileSystem();
      raw.initialize(URI.create("file:///"), conf);
      return new StoreFileSystems(raw, raw, FileContext.getLocalFSFileContext(conf), true);
    }
    Configuration tuned = HdfsPacketBuffers.apply(HdfsCloseTuning.apply(conf));
    FileSystem fs = FileSystem.newInstance(uri, tuned);
    FileSystem loadFs = null;
    try {
      FileContext fc = fileContext(fs, tuned);
      if (HDFS_SCHEME.equals(fs.getScheme())) {
        loadFs = FileSystem.newInstance(uri, tuned);
        loadFs.setVerifyChecksum(false);
      }
      return new StoreFileSystems(fs, loadFs != null ? loadFs : fs, fc, false);
    } catch (IOException | RuntimeException e) {
      for (FileSystem opened : new FileSystem[] {fs, loadFs}) {
        if (opened != null) {
          try {
            opened.close();
          } catch (IOException closing) {
            e.addSuppressed(closing);
          }
        }
      }
      throw e;
    }
  }

  /**
   * The file context of {@code fs}, or null when its scheme has no {@code AbstractFileSystem}.
   *
   * @throws IOException if the scheme's {@code AbstractFileSystem} cannot be opened
   */
  private static FileContext fileContext(FileSystem fs, Configuration conf) throws IOException {
    try {
      return FileContext.getFileContext(fs.getUri(), conf);
    } catch (UnsupportedFileSystemException e) {
      return null;
    } catch (RuntimeException e) {
      // Hadoop wraps what an AbstractFileSystem's constructor throws: the I/O error it is
      if (e.getCause() instanceof IOException) {
        throw (IOException) e.getCause();
      }
      throw e;
    }
  }

  /** The client for everything but loading data files. */
  FileSystem fs() {
    return fs;
  }

  /** The client that loads data files: {@link #fs()} itself, or on HDFS one that skips HDFS's CRCs. */
  FileSystem loadFs() {
    return loadFs;
  }

  /**
   * The file context of {@link #fs()}, for renames that refuse an existing target; null for a file
   * system whose scheme has no {@code AbstractFileSystem}.
   */
  FileContext fileContext() {
    return fc;
  }

  /** Whether this is the local file system. */
  boolean local() {
    return local;
  }

  @Override
  public void close() throws IOException {
    try {
      fs.close();
    } finally {
      if (loadFs != fs) {
        loadFs.close();
      }
    }
  }
}
