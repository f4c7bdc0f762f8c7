package io.epochal.driver.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.driver.config.ConfigException;
import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsShards;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.state.NamePatterns;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting weights read from files, sharded states and checkpoints, and put into a model's seeded state. */
class InitialWeightsTest {

  @TempDir
  Path tmp;

  private final InitialWeightsReader reader = new InitialWeightsReader(new Configuration());

  /** A model's seeded state: two float layers and an integer buffer. */
  private static StateDict seeded() {
    return StateDict.builder()
        .put("fc.weight", Tensor.ofFloats(new long[] {2, 3}, 0, 0, 0, 0, 0, 0))
        .put("fc.bias", Tensor.ofFloats(new long[] {2}, 0, 0))
        .put("bn.num_batches_tracked", Tensor.scalarLong(0))
        .build();
  }

  /** Weights for {@link #seeded()}, every value other than the seeded one. */
  private static StateDict trained() {
    return StateDict.builder()
        .put("fc.weight", Tensor.ofFloats(new long[] {2, 3}, 1.5f, -2, 0.25f, 3, -0.125f, 7))
        .put("fc.bias", Tensor.ofFloats(new long[] {2}, 0.5f, -0.5f))
        .put("bn.num_batches_tracked", Tensor.scalarLong(42))
        .build();
  }

  private static StateDict withoutBias() {
    return trained().filter(n -> !n.equals("fc.bias"));
  }

