package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hashing;
import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An ONNX model file to predict with, read once on the driver: its location, its bytes (which
 * tasks receive as a broadcast), their SHA-256 (the executors' session cache key) and its
 * {@link OnnxSignature}. Reading one needs ONNX Runtime on the classpath
 * ({@value #RUNTIME_ARTIFACT}); nothing here refers to its classes, so that this class loads
 * without it and says what is missing. Immutable.
 */
public final class OnnxModelFile {

  /** The Maven coordinates of the ONNX Runtime Epochal is built and tested with. */
  public static final String RUNTIME_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime:1.22.0";

  private static final String RUNTIME_CLASS = "ai.onnxruntime.OrtEnvironment";

  private final String location;
  private final byte[] bytes;
  private final String digest;
  private final OnnxSignature signature;

  private OnnxModelFile(String location, byte[] bytes, OnnxSignature signature) {
    this.location = location;
    this.bytes = bytes;
    this.digest = Hashing.sha256().hashBytes(bytes).toString();
    this.signature = signature;
  }

  /**
   * Whether {@code location} names an ONNX model file rather than a checkpoint or job directory: a
   * name ending in {@code .onnx} that is not a directory (a missing file counts, so that reading it
   * says it is missing).
   *
   * @throws IOException when the file system cannot be reached
   */
  public static boolean isOnnx(String location, Configuration conf) throws IOException {
    Path p = new Path(location);
    if (!p.getName().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return false;
    }
    FileSystem fs = p.getFileSystem(conf);
    return !fs.exists(p) || !fs.getFileStatus(p).isDirectory();
  }

  /**
   * The file system for a model file that other tools read, copy and replace (an ONNX file, a DJL
   * model directory): on the local file system the raw one, which neither writes a hidden {@code
   * .crc} file beside it nor checks one, so a file replaced by another tool still loads.
   */
  public static FileSystem standaloneFileSystem(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return fs instanceof org.apache.hadoop.fs.ChecksumFileSystem
        ? ((org.apache.hadoop.fs.ChecksumFileSystem) fs).getRawFileSystem() : fs;
  }

  /**
   * Reads the ONNX model at {@code location} (any Hadoop URI) and its signature.
   *
   * @throws ConfigException when ONNX Runtime is not on the classpath, the file does not exist, is
   *     larger than 2 GB or is not an ONNX model of one float input and a [batch, outputs] output
   * @throws IOException when the file cannot be read
   */
  public static OnnxModelFile read(String location, Configuration conf) throws IOException {
    checkNotNull(location, "location");
    requireRuntime(OnnxModelFile.class.getClassLoader(), location);
    Path p = new Path(location);
    FileSystem fs = standaloneFileSystem(p, conf);
    if (!fs.exists(p)) {
      throw new ConfigException("model", "ONNX model " + location + " does not exist; give the file written by "
          + "'epochal export --format onnx', or a checkpoint or job directory");
    }
    FileStatus status = fs.getFileStatus(p);
    if (status.getLen() > Integer.MAX_VALUE - 8) {
      throw new ConfigException("model", "ONNX model " + location + " has " + status.getLen() + " bytes; predict "
          + "reads models up to 2 GB (protobuf's limit); predict from the checkpoint instead");
    }
    byte[] bytes = new byte[(int) status.getLen()];
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(0, bytes);
    }
    OnnxSignature signature;
    try {
      signature = OnnxSessions.describe(bytes, location);
    } catch (LinkageError e) {
      throw missingRuntime(location, e);
    }
    return new OnnxModelFile(location, bytes, signature);
  }

  /**
   * Checks that ONNX Runtime's classes can be loaded through {@code loader}.
   *
   * @param location the ONNX model that needs it, for the message
   * @throws ConfigException saying that ONNX Runtime is missing and how to add it
   */
  static void requireRuntime(ClassLoader loader, String location) {
    try {
      Class.forName(RUNTIME_CLASS, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw missingRuntime(location, e);
    }
  }

  private static ConfigException missingRuntime(String location, Throwable cause) {
    return new ConfigException("model", "ONNX Runtime is not on the classpath (" + cause.getClass().getSimpleName()
        + ": " + cause.getMessage() + "), and predicting from the ONNX model "
        + io.epochal.driver.config.JobSpecResolver.locationText(location) + " needs it; with "
        + "spark-submit add --packages " + RUNTIME_ARTIFACT + " (bin/epochal has it), or predict from the "
        + "checkpoint the file was exported from", cause);
  }

  /** Where the model was read from. */
  public String location() {
    return location;
  }

  /** The model's bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Size of the model in bytes. */
  public int size() {
    return bytes.length;
  }

  /** SHA-256 of the model's bytes, in hex. */
  public String digest() {
    return digest;
  }

  /** The model's input and output. */
  public OnnxSignature signature() {
    return signature;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof OnnxModelFile)) {
      return false;
    }
    OnnxModelFile f = (OnnxModelFile) o;
    return location.equals(f.location) && digest.equals(f.digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(location, digest);
  }

  @Override
  public String toString() {
    return "ONNX model " + location + " (" + bytes.length + " bytes, sha256 " + digest.substring(0, 12) + ", "
        + signature + ")";
  }
}
