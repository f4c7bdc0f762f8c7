package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.app.SparkTrainingLauncher;
import io.epochal.driver.cli.EpochalCli;
import io.epochal.driver.testing.FormatFixture;
import io.epochal.params.HyperParameters;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.djl.DjlModelDirectory;
import io.epochal.worker.djl.EpochalBlock;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import io.epochal.worker.probe.Probe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal export --format djl} on the checked-in fixture checkpoint: the directory loads
 * with DJL's own {@code Model.newInstance(...).load(dir)} once the block is built from the
 * registry, and reproduces the recorded probe output bit for bit.
 */
class DjlExportTest {


  @TempDir
  Path tmp;

  private Path job;
  private Path dir;

  @org.junit.jupiter.api.BeforeEach
  void copyFixture() throws java.io.IOException {
    job = tmp.resolve("job");
    FormatFixture.copyJob(job);
    dir = tmp.resolve("djl");
  }

  private int export(Path job, Path dir, StringBuilder log, String... more) {
    return export(job, dir.toString(), log, more);
  }

  private int export(Path job, String dir, StringBuilder log, String... more) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    StringWriter cliErr = new StringWriter();
    int code;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8)) {
      code = new EpochalCli(new SparkTrainingLauncher(po, po), new RegistryModelCatalog())
          .execute(new PrintWriter(new StringWriter()), new PrintWriter(cliErr), java.util.stream.Stream.concat(
              java.util.stream.Stream.of("export", job.toString(), "--format", "djl", "--out", dir),
              java.util.Arrays.stream(more)).toArray(String[]::new));
    }
    log.append(o.toString(StandardCharsets.UTF_8)).append(cliErr);
    return code;
  }

  /** Every file of {@code dir}, hidden ones too, by name: its bytes in hexadecimal. */
  private static Map<String, String> files(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> listed = Files.list(dir)) {
      for (Path f : listed.toList()) {
        files.put(f.getFileName().toString(), HexFormat.of().formatHex(Files.readAllBytes(f)));
      }
    }
    return files;
  }

  /** The output of the model of DJL model directory {@code dir}, loaded as a user loads it, for the probe input. */
  private float[] probeOutputOf(Path dir) throws Exception {
    Tensor input = SafetensorsReader.read(job.resolve("checkpoints/epoch-000001/probe.safetensors")).tensors()
        .get("probe.input");
    Model model = DjlModelDirectory.load(dir, ModelRegistry.getDefault());
    try (EpochalBlock block = (EpochalBlock) model.getBlock()) { // closed after the model
      try (model; Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
          NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
        NDArray x = m.create(input.toFloatArray(), new Shape(input.shape()));
        return predictor.predict(new NDList(x)).singletonOrThrow().toFloatArray();
      }
    }
  }

  @Test
  void exportedDjlDirectoryLoadsWithModelLoadAndComputesBitForBitWhatTheCheckpointsModelDoes() throws Exception {
    StringBuilder log = new StringBuilder();
    assertThat(export(job, dir, log)).as(log.toString()).isEqualTo(0);
    assertThat(dir.resolve("epochal-model.json")).exists();
    assertThat(dir.resolve("mlp-0001.params")).exists();
    assertThat(log.toString()).contains("exported mlp v1").contains("DJL model directory");

    StateDict probe = SafetensorsReader.read(job.resolve("checkpoints/epoch-000001/probe.safetensors")).tensors();
    Tensor input = probe.get("probe.input");
    float[] recorded = probe.get("probe.output").toFloatArray();
    float[] direct;
    LoadedCheckpoint c;
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toUri().toString()).build()) {
      c = store.load(1);
    }
    HyperParameters hp = HyperParameters.builder().putAll(c.manifest().hyperParameters().withPrefix("model."))
        .remove("name").remove("version").build();
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, hp)) {
      m.loadStateDict(c.model());
      direct = Probe.run(m, input).toFloatArray();
    }

    try (EpochalBlock block = DjlModelDirectory.newBlock(dir, ModelRegistry.getDefault());
        Model model = Model.newInstance("mlp", Device.cpu(), "PyTorch")) {
      model.setBlock(block);
      model.load(dir, "mlp");
      try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
          NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
        NDArray x = m.create(input.toFloatArray(), new Shape(input.shape()));
        float[] y = predictor.predict(new NDList(x)).singletonOrThrow().toFloatArray();
        assertThat(y).as("the checkpoint's model on this runtime").containsExactly(direct);
        // the fixture was written on another processor: its recorded output agrees within the tolerance
        assertThat(y).hasSameSizeAs(recorded);
        for (int i = 0; i < y.length; i++) {
          assertThat(EngineCompatibility.CROSS_ENGINE_TOLERANCE.accepts(recorded[i], y[i]))
              .as("value %d of the probe output recorded at save time, %s, against %s", i, recorded[i], y[i]).isTrue();
        }
      }
    }
  }

  @Test
  void aCheckpointOfEpochTenThousandOrLaterIsWrittenAndLoadedUnderDjlsFiveDigitName() throws Exception {
    LoadedCheckpoint c;
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toUri().toString()).build()) {
      c = store.load(1);
    }
    HyperParameters hp = HyperParameters.builder().putAll(c.manifest().hyperParameters().withPrefix("model."))
        .remove("name").remove("version").build();
    Files.createDirectories(dir);
    Files.write(dir.resolve("mlp-9999.params"), new byte[] {1}); // an earlier export's, of epoch 9999
    DjlModelDirectory.write(dir, "mlp", 1, hp, c.model(), 10_000, ModelRegistry.getDefault());
    assertThat(files(dir).keySet()).containsExactly("epochal-model.json", "mlp-10000.params");
    assertThat(Files.readString(dir.resolve("epochal-model.json"))).contains("\"file\" : \"mlp-10000.params\"");
    try (Model model = DjlModelDirectory.load(dir, ModelRegistry.getDefault())) {
      assertThat(model.getProperty("Epoch")).isEqualTo("10000");
      ((EpochalBlock) model.getBlock()).close();
    }
  }

  @Test
  void theLoaderReadsTheDescriptorsEpochAndAnOverwritingExportRemovesEarlierParameterFilesOfItsModelOnly()
      throws Exception {
    StringBuilder log = new StringBuilder();
    assertThat(export(job, dir, log)).as(log.toString()).isEqualTo(0);
    java.nio.file.Files.write(dir.resolve("mlp-0009.params"), new byte[] {1, 2, 3}); // an earlier, newer export's
    // another DJL model served from the same directory, and a file named like a parameter file that DJL's loader
    // of this model does not read
    for (String other : java.util.List.of("resnet18-0010.params", "mlp-notes.params", "mlp-0009.params.bak")) {
      java.nio.file.Files.write(dir.resolve(other), new byte[] {4});
    }
    try (Model model = DjlModelDirectory.load(dir, ModelRegistry.getDefault())) {
      assertThat(model.getProperty("Epoch")).as("the descriptor's epoch, not the newest file").isEqualTo("1");
      ((EpochalBlock) model.getBlock()).close();
    }
    assertThat(export(job, dir, log, "--overwrite")).as(log.toString()).isEqualTo(0);
    assertThat(dir.resolve("mlp-0009.params")).doesNotExist();
    assertThat(dir.resolve("mlp-0001.params")).exists();
    assertThat(dir.resolve("resnet18-0010.params")).as("another model's").exists();
    assertThat(dir.resolve("mlp-notes.params")).exists();
    assertThat(dir.resolve("mlp-0009.params.bak")).exists();
  }

  @Test
  void anOverwritingExportWhoseCopyFailsLeavesTheEarlierExportIntactLoadableAndWithoutTemporaryFiles()
      throws Exception {
    StringBuilder log = new StringBuilder();
    assertThat(export(job, dir, log)).as(log.toString()).isEqualTo(0);
    Map<String, String> earlier = files(dir);
    assertThat(earlier).containsOnlyKeys("epochal-model.json", "mlp-0001.params");
    assertThat(earlier.get("mlp-0001.params")).as("a parameter file longer than the write that fails")
        .hasSizeGreaterThan(2 * FailingParamsWriteFileSystem.FAIL_AFTER);
    float[] before = probeOutputOf(dir);

    StringBuilder failed = new StringBuilder();
    assertThat(export(job, FailingParamsWriteFileSystem.uri(dir), failed, "--overwrite", "--conf",
        FailingParamsWriteFileSystem.confEntry())).as(failed.toString()).isNotEqualTo(0);
    assertThat(failed.toString()).contains("No space left on device");
    assertThat(files(dir)).as("the earlier export's files as they were, and no other").isEqualTo(earlier);
    assertThat(probeOutputOf(dir)).containsExactly(before);

    assertThat(export(job, dir, log, "--overwrite")).as(log.toString()).isEqualTo(0);
    assertThat(files(dir)).as("a complete overwrite, no temporary file left").isEqualTo(earlier);
  }

  @Test
  void aParameterFileOtherThanTheOneTheDescriptorWasWrittenWithIsRefusedNamingBoth() throws Exception {
    StringBuilder log = new StringBuilder();
    assertThat(export(job, dir, log)).as(log.toString()).isEqualTo(0);
    float[] before = probeOutputOf(dir);
    // what an export of other weights that stopped between its moves leaves: their parameters, the earlier descriptor
    Path params = dir.resolve("mlp-0001.params");
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length - 1] ^= 0x40; // the last weight's last byte: still a parameter file DJL loads
    Files.write(params, bytes);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> probeOutputOf(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining(params.toString()).hasMessageContaining("is not the parameter file")
        .hasMessageContaining("epochal-model.json").hasMessageContaining("export the checkpoint again");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DjlModelDirectory.newBlock(dir,
        ModelRegistry.getDefault())).as("the block for DJL's own load")
        .hasMessageContaining("is not the parameter file");

    // a descriptor written before it recorded its parameter file loads without the check
    com.fasterxml.jackson.databind.node.ObjectNode d = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("epochal-model.json").toFile());
    assertThat(d.remove("parameters")).isNotNull();
    Files.write(dir.resolve("epochal-model.json"),
        new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(d));
    assertThat(probeOutputOf(dir)).as("the changed weight").isNotEqualTo(before);
  }

  @Test
  void aDirectoryWithoutTheDescriptorIsRefusedNamingIt() {
    Path empty = tmp.resolve("empty");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DjlModelDirectory.load(empty, ModelRegistry.getDefault()))
        .isInstanceOf(IOException.class).hasMessageContaining("epochal-model.json");
  }
}
