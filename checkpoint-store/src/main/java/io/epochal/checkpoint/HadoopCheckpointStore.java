package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.safetensors.TensorAllocator;
import io.epochal.tensor.StateDict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CheckpointStore} on any Hadoop FileSystem. On HDFS every file is created with {@code
 * CreateFlag.SYNC_BLOCK} and {@code hsync()}ed as it is written ({@link Builder#optSyncBehindBytes})
 * and at its end; the manifest is written once every data file is synced, while the NameNode
 * completes them ({@link SyncedFiles}). The store's HDFS client retries completing a file sooner
 * ({@link HdfsCloseTuning}) and sizes and recycles its packets ({@link HdfsPacketBuffers}), each
 * unless the configuration sets it. On the local file system the raw (checksum-free) file system is
 * used and files and directories are fsynced. Publishing is a rename that refuses an existing target.
 *
 * <p>A state dict larger than {@link Builder#optShardBytes} is stored as shards plus an index (the
 * Hugging Face layout); the files of a checkpoint are read in parallel on the store's own small pool
 * ({@link Builder#optIoThreads}) and written in parallel on another ({@link Builder#optWriteThreads}),
 * each hashed on a third pool of the writers' size while it is written; every file is listed in the
 * manifest with its size and digest. Loaded tensors above {@link Builder#optOffHeapTensorBytes} live
 * off-heap. On HDFS a load reads the data files without HDFS's block checksums, since their SHA-256
 * covers every byte, and reads a file again with them only when its digest does not match, so HDFS
 * can find a good replica ({@link CheckpointReader}).
 */
public final class HadoopCheckpointStore implements CheckpointStore {

  private static final Logger LOG = LoggerFactory.getLogger(HadoopCheckpointStore.class);
  /** Default {@link Builder#optShardBytes}: 64 MiB. */
  public static final long DEFAULT_SHARD_BYTES = 64L << 20;
  /** Default {@link Builder#optOffHeapTensorBytes}: 256 KiB. */
  public static final int DEFAULT_OFF_HEAP_TENSOR_BYTES = 256 << 10;
  /** Default {@link Builder#optWriteThreads}: 8, or {@link Builder#optIoThreads} if that is more. */
  public static final int DEFAULT_WRITE_THREADS = 8;
  /** Default {@link Builder#optSyncBehindBytes}: 8 MiB. */
  public static final long DEFAULT_SYNC_BEHIND_BYTES = 8L << 20;

  private final StoreFileSystems clients;
  private final FileSystem fs;
  private final CheckpointLayout layout;
  private final StoreExecutors executors;
  private final CheckpointReader reader;
  private final CheckpointFileWriter writer;
  private final CheckpointPublisher publisher;
  private final PublishedCheckpoints published;
  private final StoreOptions.Settings settings;

  private HadoopCheckpointStore(StoreFileSystems clients, Path jobDir, OutputStreamDecorator decorator,
      StoreOptions.Settings settings, boolean weightsOnly, CheckpointSeries series) {
    this.clients = clients;
    this.fs = clients.fs();
    this.layout = new CheckpointLayout(jobDir, series);
    this.executors = new StoreExecutors(settings.ioThreads, settings.writeThreads);
    TensorAllocator allocator = settings.offHeapTensorBytes < 0 ? TensorAllocator.heap()
        : TensorAllocator.offHeapFrom(settings.offHeapTensorBytes);
    this.reader = new CheckpointReader(fs, clients.loadFs(), executors.readers(), allocator, weightsOnly, series);
    this.writer = new CheckpointFileWriter(fs, clients.local(), decorator, executors.writers(), executors.hashers(),
        settings.shardBytes, settings.syncBehindBytes);
    this.publisher = new CheckpointPublisher(fs, clients.fileContext(), clients.local(), writer);
    this.published = new PublishedCheckpoints(fs, layout, reader);
    this.settings = settings;
    LOG.debug("opened {}", this);
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
    long epoch = layout.series().key(content.manifest());
    Path target = layout.epochDir(epoch);
    Path tmp = layout.newTempDir(epoch);
    long start = System.nanoTime();
    try {
      if (fs.exists(target)) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      try {
        writer.mkdirs(tmp);
      } catch (IOException e) {
        throw new CheckpointException(epoch, tmp.toString(), "temporary directory cannot be created: " + e, e);
      }
      CheckpointManifest manifest;
      List<Map.Entry<String, StateDict>> parts = new ArrayList<>(List.of(Map.entry(MODEL_FILE, content.model()),
          Map.entry(OPTIMIZER_FILE, content.optimizer()), Map.entry(PROBE_FILE, content.probe())));
      if (!content.ema().isEmpty()) {
        parts.add(Map.entry(EMA_FILE, content.ema())); // optional: only a job that keeps an EMA has one
      }
      try (SyncedFiles files = writer.writeStates(epoch, tmp, parts, CheckpointManifest.FILE_NAME)) {
        manifest = content.manifest().withFiles(files.entries());
        byte[] json = manifest.toJson();
        if (json.length > ManifestReader.MAX_MANIFEST_BYTES) { // every reader would skip it as damaged
          long listing = json.length - manifest.withFiles(List.of()).toJson().length;
          throw new ManifestTooLargeException(epoch, tmp.toString(), "its manifest would have " + json.length
              + " bytes, more than the " + ManifestReader.MAX_MANIFEST_BYTES + " a reader reads, so every load would "
              + "skip the checkpoint as damaged; nothing was published. " + (listing * 2 > json.length
              ? "Its list of " + manifest.files().size() + " files takes " + listing + " bytes: raise "
              + StoreOptions.SHARD_BYTES + " (now " + settings.shardBytes + " bytes) to write the state in fewer files"
              : "Its values (hyperparameters, metrics, schedule and random state) take " + (json.length - listing)
              + " bytes: give the job smaller ones"));
        }
        writer.finish(epoch, tmp, files, CheckpointManifest.FILE_NAME, json);
      }
      writer.syncLocalDir(tmp);
      guard.checkBeforePublish(epoch);
      publisher.publish(epoch, tmp, target, layout.checkpointsDir());
      LOG.info("committed checkpoint of {} at {} ({} bytes in {} files and the manifest) in {} ms",
          layout.series().describe(epoch), target, manifest.dataBytes(), manifest.files().size(),
          (System.nanoTime() - start) / 1_000_000);
      return manifest;
    } catch (CheckpointException e) {
      publisher.removeTemp(tmp, e);
      throw e;
    } catch (IOException e) {
      CheckpointException c = new CheckpointException(epoch, tmp.toString(), "commit failed: " + e, e);
      publisher.removeTemp(tmp, c);
      throw c;
    } catch (RuntimeException | Error e) {
      publisher.removeTemp(tmp, e);
      throw e;
    }
  }

  @Override
  public LatestCheckpoint latest() throws CheckpointException {
    return published.latest();
  }

  @Override
  public List<CheckpointEntry> list() throws CheckpointException {
    List<CheckpointEntry> out = new ArrayList<>();
    for (int scan = 1; scan <= 5; scan++) {
      out.clear();
      boolean vanished = false;
      for (long e : layout.epochs(fs)) {
        CheckpointEntry entry = entry(e, layout.epochDir(e));
        if (entry.manifest().isPresent() || !published.vanished(layout.epochDir(e))) {
          out.add(entry);
        } else {
          vanished = true; // deleted since the listing: a newer one may have been published meanwhile
        }
      }
      if (!vanished) {
        break;
      }
    }
    return out;
  }

  @Override
  public LoadedCheckpoint load(long epoch) throws CheckpointException {
    return published.load(epoch, existing(epoch, layout.epochDir(epoch)));
  }

  @Override
  public VerificationReport verify(long epoch) throws CheckpointException {
    return published.verify(epoch, existing(epoch, layout.epochDir(epoch)));
  }

  @Override
  public CheckpointEntry moveAside(long epoch) throws CheckpointException {
    Path dir = existing(epoch, layout.epochDir(epoch));
    Path to = layout.movedAsideDir(epoch, System.currentTimeMillis());
    publisher.moveAside(epoch, dir, to);
    return entry(epoch, to);
  }

  @Override
  public List<CheckpointEntry> listMovedAside() throws CheckpointException {
    List<CheckpointEntry> out = new ArrayList<>();
    for (Path dir : layout.movedAside(fs)) {
      out.add(entry(CheckpointLayout.parseMovedAside(dir.getName()).getAsLong(), dir));
    }
    return out;
  }

  private CheckpointEntry entry(long epoch, Path dir) throws CheckpointException {
    try {
      return new CheckpointEntry(epoch, dir.toString(), reader.readManifest(epoch, dir), null);
    } catch (CheckpointCorruptedException ex) {
      return new CheckpointEntry(epoch, dir.toString(), null, ex.getMessage(), ex instanceof NewerFormatException);
    }
  }

  @Override
  public LoadedCheckpoint load(CheckpointEntry entry) throws CheckpointException {
    return published.load(entry.epoch(), listed(entry));
  }

  @Override
  public VerificationReport verify(CheckpointEntry entry) throws CheckpointException {
    return published.verify(entry.epoch(), listed(entry));
  }

  /**
   * The directory of {@code entry}, which a listing gave: gone since then, it was deleted (by the retention of a
   * driver that trains the job, or by hand), which is no damage.
   *
   * @throws CheckpointDeletedException when it is gone
   */
  private Path listed(CheckpointEntry entry) throws CheckpointException {
    Path dir = layout.dirOf(fs, entry);
    if (!present(entry.epoch(), dir)) {
      throw new CheckpointDeletedException(entry.epoch(), dir.toString(),
          new java.io.FileNotFoundException(dir + " was listed and is gone"));
    }
    return dir;
  }

  /** Whether checkpoint directory {@code dir} of {@code epoch} is there; a failing file system: CheckpointException. */
  private boolean present(long epoch, Path dir) throws CheckpointException {
    try {
      return fs.exists(dir);
    } catch (IOException e) {
      throw new CheckpointException(epoch, dir.toString(), "cannot be read: " + e, e);
    }
  }

  @Override
  public List<VerificationReport> verifyAll() throws CheckpointException {
    return published.verifyAll();
  }

  @Override
  public List<String> cleanTemporary() throws CheckpointException {
    List<Path> temps = new ArrayList<>();
    for (FileStatus st : layout.list(fs)) {
      if (CheckpointLayout.isTemp(st.getPath().getName())) {
        temps.add(st.getPath());
      }
    }
    return publisher.removeStale(temps);
  }

  @Override
  public boolean delete(long epoch) throws CheckpointException {
    return publisher.unpublish(epoch, layout.epochDir(epoch), layout.newDeletingDir(epoch), layout.checkpointsDir());
  }

  /** The checkpoints directory and the I/O settings this store opened with. */
  @Override
  public String toString() {
    return "checkpoint store at " + layout.checkpointsDir() + ": " + settings;
  }

  @Override
  public void close() throws IOException {
    executors.shutdown();
    clients.close();
  }

  private Path existing(long epoch, Path dir) throws CheckpointException {
    if (!present(epoch, dir)) {
      throw new CheckpointException(epoch, dir.toString(), "no checkpoint of this " + layout.series().unit()
          + " exists");
    }
    return dir;
  }

  /**
   * Builds a {@link HadoopCheckpointStore}: {@code setJobDir} required, the rest optional. An I/O option left unset
   * here is read from its {@link StoreOptions} key in the configuration, if set.
   */
  public static final class Builder {
    private String jobDir;
    private Configuration conf;
    private OutputStreamDecorator decorator = OutputStreamDecorator.NONE;
    private RawLocalFileSystem localFs;
    // null: not set here (the configuration's key or the default applies)
    Long shardBytes;
    Integer ioThreads;
    Integer writeThreads;
    Integer offHeapTensorBytes;
    Long syncBehindBytes;
    private boolean weightsOnly;
    private CheckpointSeries series = CheckpointSeries.EPOCHS;

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

    /** For tests: the (uninitialized) instance a local store uses, e.g. one that fails to delete. */
    Builder localFileSystem(RawLocalFileSystem fs) {
      this.localFs = checkNotNull(fs, "fs");
      return this;
    }

    /** Wraps every file's output stream (metrics, throttling, fault injection in tests). */
    public Builder optOutputDecorator(OutputStreamDecorator decorator) {
      this.decorator = checkNotNull(decorator, "decorator");
      return this;
    }

    /**
     * Loads checkpoints without keeping the optimizer's state (default: everything), for commands that
     * use the model only (evaluate, predict, export): its files are still read through and their size
     * and SHA-256 checked, but their tensors are not held ({@link LoadedCheckpoint#optimizer()} refuses).
     */
    public Builder optWeightsOnly(boolean weightsOnly) {
      this.weightsOnly = weightsOnly;
      return this;
    }

    /** The series this store holds (default {@link CheckpointSeries#EPOCHS}: {@code checkpoints/epoch-NNNNNN}). */
    public Builder optSeries(CheckpointSeries series) {
      this.series = checkNotNull(series, "series");
      return this;
    }

    /**
     * The most tensor bytes one safetensors file holds (default 64 MiB; key {@value StoreOptions#SHARD_BYTES}).
     * A state dict with more is written as shards of at most this size ({@code
     * model-00001-of-00004.safetensors}, ...; a single larger tensor gets a shard of its own) plus
     * an index ({@code model.safetensors.index.json}, the Hugging Face layout), all written and read
     * in parallel. Smaller state dicts stay single files.
     */
    public Builder optShardBytes(long shardBytes) {
      checkArgument(shardBytes > 0, "shardBytes must be > 0 (e.g. 64 MiB = %s), got %s",
          DEFAULT_SHARD_BYTES, shardBytes);
      this.shardBytes = shardBytes;
      return this;
    }

    /**
     * Threads reading a checkpoint's files in parallel, each reading and hashing its file (default: the number of
     * cores, at most 4). Key {@value StoreOptions#IO_THREADS}.
     */
    public Builder optIoThreads(int ioThreads) {
      checkArgument(ioThreads >= 1, "ioThreads must be >= 1, got %s", ioThreads);
      this.ioThreads = ioThreads;
      return this;
    }

    /**
     * Threads that write a checkpoint's files in parallel; as many more hash the files being
     * written, at the same time as their I/O. Default: {@value HadoopCheckpointStore#DEFAULT_WRITE_THREADS},
     * or {@link #optIoThreads} if that is more. A file's writer spends much of its time waiting: on
     * HDFS for the DataNodes to sync its blocks and for the NameNode to complete the file, locally
     * for the disk to take the file's pages at its fsync; writing every file of a commit at once
     * hides those waits behind the others' transfers. Key {@value StoreOptions#WRITE_THREADS}.
     */
    public Builder optWriteThreads(int writeThreads) {
      checkArgument(writeThreads >= 1, "writeThreads must be >= 1, got %s", writeThreads);
      this.writeThreads = writeThreads;
      return this;
    }

    /**
     * On HDFS (any stream that can {@code hsync}) each data file is synced after every this many bytes
     * and at its end, so the DataNodes' disks write while the client sends (default 8 MiB; 0: at the end).
     * Key {@value StoreOptions#SYNC_BEHIND_BYTES}.
     */
    public Builder optSyncBehindBytes(long syncBehindBytes) {
      checkArgument(syncBehindBytes >= 0, "syncBehindBytes must be >= 0 (0 = sync only at the end), got %s",
          syncBehindBytes);
      this.syncBehindBytes = syncBehindBytes;
      return this;
    }

    /**
     * Loaded tensors of at least this many bytes are held off-heap in direct buffers (default 256 KiB); a
     * negative value keeps every tensor on the heap. Direct memory counts against {@code -XX:MaxDirectMemorySize}
     * (by default the maximum heap). Key {@value StoreOptions#OFF_HEAP_TENSOR_BYTES}.
     */
    public Builder optOffHeapTensorBytes(int offHeapTensorBytes) {
      this.offHeapTensorBytes = offHeapTensorBytes;
      return this;
    }

    /**
     * Opens the store and its own FileSystem instances, closed by {@link #close()}: one, and on HDFS a
     * second that loads data files without HDFS's checksums ({@link CheckpointReader}).
     *
     * @throws IllegalArgumentException if a {@link StoreOptions} key in the configuration is invalid
     *     (named in the message), as for an invalid option set here
     * @throws CheckpointException if the file system cannot be opened
     */
    public HadoopCheckpointStore build() throws CheckpointException {
      checkState(jobDir != null, "store needs setJobDir(...)");
      Configuration c = conf == null ? new Configuration() : conf;
      Path dir = new Path(jobDir);
      StoreOptions.Settings settings = StoreOptions.resolve(this, c, jobDir);
      try {
        StoreFileSystems cs = StoreFileSystems.open(dir, c, localFs);
        return new HadoopCheckpointStore(cs, cs.fs().makeQualified(dir), decorator, settings, weightsOnly, series);
      } catch (IOException e) {
        throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, jobDir,
            "file system cannot be opened: " + e, e);
      }
    }
  }
}
