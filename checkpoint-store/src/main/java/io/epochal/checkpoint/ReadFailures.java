package io.epochal.checkpoint;

import io.epochal.safetensors.SafetensorsFormatException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a failed read of a checkpoint's file means: damage the store falls back from (a file missing, ending too
 * soon, failing its checksum, not valid safetensors), or an I/O error to retry (the file system, a connection, a
 * heap too small for a header, a file there that cannot be opened), which never moves a checkpoint aside. Holds no
 * state.
 */
final class ReadFailures {

  private ReadFailures() {}

  /**
   * The failure of reading {@code p} of the checkpoint of {@code epoch} ({@code what} says what was read) on {@code
   * fs} with {@code e}: a {@link CheckpointCorruptedException} for damage, else a {@link CheckpointException}.
   */
  static CheckpointException classify(FileSystem fs, long epoch, Path p, String what, IOException e) {
    if (e instanceof FileNotFoundException) {
      return missing(fs, p) ? new CheckpointCorruptedException(epoch, p.toString(), p.getName() + " is missing", e)
          : new CheckpointException(epoch, p.toString(), what + " (it is there): " + e, e);
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
   * Whether {@code p}, which an open or a status call said was not found, is not in its directory's listing: the local
   * file system says "not found" too for a file it may not open (its permissions, or its directory's, another user's)
   * or cannot open now (too many open files), which is no damage. A directory gone (deleted) holds nothing.
   */
  static boolean missing(FileSystem fs, Path p) {
    try {
      for (FileStatus s : fs.listStatus(p.getParent())) {
        if (s.getPath().getName().equals(p.getName())) {
          return false;
        }
      }
      return true;
    } catch (FileNotFoundException e) {
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // the directory cannot be listed either: not known to be missing
    }
  }

  /**
   * {@code e}, an error the local file system's streams throw for a failed read (Hadoop's {@link FSError}, an
   * {@link Error}, for an {@link IOException} such as a disk's EIO), as that I/O error.
   */
  static IOException ioError(FSError e) {
    return e.getCause() instanceof IOException io ? io : new IOException(String.valueOf(e.getMessage()), e);
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
