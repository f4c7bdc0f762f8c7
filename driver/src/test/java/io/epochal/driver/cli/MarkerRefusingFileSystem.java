package io.epochal.driver.cli;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@value #SCHEME}, refusing to create gen-data's marker file as a file
 * system over its quota refuses a create: the data files are written, the marker is not.
 */
public class MarkerRefusingFileSystem extends RawLocalFileSystem {

  /** The scheme. */
  public static final String SCHEME = "nomarker";

  @Override
  public URI getUri() {
    return URI.create(getScheme() + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    refuseMarker(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    refuseMarker(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  /** Refuses to create {@code f} when this file system refuses it. */
  void refuseMarker(Path f) throws IOException {
    if (f.getName().equals(io.epochal.driver.data.DataGenerator.MARKER)) {
      throw new IOException("The DiskSpace quota of " + f.getParent() + " is exceeded (test)");
    }
  }

  /**
   * The local file system under the scheme {@value #SCHEME}, refusing to create Spark's part files as a full disk
   * does: the write fails in the executors' tasks, and Spark reports it wrapped in its job's failure.
   */
  public static class PartFilesRefused extends MarkerRefusingFileSystem {

    /** The scheme. */
    public static final String SCHEME = "nospace";

    @Override
    public String getScheme() {
      return SCHEME;
    }

    @Override
    void refuseMarker(Path f) throws IOException {
      if (f.getName().startsWith("part-")) {
        throw new IOException("No space left on device (test): " + f);
      }
    }
  }
}
