package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.io.WriteAndClose;
import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsShards;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import com.google.common.io.CountingOutputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Writes a checkpoint's files into its temporary directory. Each file is synced: with {@code
 * hsync} and {@link CreateFlag#SYNC_BLOCK} on HDFS, where it is also synced every few MiB while it
 * is written so the DataNodes' disks work during the transfer ({@link SyncBehindOutputStream}), and
 * with fsync on the local file system. A state dict with more than {@code shardBytes} tensor bytes
 * is written as shards ({@code model-00001-of-00004.safetensors}, ...) plus an index ({@code
 * model.safetensors.index.json}); all files of a commit are written in parallel on the store's I/O
 * pool, and each safetensors file is hashed on the store's hashing pool at the same time, straight
 * from the immutable tensors (the SHA-256 is of exactly the bytes written: both come from {@link
 * SafetensorsWriter}).
 */
final class CheckpointFileWriter {

  private static final Map<String, String> FILE_METADATA = Map.of("format", "pt");
  private static final int BUFFER_SIZE = 1 << 16;

  private final FileSystem fs;
  private final boolean local;
  private final OutputStreamDecorator decorator;
  private final ExecutorService pool;
  private final ExecutorService hasher;
  private final long shardBytes;
  private final long syncBehindBytes;

  CheckpointFileWriter(FileSystem fs, boolean local, OutputStreamDecorator decorator, ExecutorService pool,
      ExecutorService hasher, long shardBytes, long syncBehindBytes) {
    this.fs = fs;
    this.local = local;
    this.decorator = decorator;
    this.pool = pool;
    this.hasher = hasher;
    this.shardBytes = shardBytes;
    this.syncBehindBytes = syncBehindBytes;
  }

  /**
   * Writes every state dict of {@code parts} (file name to state) into {@code dir} in parallel,
   * syncs and hashes every file, and returns them with their manifest entries in order: per part
   * its single file, or its index then its shards. On HDFS the tensor files are left open for
   * {@link #finish} to close, and {@code dir/manifestName} is created, empty, alongside the writes
   * (its content is written last, by {@link #finish}: creating it here takes a NameNode round trip
   * off the end of the commit); if this fails, every file it opened is closed.
   */
  SyncedFiles writeStates(long epoch, Path dir, List<Map.Entry<String, StateDict>> parts, String manifestName)
      throws IOException {
    SyncedFiles synced = new SyncedFiles();
    List<ParallelTasks.FileTask<ManifestFile>> tasks = new ArrayList<>();
    for (Map.Entry<String, StateDict> part : parts) {
      String name = part.getKey();
      StateDict dict = part.getValue();
      if (dict.totalBytes() <= shardBytes) {
        tasks.add(() -> writeTensors(epoch, dir, name, dict, synced));
        continue;
      }
      List<StateDict> shards = SafetensorsShards.split(dict, shardBytes);
      checkArgument(shards.size() <= 99_999, "%s (%s tensors) would be split into %s files of at most %s tensor bytes "
          + "(%s), more than the 99,999 a shard's name numbers: raise %s", name, dict.size(), shards.size(),
          shardBytes, StoreOptions.SHARD_BYTES, StoreOptions.SHARD_BYTES);
      byte[] index = SafetensorsShards.index(name, shards).toJson();
      checkArgument(index.length <= CheckpointReader.MAX_INDEX_BYTES, "the shard index of %s (%s tensors) would "
          + "have %s bytes, more than the %s a reader reads", name, dict.size(), index.length,
          CheckpointReader.MAX_INDEX_BYTES);
      tasks.add(() -> writeFile(epoch, dir, SafetensorsIndex.indexName(name), index));
      for (int i = 0; i < shards.size(); i++) {
        String shardName = SafetensorsShards.shardName(name, i + 1, shards.size());
        StateDict shard = shards.get(i);
        tasks.add(() -> writeTensors(epoch, dir, shardName, shard, synced));
      }
    }
    // after the plan, which may refuse the state: nothing is opened for a commit that writes nothing
    Future<?> manifestCreated = local ? null : pool.submit(() -> {
      Path m = new Path(dir, manifestName);
      synced.openedManifest(m, createSynced(m));
      return null;
    });
    try {
      synced.setEntries(ParallelTasks.runAll(pool, tasks));
      if (manifestCreated != null) {
        await(manifestCreated, epoch, new Path(dir, manifestName), "creating");
      }
      return synced;
    } catch (IOException | RuntimeException | Error e) {
      if (manifestCreated != null) {
        try {
          // closed with the rest once it is registered; waited for through an interrupt, as the data files' writes
          // are: a create that ends after the temporary directory is removed would make it again, its file open
          com.google.common.util.concurrent.Uninterruptibles.getUninterruptibly(manifestCreated);
        } catch (ExecutionException ignored) {
          // the commit has failed already
        }
      }
      synced.close();
      throw e;
    }
  }

  /**
   * Closes the files {@link #writeStates} left open, checking each one's length, and at the same
   * time writes {@code manifest} into {@code dir/manifestName} (the file it created, on HDFS), syncs
   * and closes it; returns when all are done. The manifest's bytes are written only after every data
   * file's bytes are synced; completing the data files at the NameNode runs alongside.
   */
  void finish(long epoch, Path dir, SyncedFiles synced, String manifestName, byte[] manifest) throws IOException {
    List<ParallelTasks.FileTask<Void>> tasks = new ArrayList<>();
    Map.Entry<Path, FSDataOutputStream> created = synced.takeManifest();
    tasks.add(() -> {
      if (created == null) {
        writeFile(epoch, dir, manifestName, manifest);
      } else {
        WriteAndClose.run(created.getValue(), out -> {
          out.write(manifest);
          out.hsync();
        });
        checkLength(epoch, created.getKey(), manifest.length);
      }
      return null;
    });
    List<Map.Entry<Path, Closeable>> open = synced.takeOpen();
    for (Map.Entry<Path, Closeable> f : open) {
      tasks.add(() -> {
        f.getValue().close();
        checkLength(epoch, f.getKey(), synced.sizeOf(f.getKey().getName()));
        return null;
      });
    }
    try {
      ParallelTasks.runAll(pool, tasks);
    } catch (IOException | RuntimeException | Error e) {
      SyncedFiles.closeQuietly(open); // closes skipped after the failure left these open
      if (created != null) { // the manifest's writer skipped too, if a close failed before it started
        SyncedFiles.closeQuietly(List.of(Map.<Path, Closeable>entry(created.getKey(), created.getValue())));
      }
      throw e;
    }
  }

  /**
   * Writes a safetensors file while another thread hashes the same (immutable) tensor bytes, so
   * the SHA-256 costs no copy and overlaps the file's I/O. On HDFS the file is synced but left open
   * in {@code synced}.
   */
  private ManifestFile writeTensors(long epoch, Path dir, String name, StateDict dict, SyncedFiles synced)
      throws IOException {
    Future<String> sha256 = hasher.submit(() -> {
      MessageDigest md = Sha256.newDigest();
      SafetensorsWriter.digest(dict, FILE_METADATA, md);
      return Sha256.hex(md.digest());
    });
    try {
      Path p = new Path(dir, name);
      long count;
      if (local) {
        count = checkLength(epoch, p, decorator == OutputStreamDecorator.NONE
            ? writeLocalChannel(p, ch -> SafetensorsWriter.write(dict, FILE_METADATA, ch))
            : writeLocal(p, name, out -> SafetensorsWriter.write(dict, FILE_METADATA, out)));
      } else {
        count = writeHadoopSynced(p, name, out -> SafetensorsWriter.write(dict, FILE_METADATA, out), synced);
      }
      return new ManifestFile(name, count, await(sha256, epoch, p));
    } finally {
      sha256.cancel(true);
    }
  }

  /** Writes {@code dir/name} with {@code bytes}, syncs it and returns its entry. */
  ManifestFile writeFile(long epoch, Path dir, String name, byte[] bytes) throws IOException {
    long count = writeAndSync(epoch, dir, name, out -> out.write(bytes));
    return new ManifestFile(name, count, Sha256.hex(Sha256.newDigest().digest(bytes)));
  }

  /** Writes {@code dir/name}, syncs it, checks its length and returns the number of bytes. */
  private long writeAndSync(long epoch, Path dir, String name, Body body) throws IOException {
    Path p = new Path(dir, name);
    return checkLength(epoch, p, local ? writeLocal(p, name, body) : writeHadoop(p, name, body));
  }

  /** {@code count} if file {@code p} holds that many bytes. */
  private long checkLength(long epoch, Path p, long count) throws IOException {
    long len = fs.getFileStatus(p).getLen();
    if (len != count) {
      throw new CheckpointException(epoch, p.toString(), p.getName() + " has " + len + " bytes after writing "
          + count);
    }
    return count;
  }

  /** HDFS and other file systems: created, written and synced as in {@link #writeHadoopSynced}, then closed. */
  private long writeHadoop(Path p, String name, Body body) throws IOException {
    return WriteAndClose.counting(createSynced(p), raw -> writeAndHsync(raw, name, body));
  }

  /**
   * HDFS and other file systems: created with {@code SYNC_BLOCK}, written with an {@code hsync}
   * after every {@code syncBehindBytes} ({@link SyncBehindOutputStream}) and at the end, and left
   * open in {@code synced} (registered before the first byte, so a failure still closes it).
   */
  private long writeHadoopSynced(Path p, String name, Body body, SyncedFiles synced) throws IOException {
    FSDataOutputStream raw = createSynced(p);
    synced.opened(p, raw);
    return writeAndHsync(raw, name, body);
  }

  private FSDataOutputStream createSynced(Path p) throws IOException {
    FsPermission perm = FsPermission.getFileDefault().applyUMask(FsPermission.getUMask(fs.getConf()));
    EnumSet<CreateFlag> flags = EnumSet.of(CreateFlag.CREATE, CreateFlag.SYNC_BLOCK);
    if (fs instanceof org.apache.hadoop.fs.viewfs.ViewFileSystem) {
      // a federated namespace (viewfs://, or hdfs:// overloaded by a mount table): its create with flags passes
      // OVERWRITE alone on to the mount's file system, its createNonRecursive every flag; the parent exists
      return fs.createNonRecursive(p, perm, flags, BUFFER_SIZE, fs.getDefaultReplication(p),
          fs.getDefaultBlockSize(p), null);
    }
    return fs.create(p, perm, flags, BUFFER_SIZE, fs.getDefaultReplication(p), fs.getDefaultBlockSize(p), null);
  }

  /** Writes the body through the sync-behind stream and the decorator, then hsyncs; returns the byte count. */
  private long writeAndHsync(FSDataOutputStream raw, String name, Body body) throws IOException {
    CountingOutputStream counted = new CountingOutputStream(SyncBehindOutputStream.wrap(raw, syncBehindBytes));
    OutputStream out = decorator.decorate(name, counted);
    body.writeTo(out);
    out.flush();
    raw.hsync();
    return counted.getCount();
  }

  /**
   * The local file system: a new file written through its channel and forced to disk. Java's own
   * file API, because Hadoop's local file system (without its native library) starts a {@code
   * chmod} process for every file it creates.
   */
  private long writeLocal(Path p, String name, Body body) throws IOException {
    return writeLocalChannel(p, ch -> {
      CountingOutputStream counted =
          new CountingOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER_SIZE));
      OutputStream out = decorator.decorate(name, counted);
      body.writeTo(out);
      out.flush();
      return counted.getCount();
    });
  }

  /**
   * The local file system: the body writes to a new file's channel (safetensors without a stream
   * decorator write straight from the tensors' buffers), then the file is forced to disk.
   */
  private long writeLocalChannel(Path p, ChannelBody body) throws IOException {
    try (FileChannel ch = FileChannel.open(nio(p), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long count = body.writeTo(ch);
      ch.force(true);
      return count;
    }
  }

  /**
   * Creates directory {@code dir} and its missing parents. On the local file system the parents it
   * creates (the {@code checkpoints} directory at a job's first commit) are made durable ({@link
   * LocalDirectories}); {@code dir}'s own entry is left to the caller's publish.
   */
  void mkdirs(Path dir) throws IOException {
    if (local) {
      LocalDirectories.create(nio(dir), false);
    } else if (!fs.mkdirs(dir)) {
      throw new IOException(dir + " cannot be created");
    }
  }

  private java.nio.file.Path nio(Path p) {
    return Locations.localFile(fs.makeQualified(p));
  }

  private static String await(Future<String> sha256, long epoch, Path p) throws IOException {
    return await(sha256, epoch, p, "hashing");
  }

  /** The result of {@code task}, which was {@code doing} file {@code p}; its failure names the file. */
  private static <T> T await(Future<T> task, long epoch, Path p, String doing) throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + doing + " " + p);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException) {
        throw (IOException) e.getCause();
      }
      throw new CheckpointException(epoch, p.toString(), doing + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Fsyncs a local directory (its entries); a no-op on other file systems. */
  void syncLocalDir(Path dir) throws IOException {
    if (local) {
      fsyncLocal(dir);
    }
  }

  private void fsyncLocal(Path p) throws IOException {
    LocalDirectories.fsync(nio(p));
  }

  /** Writes a file's bytes. */
  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes a file's bytes to its channel and returns how many. */
  @FunctionalInterface
  interface ChannelBody {
    long writeTo(FileChannel out) throws IOException;
  }
}
