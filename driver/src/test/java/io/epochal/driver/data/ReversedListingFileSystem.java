package io.epochal.driver.data;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@value #SCHEME}, listing every directory in reverse
 * name order: a copy of the same files on a file system that lists them otherwise (ext4 lists by
 * a hash of the name, HDFS by name).
 */
public class ReversedListingFileSystem extends RawLocalFileSystem {

  /** The scheme. */
  public static final String SCHEME = "revfs";

  private static final URI NAME = URI.create(SCHEME + ":///");

  /** {@code conf} with this file system registered for {@value #SCHEME} URIs. */
  public static Configuration register(Configuration conf) {
    conf.setClass("fs." + SCHEME + ".impl", ReversedListingFileSystem.class, FileSystem.class);
    return conf;
  }

  /** The {@value #SCHEME} URI of a local directory. */
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
  public FileStatus[] listStatus(Path f) throws IOException {
    FileStatus[] listed = super.listStatus(f);
    Arrays.sort(listed, Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed());
    return listed;
  }
}
