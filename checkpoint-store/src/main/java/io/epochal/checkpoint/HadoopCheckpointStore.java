package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.permission.FsPermission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CheckpointStore} on any Hadoop FileSystem. On HDFS every file is created with {@link
 * CreateFlag#SYNC_BLOCK} and {@code hsync()}ed; on the local file system the raw (checksum-free)
 * file system is used and files and directories are fsynced. Publishing is a rename that refuses an
 * existing target.
 */
public final class HadoopCheckpointStore implements CheckpointStore {

  private static final Logger LOG = LoggerFactory.getLogger(HadoopCheckpointStore.class);
  private static final Map<String, String> FILE_METADATA = Map.of("format", "pt");
  private static final int BUFFER_SIZE = 1 << 16;

  private final FileSystem fs;
  private final FileContext fc;
  private final boolean local;
  private final CheckpointLayout layout;
  private final CheckpointReader reader;
  private final OutputStreamDecorator decorator;

  private HadoopCheckpointStore(FileSystem fs, FileContext fc, boolean local, Path jobDir,
      OutputStreamDecorator decorator) {
    this.fs = fs;
    this.fc = fc;
    this.local = local;
    this.layout = new CheckpointLayout(jobDir);
    this.reader = new CheckpointReader(fs);
    this.decorator = decorator;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A store for the job directory {@code jobDir} (any Hadoop URI) with a default configuration. */
  public static HadoopCheckpointStore open(String jobDir) throws CheckpointException {
    return builder().setJobDir(jobDir).build();
  }

  @Override
  public String checkpointsDir() {
    return layout.checkpointsDir().toString();
  }

  @Override
  public CheckpointManifest commit(CheckpointContent content, CommitGuard guard) throws CheckpointException {
    checkNotNull(content, "content");
    checkNotNull(guard, "guard");
    long epoch = content.epoch();
    Path target = layout.epochDir(epoch);
    Path tmp = layout.newTempDir(epoch);
    try {
      if (fs.exists(target)) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      if (!fs.mkdirs(tmp)) {
        throw new CheckpointException(epoch, tmp.toString(), "temporary directory cannot be created");
      }
      List<ManifestFile> files = new ArrayList<>();
      files.add(writeTensors(epoch, tmp, MODEL_FILE, content.model()));
      files.add(writeTensors(epoch, tmp, OPTIMIZER_FILE, content.optimizer()));
      files.add(writeTensors(epoch, tmp, PROBE_FILE, content.probe()));
      CheckpointManifest manifest = content.manifest().withFiles(files);
      byte[] json = manifest.toJson();
      writeFile(epoch, tmp, CheckpointManifest.FILE_NAME, out -> out.write(json));
      syncLocalDir(tmp);
      guard.checkBeforePublish(epoch);
      publish(epoch, tmp, target);
      LOG.info("committed checkpoint of epoch {} at {} ({} bytes of tensors)", epoch, target,
          files.stream().mapToLong(ManifestFile::size).sum());
      return manifest;
    } catch (CheckpointException e) {
      removeTemp(tmp, e);
      throw e;
    } catch (IOException e) {
      CheckpointException c = new CheckpointException(epoch, tmp.toString(), "commit failed: " + e, e);
      removeTemp(tmp, c);
      throw c;
    } catch (RuntimeException | Error e) {
      removeTemp(tmp, e);
      throw e;
    }
  }

  private void publish(long epoch, Path tmp, Path target) throws IOException {
    if (fs.exists(target)) {
      throw new CheckpointExistsException(epoch, target.toString());
    }
    try {
      fc.rename(tmp, target, Options.Rename.NONE);
    } catch (FileAlreadyExistsException e) {
      throw new CheckpointExistsException(epoch, target.toString());
    }
    syncLocalDir(layout.checkpointsDir());
  }

  private void removeTemp(Path tmp, Throwable failure) {
    try {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      LOG.warn("could not remove temporary checkpoint directory {} after a failed commit", tmp, e);
    }
  }

  private ManifestFile writeTensors(long epoch, Path dir, String name, StateDict dict) throws IOException {
    return writeFile(epoch, dir, name, out -> SafetensorsWriter.write(dict, FILE_METADATA, out));
  }

  /** Writes {@code dir/name} through a digesting stream, syncs it and returns its entry. */
  private ManifestFile writeFile(long epoch, Path dir, String name, Body body) throws IOException {
    Path p = new Path(dir, name);
    long count;
    String sha256;
    boolean synced;
    try (FSDataOutputStream raw = create(p); DigestingOutputStream digest = new DigestingOutputStream(raw, name)) {
      OutputStream out = decorator.decorate(name, digest);
      body.writeTo(out);
      out.flush();
      raw.hsync();
      synced = raw.hasCapability(StreamCapabilities.HSYNC);
      count = digest.count();
      sha256 = digest.sha256Hex();
    }
    if (local && !synced) {
      fsyncLocal(p);
    }
    long len = fs.getFileStatus(p).getLen();
    if (len != count) {
      throw new CheckpointException(epoch, p.toString(), name + " has " + len + " bytes after writing " + count);
    }
    return new ManifestFile(name, count, sha256);
  }

  private FSDataOutputStream create(Path p) throws IOException {
    FsPermission perm = FsPermission.getFileDefault().applyUMask(FsPermission.getUMask(fs.getConf()));
    return fs.create(p, perm, EnumSet.of(CreateFlag.CREATE, CreateFlag.SYNC_BLOCK), BUFFER_SIZE,
        fs.getDefaultReplication(p), fs.getDefaultBlockSize(p), null);
  }

  private void syncLocalDir(Path dir) throws IOException {
    if (local) {
      fsyncLocal(dir);
    }
  }

  private void fsyncLocal(Path p) throws IOException {
    java.nio.file.Path nio = java.nio.file.Paths.get(fs.makeQualified(p).toUri());
    try (FileChannel ch = FileChannel.open(nio, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public LatestCheckpoint latest() throws CheckpointException {
    List<CheckpointProblem> skipped = new ArrayList<>();
    List<long[]> epochs = epochs();
    for (int i = epochs.size() - 1; i >= 0; i--) {
      long epoch = epochs.get(i)[0];
      Path dir = layout.epochDir(epoch);
      try {
        LoadedCheckpoint loaded = reader.load(epoch, dir);
        if (!skipped.isEmpty()) {
          LOG.warn("falling back to the checkpoint of epoch {}: {} newer checkpoint(s) are damaged",
              epoch, skipped.size());
        }
        return new LatestCheckpoint(loaded, skipped);
      } catch (CheckpointCorruptedException e) {
        LOG.warn("skipping damaged checkpoint of epoch {} at {}: {}", epoch, dir, e.getMessage());
        skipped.add(new CheckpointProblem(epoch, dir.toString(), e.getMessage()));
      }
    }
    if (!skipped.isEmpty()) {
      LOG.warn("no valid checkpoint under {}: all {} are damaged", layout.checkpointsDir(), skipped.size());
    }
    return new LatestCheckpoint(null, skipped);
  }

  @Override
  public List<CheckpointEntry> list() throws CheckpointException {
    List<CheckpointEntry> out = new ArrayList<>();
    for (long[] e : epochs()) {
      Path dir = layout.epochDir(e[0]);
      try {
        out.add(new CheckpointEntry(e[0], dir.toString(), reader.readManifest(e[0], dir), null));
      } catch (CheckpointCorruptedException ex) {
        out.add(new CheckpointEntry(e[0], dir.toString(), null, ex.getMessage()));
      }
    }
    return out;
  }

  @Override
  public LoadedCheckpoint load(long epoch) throws CheckpointException {
    Path dir = layout.epochDir(epoch);
    requireExists(epoch, dir);
    return reader.load(epoch, dir);
  }

  @Override
  public VerificationReport verify(long epoch) throws CheckpointException {
    Path dir = layout.epochDir(epoch);
    requireExists(epoch, dir);
    return reader.verify(epoch, dir);
  }

  @Override
  public List<VerificationReport> verifyAll() throws CheckpointException {
    List<VerificationReport> out = new ArrayList<>();
    for (long[] e : epochs()) {
      out.add(reader.verify(e[0], layout.epochDir(e[0])));
    }
    return out;
  }

  @Override
  public List<String> cleanTemporary() throws CheckpointException {
    List<String> removed = new ArrayList<>();
    for (FileStatus st : children()) {
      if (CheckpointLayout.isTemp(st.getPath().getName())) {
        try {
          fs.delete(st.getPath(), true);
        } catch (IOException e) {
          throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, st.getPath().toString(),
              "temporary directory cannot be removed: " + e, e);
        }
        removed.add(st.getPath().toString());
        LOG.info("removed temporary checkpoint directory {}", st.getPath());
      }
    }
    return removed;
  }

  @Override
  public boolean delete(long epoch) throws CheckpointException {
    Path dir = layout.epochDir(epoch);
    try {
      if (!fs.exists(dir)) {
        return false;
      }
      fs.delete(new Path(dir, CheckpointManifest.FILE_NAME), false);
      syncLocalDir(dir);
      fs.delete(dir, true);
      syncLocalDir(layout.checkpointsDir());
      LOG.info("deleted checkpoint of epoch {} at {}", epoch, dir);
      return true;
    } catch (IOException e) {
      throw new CheckpointException(epoch, dir.toString(), "cannot be deleted: " + e, e);
    }
  }

  @Override
  public void close() throws IOException {
    fs.close();
  }

  private void requireExists(long epoch, Path dir) throws CheckpointException {
    try {
      if (!fs.exists(dir)) {
        throw new CheckpointException(epoch, dir.toString(), "no checkpoint of this epoch exists");
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException(epoch, dir.toString(), "cannot be read: " + e, e);
    }
  }

  /** Published epochs, ascending, as one-element arrays (kept primitive for sorting). */
  private List<long[]> epochs() throws CheckpointException {
    List<long[]> out = new ArrayList<>();
    for (FileStatus st : children()) {
      OptionalLong e = CheckpointLayout.parseEpoch(st.getPath().getName());
      if (st.isDirectory() && e.isPresent()) {
        out.add(new long[] {e.getAsLong()});
      }
    }
    out.sort(Comparator.comparingLong(a -> a[0]));
    return out;
  }

  private FileStatus[] children() throws CheckpointException {
    Path dir = layout.checkpointsDir();
    try {
      return fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    } catch (IOException e) {
      throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, dir.toString(),
          "checkpoints cannot be listed: " + e, e);
    }
  }

  /** Writes a file's bytes. */
  @FunctionalInterface
  private interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Builds a {@link HadoopCheckpointStore}: {@code setJobDir} required, the rest optional. */
  public static final class Builder {
    private String jobDir;
    private Configuration conf;
    private OutputStreamDecorator decorator = OutputStreamDecorator.NONE;

    private Builder() {}

    /** The job directory: any Hadoop URI ({@code file:///...}, {@code hdfs://nn:8020/...}) or a local path. */
    public Builder setJobDir(String jobDir) {
      this.jobDir = checkNotNull(jobDir, "jobDir");
      return this;
    }

    /** The Hadoop configuration (default: a new {@link Configuration}). */
    public Builder optConfiguration(Configuration conf) {
      this.conf = checkNotNull(conf, "conf");
      return this;
    }

    /** Wraps every file's output stream (metrics, throttling, fault injection in tests). */
    public Builder optOutputDecorator(OutputStreamDecorator decorator) {
      this.decorator = checkNotNull(decorator, "decorator");
      return this;
    }

    /**
     * Opens the store (and its own FileSystem instance, closed by {@link #close()}).
     *
     * @throws CheckpointException if the file system cannot be opened
     */
    public HadoopCheckpointStore build() throws CheckpointException {
      checkState(jobDir != null, "store needs setJobDir(...)");
      Configuration c = conf == null ? new Configuration() : conf;
      Path dir = new Path(jobDir);
      URI uri = dir.toUri();
      boolean local = uri.getScheme() == null || "file".equals(uri.getScheme());
      try {
        FileSystem fs;
        FileContext fc;
        if (local) {
          RawLocalFileSystem raw = new RawLocalFileSystem();
          raw.initialize(URI.create("file:///"), c);
          fs = raw;
          fc = FileContext.getLocalFSFileContext(c);
        } else {
          fs = FileSystem.newInstance(uri, c);
          fc = FileContext.getFileContext(fs.getUri(), c);
        }
        return new HadoopCheckpointStore(fs, fc, local, fs.makeQualified(dir), decorator);
      } catch (IOException e) {
        throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, jobDir,
            "file system cannot be opened: " + e, e);
      }
    }
  }
}
