package io.epochal.checkpoint;

import io.epochal.safetensors.SafetensorsFile;
import io.epochal.safetensors.SafetensorsFormatException;
import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.safetensors.TensorAllocator;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and verifies one published checkpoint directory. Damage (missing or truncated files, size
 * or digest mismatch, unparseable content, an index that does not match its shards) is a {@link
 * CheckpointCorruptedException}; any other I/O failure is a plain {@link CheckpointException}.
 * Digests are computed while the data is read; the data files (single files and shards) are read in
 * parallel on the store's pool.
 *
 * <p>A load may read the data files through a second file system that skips the file system's own
 * checksums ({@code loadFs}: on HDFS, a client with {@code setVerifyChecksum(false)}, so the DataNode
 * sends no CRCs and the client checks none). The SHA-256 of every byte still decides whether a file
 * is intact. When it does not match, or the content does not parse, the file is read once more
 * through the checksumming file system: a damaged replica then fails its CRC, HDFS reports it to the
 * NameNode and reads another replica, and the load goes on with the good copy (logged as a warning).
 * Only a file that is damaged in every replica, or was written wrong, fails the load. This is the
 * split HBase makes between its own checksums and HDFS's. Manifests, indexes and {@link #verify}
 * always use the checksumming file system.
 */
final class CheckpointReader {

  /**
   * The largest shard index read (as large as a safetensors header may be, listing as many tensors); the writer
   * refuses a larger one ({@link CheckpointFileWriter}).
   */
  static final long MAX_INDEX_BYTES = io.epochal.safetensors.SafetensorsIndex.MAX_BYTES;

