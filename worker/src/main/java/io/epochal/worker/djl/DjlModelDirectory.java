package io.epochal.worker.djl;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The DJL model directory of an Epochal model: {@code <name>-<epoch>.params} written by DJL's
 * {@code Model.save} with an {@link EpochalBlock} (the state dict inside), and
 * {@value #DESCRIPTOR} naming the model, its version and hyperparameters so that a loader can
 * rebuild the block from the {@link ModelRegistry} before {@code Model.load}:
 *
 * <pre>{@code
 * Model model = DjlModelDirectory.load(dir, ModelRegistry.getDefault());
 * try (EpochalBlock block = (EpochalBlock) model.getBlock()) { // closed after the model
 *   try (model) {
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Building the block with {@link #newBlock} and loading with DJL's own {@code Model.load} works
 * too, but DJL then reads the newest epoch's parameter file in the directory, not necessarily the
 * one the descriptor names.
 */
public final class DjlModelDirectory {

  /** The descriptor's file name. */
  public static final String DESCRIPTOR = "epochal-model.json";
  /** The descriptor's format. */
  public static final String FORMAT = "epochal-djl-1";

  private DjlModelDirectory() {}

  /**
   * Writes {@code state} of model {@code name} v{@code version} built with {@code raw}
   * hyperparameters into {@code dir} (created if needed): the DJL parameter file of epoch
   * {@code epoch} and the descriptor. The parameter files of an earlier export there ({@code
   * <name>-NNNN.params} of its model and of this one) are deleted first: DJL's loader would otherwise
   * pick the newest epoch's file there. Other files, another model's parameters among them, are left.
   *
   * @throws IllegalArgumentException for an unknown model, bad hyperparameters or a state dict
   *     that does not fit
   */
  public static void write(Path dir, String name, int version, HyperParameters raw, StateDict state, long epoch,
      ModelRegistry registry) throws IOException {
    checkNotNull(dir, "dir");
    Files.createDirectories(dir);
    EpochalModel m = registry.create(name, version, raw);
    try (EpochalBlock block = new EpochalBlock(m);
        Model model = Model.newInstance(name, Device.cpu(), BaseEpochalModel.ENGINE)) {
      m.loadStateDict(state);
      model.setBlock(block);
      model.setProperty("Epoch", Long.toString(epoch));
      java.util.Set<String> prefixes = new java.util.HashSet<>(java.util.Set.of(name));
      if (Files.exists(dir.resolve(DESCRIPTOR))) {
        modelName(Files.readAllBytes(dir.resolve(DESCRIPTOR))).ifPresent(prefixes::add);
      }
      try (java.util.stream.Stream<Path> earlier = Files.list(dir)) {
        for (Path p : (Iterable<Path>) earlier.filter(f -> isParameterFile(f.getFileName().toString(), prefixes))
            ::iterator) {
          Files.delete(p);
        }
      }
      model.save(dir, name);
      Path params = dir.resolve(String.format(java.util.Locale.ROOT, "%s-%04d.params", name, epoch)); // DJL's name
      if (!Files.isRegularFile(params)) {
        throw new IOException("DJL's Model.save wrote no " + params.getFileName() + " into " + dir);
      }
      ObjectNode d = new ObjectMapper().createObjectNode();
      d.put("format", FORMAT);
      d.put("engine", BaseEpochalModel.ENGINE);
      d.putObject("model").put("name", name).put("version", version);
      d.set("hyperparameters", raw.toJson());
      d.put("epoch", epoch);
      d.put("input", "input");
      var shape = d.putArray("input_shape");
      shape.add(-1);
      for (long s : m.inputShape()) {
        shape.add(s);
      }
      d.put("output_size", m.outputSize());
      d.putObject("parameters").put("file", params.getFileName().toString()).put("sha256", sha256(params));
      Files.write(dir.resolve(DESCRIPTOR), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(d));
    }
  }

  /**
   * Whether {@code file} is a DJL parameter file of a model named one of {@code prefixes}: {@code
   * <name>-NNNN.params} (more digits from epoch 10000 on), the files DJL's loader picks the newest of.
   */
  public static boolean isParameterFile(String file, java.util.Set<String> prefixes) {
    return prefixes.stream().anyMatch(p -> file.matches(java.util.regex.Pattern.quote(p) + "-\\d{4,}\\.params"));
  }

  /**
   * The model name a descriptor's bytes give (the prefix of its parameter files), or empty when they
   * do not parse as one (an earlier export's descriptor, damaged: its parameter files are not known).
   */
  public static java.util.Optional<String> modelName(byte[] descriptor) {
    try {
      JsonNode name = new ObjectMapper().readTree(descriptor).path("model").path("name");
      return name.isTextual() ? java.util.Optional.of(name.asText()) : java.util.Optional.empty();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** The model name of the directory's descriptor: the prefix of its parameter file. */
  public static String modelName(Path dir) throws IOException {
    return descriptor(dir).get("model").get("name").asText();
  }

  /**
   * A block of the directory's model, built from {@code registry} with the descriptor's
   * hyperparameters and not yet loaded: set it on a DJL {@code Model}, then {@code load} the
   * directory. The caller closes it.
   *
   * @throws IOException when the descriptor is missing or not of format {@value #FORMAT}, or the
   *     parameter file it names is missing or not the one it was written with ({@link #load} checks
   *     the same)
   */
  public static EpochalBlock newBlock(Path dir, ModelRegistry registry) throws IOException {
    JsonNode d = descriptor(dir);
    checkParameters(dir, d);
    JsonNode model = d.get("model");
    HyperParameters hp = HyperParameters.fromJson(d.get("hyperparameters"));
    return new EpochalBlock(registry.create(model.get("name").asText(), model.get("version").asInt(), hp));
  }

  /**
   * Loads the directory as a DJL model on the CPU with its block built from {@code registry}. The
   * caller closes the model and then {@code (EpochalBlock) model.getBlock()}.
   */
  public static Model load(Path dir, ModelRegistry registry) throws IOException, MalformedModelException {
    String name = modelName(dir);
    EpochalBlock block = newBlock(dir, registry); // checks the parameter file too
    Model model = Model.newInstance(name, Device.cpu(), BaseEpochalModel.ENGINE);
    try {
      model.setBlock(block);
      // the descriptor's epoch, not whichever parameter file DJL finds newest
      model.load(dir, name, java.util.Map.of("epoch", descriptor(dir).get("epoch").asText()));
      return model;
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      block.close();
      throw e;
    }
  }

  /**
   * Checks that the parameter file the descriptor names is the one it was written with (its
   * SHA-256): an export that replaced one of the two files but not the other (stopped between its
   * moves) would otherwise load other weights without a word. A descriptor written before it
   * recorded the file is not checked.
   *
   * @throws IOException naming the file and both digests when they differ, or the file when it is missing
   */
  static void checkParameters(Path dir, JsonNode descriptor) throws IOException {
    JsonNode p = descriptor.get("parameters");
    if (p == null || !p.hasNonNull("file") || !p.hasNonNull("sha256")) {
      return;
    }
    Path file = dir.resolve(p.get("file").asText());
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "the parameter file " + DESCRIPTOR + " names is missing; "
          + "export the checkpoint again");
    }
    String actual = sha256(file);
    if (!actual.equals(p.get("sha256").asText())) {
      throw new IOException(file + " is not the parameter file " + dir.resolve(DESCRIPTOR) + " was written with "
          + "(sha256 " + actual + ", the descriptor's " + p.get("sha256").asText() + "): one of them was replaced "
          + "without the other, e.g. by an export that stopped between its moves; export the checkpoint again");
    }
  }

  private static String sha256(Path file) throws IOException {
    return com.google.common.io.Files.asByteSource(file.toFile()).hash(com.google.common.hash.Hashing.sha256())
        .toString();
  }

  private static JsonNode descriptor(Path dir) throws IOException {
    Path file = dir.resolve(DESCRIPTOR);
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "not an Epochal DJL model directory: no " + DESCRIPTOR
          + "; write one with 'epochal export <checkpoint> --format djl --out DIR'");
    }
    JsonNode d = new ObjectMapper().readTree(file.toFile());
    if (!FORMAT.equals(d.path("format").asText())) {
      throw new IOException(file + " has format '" + d.path("format").asText() + "', expected " + FORMAT);
    }
    return d;
  }
}
