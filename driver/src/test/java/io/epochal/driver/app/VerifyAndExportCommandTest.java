package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.probe.RuntimeCpu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal verify} and {@code epochal export} on the checked-in fixture checkpoint of format
 * 1.0 (a tiny mlp 4-3-2 trained one epoch), copied to a temporary job directory.
 */
class VerifyAndExportCommandTest {


  @TempDir
  Path tmp;

  private Path job;
  private Path checkpoint;
  private String out;
  private String err;

  @BeforeEach
  void copyFixture() throws IOException {
    job = tmp.resolve("job");
    FormatFixture.copyJob(job);
    checkpoint = job.resolve("checkpoints/epoch-000001");
  }

  private int run(String... args) {
    CliRun run = CliRun.of(args);
    out = run.out;
    err = run.err;
    return run.code;
  }

  /** A job directory {@code name} whose one checkpoint is of model team-mlp v3, which no jar here registers. */
  private Path teamModelJob(String name) throws Exception {
    Path dir = tmp.resolve(name);
    try (io.epochal.checkpoint.CheckpointStore store = io.epochal.checkpoint.HadoopCheckpointStore.builder()
        .setJobDir(dir.toUri().toString()).build()) {
      store.commit(io.epochal.checkpoint.CheckpointContent.builder()
          .setModel(io.epochal.tensor.StateDict.builder().put("w", io.epochal.tensor.Tensor.ofFloats(new long[] {1},
              1f)).build())
          .setManifest(io.epochal.checkpoint.CheckpointManifest.builder().setJobId(name).setEpoch(1)
              .setModel("team-mlp", "3").build())
          .build(), epoch -> { });
    }
    return dir;
  }