  private Path write(String name, StateDict tensors) throws Exception {
    Path file = tmp.resolve(name);
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(tensors, out);
    }
    return file;
  }

  private static String sha256(byte[]... parts) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (byte[] p : parts) {
      d.update(p);
    }
    return HexFormat.of().formatHex(d.digest());
  }

  @Test
  void strictWeightsReplaceEverySeededTensorAndCarryTheFilesDigest() throws Exception {
    Path file = write("w.safetensors", trained());
    InitialWeights w = reader.read(file.toString(), "");
    assertThat(w.sha256()).isEqualTo(sha256(Files.readAllBytes(file)));
    InitialState s = w.applyTo(seeded(), true, NamePatterns.NONE, "m v1");
    assertThat(s.state()).isEqualTo(trained());
    assertThat(s.state().nameList()).containsExactly("fc.weight", "fc.bias", "bn.num_batches_tracked");
    assertThat(s.loaded()).isEqualTo(3);
    assertThat(s.kept()).isEmpty();
    assertThat(s.describe(w)).isEqualTo("3 of the model's 3 tensors from " + file + " (sha256 " + w.sha256() + ")");
  }

  @Test
  void strictLoadingRefusesMissingAndUnexpectedTensorsNamingEach() throws Exception {
    StateDict other = StateDict.builder().put("fc.weight", trained().require("fc.weight"))
        .put("head.bias", Tensor.ofFloats(new long[] {1}, 1)).build();
    InitialWeights w = reader.read(write("other.safetensors", other).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("init.weights = ")
        .hasMessageContaining("3 tensor(s) do not fit model m v1")
        .hasMessageContaining("missing 'fc.bias' (F32[2])")
        .hasMessageContaining("missing 'bn.num_batches_tracked' (I64[])")
        .hasMessageContaining("unexpected 'head.bias' (F32[1])")
        .hasMessageContaining("belong to another model").hasMessageContaining("set init.strict=false");
  }

  @Test
  void strictLoadingOfAPartOfTheModelsTensorsSaysSoNotThatTheyBelongToAnotherModel() throws Exception {
    StateDict backbone = StateDict.builder().put("fc.weight", trained().require("fc.weight")).build();
    InitialWeights w = reader.read(write("backbone.safetensors", backbone).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing 'fc.bias' (F32[2])")
        .hasMessageNotContaining("another model")
        .hasMessageContaining("Every tensor it holds is the model's, but not all of the model's are in it")
        .hasMessageContaining("set init.strict=false");
  }

  @Test
  void strictLoadingOfWeightsOfNoTensorDoesNotAdviseNonStrictLoadingWhichRefusesThemToo() throws Exception {
    InitialWeights w = reader.read(write("none.safetensors", StateDict.builder().build()).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("It holds no tensor").hasMessageContaining("leave init.weights empty")
        .hasMessageNotContaining("init.strict=false").hasMessageNotContaining("another model");
  }

  @Test
  void nonStrictLoadingKeepsSeededTensorsTheWeightsLackAndIgnoresTheirOthers() throws Exception {
    StateDict partial = StateDict.builder().put("fc.weight", trained().require("fc.weight"))
        .put("head.bias", Tensor.ofFloats(new long[] {1}, 1)).build();
    InitialWeights w = reader.read(write("partial.safetensors", partial).toString(), "");
    InitialState s = w.applyTo(seeded(), false, NamePatterns.NONE, "m v1");
    assertThat(s.state().require("fc.weight")).isEqualTo(trained().require("fc.weight"));
    assertThat(s.state().require("fc.bias")).isEqualTo(seeded().require("fc.bias"));
    assertThat(s.kept()).containsExactly("fc.bias", "bn.num_batches_tracked");
    assertThat(s.ignored()).containsExactly("head.bias");
    assertThat(s.describe(w)).contains("1 of the model's 3 tensors", "seeded, as the weights lack them: fc.bias, "
        + "bn.num_batches_tracked", "ignored, as the model lacks them: head.bias");
  }

  @Test
  void weightsOfNoTensorAreRefusedEvenWhenNotStrictNotRecordedAsTheStart() throws Exception {
    InitialWeights w = reader.read(write("empty.safetensors", StateDict.builder().build()).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), false, NamePatterns.NONE, "m v1"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("empty.safetensors holds no tensor, so nothing "
        + "would be loaded").hasMessageContaining("leave init.weights empty");
  }

  @Test
  void skippedTensorsKeepTheirSeededValuesEvenWhenStrictAsANewHeadDoes() throws Exception {
    StateDict otherHead = StateDict.builder().putAll(withoutBias())
        .put("fc.bias", Tensor.ofFloats(new long[] {5}, 1, 2, 3, 4, 5)).build();
    InitialWeights w = reader.read(write("head.safetensors", otherHead).toString(), "");
    InitialState s = w.applyTo(seeded(), true, NamePatterns.of(List.of("*.bias")), "m v1");
    assertThat(s.state().require("fc.bias")).isEqualTo(seeded().require("fc.bias"));
    assertThat(s.state().require("fc.weight")).isEqualTo(trained().require("fc.weight"));
    assertThat(s.skipped()).containsExactly("fc.bias");
    assertThat(s.loaded()).isEqualTo(2);
    assertThat(s.describe(w)).contains("2 of the model's 3 tensors", "seeded, as init.skip names them: fc.bias");
    assertThatThrownBy(() -> w.applyTo(seeded(), true, NamePatterns.of(List.of("fc.bias", "head.*")), "m v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("init.skip = fc.bias,head.*: head.* matches no tensor of ")
        .hasMessageContaining("which holds fc.weight, bn.num_batches_tracked, fc.bias");
  }

  @Test
  void aShapeThatDiffersIsRefusedEvenWhenNotStrict() throws Exception {
    StateDict wide = StateDict.builder().putAll(withoutBias())
        .put("fc.bias", Tensor.ofFloats(new long[] {3}, 1, 2, 3)).build();
    InitialWeights w = reader.read(write("wide.safetensors", wide).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), false, NamePatterns.NONE, "m v1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'fc.bias' is F32[3] but the model's is F32[2]");
  }

  @Test
  void aPrefixTheModelLacksIsNamedAndStrippedWhenAsked() throws Exception {
    StateDict.Builder prefixed = StateDict.builder();
    trained().forEach(e -> prefixed.put("module." + e.getKey(), e.getValue()));
    Path file = write("ddp.safetensors", prefixed.build());
    InitialWeights asIs = reader.read(file.toString(), "");
    assertThatThrownBy(() -> asIs.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .hasMessageContaining("The file's names carry the prefix 'module.' that the model's do not: set "
            + "init.strip_prefix=module.");
    assertThat(reader.read(file.toString(), "module.").applyTo(seeded(), true, NamePatterns.NONE, "m v1").state())
        .isEqualTo(trained());
    assertThatThrownBy(() -> asIs.applyTo(seeded(), false, NamePatterns.NONE, "m v1")).as("not strict: none loaded")
        .isInstanceOf(ConfigException.class).hasMessageContaining("none of its 3 tensor(s) is one of model m v1's by "
            + "name").hasMessageContaining("nothing would be loaded. The file's names carry the prefix 'module.' that "
            + "the model's do not: set init.strip_prefix=module.");
    // the prefix given without its dot leaves names that start with one: the advice names the whole prefix
    assertThatThrownBy(() -> reader.read(file.toString(), "module").applyTo(seeded(), true, NamePatterns.NONE,
        "m v1")).hasMessageContaining("The file's names, init.strip_prefix=module taken off them, still carry the "
        + "prefix '.' that the model's do not: set init.strip_prefix=module.");
    // a prefix that starts no name took nothing off: the advice is the file's prefix, not both joined
    assertThatThrownBy(() -> reader.read(file.toString(), "encoder.").applyTo(seeded(), true, NamePatterns.NONE,
        "m v1")).hasMessageContaining("The file's names carry the prefix 'module.' that the model's do not: set "
        + "init.strip_prefix=module.").hasMessageNotContaining("encoder.module.");
    StateDict clash = StateDict.builder().put("module.fc.bias", Tensor.ofFloats(new long[] {2}, 1, 2))
        .put("fc.bias", Tensor.ofFloats(new long[] {2}, 1, 2)).build();
    Path clashing = write("clash.safetensors", clash);
    assertThatThrownBy(() -> reader.read(clashing.toString(), "module."))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("init.strip_prefix=module. makes 'fc.bias' the same name as 'module.fc.bias'");
  }

  @Test
  void otherPrecisionsAreConvertedToTheModelsAsTorchCopiesThem() throws Exception {
    ByteBuffer half = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    for (int bits : new int[] {0x3E00, 0xC000, 0x3400, 0x4200, 0xB000, 0x4700}) { // 1.5 -2 0.25 3 -0.125 7
      half.putShort((short) bits);
    }
    half.flip();
    ByteBuffer bf16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf16.putShort((short) (Float.floatToIntBits(0.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.5f) >>> 16));
    bf16.flip();
    StateDict mixed = StateDict.builder()
        .put("fc.weight", Tensor.wrap(DType.F16, new long[] {2, 3}, half))
        .put("fc.bias", Tensor.wrap(DType.BF16, new long[] {2}, bf16))
        .put("bn.num_batches_tracked", Tensor.wrap(DType.I32, new long[] {},
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 42)))
        .build();
    InitialWeights w = reader.read(write("half.safetensors", mixed).toString(), "");
    InitialState s = w.applyTo(seeded(), true, NamePatterns.NONE, "m v1");
    assertThat(s.state()).isEqualTo(trained());
    assertThat(s.converted()).containsExactly("fc.weight (F16)", "fc.bias (BF16)", "bn.num_batches_tracked (I32)");
    StateDict doubles = StateDict.builder().putAll(withoutBias())
        .put("fc.bias", Tensor.ofDoubles(new long[] {2}, 0.1, -1e-50)).build();
    InitialState rounded = reader.read(write("double.safetensors", doubles).toString(), "")
        .applyTo(seeded(), true, NamePatterns.NONE, "m v1");
    assertThat(rounded.state().require("fc.bias").toFloatArray()).containsExactly(0.1f, -0.0f);
  }

  @Test
  void aValueOfAnotherKindOrNotFiniteIsRefusedNamingTheTensor() throws Exception {
    StateDict ints = StateDict.builder().putAll(withoutBias()).put("fc.bias", Tensor.ofLongs(new long[] {2}, 1, 2))
        .build();
    InitialWeights w = reader.read(write("ints.safetensors", ints).toString(), "");
    assertThatThrownBy(() -> w.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .hasMessageContaining("'fc.bias' is I64 but the model holds F32, a value of another kind");
    StateDict nan = StateDict.builder().putAll(trained().filter(n -> !n.equals("fc.weight")))
        .put("fc.weight", Tensor.ofFloats(new long[] {2, 3}, 1, 2, 3, Float.NaN, 5, 6)).build();
    InitialWeights n = reader.read(write("nan.safetensors", nan).toString(), "");
    assertThatThrownBy(() -> n.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .hasMessageContaining("'fc.weight' holds NaN at element 3: weights must be finite");
    // a finite float64 too large for float32: not called an infinity the file does not hold
    StateDict wide = StateDict.builder().putAll(trained().filter(x -> !x.equals("fc.weight")))
        .put("fc.weight", Tensor.ofDoubles(new long[] {2, 3}, 1, 2, 1e39, 4, 5, 6)).build();
    InitialWeights f = reader.read(write("wide.safetensors", wide).toString(), "");
    assertThatThrownBy(() -> f.applyTo(seeded(), true, NamePatterns.NONE, "m v1"))
        .hasMessageContaining("'fc.weight' holds a value beyond the range of the model's F32 (F64, Infinity at "
            + "element 2 once converted)");
  }

  @Test
  void aShardedStateIsReadInItsIndexsOrderAndHashedWithItsIndex() throws Exception {
    List<StateDict> shards = SafetensorsShards.split(trained(), 16);
    assertThat(shards).hasSizeGreaterThan(1);
    Path dir = tmp.resolve("hf");
    List<byte[]> bytes = new java.util.ArrayList<>();
    SafetensorsIndex index = SafetensorsShards.index("model.safetensors", shards);
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.safetensors.index.json"), index.toJson());
    bytes.add(index.toJson());
    for (int i = 0; i < shards.size(); i++) {
      Path shard = write("hf/" + SafetensorsShards.shardName("model.safetensors", i + 1, shards.size()), shards.get(i));
      bytes.add(Files.readAllBytes(shard));
    }
    InitialWeights fromDir = reader.read(dir.toString(), "");
    assertThat(fromDir.tensors()).isEqualTo(trained());
    assertThat(fromDir.tensors().nameList()).isEqualTo(trained().nameList());
    assertThat(fromDir.sha256()).isEqualTo(sha256(bytes.toArray(new byte[0][])));
    InitialWeights fromIndex = reader.read(dir.resolve("model.safetensors.index.json").toString(), "");
    assertThat(fromIndex.tensors()).isEqualTo(fromDir.tensors());
    assertThat(fromIndex.sha256()).isEqualTo(fromDir.sha256());
  }

  @Test
  void aShardIndexWhoseTotalSizeIsNotAWholeNumberAsOlderTransformersWroteItIsReadByItsWeightMap() throws Exception {
    Path dir = tmp.resolve("hf-old");
    Path shard = write("hf-old/model-00001-of-00001.safetensors", trained());
    // transformers up to 4.41 counted a bool tensor's bytes as 1/8 each: a float total_size that it never reads
    Files.write(dir.resolve("model.safetensors.index.json"), ("{\"metadata\":{\"total_size\":"
        + (Files.size(shard) - 8) + ".125},\"weight_map\":{\"fc.weight\":\"model-00001-of-00001.safetensors\","
        + "\"fc.bias\":\"model-00001-of-00001.safetensors\",\"bn.num_batches_tracked\":"
        + "\"model-00001-of-00001.safetensors\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(reader.read(dir.toString(), "").tensors()).isEqualTo(trained());
  }

  @Test
  void anIndexOrManifestTooLargeToBeOneIsRefusedNamingTheFileNotReadIntoTheHeap() throws Exception {
    Path dir = tmp.resolve("huge-index");
    Files.createDirectories(dir);
    Path index = dir.resolve("model.safetensors.index.json");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(index.toFile(), "rw")) {
      f.setLength(1L << 31); // sparse: no disk, but 2 GiB that no byte array holds
    }
    assertThatThrownBy(() -> reader.read(dir.toString(), "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining(index.getFileName() + " has 2147483648 bytes, more than the 100000000 a shard index "
            + "may have");

    Path ckpt = tmp.resolve("huge-manifest/checkpoints/epoch-000001");
    write("huge-manifest/checkpoints/epoch-000001/model.safetensors", trained());
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(ckpt.resolve("manifest.json").toFile(), "rw")) {
      f.setLength(1L << 31);
    }
    assertThatThrownBy(() -> reader.read(ckpt.toString(), "")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("manifest.json has 2147483648 bytes, more than the " + (16L << 20)
            + " a checkpoint's manifest may have");
  }

  @Test
  void aCheckpointDirectorysModelFileMustBeTheOneItsManifestLists() throws Exception {
    Path ckpt = tmp.resolve("job/checkpoints/epoch-000002");
    Path model = write("job/checkpoints/epoch-000002/model.safetensors", trained());
    byte[] bytes = Files.readAllBytes(model);
    CheckpointManifest manifest = CheckpointManifest.builder().setJobId("j").setEpoch(2).setModel("m", "1")
        .addFile(new ManifestFile("model.safetensors", bytes.length, sha256(bytes))).build();
    Files.write(ckpt.resolve("manifest.json"), manifest.toJson());
    InitialWeights w = reader.read(ckpt.toString(), "");
    assertThat(w.sha256()).isEqualTo(manifest.file("model.safetensors").orElseThrow().sha256());
    assertThat(w.tensors()).isEqualTo(trained());

    bytes[bytes.length - 1] ^= 1;
    Files.write(model, bytes);
    assertThatThrownBy(() -> reader.read(ckpt.toString(), ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("its model.safetensors (" + bytes.length + " bytes, sha256 " + sha256(bytes)
            + ") is not the file its manifest lists")
        .hasMessageContaining("the checkpoint is damaged");
    assertThatThrownBy(() -> reader.read(model.toString(), "")).as("the damaged file named itself")
        .isInstanceOf(ConfigException.class).hasMessageContaining("is not the file its manifest lists")
        .hasMessageContaining("bin/epochal verify " + ckpt);
    assertThatThrownBy(() -> reader.read(tmp.resolve("job").toString(), ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("this is a job directory; name one of its checkpoints, as " + ckpt)
        .hasMessageContaining("(its newest)");
  }

  @Test
  void aCheckpointOfAJobThatAveragedItsWeightsGivesItsTrainedWeightsAndTheLogSaysHowToTakeTheAverage()
      throws Exception {
    Path ckpt = tmp.resolve("ema-job/checkpoints/epoch-000001");
    byte[] model = Files.readAllBytes(write("ema-job/checkpoints/epoch-000001/model.safetensors", trained()));
    byte[] ema = Files.readAllBytes(write("ema-job/checkpoints/epoch-000001/ema.safetensors", withoutBias()));
    CheckpointManifest manifest = CheckpointManifest.builder().setJobId("j").setEpoch(1).setModel("m", "1")
        .addFile(new ManifestFile("model.safetensors", model.length, sha256(model)))
        .addFile(new ManifestFile("ema.safetensors", ema.length, sha256(ema))).build();
    Files.write(ckpt.resolve("manifest.json"), manifest.toJson());
    InitialWeights w = reader.read(ckpt.toString(), "");
    assertThat(w.tensors()).isEqualTo(trained());
    assertThat(w.applyTo(seeded(), true, NamePatterns.NONE, "m v1").describe(w))
        .contains("the checkpoint's trained weights (model.safetensors), not its moving average; to start from the "
            + "average, give init.weights=").contains("epoch-000001/ema.safetensors");
    assertThat(reader.read(ckpt.resolve("model.safetensors").toString(), "").note()).as("a file named").isEmpty();
    assertThat(reader.read(ckpt.resolve("ema.safetensors").toString(), "").tensors()).isEqualTo(withoutBias());
    ema[ema.length - 1] ^= 1; // the average, named as the note says, is checked against the manifest too
    Files.write(ckpt.resolve("ema.safetensors"), ema);
    assertThatThrownBy(() -> reader.read(ckpt.resolve("ema.safetensors").toString(), ""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("its ema.safetensors (")
        .hasMessageContaining("is not the file its manifest lists");

    // an average written in shards: its index is named
    Path sharded = tmp.resolve("ema-job/checkpoints/epoch-000002");
    byte[] again = Files.readAllBytes(write("ema-job/checkpoints/epoch-000002/model.safetensors", trained()));
    byte[] index = "{\"metadata\":{},\"weight_map\":{}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Files.write(sharded.resolve("ema.safetensors.index.json"), index);
    Files.write(sharded.resolve("manifest.json"), CheckpointManifest.builder().setJobId("j").setEpoch(2)
        .setModel("m", "1").addFile(new ManifestFile("model.safetensors", again.length, sha256(again)))
        .addFile(new ManifestFile("ema.safetensors.index.json", index.length, sha256(index))).build().toJson());
    assertThat(reader.read(sharded.toString(), "").note()).contains("to start from the average, give "
        + "init.weights=").endsWith("epoch-000002/ema.safetensors.index.json");
  }

  @Test
  void aLocationWithoutWeightsIsRefusedSayingWhatIsExpected() throws Exception {
    assertThatThrownBy(() -> reader.read(tmp.resolve("none.safetensors").toString(), ""))
        .isInstanceOf(ConfigException.class).hasMessageContaining("nothing is there; name a safetensors file");
    Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> reader.read(tmp.resolve("empty").toString(), ""))
        .hasMessageContaining("the directory holds neither model.safetensors nor model.safetensors.index.json");
    Path text = Files.writeString(tmp.resolve("notes.safetensors"), "not a tensor file at all");
    assertThatThrownBy(() -> reader.read(text.toString(), ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("init.weights = " + text)
        .hasMessageContaining("a safetensors file, as safetensors.torch.save_file writes it, is expected");
  }
}
