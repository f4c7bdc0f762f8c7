package org.apache.hadoop.fs;

/** Makes Hadoop's {@link FSError}, whose constructor only its package may call, as a local stream's read throws it. */
public final class FsErrors {

  private FsErrors() {}

  /** The error the local file system's stream throws for {@code cause}, a failed read. */
  public static FSError of(java.io.IOException cause) {
    return new FSError(cause);
  }
}