  @Test
  void exportingACheckpointOfAModelNotOnTheClassPathIsAConfigurationErrorNamingIt() throws Exception {
    Path other = teamModelJob("other");
    assertThat(run("export", other.resolve("checkpoints/epoch-000001").toString(), "--format", "onnx", "--out",
        tmp.resolve("m.onnx").toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("not exported: team-mlp v3 of ").contains("is not registered; registered: ")
        .contains("put the jar that registers it on the class path (EPOCHAL_CLASSPATH; spark-submit --jars)");
    assertThat(tmp.resolve("m.onnx")).doesNotExist();
    // verify of that job: the jar is what is missing, not a checkpoint to move aside
    assertThat(run("verify", other.toString())).as(out + err).isEqualTo(1);
    assertThat(out + err).contains("team-mlp v3 is not registered", "(EPOCHAL_CLASSPATH=<jar> bin/epochal ...; "
        + "spark-submit --jars)", "a resume, as this command, needs the model's jar on the class path")
        .doesNotContain("move it aside");
  }

  @Test
  void predictAndEvaluateOfAnUnfinishedJobWhoseCheckpointTheyRefuseDoNotCallItVerified() throws Exception {
    Path other = teamModelJob("unfinished-other");
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(other.toUri());
    io.epochal.job.JobStateStore states = new io.epochal.job.JobStateStore(
        dir.getFileSystem(new org.apache.hadoop.conf.Configuration()), dir);
    states.transition(io.epochal.job.JobState.RUNNING, 1, "started");
    states.transition(io.epochal.job.JobState.FAILED, 1, "INTERRUPTED: stopped");
    Path rows = tmp.resolve("rows.csv");
    java.nio.file.Files.writeString(rows, "f0,f1,f2,f3,label\n1,2,3,4,0\n");
    for (String command : List.of("predict", "evaluate")) {
      List<String> args = new java.util.ArrayList<>(List.of(command, other.toString(), "--input", rows.toString(),
          "--features", "f0,f1,f2,f3"));
      if (command.equals("predict")) {
        args.addAll(List.of("--format", "csv", "--output", tmp.resolve("p.csv").toString()));
      }
      assertThat(run(args.toArray(String[]::new))).as(out + err).isEqualTo(ExitCodes.USAGE);
      assertThat(err).as(command).contains("team-mlp v3 of ").doesNotContain("newest verified checkpoint");
    }
  }

  @Test
  void aModelFactoryOnTheClassPathThatCannotBeLoadedIsNamedWhereACheckpointsModelIsNotRegistered() throws Exception {
    Path other = teamModelJob("broken-factory");
    Path jar = java.nio.file.Files.createDirectories(tmp.resolve("team-jar/META-INF/services"));
    java.nio.file.Files.writeString(jar.resolve(io.epochal.worker.model.ModelFactory.class.getName()),
        "com.team.model.TeamMlpFactory\n"); // listed, but its class is not there
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {
        tmp.resolve("team-jar").toUri().toURL()}, before)) {
      Thread.currentThread().setContextClassLoader(loader);
      assertThat(run("export", other.resolve("checkpoints/epoch-000001").toString(), "--format", "onnx", "--out",
          tmp.resolve("t.onnx").toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
      assertThat(err).contains("team-mlp v3 of ").contains("is not registered; registered: ")
          .contains("; not loaded, from a jar on the class path: ").contains("com.team.model.TeamMlpFactory")
          .contains("(fix or remove that jar)");
      assertThat(run("verify", other.toString())).as(out + err).isEqualTo(1);
      assertThat(out).contains("com.team.model.TeamMlpFactory");
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
  }

  @Test
  void weightsAnExportedFileCannotHoldAreRefusedBeforeAnythingIsCopiedNamingTheLimitOfEachFormat() {
    assertThat(ModelExport.tooLarge(ModelExport.MAX_EXPORT_BYTES, "onnx")).isEmpty();
    assertThat(ModelExport.tooLarge(2_600_000_000L, "onnx")).hasValueSatisfying(why -> assertThat(why)
        .contains("the model's weights hold 2.60 GB, more than an ONNX file can (about 2 GB: protobuf's limit)")
        .contains("model.safetensors"));
    assertThat(ModelExport.tooLarge(ModelExport.MAX_EXPORT_BYTES + 1, "djl")).hasValueSatisfying(why ->
        assertThat(why).contains("more than a DJL file can"));
  }

  @Test
  void jobKeysGivenToVerifyOrInspectAreNamedAsIgnoredNotTakenInSilence() {
    for (String cmd : java.util.List.of("verify", "inspect")) {
      assertThat(run(cmd, "--conf", "spark.epochal.train.epoch=4", job.toString())).as(out + err).isEqualTo(0);
      assertThat(err).contains("warning: " + cmd + " reads no job keys; ignoring --conf spark.epochal.train.epoch");
    }
    assertThat(run("verify", job.toString())).isEqualTo(0);
    assertThat(err).doesNotContain("reads no job keys");
  }

  @Test
  void verifyTakesTheStoresKeysFromSparkHadoopConfEntries() {
    assertThat(run("verify", "--conf", "spark.hadoop.epochal.checkpoint.io-threads=none", job.toString()))
        .as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("Hadoop configuration key epochal.checkpoint.io-threads is not a whole number, "
        + "got 'none'");
    assertThat(run("verify", "--conf", "spark.hadoop.epochal.checkpoint.io-threads=1", job.toString()))
        .as(out + err).isZero();
  }

  @Test
  void aJobJsonEditedAwayFromItsCheckpointsSpecFailsVerifyOfTheJobNamingTheKey() throws IOException {
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("PASS epoch-000001  job.json holds the hyperparameters it was trained with");
    Path spec = job.resolve("job.json");
    String text = Files.readString(spec);
    java.util.regex.Matcher lr = java.util.regex.Pattern.compile("\"optimizer.lr\" : [0-9.eE-]+").matcher(text);
    assertThat(lr.find()).as(text).isTrue();
    Files.writeString(spec, lr.replaceFirst("\"optimizer.lr\" : 0.5"));
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  job.json holds the hyperparameters it was trained with: it differs "
        + "(checkpoint -> job.json): optimizer.lr: ").contains("-> 0.5").contains("verification FAILED");
    // one checkpoint, given by its path, is verified as it is
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(0);
    assertThat(out).doesNotContain("job.json");

    // a job.json that cannot be read: said, not left out (a resume fails on it)
    Files.writeString(spec, "{\"format\": ");
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("WARN epoch-000001  job.json holds the hyperparameters it was trained with: not checked: ")
        .contains("job.json");
  }

  @Test
  void fixtureOfFormat10WithoutTheManifestDigestOrItsProcessorLoadsAndVerifiesWithinTheTolerance() {
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("PASS epoch-000001  manifest parses",
        "PASS epoch-000001  format version 1.0 supported",
        "PASS epoch-000001  every file's size and SHA-256 match the manifest (3 files)",
        "PASS epoch-000001  model mlp v1 is registered",
        "PASS epoch-000001  state dict matches the model's names and shapes (4 tensors)",
        "PASS epoch-000001  probe output reproduced within 1.0E-4 + 1.0E-4 x |recorded|", "all checks passed");
    // written on a processor it does not record, whose kernels may round the last bits differently
    assertThat(out).contains("WARN epoch-000001  written with another runtime")
        .contains("cpu (not recorded) (checkpoint) vs " + RuntimeCpu.describe() + " (this run)");
    assertThat(out).doesNotContain("FAIL");
  }

  @Test
  void aCheckpointOfAnotherProcessorIsCheckedWithinTheToleranceNamingBothProcessors() throws IOException {
    String cpu = RuntimeCpu.describe();
    replaceInManifest("\"os_arch\" : \"Linux/amd64\"", "\"os_arch\" : \"Linux/amd64\",\n    \"cpu\" : \""
        + "GenuineIntel 6/85 avx avx2 avx512f fma\"");
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("WARN epoch-000001  written with another runtime")
        .contains("cpu " + io.epochal.worker.probe.EngineCompatibility.cpuDifference(
            "GenuineIntel 6/85 avx avx2 avx512f fma", cpu))
        .contains("6/85")
        .contains("PASS epoch-000001  probe output reproduced within 1.0E-4 + 1.0E-4 x |recorded|");
  }

  @Test
  void jsonReportListsEveryCheckForScripts() throws IOException {
    assertThat(run("verify", "--json", checkpoint.toString())).isEqualTo(0);
    JsonNode root = new ObjectMapper().readTree(out);
    assertThat(root.get("ok").asBoolean()).isTrue();
    assertThat(root.has("resume_picks")).as("said only after a failure").isFalse();
    assertThat(root.get("not_checked")).as("always there, empty when every checkpoint was checked").isEmpty();
    JsonNode c = root.get("checkpoints").get(0);
    assertThat(c.get("epoch").asLong()).isEqualTo(1);
    assertThat(c.get("path").asText()).as("spelled as the target is").isEqualTo("file://" + checkpoint)
        .startsWith(root.get("target").asText());
    assertThat(run("verify", "--json", "file:" + job)).isEqualTo(0);
    JsonNode ofJob = new ObjectMapper().readTree(out);
    assertThat(ofJob.get("target").asText()).as("a job given as file:/x spelled as its checkpoints' path are")
        .isEqualTo("file://" + job);
    assertThat(c.get("checks")).hasSizeGreaterThanOrEqualTo(8);
    // every check passes; the fixture does not record its processor, which is a warning
    c.get("checks").forEach(check -> assertThat(check.get("status").asText() + " " + check.get("check").asText())
        .isIn("PASS " + check.get("check").asText(), "WARN written with another runtime"));
  }

  @Test
  void newerFormatVersionIsRefusedWithBothNumbers() throws Exception {
    writtenByANewerBuild("2.0");
    assertThat(run("verify", job.toString())).isEqualTo(1);
    assertThat(out).contains("FAIL epoch-000001  format version supported (this build reads up to 1.1)")
        .contains("2.0 is newer than the supported 1.1").contains("verification FAILED");
  }

  @Test
  void aDamagedVersionOfAManifestWithoutItsOwnDigestIsDamageNotANewerFormat() throws IOException {
    replaceInManifest("\"format_version\" : \"1.0\"", "\"format_version\" : \"3.0\""); // '1' with a bit flipped
    assertThat(run("verify", job.toString())).isEqualTo(1);
    assertThat(out).contains("FAIL epoch-000001  manifest matches its own SHA-256 (manifest_sha256)")
        .contains("no own SHA-256").doesNotContain("format version supported");
  }

  @Test
  void aNewerMinorFormatVersionIsReadWithAWarningThatWhatItAddedIsNotRead() throws Exception {
    writtenByANewerBuild("1.3");

    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("WARN epoch-000001  format version 1.3 supported (this build reads up to 1.1)")
        .contains("1.3 is newer than this build's 1.1: it is read as 1.1, without what a newer build added to it");
  }

  @Test
  void otherDjlAndEngineVersionsWarnWithBothVersionsAndCheckTheProbeWithinTolerance() throws IOException {
    replaceInManifest("\"djl\" : \"0.36.0\"", "\"djl\" : \"0.35.0\"");
    replaceInManifest("\"engine_native\" : \"2.7.1\"", "\"engine_native\" : \"2.5.1\"");
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("WARN epoch-000001  written with another runtime")
        .contains("djl 0.35.0 (checkpoint) vs 0.36.0 (this run)")
        .contains("engine_native 2.5.1 (checkpoint) vs 2.7.1 (this run)")
        .contains("PASS epoch-000001  probe output reproduced within 1.0E-4 + 1.0E-4 x |recorded|");
  }

  @Test
  void aChecksIdInJsonIsTheSameWhetherItPassesOrFailsThoughItsTextDiffers() throws IOException {
    assertThat(run("verify", "--json", checkpoint.toString())).isZero();
    JsonNode passed = new ObjectMapper().readTree(out).get("checkpoints").get(0).get("checks");
    assertThat(passed).extracting(check -> check.get("id").asText()).startsWith("manifest", "format_version",
        "files", "structure", "model_registered").contains("state_dict", "optimizer", "probe");
    flipLastByte(checkpoint.resolve("model.safetensors"));
    assertThat(run("verify", "--json", checkpoint.toString())).isEqualTo(1);
    JsonNode failed = new ObjectMapper().readTree(out).get("checkpoints").get(0).get("checks");
    JsonNode files = failed.get(failed.size() - 1);
    assertThat(files.get("status").asText()).isEqualTo("FAIL");
    assertThat(files.get("id").asText()).isEqualTo("files");
    assertThat(files.get("check").asText()).isNotEqualTo(passed.get(2).get("check").asText());
  }

  @Test
  void corruptedModelFileFailsWithExitOne() throws IOException {
    Path model = checkpoint.resolve("model.safetensors");
    flipLastByte(model);
    assertThat(run("verify", "--all", job.toString())).isEqualTo(1);
    assertThat(out).contains("FAIL epoch-000001  every file's size and SHA-256 match the manifest")
        .contains("model.safetensors");
    assertThat(run("verify", job.toString())).isEqualTo(1);
    assertThat(out).as("the job's only checkpoint failed").contains("verification FAILED")
        .contains("no checkpoint of this job verifies: a resume trains again from epoch 1");
  }

  @Test
  void verifyAllAndJsonSayWhatAResumeDoesAfterAFailure() throws IOException {
    flipLastByte(checkpoint.resolve("model.safetensors"));
    assertThat(run("verify", "--all", job.toString())).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("verification FAILED\nno checkpoint of this job verifies: a resume trains again from "
        + "epoch 1");
    assertThat(run("verify", "--json", job.toString())).isEqualTo(ExitCodes.FAILED);
    JsonNode root = new ObjectMapper().readTree(out);
    assertThat(root.get("resume_picks").isNull()).as(out).isTrue();
    assertThat(root.get("resume").asText()).contains("trains again from epoch 1");
  }

  @Test
  void aCheckpointWithIntactFilesThatFailsItsProbeIsNamedAsTheOneAResumeStopsOn() throws Exception {
    changeAWeightAndItsDigest();
    assertThat(run("verify", checkpoint.toString())).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  probe output")
        .contains("a resume picks epoch-000001, the newest checkpoint whose files are intact, and stops on a "
            + "check it fails (above)");
    assertThat(run("verify", "--json", "--all", job.toString())).isEqualTo(ExitCodes.FAILED);
    JsonNode root = new ObjectMapper().readTree(out);
    assertThat(root.get("resume_picks").asText()).isEqualTo("epoch-000001");
  }

  @Test
  void aProbeOutputThatDoesNotMatchTheManifestsProbeDigestFailsItsCheck() throws IOException {
    String listed = new ObjectMapper().readTree(checkpoint.resolve("manifest.json").toFile()).get("probe_sha256")
        .asText();
    replaceInManifest(listed, "0".repeat(64));
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  recorded probe output matches the manifest's probe_sha256: its "
        + "recorded probe output (probe.output) has SHA-256 " + listed + " but the manifest's probe_sha256 is "
        + "0".repeat(64));
  }

  @Test
  void aFileTheManifestDoesNotListIsAWarningNamingIt() throws IOException {
    Files.writeString(checkpoint.resolve("notes.txt"), "copied in by hand");
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.OK);
    assertThat(out).contains("WARN epoch-000001  files the manifest does not list: not part of the checkpoint, "
        + "never read: notes.txt").contains("PASS epoch-000001  optimizer state fits optimizer adam of the model "
        + "(12 tensors)").contains("all checks passed");
  }

