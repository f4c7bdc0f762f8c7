package io.epochal.job;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An {@link OtherSchemeFileSystem} (as a {@link FileSystem} alone, so that its renames and deletes
 * are the ones below) whose storage refuses writes while {@link #refuse} says so, as a NameNode
 * entering safe mode does: every rename (so {@code lease.json} cannot be replaced) and the deletion
 * of a job's fencing-token claims (so a claim cannot be withdrawn) fail. Closing it closes the file
 * system it wraps.
 */
public final class SafeModeFileSystem extends FilterFileSystem {

  private final Path jobDir;
  private volatile boolean refusing;

  /** A new instance for the job in {@code jobDir}, accepting writes until {@link #refuse}. */
  public static SafeModeFileSystem forJob(Path jobDir) throws IOException {
    return new SafeModeFileSystem(FileSystem.newInstance(URI.create(OtherSchemeFileSystem.SCHEME + ":///"),
        OtherSchemeFileSystem.registerWithoutFileContext(new Configuration())), jobDir);
  }

  private SafeModeFileSystem(FileSystem fs, Path jobDir) {
    super(fs);
    this.jobDir = jobDir;
  }

  /** Refuses the writes above from now on ({@code true}), or accepts them again. */
  public void refuse(boolean refuse) {
    refusing = refuse;
  }

  /** The file system it wraps, which never refuses. */
  public FileSystem plain() {
    return fs;
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    if (refusing) {
      throw new IOException("Name node is in safe mode");
    }
    return super.rename(src, dst);
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    if (refusing && p.getParent() != null && p.getParent().equals(JobPaths.leaseTokens(jobDir))) {
      throw new IOException("Name node is in safe mode");
    }
    return super.delete(p, recursive);
  }
}
