package io.epochal.driver.predict;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@value #SCHEME}, whose writes of a file named like a DJL
 * parameter file ({@code .params} in its name) fail after its first {@value #FAIL_AFTER} bytes, as a
 * disk that fills up or a connection that drops in the middle of a copy: the bytes before the
 * failure are in the file.
 */
public class FailingParamsWriteFileSystem extends RawLocalFileSystem {

  /** The scheme. */
  public static final String SCHEME = "failparams";
  /** The bytes of a parameter file written before its write fails. */
  public static final int FAIL_AFTER = 64;

  private static final URI NAME = URI.create(SCHEME + ":///");

  /** The {@code --conf} entry that registers this file system for {@value #SCHEME} URIs. */
  public static String confEntry() {
    return "spark.hadoop.fs." + SCHEME + ".impl=" + FailingParamsWriteFileSystem.class.getName();
  }

  /** The {@value #SCHEME} URI of a local path. */
  public static String uri(java.nio.file.Path local) {
    return SCHEME + "://" + local.toAbsolutePath().toUri().getPath();
  }

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    FSDataOutputStream out = super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    if (!f.getName().contains(".params")) {
      return out;
    }
    return new FSDataOutputStream(new OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int room = (int) Math.min(len, FAIL_AFTER - written);
        out.write(b, off, room);
        written += room;
        if (room < len) {
          out.flush();
          throw new IOException("No space left on device: " + f + " after " + FAIL_AFTER + " bytes");
        }
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    }, null);
  }
}
