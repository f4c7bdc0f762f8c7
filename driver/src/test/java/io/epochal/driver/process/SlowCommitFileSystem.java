package io.epochal.driver.process;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * {@link OtherSchemeFileSystem} whose commit of one epoch's checkpoint is slow: creating that
 * checkpoint's {@code manifest.json} (its data files are written by then, its publish is still to
 * come) first writes a marker file, then waits. A test that sees the marker knows a driver is in
 * the middle of that commit, for as long as the wait lasts.
 *
 * <p>Set in the driver's Hadoop configuration (as {@code --conf spark.hadoop.<key>=<value>}): {@link
 * #options} gives the whole set.
 */
public class SlowCommitFileSystem extends OtherSchemeFileSystem {

  private static final String EPOCH = "epochal.test.slow-commit.epoch";
  private static final String DELAY_MS = "epochal.test.slow-commit.delay-ms";
  private static final String MARKER = "epochal.test.slow-commit.marker";

  /**
   * The global options that give a driver this file system for {@code otherfs://} job directories,
   * slowing the commit of {@code epoch} by {@code delayMs} and marking its start at {@code marker}.
   */
  static List<String> options(long epoch, long delayMs, java.nio.file.Path marker) {
    return List.of("--conf", "spark.hadoop.fs." + SCHEME + ".impl=" + SlowCommitFileSystem.class.getName(),
        "--conf", "spark.hadoop.fs." + SCHEME + ".impl.disable.cache=true",
        "--conf", "spark.hadoop.fs.AbstractFileSystem." + SCHEME + ".impl=" + Afs.class.getName(),
        "--conf", "spark.hadoop." + EPOCH + "=" + epoch,
        "--conf", "spark.hadoop." + DELAY_MS + "=" + delayMs,
        "--conf", "spark.hadoop." + MARKER + "=" + marker.toAbsolutePath());
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    Configuration conf = getConf();
    String slow = String.format("_tmp-epoch-%06d-", conf.getLong(EPOCH, -1));
    if (f.getName().equals("manifest.json") && f.getParent().getName().startsWith(slow)) {
      Files.write(Paths.get(conf.get(MARKER)), List.of(f.toString()));
      try {
        Thread.sleep(conf.getLong(DELAY_MS, 0));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while slowing the commit of " + f);
      }
    }
    return super.create(f, permission, flags, bufferSize, replication, blockSize, progress);
  }
}