  private static final int SCAN_BUFFER = 1 << 20;

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointReader.class);

  private final FileSystem fs;
  private final FileSystem loadFs;
  private final ExecutorService pool;
  private final TensorAllocator allocator;
  private final boolean weightsOnly;
  private final CheckpointSeries series;
  private final ManifestReader manifests;

  /**
   * A reader of {@code fs}; {@code loadFs} is {@code fs} itself or another client of the same file
   * system that reads data files without its own checksums. With {@code weightsOnly} a load checks
   * the optimizer's files (size and SHA-256) without keeping their tensors.
   */
  CheckpointReader(FileSystem fs, FileSystem loadFs, ExecutorService pool, TensorAllocator allocator,
      boolean weightsOnly, CheckpointSeries series) {
    this.fs = fs;
    this.series = series;
    this.loadFs = loadFs;
    this.pool = pool;
    this.allocator = allocator;
    this.weightsOnly = weightsOnly;
    this.manifests = new ManifestReader(fs, loadFs, series);
  }

  /** Reads and parses {@code dir}'s manifest and checks it belongs to {@code epoch} ({@link ManifestReader}). */
  CheckpointManifest readManifest(long epoch, Path dir) throws CheckpointException {
    return manifests.read(epoch, dir);
  }

  /**
   * Loads every data file of {@code dir} (the optional ones it lists too) in parallel, checking
   * sizes and digests while reading.
   */
  LoadedCheckpoint load(long epoch, Path dir) throws CheckpointException {
    CheckpointManifest m = readManifest(epoch, dir);
    List<SafetensorsIndex> indexes = new ArrayList<>();
    List<ParallelTasks.FileTask<StateDict>> tasks = new ArrayList<>();
    List<String> names = ManifestReader.dataFilesOf(m);
    for (String name : names) {
      Optional<ManifestFile> single = m.file(name);
      List<ManifestFile> files = new ArrayList<>();
      if (single.isPresent()) {
        indexes.add(null);
        files.add(single.get());
      } else {
        ManifestFile indexEntry = m.file(SafetensorsIndex.indexName(name)).orElseThrow();
        SafetensorsIndex index = readIndex(epoch, dir, indexEntry);
        for (String shard : index.shardFiles()) {
          files.add(m.file(shard).orElseThrow(() -> new CheckpointCorruptedException(epoch,
              new Path(dir, indexEntry.name()).toString(), indexEntry.name() + " names shard " + shard
              + ", which the manifest does not list")));
        }
        indexes.add(index);
      }
      for (ManifestFile entry : files) {
        tasks.add(checkedOnly(name) ? () -> checkFile(epoch, dir, entry) : () -> loadFile(epoch, dir, entry));
      }
    }
    List<StateDict> loaded;
    try {
      loaded = ParallelTasks.runAll(pool, tasks);
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException(epoch, dir.toString(), "checkpoint cannot be read: " + e, e);
    }
    StateDict[] dicts = new StateDict[names.size()];
    int next = 0;
    for (int i = 0; i < dicts.length; i++) {
      SafetensorsIndex index = indexes.get(i);
      if (index == null) {
        dicts[i] = loaded.get(next++);
        continue;
      }
      Map<String, StateDict> shards = new HashMap<>();
      for (String shard : index.shardFiles()) {
        shards.put(shard, loaded.get(next++));
      }
      Path indexPath = new Path(dir, SafetensorsIndex.indexName(names.get(i)));
      dicts[i] = checkedOnly(names.get(i)) ? null : assemble(epoch, indexPath, index, shards);
    }
    int ema = names.indexOf(CheckpointStore.EMA_FILE);
    StateDict average = ema < 0 ? StateDict.empty() : dicts[ema];
    return weightsOnly ? LoadedCheckpoint.withoutOptimizer(dir.toString(), m, dicts[0], dicts[2], average)
        : new LoadedCheckpoint(dir.toString(), m, dicts[0], dicts[1], dicts[2], average);
  }

  private SafetensorsIndex readIndex(long epoch, Path dir, ManifestFile entry) throws CheckpointException {
    Path p = new Path(dir, entry.name());
    try {
      checkSize(epoch, p, entry);
      if (entry.size() > MAX_INDEX_BYTES) {
        throw new CheckpointCorruptedException(epoch, p.toString(), entry.name() + " has " + entry.size()
            + " bytes, more than the " + MAX_INDEX_BYTES + " an index may have");
      }
      byte[] bytes = new byte[(int) entry.size()];
      try (FSDataInputStream in = fs.open(p)) {
        in.readFully(0, bytes);
      } catch (org.apache.hadoop.fs.FSError e) {
        throw ReadFailures.ioError(e);
      }
      MessageDigest digest = Sha256.newDigest();
      checkDigest(epoch, p, entry, Sha256.hex(digest.digest(bytes)));
      return SafetensorsIndex.parse(bytes, p.toString());
    } catch (SafetensorsFormatException e) {
      throw new CheckpointCorruptedException(epoch, p.toString(),
          entry.name() + " is not a valid safetensors index: " + e.getMessage(), e);
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw classifyFile(epoch, p, entry, e);
    } catch (OutOfMemoryError e) {
      // an index of millions of entries needs several times its size in heap: said with the file, as a shard is
      OutOfMemoryError named = new OutOfMemoryError(e.getMessage() + " while reading shard index " + p + " ("
          + entry.size() + " bytes) of the checkpoint of " + series.describe(epoch));
      named.initCause(e);
      throw named;
    }
  }

  /** The state dict of a sharded file, in weight-map order, after checking the shards against the index. */
  private static StateDict assemble(long epoch, Path indexPath, SafetensorsIndex index,
      Map<String, StateDict> shards) throws CheckpointCorruptedException {
    String name = indexPath.getName();
    long total = 0;
    StateDict.Builder b = StateDict.builder();
    for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
      Tensor t = shards.get(e.getValue()).get(e.getKey());
      if (t == null) {
        throw new CheckpointCorruptedException(epoch, indexPath.toString(), "weight_map of " + name
            + " puts tensor '" + e.getKey() + "' in " + e.getValue() + ", which does not hold it");
      }
      b.put(e.getKey(), t);
      total += t.byteSize();
    }
    for (Map.Entry<String, StateDict> shard : shards.entrySet()) {
      for (String tensor : shard.getValue().names()) {
        if (!shard.getKey().equals(index.weightMap().get(tensor))) {
          throw new CheckpointCorruptedException(epoch, indexPath.toString(), shard.getKey()
              + " holds tensor '" + tensor + "', which the weight_map of " + name + " does not put there");
        }
      }
    }
    if (total != index.totalSize()) {
      throw new CheckpointCorruptedException(epoch, indexPath.toString(), name + (index.totalSize()
          == SafetensorsIndex.UNDECLARED ? " lists no total_size (every index Epochal writes has it), and its shards "
          + "hold " : " lists total_size " + index.totalSize() + " but its shards hold ") + total + " tensor bytes");
    }
    return b.build();
  }

  /**
   * Loads one data file through {@code loadFs}; if that copy is damaged and {@code loadFs} skips
   * checksums, loads it again through {@code fs}, whose checksums let HDFS find a good replica.
   */
  private StateDict loadFile(long epoch, Path dir, ManifestFile entry) throws CheckpointException {
    Path p = new Path(dir, entry.name());
    try {
      return loadFile(epoch, p, entry, loadFs);
    } catch (CheckpointCorruptedException damaged) {
      if (loadFs == fs) {
        throw damaged;
      }
      StateDict again;
      try {
        again = loadFile(epoch, p, entry, fs);
      } catch (CheckpointException e) {
        if (!(e instanceof CheckpointCorruptedException) && ReplicaDamage.blockMissing(e)) {
          // the read without checksums just reached the replicas, and they hold other bytes than the manifest's:
          // a client that checks sums, failing it on every replica, gives up on them all as if they were gone
          damaged.addSuppressed(e);
          throw damaged;
        }
        e.addSuppressed(damaged);
        throw e;
      }
      LOG.warn("{}: {} read without the file system's checksums was damaged ({}); read again with "
          + "them it matches the manifest, so a replica is damaged: HDFS reports a replica that fails its "
          + "checksum to the NameNode, which replaces it; 'hdfs fsck {} -files -blocks' shows the file's replicas",
          series.describe(epoch), p, damaged.getMessage(), Path.getPathWithoutSchemeAndAuthority(p));
      return again;
    }
  }

  private StateDict loadFile(long epoch, Path p, ManifestFile entry, FileSystem from) throws CheckpointException {
    try {
      checkSize(epoch, p, entry);
      SafetensorsFile file;
      String sha256;
      try (DigestingChannel ch = new DigestingChannel(ReadChannels.open(from, p), entry.name())) {
        file = SafetensorsReader.read(ch, entry.size(), p.toString(), allocator);
        sha256 = ch.sha256Hex();
      }
      checkDigest(epoch, p, entry, sha256);
      return file.tensors();
    } catch (CheckpointException e) {
      throw e;
    } catch (io.epochal.safetensors.SafetensorsHeapException e) {
      // refused before its bytes were hashed: a file whose digest is not the manifest's is damage (the checkpoint
      // before it is read), only the one it lists needs a larger heap
      try {
        checkDigest(epoch, p, entry, sha256Of(p, new byte[SCAN_BUFFER]));
      } catch (CheckpointCorruptedException damaged) {
        damaged.addSuppressed(e);
        throw damaged;
      } catch (IOException unread) {
        e.addSuppressed(unread);
      }
      throw ReadFailures.classify(from, epoch, p, entry.name() + " cannot be read", e);
    } catch (IOException e) {
      throw ReadFailures.classify(from, epoch, p, entry.name() + " cannot be read", e);
    } catch (OutOfMemoryError e) {
      // the heap or direct memory ran out holding this file's tensors: said with the file and its size
      OutOfMemoryError named = new OutOfMemoryError(e.getMessage() + " while loading " + p + " (" + entry.size()
          + " bytes) of the checkpoint of " + series.describe(epoch));
      named.initCause(e);
      throw named;
    }
  }

  /** Every problem of {@code dir}: manifest, then each listed file's presence, size and digest (optional ones too). */
  VerificationReport verify(long epoch, Path dir) throws CheckpointException {
    List<String> problems = new ArrayList<>();
    CheckpointManifest m;
    try {
      m = readManifest(epoch, dir);
    } catch (CheckpointCorruptedException e) {
      problems.add(CheckpointProblem.reasonIn(dir.toString(), e));
      return new VerificationReport(epoch, dir.toString(), problems);
    }
    byte[] buffer = new byte[SCAN_BUFFER];
    for (ManifestFile entry : m.files()) {
      Path p = new Path(dir, entry.name());
      try {
        checkSize(epoch, p, entry);
        checkDigest(epoch, p, entry, sha256Of(p, buffer));
      } catch (CheckpointCorruptedException e) {
        problems.add(CheckpointProblem.reasonIn(dir.toString(), e));
      } catch (CheckpointException e) {
        throw e;
      } catch (IOException e) {
        CheckpointException c = classifyFile(epoch, p, entry, e);
        if (!(c instanceof CheckpointCorruptedException)) {
          throw c;
        }
        problems.add(CheckpointProblem.reasonIn(dir.toString(), c));
      }
    }
    return new VerificationReport(epoch, dir.toString(), problems);
  }

  /** The SHA-256 of file {@code p}, read through {@code buffer}. */
  private String sha256Of(Path p, byte[] buffer) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (FSDataInputStream in = fs.open(p)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    } catch (org.apache.hadoop.fs.FSError e) {
      throw ReadFailures.ioError(e);
    }
    return Sha256.hex(digest.digest());
  }

  /** Whether data file {@code name}'s tensors are only checked, not kept: the optimizer's, for a weights-only load. */
  private boolean checkedOnly(String name) {
    return weightsOnly && name.equals(CheckpointStore.OPTIMIZER_FILE);
  }

  /** Checks {@code entry}'s size and SHA-256 without keeping its tensors: an empty state dict. */
  private StateDict checkFile(long epoch, Path dir, ManifestFile entry) throws CheckpointException {
    Path p = new Path(dir, entry.name());
    try {
      checkSize(epoch, p, entry);
      checkDigest(epoch, p, entry, sha256Of(p, new byte[SCAN_BUFFER]));
      return StateDict.empty();
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw classifyFile(epoch, p, entry, e);
    }
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

  /** {@link ReadFailures#classify} of a failed checked read of data file {@code entry}, damage when its replicas all are. */
  private CheckpointException classifyFile(long epoch, Path p, ManifestFile entry, IOException e) {
    CheckpointException c = ReadFailures.classify(fs, epoch, p, entry.name() + " cannot be read", e);
    return loadFs == fs ? c : ReplicaDamage.judge(loadFs, epoch, p, entry, c);
  }
}
