package io.epochal.checkpoint;

import io.epochal.safetensors.SafetensorsFile;
import io.epochal.safetensors.SafetensorsFormatException;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and verifies one published checkpoint directory. Damage (missing or truncated files, size
 * or digest mismatch, unparseable content) is a {@link CheckpointCorruptedException}; any other
 * I/O failure is a plain {@link CheckpointException}. Digests are computed while the data is read.
 */
final class CheckpointReader {

  /** A manifest larger than this is refused before it is read. */
  static final long MAX_MANIFEST_BYTES = 16L << 20;

  private static final String[] DATA_FILES = {
      CheckpointStore.MODEL_FILE, CheckpointStore.OPTIMIZER_FILE, CheckpointStore.PROBE_FILE};
  private static final int SCAN_BUFFER = 1 << 20;

  private final FileSystem fs;

  CheckpointReader(FileSystem fs) {
    this.fs = fs;
  }

  /** Reads and parses {@code dir}'s manifest and checks it belongs to {@code epoch}. */
  CheckpointManifest readManifest(long epoch, Path dir) throws CheckpointException {
    Path p = new Path(dir, CheckpointManifest.FILE_NAME);
    byte[] bytes;
    try {
      FileStatus st = fs.getFileStatus(p);
      if (st.getLen() > MAX_MANIFEST_BYTES) {
        throw new ManifestFormatException(epoch, p.toString(), "manifest has " + st.getLen()
            + " bytes, more than the " + MAX_MANIFEST_BYTES + " a manifest may have");
      }
      try (FSDataInputStream in = fs.open(p)) {
        bytes = new byte[(int) st.getLen()];
        in.readFully(0, bytes);
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw classify(epoch, p, "manifest cannot be read", e);
    }
    CheckpointManifest m = ManifestJson.read(bytes, p.toString(), epoch);
    if (m.epoch() != epoch) {
      throw new ManifestFormatException(epoch, p.toString(),
          "manifest is of epoch " + m.epoch() + ", but its directory is of epoch " + epoch);
    }
    for (String name : DATA_FILES) {
      if (m.file(name).isEmpty()) {
        throw new ManifestFormatException(epoch, p.toString(), "manifest does not list " + name);
      }
    }
    return m;
  }

  /** Loads every data file of {@code dir}, checking sizes and digests while reading. */
  LoadedCheckpoint load(long epoch, Path dir) throws CheckpointException {
    CheckpointManifest m = readManifest(epoch, dir);
    StateDict[] dicts = new StateDict[DATA_FILES.length];
    for (int i = 0; i < DATA_FILES.length; i++) {
      dicts[i] = loadFile(epoch, dir, m.file(DATA_FILES[i]).orElseThrow());
    }
    return new LoadedCheckpoint(dir.toString(), m, dicts[0], dicts[1], dicts[2]);
  }

  private StateDict loadFile(long epoch, Path dir, ManifestFile entry) throws CheckpointException {
    Path p = new Path(dir, entry.name());
    try {
      checkSize(epoch, p, entry);
      SafetensorsFile file;
      String sha256;
      // SafetensorsReader reads each tensor into its own new array, as DigestingInputStream needs
      try (DigestingInputStream in = new DigestingInputStream(fs.open(p), entry.name())) {
        file = SafetensorsReader.read(in, entry.size(), p.toString());
        sha256 = in.sha256Hex();
      }
      checkDigest(epoch, p, entry, sha256);
      return file.tensors();
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw classify(epoch, p, entry.name() + " cannot be read", e);
    }
  }

  /** Every problem of {@code dir}: manifest, then each listed file's presence, size and digest. */
  VerificationReport verify(long epoch, Path dir) throws CheckpointException {
    List<String> problems = new ArrayList<>();
    CheckpointManifest m;
    try {
      m = readManifest(epoch, dir);
    } catch (CheckpointCorruptedException e) {
      problems.add(e.getMessage());
      return new VerificationReport(epoch, dir.toString(), problems);
    }
    byte[] buffer = new byte[SCAN_BUFFER];
    for (ManifestFile entry : m.files()) {
      Path p = new Path(dir, entry.name());
      try {
        checkSize(epoch, p, entry);
        MessageDigest digest = DigestingOutputStream.sha256();
        try (FSDataInputStream in = fs.open(p)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
          }
        }
        checkDigest(epoch, p, entry, DigestingOutputStream.hex(digest.digest()));
      } catch (CheckpointCorruptedException e) {
        problems.add(e.getMessage());
      } catch (CheckpointException e) {
        throw e;
      } catch (IOException e) {
        CheckpointException c = classify(epoch, p, entry.name() + " cannot be read", e);
        if (!(c instanceof CheckpointCorruptedException)) {
          throw c;
        }
        problems.add(c.getMessage());
      }
    }
    return new VerificationReport(epoch, dir.toString(), problems);
  }

  private void checkSize(long epoch, Path p, ManifestFile entry) throws IOException {
    long len = fs.getFileStatus(p).getLen();
    if (len != entry.size()) {
      throw new CheckpointCorruptedException(epoch, p.toString(), entry.name() + " has " + len
          + " bytes but the manifest lists " + entry.size() + (len < entry.size() ? " (truncated)" : ""));
    }
  }

  private static void checkDigest(long epoch, Path p, ManifestFile entry, String actual)
      throws CheckpointCorruptedException {
    if (!actual.equals(entry.sha256())) {
      throw new CheckpointCorruptedException(epoch, p.toString(), entry.name() + " has SHA-256 " + actual
          + " but the manifest lists " + entry.sha256() + " (content changed or damaged)");
    }
  }

  private static CheckpointException classify(long epoch, Path p, String what, IOException e) {
    if (e instanceof FileNotFoundException) {
      return new CheckpointCorruptedException(epoch, p.toString(), p.getName() + " is missing", e);
    }
    if (e instanceof SafetensorsFormatException) {
      return new CheckpointCorruptedException(epoch, p.toString(),
          p.getName() + " is not a valid safetensors file: " + e.getMessage(), e);
    }
    if (e instanceof EOFException || e instanceof ChecksumException) {
      return new CheckpointCorruptedException(epoch, p.toString(), what + ": " + e, e);
    }
    return new CheckpointException(epoch, p.toString(), what + ": " + e, e);
  }
}