  @Test
  void aSafetensorsHeaderWithAnUnknownDtypeFailsTheStructureCheckByName() throws Exception {
    editHeaderAndItsDigest("probe.safetensors", "\"F32\"", "\"F31\"");
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  safetensors structure of model, optimizer and probe files: ")
        .contains("probe.safetensors").contains("F31").doesNotContain("Exception");
  }

  @Test
  void aProbeFileWithoutProbeOutputFailsByNameNotAsAnException() throws Exception {
    editHeaderAndItsDigest("probe.safetensors", "\"probe.output\"", "\"probe.outpuX\"");
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  recorded probe output matches the manifest's probe_sha256: its "
        + "probe.safetensors is not a probe record").contains("probe.outpuX").doesNotContain("Exception");
  }

  @Test
  void aNegativeSecondMomentInTheOptimizerStateFailsItsCheck() throws Exception {
    Path optimizer = checkpoint.resolve("optimizer.safetensors");
    String before = sha256(optimizer);
    StateDict state = SafetensorsReader.read(optimizer).tensors();
    StateDict.Builder changed = StateDict.builder();
    for (Map.Entry<String, Tensor> e : state) {
      changed.put(e.getKey(), e.getKey().equals("layers.3.bias.exp_avg_sq")
          ? Tensor.ofFloats(e.getValue().shape(), new float[] {-1f, -1f}) : e.getValue());
    }
    try (java.io.OutputStream o = Files.newOutputStream(optimizer)) {
      io.epochal.safetensors.SafetensorsWriter.write(changed.build(), Map.of("format", "pt"), o);
    }
    replaceInManifest(before, sha256(optimizer));
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  optimizer state fits optimizer adam of the model: ")
        .contains("'layers.3.bias.exp_avg_sq' holds -1.0 at flat index 0, but an average of squares is never "
            + "negative");
  }

  @Test
  void anOptimizerStateThatLostEveryTensorOfATrainedParameterFailsItsCheck() throws Exception {
    Path optimizer = checkpoint.resolve("optimizer.safetensors");
    StateDict.Builder without = StateDict.builder();
    for (Map.Entry<String, Tensor> e : SafetensorsReader.read(optimizer).tensors()) {
      if (!e.getKey().startsWith("layers.3.bias.")) { // its exp_avg, exp_avg_sq and step
        without.put(e.getKey(), e.getValue());
      }
    }
    try (java.io.OutputStream o = Files.newOutputStream(optimizer)) {
      io.epochal.safetensors.SafetensorsWriter.write(without.build(), Map.of("format", "pt"), o);
    }
    io.epochal.driver.testing.CheckpointFiles.relist(checkpoint, "optimizer.safetensors");
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("PASS epoch-000001  every file's size and SHA-256 match the manifest")
        .contains("FAIL epoch-000001  optimizer state fits optimizer adam of the model: ")
        .contains("no tensor for parameter 'layers.3.bias', which its epoch trained");
  }

  @Test
  void anEmptyOptimizerStateAfterAdamStepsFailsItsCheckAsEveryParametersStateLost() throws Exception {
    Path optimizer = checkpoint.resolve("optimizer.safetensors");
    try (java.io.OutputStream o = Files.newOutputStream(optimizer)) {
      io.epochal.safetensors.SafetensorsWriter.write(StateDict.builder().build(), Map.of("format", "pt"), o);
    }
    io.epochal.driver.testing.CheckpointFiles.relist(checkpoint, "optimizer.safetensors");
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  optimizer state fits optimizer adam of the model: ")
        .containsPattern("no tensor for \\d+ parameters \\(.*\\), which its epoch trained \\(it holds no tensor at "
            + "all, after \\d+ steps\\)");
  }

  @Test
  void aMissingManifestFailsItsOwnCheck() throws IOException {
    Files.delete(checkpoint.resolve("manifest.json"));
    assertThat(run("verify", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL epoch-000001  manifest.json exists: ").doesNotContain("manifest parses");
  }

  @Test
  void allOnOneCheckpointIsAUsageError() {
    assertThat(run("verify", "--all", checkpoint.toString())).isEqualTo(2);
    assertThat(err).contains("--all").contains("give the job directory");
  }

  @Test
  void exportedOnnxReproducesTheRecordedProbeInOnnxRuntime() throws Exception {
    Path onnx = tmp.resolve("model.onnx");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(out + err)
        .isEqualTo(0);
    assertThat(out).as("locations as the rest of Epochal prints them").contains("exported mlp v1 of file://"
        + checkpoint + " to file://" + onnx + " (ONNX opset").doesNotContain("file:/" + tmp.toString().substring(1));
    StateDict probe = SafetensorsReader.read(checkpoint.resolve("probe.safetensors")).tensors();
    Tensor input = probe.get("probe.input");
    float[] expected = probe.get("probe.output").toFloatArray();
    float[] actual = io.epochal.driver.testing.CheckpointFiles.onnxOutput(onnx, input);
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < actual.length; i++) {
      assertThat((double) Math.abs(actual[i] - expected[i])).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void aDjlExportStoppedWhileItCopiedIsWrittenAgainInTheDirectoryItLeft() throws Exception {
    Path dir = java.nio.file.Files.createDirectories(tmp.resolve("stopped-export"));
    java.nio.file.Files.writeString(dir.resolve(".mlp-0001.params.tmp-0f0e0d0c-0b0a-4909-8807-060504030201"), "half");

    assertThat(run("export", job.toString(), "--format", "djl", "--out", dir.toString())).as(out + err).isZero();

    assertThat(dir.resolve(io.epochal.worker.djl.DjlModelDirectory.DESCRIPTOR)).exists();
  }

  @Test
  void exportRefusesAnExistingFileOrNonEmptyDirectoryUnlessOverwriting() throws Exception {
    Path onnx = java.nio.file.Files.writeString(tmp.resolve("taken.onnx"), "keep me");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(out + err)
        .isEqualTo(2);
    assertThat(err).contains("--out file://" + onnx + " already exists").contains("--overwrite");
    assertThat(onnx).hasContent("keep me");
    Path dir = java.nio.file.Files.createDirectories(tmp.resolve("served"));
    java.nio.file.Files.writeString(dir.resolve("other.txt"), "x");
    assertThat(run("export", job.toString(), "--format", "djl", "--out", dir.toString())).as(out + err).isEqualTo(2);
    assertThat(err).contains("already exists and is not empty");
    Path emptyDir = java.nio.file.Files.createDirectories(tmp.resolve("empty"));
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", emptyDir.toString(), "--overwrite"))
        .as(out + err).isEqualTo(2);
    assertThat(err).contains("--out file://" + emptyDir + " is a directory; --format onnx writes one file: give its "
        + "path, e.g. file://" + emptyDir.resolve("model.onnx"));

    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString(), "--overwrite"))
        .as(out + err).isEqualTo(0);
    assertThat(java.nio.file.Files.size(onnx)).isGreaterThan(100);
    Path bare = tmp.resolve("model-without-extension");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", bare.toString())).as(out + err)
        .isEqualTo(2);
    assertThat(err).contains("model-without-extension has no .onnx extension", "model-without-extension.onnx");
    assertThat(bare).doesNotExist();
  }

  @Test
  void exportOfAJobThatIsNotCompletedNotesThatItsNewestCheckpointIsNotNecessarilyItsFinalOne() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    io.epochal.job.JobStateStore states = new io.epochal.job.JobStateStore(
        dir.getFileSystem(new org.apache.hadoop.conf.Configuration()), dir);
    states.transition(io.epochal.job.JobState.RUNNING, 1, "started");
    states.transition(io.epochal.job.JobState.FAILED, 1, "INTERRUPTED: stopped");

    assertThat(run("export", job.toString(), "--format", "onnx", "--out", tmp.resolve("a.onnx").toString()))
        .as(out + err).isZero();
    assertThat(err).contains("note: job ", " is FAILED, not COMPLETED: epoch 1 is its newest verified checkpoint, "
        + "not necessarily its final one");
    assertThat(run("export", checkpoint.toString(), "--format", "onnx", "--out", tmp.resolve("b.onnx").toString()))
        .as(out + err).isZero();
    assertThat(err).as("a checkpoint named is the one meant").doesNotContain("note: job");

    states.transition(io.epochal.job.JobState.RUNNING, 2, "resumed");
    states.transition(io.epochal.job.JobState.COMPLETED, 2, "done");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", tmp.resolve("c.onnx").toString()))
        .as(out + err).isZero();
    assertThat(err).doesNotContain("note: job");
  }

  @Test
  void exportOfACheckpointThatDoesNotExistListsThoseThatDoAndOfADamagedOneSaysHowToSeeEveryCheck()
      throws Exception {
    Path target = tmp.resolve("m.onnx");
    assertThat(run("export", job.resolve("checkpoints/epoch-000009").toString(), "--format", "onnx", "--out",
        target.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("checkpoints/epoch-000009 does not exist; ", "holds checkpoints of epoch 1; give one "
        + "of them, or the job directory");

    Path model = checkpoint.resolve("model.safetensors");
    byte[] bytes = java.nio.file.Files.readAllBytes(model);
    bytes[bytes.length - 1] ^= 0x01;
    java.nio.file.Files.write(model, bytes);
    assertThat(run("export", checkpoint.toString(), "--format", "onnx", "--out", target.toString()))
        .as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("damaged checkpoint: ", "SHA-256", "'bin/epochal verify ", "' shows every check",
        "no checkpoint of ").doesNotContain("I/O error");
    assertThat(err.split("checkpoint of epoch 1 \\(", -1)).as("the epoch and file named once: %s", err).hasSize(2);
    assertThat(target).doesNotExist();
  }

  @Test
  void aCheckpointCopiedOutOfItsJobIsReadUnderACheckpointsEpochPathAndOtherwiseToldSo() throws Exception {
    Path copied = tmp.resolve("copied-checkpoint");
    org.apache.commons.io.FileUtils.copyDirectory(checkpoint.toFile(), copied.toFile());
    assertThat(run("verify", copied.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("copied-checkpoint is not a checkpoint directory of a job",
        "<job-dir>/checkpoints/epoch-NNNNNN");
    Path epochNamed = tmp.resolve("elsewhere-flat/epoch-000001");
    org.apache.commons.io.FileUtils.copyDirectory(checkpoint.toFile(), epochNamed.toFile());
    for (String cmd : java.util.List.of("verify", "inspect")) {
      assertThat(run(cmd, epochNamed.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
      assertThat(err).contains("epoch-000001 is not a checkpoint directory of a job").doesNotContain("elsewhere-flat/checkpoints");
    }
    Path placed = tmp.resolve("elsewhere/checkpoints/epoch-000001");
    org.apache.commons.io.FileUtils.copyDirectory(checkpoint.toFile(), placed.toFile());
    assertThat(run("verify", placed.toString())).as(out + err).isEqualTo(ExitCodes.OK);
    assertThat(out).contains("all checks passed");
  }

  @Test
  void resumeOfACheckpointDirectoryNamesItsJobDirectory() throws Exception {
    assertThat(run("resume", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("epoch-000001 is inside the Epochal job directory ", "a resume continues a whole job: "
        + "bin/epochal resume ").doesNotContain("Start a job with");
    assertThat(run("status", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).as("an error, on standard error").contains("epoch-000001 is inside the Epochal job directory file://"
        + job + ": bin/epochal status file://" + job).doesNotContain("no Epochal job");
    Path noJobs = java.nio.file.Files.createDirectories(tmp.resolve("no-jobs/a"));
    assertThat(run("status", noJobs.getParent().toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("epochal: ", "no Epochal job at or under file://" + noJobs.getParent());
    assertThat(run("resume", tmp.resolve("nowhere").toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("nowhere does not exist; give the directory of an Epochal job").doesNotContain("job.json");
    Path file = tmp.resolve("a-file");
    java.nio.file.Files.writeString(file, "x");
    assertThat(run("resume", file.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("a-file is a file; give the directory of an Epochal job");
    assertThat(run("status", file.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("a-file is a file; give a job directory");
  }

  @Test
  void inspectMarksTheValuesAResumeAmendedSinceTheCheckpointWasWrittenAndOnlyThose() throws Exception {
    assertThat(run("inspect", job.toString())).as(out + err).isZero();
    assertThat(out).contains("hyperparameters: (as this checkpoint was written)\n").doesNotContain(" -> ");

    Path spec = job.resolve("job.json");
    java.nio.file.Files.writeString(spec, java.nio.file.Files.readString(spec)
        .replace("\"checkpoint.keep_last\" : 3", "\"checkpoint.keep_last\" : 1"));
    assertThat(run("inspect", job.toString())).as(out + err).isZero();
    assertThat(out).contains("job.json holds values a resume amended since, marked ->)", "checkpoint.keep_last = 3 -> 1");
    assertThat(out.lines().filter(l -> l.contains(" -> "))).hasSize(1);

    // a key a resume set anew, and one it set to its "none" value, which job.json holds as no key
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode stored = (com.fasterxml.jackson.databind.node.ObjectNode) json
        .readTree(spec.toFile());
    com.fasterxml.jackson.databind.node.ObjectNode hp = (com.fasterxml.jackson.databind.node.ObjectNode) stored
        .get("hyperParameters");
    assertThat(hp.remove("checkpoint.best_metric")).isNotNull();
    hp.put("data.validation_path", "file:/data/held-out");
    json.writerWithDefaultPrettyPrinter().writeValue(spec.toFile(), stored);
    assertThat(run("inspect", job.toString())).as(out + err).isZero();
    assertThat(out).contains("checkpoint.best_metric = train_loss -> (not set)",
        "data.validation_path = (not set) -> file:/data/held-out");
  }

  @Test
  void anExportIntoTheJobsDataIsRefusedAndWritesNothing() throws Exception {
    Path data = java.nio.file.Files.createDirectories(tmp.resolve("job-data"));
    Path spec = job.resolve("job.json");
    java.nio.file.Files.writeString(spec, java.nio.file.Files.readString(spec)
        .replace("file:///tmp/exp_fx/data", data.toUri().toString()));
    for (String format : java.util.List.of("onnx", "djl")) {
      Path target = data.resolve(format.equals("onnx") ? "model.onnx" : "model");
      assertThat(run("export", checkpoint.toString(), "--format", format, "--out", target.toString())).as(out + err)
          .isEqualTo(ExitCodes.USAGE);
      assertThat(err).contains("--out file://" + target + " is inside the data of the job file://" + job + " (its data.path)",
          "would read this output as data");
    }
    assertThat(java.nio.file.Files.list(data)).isEmpty();
    assertThat(run("export", job.toString(), "--format", "djl", "--out", data.toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains(" is the data of the job file://" + job);
  }

  @Test
  void overwriteReplacesOnlyAnEarlierExportNeverDataOrAJobDirectory() throws Exception {
    Path data = java.nio.file.Files.createDirectories(tmp.resolve("data"));
    java.nio.file.Files.writeString(data.resolve("part-00000.csv"), "f0,label\n1,0\n");
    for (String format : java.util.List.of("djl", "onnx")) {
      Path target = format.equals("djl") ? data : data.resolve("part-00000.csv");
      assertThat(run("export", job.toString(), "--format", format, "--out", target.toString(), "--overwrite"))
          .as(out + err).isEqualTo(2);
      assertThat(err).contains(format.equals("djl") ? "is not an earlier export: --overwrite replaces only"
          : "part-00000.csv has no .onnx extension");
    }
    assertThat(data.resolve("part-00000.csv")).hasContent("f0,label\n1,0\n");
    assertThat(java.nio.file.Files.list(data)).hasSize(1);
    for (boolean overwrite : new boolean[] {true, false}) {
      assertThat(overwrite ? run("export", job.toString(), "--format", "djl", "--out", job.toString(), "--overwrite")
          : run("export", job.toString(), "--format", "djl", "--out", job.toString())).as(out + err).isEqualTo(2);
      assertThat(err).contains("--out file://" + job + " is an Epochal job directory (job.json); --overwrite replaces "
          + "only an earlier export, never a job or its checkpoints: give a new location").doesNotContain("remove");
    }
    assertThat(run("export", job.toString(), "--format", "djl", "--out", data.resolve("part-00000.csv").toString(),
        "--overwrite")).as(out + err).isEqualTo(2);
    assertThat(err).contains("is a file; --format djl writes a directory");

    Path djl = tmp.resolve("djl-model");
    assertThat(run("export", job.toString(), "--format", "djl", "--out", djl.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("exported mlp v1 of file://" + checkpoint + " to DJL model directory file://" + djl);
    assertThat(run("export", job.toString(), "--format", "djl", "--out", djl.toString(), "--overwrite"))
        .as("an earlier DJL export is replaced: %s", err).isEqualTo(0);
    assertThat(djl.resolve(io.epochal.worker.djl.DjlModelDirectory.DESCRIPTOR)).exists();
  }

  @Test
  void unknownExportFormatIsAUsageErrorNamingTheFormats() {
    assertThat(run("export", job.toString(), "--format", "tflite", "--out", tmp.resolve("m").toString()))
        .isEqualTo(2);
    assertThat(err).contains("--format 'tflite' is not supported; use onnx or djl");
  }

  @Test
  void exportPredictAndEvaluateRefuseACheckpointWhoseProbeDoesNotReproduce() throws Exception {
    changeAWeightAndItsDigest();
    Path onnx = tmp.resolve("tampered.onnx");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(out + err)
        .isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("not exported").contains("does not reproduce the output recorded when it was saved")
        .contains("bin/epochal verify");
    assertThat(onnx).doesNotExist();
    Path input = tmp.resolve("rows.csv");
    Files.writeString(input, "f0,f1,f2,f3\n1,2,3,4\n");
    Path predictions = tmp.resolve("predictions.csv");
    assertThat(run("predict", job.toString(), "--input", input.toString(), "--output", predictions.toString(),
        "--format", "csv", "--features", "f0,f1,f2,f3")).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("nothing predicted").contains("does not reproduce");
    assertThat(predictions).doesNotExist();
    Path labelled = tmp.resolve("labelled.csv");
    Files.writeString(labelled, "f0,f1,f2,f3,label\n1,2,3,4,0\n");
    assertThat(run("evaluate", job.toString(), "--input", labelled.toString(), "--features", "f0,f1,f2,f3"))
        .as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("not evaluated: ").contains("does not reproduce");
    assertThat(out).isEmpty();
    assertThat(run("evaluate", job.toString(), "--input", labelled.toString(), "--features", "f0,f1,f2,f3",
        "--json")).as(out + err).isEqualTo(ExitCodes.FAILED);
    com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
    assertThat(doc.get("ok").asBoolean()).isFalse();
    assertThat(doc.at("/checkpoints/0/status").asText()).isEqualTo("not_reproduced");
    assertThat(doc.at("/checkpoints/0/reason").asText()).contains("does not reproduce");
    assertThat(run("evaluate", job.toString(), "--all", "--input", labelled.toString(), "--features", "f0,f1,f2,f3"))
        .as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).containsPattern("epoch-000001 +1 +- +- +- +NOT REPRODUCED");
    assertThat(err).contains("1 checkpoint was not evaluated");
  }

  @Test
  void exportPredictAndEvaluateUseNoOptimizerStateButStillRefuseADamagedOptimizerFile() throws Exception {
    Path onnx = tmp.resolve("model.onnx");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(out + err)
        .isEqualTo(0);
    flipLastByte(checkpoint.resolve("optimizer.safetensors"));
    Path again = tmp.resolve("again.onnx");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", again.toString())).as(out + err)
        .isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("skipping damaged checkpoint").contains("optimizer.safetensors has SHA-256")
        .contains("has no checkpoint to export");
    assertThat(again).doesNotExist();
    Path labelled = tmp.resolve("labelled.csv");
    Files.writeString(labelled, "f0,f1,f2,f3,label\n1,2,3,4,0\n");
    assertThat(run("evaluate", job.toString(), "--all", "--input", labelled.toString(), "--features", "f0,f1,f2,f3"))
        .as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).containsPattern("epoch-000001 +1 +- +- +- +DAMAGED");
  }

  @Test
  void aJobDirectoryIsExportedFromItsNewestVerifiedCheckpointSkippingADamagedNewerOne() throws Exception {
    Path newer = job.resolve("checkpoints/epoch-000002");
    Files.createDirectories(newer);
    try (java.util.stream.Stream<Path> files = Files.list(checkpoint)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, newer.resolve(f.getFileName()));
      }
    }
    Path model = newer.resolve("model.safetensors");
    flipLastByte(model);
    Path onnx = tmp.resolve("model.onnx");
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(out + err)
        .isEqualTo(0);
    assertThat(err).contains("skipping damaged checkpoint").contains("epoch-000002");
    assertThat(out).contains("epoch-000001");
    assertThat(run("inspect", job.toString())).as(out + err).isEqualTo(0);
    assertThat(out).contains("epoch-000001").contains("checkpoint:   file:///") // as status and job.json name it
        .doesNotContain("checkpoint:   file:/" + job.toAbsolutePath().toString().substring(1));
  }

  @Test
  void inspectOfAJobWhoseEveryCheckpointIsDamagedFailsNamingThem() throws Exception {
    Path model = checkpoint.resolve("model.safetensors");
    flipLastByte(model);
    assertThat(run("inspect", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("skipping damaged checkpoint").contains("epoch-000001")
        .contains("has no verified checkpoint");
  }

  @Test
  void inspectOfADamagedCheckpointShowsItsManifestAndWhatIsWrongAndFails() throws Exception {
    flipLastByte(checkpoint.resolve("model.safetensors"));
    assertThat(run("inspect", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("epoch:        1 (global step", "model:        mlp v1", "hyperparameters:",
        "status:       DAMAGED", "model.safetensors has SHA-256", "tensors:      not shown");
    assertThat(err).contains("epoch-000001 is damaged", "no resume loads it",
        "the job has no verified checkpoint", "'epochal verify");
  }

  @Test
  void aCheckpointMovedAsideIsListedByStatusAndVerifiedAndInspectedByItsPath() throws Exception {
    flipLastByte(checkpoint.resolve("model.safetensors"));
    Path aside = job.resolve("checkpoints/_damaged-epoch-000001-1700000000000");
    Files.move(checkpoint, aside);

    assertThat(run("status", job.toString())).as(out + err).isZero();
    assertThat(out).contains("moved aside: 1 checkpoint set aside (as damaged by a resume, or by hand)", "_damaged-epoch-000001-1700000000000");
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("has no checkpoint to verify");
    assertThat(run("verify", "--all", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(run("verify", aside.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("FAIL _damaged-epoch-000001-1700000000000  every file's size and SHA-256 match the "
        + "manifest", "model.safetensors has SHA-256");
    assertThat(out.strip().lines().reduce((a, b) -> b).orElseThrow()).as("the last line says what a resume does")
        .contains("_damaged-epoch-000001-1700000000000, which a resume moved aside as damaged; no checkpoint of this job "
            + "verifies: a resume trains again from epoch 1");
    assertThat(run("verify", "--json", aside.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("\"moved_aside\":true");
    assertThat(run("inspect", aside.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("epoch:        1 (global step", "status:       DAMAGED (moved aside)",
        "model.safetensors has SHA-256");
    assertThat(run("inspect", job.resolve("checkpoints/_damaged-epoch-000001-1").toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("has no checkpoint moved aside named _damaged-epoch-000001-1; moved aside: "
        + "_damaged-epoch-000001-1700000000000");
  }

  @Test
  void verifyOfAJobNamesTheCheckpointsMovedAsideItDoesNotCheck() throws Exception {
    Path aside = job.resolve("checkpoints/_damaged-epoch-000002-1700000000000");
    Files.createDirectories(aside);
    assertThat(run("verify", job.toString())).as(out + err).isZero();
    assertThat(out).contains("not checked: 1 checkpoint moved aside (as damaged by a resume, or by hand) that a "
        + "resume never reads (verify one "
        + "by its path): _damaged-epoch-000002-1700000000000", "all checks passed");
    assertThat(run("verify", "--json", job.toString())).as(out + err).isZero();
    JsonNode notChecked = new ObjectMapper().readTree(out).get("not_checked");
    assertThat(notChecked).as(out).singleElement().satisfies(n -> {
      assertThat(n.get("checkpoint").asText()).isEqualTo("_damaged-epoch-000002-1700000000000");
      assertThat(n.get("why").asText()).contains("moved aside (as damaged by a resume, or by hand) that a resume never reads");
    });
  }

  @Test
  void aCheckpointANewerEpochalWroteIsSaidToBeSuchByInspectAndExportNotDamaged() throws Exception {
    writtenByANewerBuild("2.0");
    assertThat(run("inspect", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(out).contains("status:       NEWER FORMAT: ", "manifest.json as written (unverified, do not trust it):",
        "\"format_version\" : \"2.0\"").doesNotContain("DAMAGED");
    assertThat(err).contains("was written by a newer Epochal", "continue the job with the Epochal that wrote it")
        .doesNotContain("starts from epoch 1");
    assertThat(run("export", checkpoint.toString(), "--format", "onnx", "--out", tmp.resolve("m.onnx").toString()))
        .as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("was written by a newer Epochal").doesNotContain("damaged");
  }

  @Test
  void inspectOfACheckpointWithoutAReadableManifestSaysWhy() throws Exception {
    Files.writeString(checkpoint.resolve("manifest.json"), "{ not json");
    assertThat(run("inspect", checkpoint.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("status:       DAMAGED: ").contains("manifest");
    assertThat(out).doesNotContain("hyperparameters:").doesNotContain("as written");
  }

  @Test
  void inspectOfAnEpochWithoutCheckpointListsTheEpochsThereAre() {
    assertThat(run("inspect", job.resolve("checkpoints/epoch-000007").toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("has no checkpoint of epoch 7", "its checkpoints are of epochs 1");
  }

  @Test
  void verifyOfACheckpointThatDoesNotExistIsAUsageErrorListingThoseThatDo() throws IOException {
    assertThat(run("verify", job.resolve("checkpoints/epoch-000009").toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("checkpoints/epoch-000009 does not exist; ", "holds checkpoints of epoch 1; give one "
        + "of them, or the job directory").doesNotContain("deleted while it was being read");

    assertThat(run("verify", "--json", job.resolve("checkpoints/epoch-000009").toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(new ObjectMapper().readTree(out).get("error").asText()).contains("epoch-000009 does not exist");

    assertThat(run("verify", job.resolve("checkpoints/_damaged-epoch-000001-1700000000000").toString()))
        .as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("_damaged-epoch-000001-1700000000000 does not exist; ",
        "holds no damaged checkpoint moved aside");
  }

  @Test
  void aFileNamedAsTheNextCheckpointFailsVerifyAsNoCheckpointDirectory() throws IOException {
    Files.writeString(job.resolve("checkpoints/epoch-000002"), "x\n");
    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(out + err).contains("FAIL epoch-000002  a checkpoint directory: ",
        "epoch-000002 is a file, not a checkpoint directory", "a resume continues after epoch-000001");
  }

  @Test
  void verifyOfAJobWhoseNewestCheckpointIsDamagedSaysTheResumeRefusesAJobJsonEditedSinceTheOneItPicks()
      throws IOException {
    Files.writeString(job.resolve("checkpoints/epoch-000002"), "x\n");
    Files.writeString(job.resolve("job.json"), Files.readString(job.resolve("job.json"))
        .replace("\"optimizer.lr\" : 0.01,", "\"optimizer.lr\" : 0.02,"));

    assertThat(run("verify", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);

    assertThat(out + err).contains("FAIL epoch-000002  a checkpoint directory: ",
        "a resume picks epoch-000001, the newest checkpoint whose files are intact, and refuses the job: "
        + "job.json holds the hyperparameters it was trained with fails: ", "optimizer.lr")
        .doesNotContain("a resume continues after");
    assertThat(run("verify", "--json", job.toString())).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(new ObjectMapper().readTree(out).get("resume").asText()).contains("refuses the job");
  }

  @Test
  void evaluateAllOfAJobWhoseEveryManifestIsDamagedFailsAsDamageNotAsAMissingInput() throws IOException {
    Files.writeString(checkpoint.resolve("manifest.json"), "{ not a manifest");
    assertThat(run("evaluate", job.toString(), "--all")).as(out + err).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("has no checkpoint whose manifest can be read (", "--all' says why)")
        .doesNotContain("--input is not given");
  }

  @Test
  void aCopyNamedWithADigitTooManyIsRefusedNotReadAsTheCheckpointOfItsEpoch() throws IOException {
    Path copy = job.resolve("checkpoints/epoch-0000001");
    Files.createDirectories(copy);
    Files.writeString(copy.resolve("manifest.json"), "{}");
    for (String command : List.of("verify", "inspect", "evaluate")) {
      assertThat(run(command, copy.toString())).as(command + ": " + out + err).isEqualTo(ExitCodes.USAGE);
      assertThat(err).contains("epoch-0000001 is not named as a checkpoint directory is (epoch-NNNNNN",
          "the store never reads it").doesNotContain("PASS");
    }
    assertThat(run("verify", job.resolve("checkpoints/epoch-99999999999999999999").toString())).as(out + err)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("is not named as a checkpoint directory is");
    assertThat(run("inspect", job.resolve("checkpoints/_damaged-epoch-99999999999999999999-1").toString()))
        .as(out + err).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("is not named as a checkpoint moved aside is");
  }

  @Test
  void jsonVerifyOfSomethingThatIsNoCheckpointStillPrintsJson() throws IOException {
    assertThat(run("verify", "--json", tmp.toString())).isEqualTo(ExitCodes.USAGE);
    JsonNode root = new ObjectMapper().readTree(out);
    assertThat(root.get("ok").asBoolean()).isFalse();
    assertThat(root.get("error").asText()).contains("neither a checkpoint directory");
    assertThat(root.get("checkpoints")).isEmpty();
    assertThat(root.get("not_checked")).as("always there, as docs/EXPORT.md says").isNotNull().isEmpty();
    assertThat(err).contains("neither a checkpoint directory");

    assertThat(run("verify", "--json", "bogus://x/jobs")).isEqualTo(ExitCodes.USAGE);
    assertThat(new ObjectMapper().readTree(out).get("error").asText()).contains("bogus://x/jobs");
    assertThat(run("verify", tmp.resolve("my run #1 50%").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err).as("a location as given, not URI-encoded").contains("my run #1 50% does not exist")
        .doesNotContain("%20");
    assertThat(run("verify", tmp.resolve("nowhere").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("nowhere does not exist; give a checkpoint directory");
    assertThat(run("status", tmp.resolve("nowhere").toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err).contains("nowhere does not exist; give a job directory");

    Files.createDirectories(tmp.resolve("empty-job/checkpoints"));
    assertThat(run("verify", "--json", tmp.resolve("empty-job").toString())).isEqualTo(ExitCodes.FAILED);
    assertThat(new ObjectMapper().readTree(out).get("error").asText()).contains("has no checkpoint to verify");
    assertThat(new ObjectMapper().readTree(out).get("not_checked")).isNotNull().isEmpty();
    assertThat(run("inspect", tmp.resolve("empty-job").toString())).isEqualTo(ExitCodes.FAILED);
    assertThat(err).contains("has no checkpoint yet to inspect");
  }

  /** Flips the low bit of the file's last byte: for a model file, the high byte of its last float. */
  private static void flipLastByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(file, bytes);
  }

  /**
   * Replaces the first {@code from} in {@code file}'s bytes by {@code to}, of the same length (the
   * header keeps its length), and lists the file's new SHA-256 in the manifest.
   */
  private void editHeaderAndItsDigest(String file, String from, String to) throws Exception {
    assertThat(to).hasSameSizeAs(from);
    Path path = checkpoint.resolve(file);
    String before = sha256(path);
    byte[] bytes = Files.readAllBytes(path);
    int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf(from);
    assertThat(at).as("%s in %s", from, file).isPositive();
    System.arraycopy(to.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, bytes, at, to.length());
    Files.write(path, bytes);
    replaceInManifest(before, sha256(path));
  }

  /** A changed weight whose manifest was updated to match: every file check passes, the output does not. */
  private void changeAWeightAndItsDigest() throws Exception {
    Path model = checkpoint.resolve("model.safetensors");
    String before = sha256(model);
    flipLastByte(model);
    replaceInManifest(before, sha256(model));
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(file)));
  }

  /** The checkpoint's manifest as a newer build writes it: format {@code version}, sealed with its own SHA-256. */
  private void writtenByANewerBuild(String version) throws Exception {
    Path manifest = checkpoint.resolve("manifest.json");
    io.epochal.checkpoint.CheckpointManifest m = io.epochal.checkpoint.CheckpointManifest.parse(
        Files.readAllBytes(manifest), manifest.toString());
    String text = new String(m.toJson(), java.nio.charset.StandardCharsets.UTF_8)
        .replaceFirst("\"format_version\" : \"1\\.[01]\"", "\"format_version\" : \"" + version + "\"")
        .replaceAll("\"manifest_sha256\" : \"[0-9a-f]{64}\"", "\"manifest_sha256\" : \"" + "0".repeat(64) + "\"");
    assertThat(text).contains("\"format_version\" : \"" + version + "\"");
    String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
        text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Files.writeString(manifest, text.replace("0".repeat(64), digest));
  }

  private void replaceInManifest(String from, String to) throws IOException {
    Path manifest = checkpoint.resolve("manifest.json");
    String text = Files.readString(manifest);
    assertThat(text).contains(from);
    Files.writeString(manifest, text.replace(from, to));
  }
}
