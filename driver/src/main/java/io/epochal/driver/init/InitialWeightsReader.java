package io.epochal.driver.init;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.FineTuning;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.safetensors.SafetensorsFormatException;
import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the weights {@code init.weights} names from any Hadoop FileSystem: a safetensors file; a
 * sharded state's {@code *.safetensors.index.json} (Hugging Face's layout) and the shards it names;
 * or a directory holding {@code model.safetensors} or {@code model.safetensors.index.json}. When that
 * directory is a checkpoint (it holds {@code manifest.json}), every file read must have the size and
 * SHA-256 the manifest lists. Every byte is hashed as it is read ({@link InitialWeights#sha256()}).
 */
public final class InitialWeightsReader {

  private static final String MODEL_FILE = "model.safetensors";

  private final Configuration conf;

  /** A reader of locations on the file systems of {@code conf}. */
  public InitialWeightsReader(Configuration conf) {
    this.conf = checkNotNull(conf, "conf");
  }

  /**
   * The weights at {@code location}, their names without {@code stripPrefix} where they start with it.
   *
   * @throws ConfigException ({@code init.weights}) when nothing usable is there: no such path, a
   *     directory without a model file, a job directory, a file that is no safetensors file, a
   *     checkpoint's file that does not match its manifest, or two names that become one
   * @throws IOException when the file system fails while reading
   */
  public InitialWeights read(String location, String stripPrefix) throws IOException {
    Path path = new Path(location);
    FileSystem fs = path.getFileSystem(conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw refused(location, "nothing is there; name a safetensors file, a *.safetensors.index.json, or a "
          + "directory holding model.safetensors (a checkpoint directory), or leave " + FineTuning.WEIGHTS
          + " empty to start from the model's seeded initialisation");
    }
    Optional<CheckpointManifest> manifest = Optional.empty();
    if (status.isDirectory()) {
      Path file = new Path(path, MODEL_FILE);
      Path index = new Path(path, SafetensorsIndex.indexName(MODEL_FILE));
      if (fs.exists(new Path(path, CheckpointManifest.FILE_NAME))) {
        manifest = Optional.of(manifest(fs, new Path(path, CheckpointManifest.FILE_NAME)));
      } else if (fs.exists(new Path(path, "checkpoints"))) {
        throw refused(location, "this is a job directory; name one of its checkpoints, "
            + newestCheckpoint(fs, new Path(path, "checkpoints")));
      }
      boolean single = fs.exists(file);
      if (!single && !fs.exists(index)) {
        throw refused(location, "the directory holds neither " + MODEL_FILE + " nor "
            + SafetensorsIndex.indexName(MODEL_FILE));
      }
      path = single ? file : index;
    } else if (path.getParent() != null && fs.exists(new Path(path.getParent(), CheckpointManifest.FILE_NAME))) {
      // a file of a checkpoint (its ema.safetensors, say): checked against the manifest as the directory's files are
      manifest = Optional.of(manifest(fs, new Path(path.getParent(), CheckpointManifest.FILE_NAME)));
    }
    Digests digests = new Digests();
    StateDict tensors = path.getName().endsWith(SafetensorsIndex.INDEX_SUFFIX)
        ? sharded(fs, path, digests, location) : readFile(fs, path, digests, location, false);
    Path checkpoint = path.getParent();
    if (manifest.isPresent()) {
      checkAgainst(manifest.get(), digests, checkpoint.toString());
    }
    // a job that averaged its weights is judged by the average: when its checkpoint is named, say that these are the
    // trained ones (a file named is the one meant)
    String ema = io.epochal.checkpoint.CheckpointStore.EMA_FILE;
    String served = path.getName();
    Optional<String> average = manifest.filter(m -> status.isDirectory()).flatMap(m -> java.util.stream.Stream.of(ema,
        SafetensorsIndex.indexName(ema)).filter(n -> m.file(n).isPresent()).findFirst());
    String note = average.map(n -> "the checkpoint's trained weights (" + served + "), not its moving "
        + "average; to start from the average, give " + FineTuning.WEIGHTS + "=" + new Path(checkpoint, n))
        .orElse("");
    // the prefix taken off names, for advice on what they still carry: none when it starts none of them
    String stripped = tensors.names().stream().anyMatch(n -> n.startsWith(stripPrefix)) ? stripPrefix : "";
    return new InitialWeights(location, digests.whole(), strip(tensors, stripPrefix, location), note, stripped);
  }

  private StateDict sharded(FileSystem fs, Path indexPath, Digests digests, String location) throws IOException {
    checkBounded(fs, indexPath, SafetensorsIndex.MAX_BYTES, "a shard index", location);
    byte[] json = digests.readAll(fs, indexPath);
    SafetensorsIndex index;
    try {
      index = SafetensorsIndex.parse(json, indexPath.toString());
    } catch (SafetensorsFormatException e) {
      throw refused(location, e.getMessage());
    }
    StateDict.Builder all = StateDict.builder();
    for (String shard : index.shardFiles()) {
      StateDict part = readFile(fs, new Path(indexPath.getParent(), shard), digests, location, true);
      List<String> listed = index.tensorsOf(shard);
      if (!part.names().equals(new java.util.HashSet<>(listed))) {
        throw refused(location, "shard " + shard + " holds " + NameList.joined(part.nameList(), 5) + " but "
            + indexPath.getName() + " maps " + NameList.joined(listed, 5) + " to it");
      }
      all.putAll(part);
    }
    StateDict merged = all.build();
    StateDict.Builder ordered = StateDict.builder(); // the index keeps the state dict's order
    index.weightMap().keySet().forEach(n -> ordered.put(n, merged.require(n)));
    return ordered.build();
  }

  /** Reads {@code file}, one of several ({@code shard}: each then hashed apart too) or the only one. */
  private StateDict readFile(FileSystem fs, Path file, Digests digests, String location, boolean shard)
      throws IOException {
    long length;
    try {
      length = fs.getFileStatus(file).getLen();
    } catch (FileNotFoundException e) {
      throw refused(location, file + " does not exist");
    }
    MessageDigest own = shard ? Digests.sha256() : null; // the only file's digest is the whole one
    try (FSDataInputStream raw = fs.open(file);
        InputStream in = new DigestInputStream(shard ? new DigestInputStream(raw, own) : raw, digests.whole)) {
      StateDict read = SafetensorsReader.read(in, length, file.toString()).tensors();
      digests.files.put(file.getName(), new ManifestFile(file.getName(), length, Digests.hex(shard ? own
          : Digests.copy(digests.whole))));
      return read;
    } catch (SafetensorsFormatException e) {
      throw refused(location, e.getMessage() + " (a safetensors file, as safetensors.torch.save_file writes it, "
          + "is expected)");
    }
  }

  private static CheckpointManifest manifest(FileSystem fs, Path file) throws IOException {
    checkBounded(fs, file, CheckpointManifest.MAX_BYTES, "a checkpoint's manifest", file.getParent().toString());
    try (FSDataInputStream in = fs.open(file)) {
      return CheckpointManifest.parse(in.readAllBytes(), file.toString());
    } catch (io.epochal.checkpoint.ManifestFormatException e) {
      throw refused(file.getParent().toString(), "its manifest does not parse: " + e.getMessage());
    }
  }

  /** Refuses a file read from checkpoint {@code location} that is not the one its manifest lists. */
  private static void checkAgainst(CheckpointManifest manifest, Digests digests, String location) {
    for (ManifestFile read : digests.files.values()) {
      Optional<ManifestFile> listed = manifest.file(read.name());
      if (listed.isEmpty() || !listed.get().equals(read)) {
        throw refused(location, "its " + read.name() + " (" + read.size() + " bytes, sha256 " + read.sha256()
            + ") is not the file its manifest lists (" + listed.map(f -> f.size() + " bytes, sha256 " + f.sha256())
            .orElse("none") + "): the checkpoint is damaged; bin/epochal verify " + location + " says more");
      }
    }
  }

  private static StateDict strip(StateDict tensors, String prefix, String location) {
    if (prefix.isEmpty()) {
      return tensors;
    }
    StateDict.Builder b = StateDict.builder();
    Map<String, String> from = new java.util.HashMap<>();
    for (Map.Entry<String, Tensor> e : tensors) {
      String name = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
      String before = from.put(name, e.getKey());
      if (before != null || name.isEmpty()) {
        throw refused(location, FineTuning.STRIP_PREFIX + "=" + prefix + " makes '" + e.getKey() + "' "
            + (name.isEmpty() ? "an empty name" : "the same name as '" + before + "'"));
      }
      b.put(name, e.getValue());
    }
    return b.build();
  }

  private static String newestCheckpoint(FileSystem fs, Path checkpoints) throws IOException {
    List<String> epochs = new ArrayList<>();
    for (FileStatus s : fs.listStatus(checkpoints)) {
      if (s.isDirectory() && s.getPath().getName().matches("epoch-\\d{6,}")) {
        epochs.add(s.getPath().getName());
      }
    }
    return epochs.isEmpty() ? "once it has one (it has none yet)"
        : "as " + JobSpecResolver.locationText(new Path(checkpoints, epochs.stream().sorted().reduce((a, b) -> b)
            .orElseThrow())) + " (its newest)";
  }

  /** Refuses {@code file} of checkpoint {@code location} when it has more than {@code max} bytes, as a reader does. */
  private static void checkBounded(FileSystem fs, Path file, long max, String what, String location)
      throws IOException {
    long length = fs.getFileStatus(file).getLen();
    if (length > max) {
      throw refused(location, file + " has " + length + " bytes, more than the " + max + " " + what + " may have: "
          + "it is damaged, or no such file");
    }
  }

  private static ConfigException refused(String location, String why) {
    return new ConfigException(FineTuning.WEIGHTS, FineTuning.WEIGHTS + " = " + location + ": " + why);
  }

  /** The digest of every byte read, and each file's size and digest. */
  private static final class Digests {
    final MessageDigest whole = sha256();
    final Map<String, ManifestFile> files = new java.util.LinkedHashMap<>();

    byte[] readAll(FileSystem fs, Path file) throws IOException {
      try (FSDataInputStream in = fs.open(file)) {
        byte[] bytes = in.readAllBytes();
        whole.update(bytes);
        files.put(file.getName(), new ManifestFile(file.getName(), bytes.length, hex(sha256().digest(bytes))));
        return bytes;
      }
    }

    String whole() {
      return hex(whole);
    }

    static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JVM offers no SHA-256", e);
      }
    }

    static MessageDigest copy(MessageDigest d) {
      try {
        return (MessageDigest) d.clone();
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("the JVM's SHA-256 cannot be copied", e);
      }
    }

    static String hex(MessageDigest d) {
      return hex(d.digest());
    }

    static String hex(byte[] digest) {
      return HexFormat.of().formatHex(digest);
    }
  }
}
