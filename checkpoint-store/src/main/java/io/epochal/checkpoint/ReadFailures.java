package io.epochal.checkpoint;

import io.epochal.safetensors.SafetensorsFormatException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.Path;

/**
 * What a failed read of a checkpoint's file means: damage the store falls back from (a file missing, ending too
 * soon, failing its checksum, not valid safetensors), or an I/O error to retry (the file system, a connection, a
 * heap too small for a header), which never moves a checkpoint aside. Holds no state.
 */
final class ReadFailures {

  private ReadFailures() {}

  /**
   * The failure of reading {@code p} of the checkpoint of {@code epoch} ({@code what} says what was read) with
   * {@code e}: a {@link CheckpointCorruptedException} for damage, else a {@link CheckpointException}.
   */
  static CheckpointException classify(long epoch, Path p, String what, IOException e) {
    if (e instanceof FileNotFoundException) {
      return new CheckpointCorruptedException(epoch, p.toString(), p.getName() + " is missing", e);
    }
    if (e instanceof io.epochal.safetensors.SafetensorsHeapException) { // the file may be intact: not damage
      return new CheckpointException(epoch, p.toString(), what + ": " + e.getMessage(), e);
    }
    if (e instanceof SafetensorsFormatException) {
      return new CheckpointCorruptedException(epoch, p.toString(),
          p.getName() + " is not a valid safetensors file: " + e.getMessage(), e);
    }
    if ((e instanceof EOFException && !connectionClosed(e)) || e instanceof ChecksumException) {
      return new CheckpointCorruptedException(epoch, p.toString(), what + ": " + e, e);
    }
    return new CheckpointException(epoch, p.toString(), what + ": " + e, e);
  }

  /**
   * Whether end-of-file {@code e} is a connection the other end closed mid-call (Hadoop's IPC client keeps the
   * exception's class and says so: a NameNode restarting), an I/O error to retry, not a file shorter than it
   * should be.
   */
  static boolean connectionClosed(IOException e) {
    return e.getMessage() != null && e.getMessage().contains("End of File Exception between");
  }
}
