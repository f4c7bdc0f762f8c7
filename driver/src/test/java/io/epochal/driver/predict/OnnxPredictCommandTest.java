package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.cli.EpochalCli;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal predict model.onnx} on local[2]: the checked-in fixture checkpoint (an mlp 4-3-2
 * classifier) is exported to ONNX once, and the ONNX file's predictions are compared with the
 * checkpoint's over the same input; feature, bad-row and missing-runtime errors are checked through
 * the command line.
 */
class OnnxPredictCommandTest {

  private static final int ROWS = 23;

  @TempDir
  static Path shared;

  private static Path job;
  private static Path onnx;

  @TempDir
  Path tmp;

  private float[][] inputs;
  private String out;
  private String err;

  @BeforeAll
  static void copyFixtureAndExportOnnx() throws IOException {
    job = shared.resolve("job");
    FormatFixture.copyJob(job);
    onnx = shared.resolve("model.onnx");
    OnnxPredictCommandTest t = new OnnxPredictCommandTest();
    assertThat(t.run("export", job.toString(), "--format", "onnx", "--out", onnx.toString())).as(t.out + t.err)
        .isEqualTo(0);
    assertThat(t.out).contains("reproduces the checkpoint's probe output in ONNX Runtime");
  }

  @Test
  void anOnnxModelThatDoesNotComputeWhatTheCheckpointRecordedIsToldApartByItsProbe() throws Exception {
    io.epochal.checkpoint.LoadedCheckpoint c;
    try (io.epochal.checkpoint.CheckpointStore store = io.epochal.checkpoint.HadoopCheckpointStore.builder()
        .setJobDir(job.toUri().toString()).build()) {
      c = store.latest().checkpoint().orElseThrow();
    }
    io.epochal.worker.probe.ProbeRecord probe = io.epochal.worker.probe.ProbeRecord.fromStateDict(c.probe());
    byte[] bytes = java.nio.file.Files.readAllBytes(onnx);
    assertThat(OnnxProbeCheck.mismatch(bytes, "input", "output", probe,
        io.epochal.worker.probe.EngineCompatibility.CROSS_ENGINE_TOLERANCE)).isEmpty();

    float[] shifted = new float[(int) probe.output().numel()];
    probe.output().asFloatBuffer().get(shifted);
    shifted[5] += 0.01f; // as if a translator had left out a bias of the fifth output
    io.epochal.worker.probe.ProbeRecord other = io.epochal.worker.probe.ProbeRecord.of(probe.input(),
        io.epochal.tensor.Tensor.ofFloats(probe.output().shape(), shifted));
    assertThat(OnnxProbeCheck.mismatch(bytes, "input", "output", other,
        io.epochal.worker.probe.EngineCompatibility.CROSS_ENGINE_TOLERANCE)).hasValueSatisfying(m -> assertThat(m)
        .startsWith("its output on the checkpoint's probe differs from the output the checkpoint recorded by up to "
            + "0.0100").contains("(value 5: "));
  }

  @BeforeEach
  void makeInputs() {
    SplittableRandom rng = new SplittableRandom(11);
    inputs = new float[ROWS][4];
    for (float[] row : inputs) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) (rng.nextDouble() * 4 - 2);
      }
    }
  }

  private int run(String... args) {
    CliRun run = CliRun.of(args);
    out = run.out;
    err = run.err;
    return run.code;
  }

  private Path writeJsonInput() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      StringBuilder b = new StringBuilder("{\"id\":\"r" + i + "\",\"features\":[");
      for (int j = 0; j < 4; j++) {
        b.append(j > 0 ? "," : "").append(inputs[i][j]);
      }
      lines.add(b.append("]}").toString());
    }
    return Files.write(tmp.resolve("in.json"), lines);
  }

  private Path writeCsvInput(String badCell) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("f0,f1,f2,f3");
    for (int i = 0; i < ROWS; i++) {
      float[] r = inputs[i];
      String f3 = badCell != null && i == 2 ? badCell : Float.toString(r[3]);
      lines.add(r[0] + "," + r[1] + "," + r[2] + "," + f3);
    }
    return Files.write(tmp.resolve("in.csv"), lines);
  }

  private static List<Path> parts(Path dir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("part-") && f.toString().endsWith(suffix))
          .sorted().collect(Collectors.toList());
    }
  }

  /** id -> {prediction, score_0, score_1} of a CSV output whose columns are id, row_id, prediction, scores. */
  private static Map<String, float[]> readCsv(Path dir) throws IOException {
    Map<String, float[]> rows = new HashMap<>();
    for (Path p : parts(dir, ".csv")) {
      List<String> lines = Files.readAllLines(p);
      assertThat(lines.get(0)).isEqualTo("id,row_id,prediction,score_0,score_1,probability_0,probability_1");
      for (String line : lines.subList(1, lines.size())) {
        String[] r = line.split(",");
        rows.put(r[0], new float[] {Float.parseFloat(r[2]), Float.parseFloat(r[3]), Float.parseFloat(r[4])});
      }
    }
    return rows;
  }

  /** id -> {prediction, score_0, score_1} of a parquet output whose columns are id, row_id, prediction, scores. */
  private static Map<String, float[]> readParquet(Path dir) throws IOException {
    Map<String, float[]> rows = new HashMap<>();
    for (Path p : parts(dir, ".parquet")) {
      try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
          new org.apache.hadoop.fs.Path(p.toUri())).withConf(new Configuration()).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          Group scores = g.getGroup("scores", 0);
          assertThat(scores.getFieldRepetitionCount("list")).isEqualTo(2);
          rows.put(g.getString("id", 0), new float[] {g.getInteger("prediction", 0),
              scores.getGroup("list", 0).getFloat("element", 0), scores.getGroup("list", 1).getFloat("element", 0)});
        }
      }
    }
    return rows;
  }

  @Test
  void onnxPredictionsEqualTheCheckpointsAndScoresAgreeWithinOneInTenThousandth() throws Exception {
    Path in = writeJsonInput();
    Path fromOnnx = tmp.resolve("onnx-pred");
    Path fromCheckpoint = tmp.resolve("checkpoint-pred.csv");
    assertThat(run("predict", onnx.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "features", "--output", fromOnnx.toString(), "--batch-size", "5")).as(out + err).isEqualTo(0);
    assertThat(out).contains("predicted 23 of 23 rows").contains("ONNX input 'input'").contains(onnx.toString())
        .contains("-> parquet ").contains(fromOnnx.toString());
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--output",
        fromCheckpoint.toString())).as(out + err).isEqualTo(0);

    Map<String, float[]> onnxRows = readParquet(fromOnnx);
    Map<String, float[]> checkpointRows = readCsv(fromCheckpoint);
    assertThat(onnxRows).hasSize(ROWS);
    assertThat(checkpointRows.keySet()).isEqualTo(onnxRows.keySet());
    int classesSeen = 0;
    for (Map.Entry<String, float[]> e : onnxRows.entrySet()) {
      float[] o = e.getValue();
      float[] c = checkpointRows.get(e.getKey());
      assertThat(o[0]).as("prediction of %s", e.getKey()).isEqualTo(c[0]);
      for (int k = 1; k <= 2; k++) {
        assertThat((double) Math.abs(o[k] - c[k])).as("score %s of %s", k - 1, e.getKey()).isLessThanOrEqualTo(1e-5);
      }
      assertThat(o[0]).isEqualTo(o[2] > o[1] ? 1f : 0f);
      classesSeen |= 1 << (int) o[0];
    }
    assertThat(classesSeen).as("both classes predicted somewhere, so argmax is exercised").isEqualTo(3);
  }

  @Test
  void anExportWhoseOnnxModelDoesNotComputeWhatTheCheckpointsModelDoesFailsAndWritesNothing() throws Exception {
    Path shifted = tmp.resolve("shifted.onnx");
    ShiftedMlpOnnxTranslator.enabled = true;
    try {
      assertThat(run("export", job.toString(), "--format", "onnx", "--out", shifted.toString())).as(out + err)
          .isEqualTo(1);
    } finally {
      ShiftedMlpOnnxTranslator.enabled = false;
    }
    assertThat(err).contains("the ONNX model of mlp v1 does not compute what the checkpoint's model computes: its "
        + "output on the checkpoint's probe differs").contains("nothing was written");
    try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
      assertThat(left).as("no file and no temporary file").isEmpty();
    }
    assertThat(run("export", job.toString(), "--format", "onnx", "--out", shifted.toString())).as(out + err)
        .isEqualTo(0);
  }

  @Test
  void anExportSaysWhetherItsOutputsAreLogitsAndPredictOfARegressionsOnnxFileGivesItsValuesNotClasses()
      throws Exception {
    byte[] classifier = Files.readAllBytes(onnx);
    assertThat(OnnxSessions.describe(classifier, "model.onnx").classification()).as("loss softmax_cross_entropy")
        .isTrue();
    io.epochal.checkpoint.LoadedCheckpoint c;
    try (io.epochal.checkpoint.CheckpointStore store = io.epochal.checkpoint.HadoopCheckpointStore.builder()
        .setJobDir(job.toUri().toString()).build()) {
      c = store.latest().checkpoint().orElseThrow();
    }
    io.epochal.worker.export.OnnxExporter exporter = io.epochal.worker.export.OnnxExporter.getDefault();
    io.epochal.params.HyperParameters params = io.epochal.params.HyperParameters.builder()
        .putAll(c.manifest().hyperParameters().withPrefix("model.")).remove("name").remove("version").build();
    // the same two outputs as a job of loss mse would give them: values, not logits
    byte[] regression = exporter.export("mlp", 1, params, c.model(), false);
    assertThat(OnnxSessions.describe(regression, "regression.onnx").classification()).isFalse();
    byte[] unsaid = exporter.export("mlp", 1, params, c.model());
    assertThat(OnnxSessions.describe(unsaid, "other.onnx").classification()).as("another exporter's: 2 outputs")
        .isTrue();

    Path file = Files.write(tmp.resolve("regression.onnx"), regression);
    Path in = writeJsonInput();
    assertThat(run("predict", file.toString(), "--master", "local[1]", "--input", in.toString(), "--features",
        "features")).as(out + err).isEqualTo(0);
    assertThat(out.lines().findFirst().orElseThrow()).isEqualTo("id,row_id,prediction_0,prediction_1,score_0,score_1");
    assertThat(out.lines()).hasSize(1 + ROWS);
  }

  @Test
  void anExportedOnnxFileHasNoHiddenChecksumFileAndStillLoadsAfterAnotherToolRewroteIt() throws Exception {
    assertThat(shared.resolve(".model.onnx.crc")).doesNotExist();
    Path copy = tmp.resolve("copied.onnx");
    java.nio.file.Files.copy(onnx, copy);
    // another tool writing the same bytes anew: Hadoop's local file system would have checked it
    // against a stale .crc written beside the first export
    java.nio.file.Files.writeString(tmp.resolve(".copied.onnx.crc"), "stale");
    Path in = writeJsonInput();
    assertThat(run("predict", copy.toString(), "--master", "local[1]", "--input", in.toString(), "--features",
        "features")).as(out + err).isEqualTo(0);
    assertThat(out).startsWith("id,row_id,prediction");
    assertThat(out.lines()).hasSize(1 + 23);
  }

  @Test
  void aBadRowIsSkippedAndCountedWithAnOnnxModelAsWithACheckpoint() throws Exception {
    Path in = writeCsvInput("oops");
    assertThat(run("predict", onnx.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--bad-rows", "skip", "--batch-size", "4")).as(err).isEqualTo(0);
    List<String> lines = out.lines().collect(Collectors.toList());
    assertThat(lines.get(0)).isEqualTo("row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[0]).collect(Collectors.toList()))
        .hasSize(ROWS - 1).doesNotContain("2").contains("0", "1", "3", "22");
    assertThat(err).contains("predicted 22 of 23 rows (1 bad rows skipped)");
  }

  @Test
  void aBadRowFailsNamingFileAndRowWithAnOnnxModel() throws Exception {
    Path in = writeCsvInput("oops");
    Path never = tmp.resolve("never");
    assertThat(run("predict", onnx.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--output", never.toString())).isEqualTo(4);
    assertThat(err).contains("in.csv, row 3").contains("'f3' holds 'oops', not a number")
        .contains("pass --bad-rows=skip").doesNotContain("data.bad_rows");
    assertThat(never).doesNotExist();
  }

  @Test
  void featureColumnsOfTheWrongCountAreRefusedNamingBothCountsAndTheFile() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", onnx.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2")).isEqualTo(2);
    assertThat(err.strip().lines().count()).as(err).isEqualTo(1);
    assertThat(err).contains("names 3 numeric columns").contains("takes 4 features").contains(onnx.toString());
  }

  @Test
  void anOnnxModelWithoutFeaturesIsRefusedNamingTheOptionAndTheFile() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", onnx.toString(), "--input", in.toString())).isEqualTo(2);
    assertThat(err.strip().lines().count()).as(err).isEqualTo(1);
    assertThat(err).contains("--features").contains("data.features").contains("(file://" + onnx + ")");
  }

  @Test
  void anOnnxModelWithAFixedBatchIsRefusedBeforeSparkStartsNamingTheDynamicAxisToExport() throws IOException {
    // the exported model with its input's batch dimension fixed at 4: the dim_param "batch" (tag 0x12, 5 bytes)
    // replaced by a dim_value (tag 0x08) of 4 in a 6-byte varint, so that no enclosing length changes
    byte[] model = Files.readAllBytes(onnx);
    byte[] param = {0x12, 5, 'b', 'a', 't', 'c', 'h'};
    byte[] value = {0x08, (byte) 0x84, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0};
    int at = indexOf(model, param);
    assertThat(at).as("the input's batch dimension").isNotNegative();
    System.arraycopy(value, 0, model, at, value.length);
    Path fixed = Files.write(tmp.resolve("fixed-batch.onnx"), model);
    Path in = writeCsvInput(null);
    assertThat(run("predict", fixed.toString(), "--input", in.toString(), "--features", "f0,f1,f2,f3"))
        .isEqualTo(2);
    assertThat(err.strip().lines().count()).as(err).isEqualTo(1);
    assertThat(err).contains("has shape [4, 4], a fixed batch of 4 rows").contains("dynamic_axes");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void aFileThatIsNotAnOnnxModelIsAConfigErrorNamingIt() throws IOException {
    Path notOnnx = Files.write(tmp.resolve("broken.onnx"), new byte[] {1, 2, 3});
    Path in = writeCsvInput(null);
    assertThat(run("predict", notOnnx.toString(), "--input", in.toString(), "--features", "f0,f1,f2,f3"))
        .isEqualTo(2);
    assertThat(err.strip().lines().count()).as(err).isEqualTo(1);
    assertThat(err).contains("ONNX Runtime cannot load file://" + notOnnx + " as an ONNX model");
  }

  @Test
  void aMissingRuntimeIsNamedWithThePackageToAdd() {
    ClassLoader withoutRuntime = new URLClassLoader(new URL[0], null);
    assertThatThrownBy(() -> OnnxModelFile.requireRuntime(withoutRuntime, "m.onnx"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ONNX Runtime is not on the classpath")
        .hasMessageContaining("m.onnx")
        .hasMessageContaining("--packages com.microsoft.onnxruntime:onnxruntime:1.22.0");
  }

  /** {@code epochal <args>} in a JVM whose class path lacks ONNX Runtime (spark-submit without --packages): its code. */
  private int withoutOnnxRuntime(Path log, String... args) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> entries = Arrays.stream(cp.split(File.pathSeparator))
        .filter(e -> !e.contains("onnxruntime")).collect(Collectors.toList());
    assertThat(entries.size()).as("the test class path lists its jars").isGreaterThan(10);
    List<String> command = new java.util.ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin",
        "java").toString(), "-Dai.djl.offline=true", "-Dlog4j2.configurationFile="
        + Paths.get("../conf/log4j2.properties").toAbsolutePath(), "-cp", String.join(File.pathSeparator, entries),
        "io.epochal.driver.cli.EpochalCli"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("child JVM ends (a hang guard)").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return p.exitValue();
  }

  @Test
  void withoutOnnxRuntimeOnTheClassPathExportWritesTheModelAndSaysItWasNotChecked() throws Exception {
    Path log = tmp.resolve("export.log");
    Path written = tmp.resolve("unchecked.onnx");
    int code = withoutOnnxRuntime(log, "export", job.toString(), "--format", "onnx", "--out", written.toString());
    String output = Files.readString(log).strip();
    assertThat(code).as(output).isZero();
    assertThat(written).isRegularFile();
    assertThat(output).contains("not checked against the checkpoint's probe").doesNotContain("internal error");
  }

  @Test
  void withoutOnnxRuntimeOnTheClassPathPredictFailsInOneLineWithExitTwo() throws Exception {
    Path in = writeCsvInput(null);
    Path log = tmp.resolve("child.log");
    int code = withoutOnnxRuntime(log, "predict", onnx.toString(), "--input", in.toString(), "--features",
        "f0,f1,f2,f3");
    String output = Files.readString(log).strip();
    assertThat(code).as(output).isEqualTo(2);
    assertThat(output.lines().filter(l -> l.startsWith("epochal:")).count()).as(output).isEqualTo(1);
    assertThat(output).contains("ONNX Runtime is not on the classpath").contains(onnx.toString())
        .contains("--packages com.microsoft.onnxruntime:onnxruntime:1.22.0").doesNotContain("\tat ");
  }
}
