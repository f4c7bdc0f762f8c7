package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal predict} on local[2] with the checked-in fixture checkpoint (an mlp 4-3-2
 * classifier trained one epoch on an array column {@code features}), copied to a temporary job
 * directory; predictions are compared with the model's evaluation-mode forward pass computed
 * directly.
 */
class PredictCommandTest {

  private static final int ROWS = 23;

  @TempDir
  Path tmp;

  private Path job;
  private String out;
  private String err;
  private float[][] inputs;

  @BeforeEach
  void copyFixtureAndWriteInputs() throws IOException {
    job = tmp.resolve("job");
    FormatFixture.copyJob(job);
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

  /** The fixture model's evaluation-mode outputs on {@link #inputs}, one forward pass. */
  /** The model's outputs for every row computed in one batch, as predict computes a one-file input. */
  private float[][] directOutputs() throws Exception {
    return directOutputs(ROWS);
  }

  /**
   * The model's outputs for every row, computed in consecutive batches of the sizes given (which
   * add up to {@link #ROWS}): the processor's kernels may round the same row differently in a batch
   * of another size, so a bit-for-bit comparison with predict takes predict's batches.
   */
  private float[][] directOutputs(int... batches) throws Exception {
    assertThat(java.util.Arrays.stream(batches).sum()).as("rows in the batches").isEqualTo(ROWS);
    LoadedCheckpoint c;
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toUri().toString()).build()) {
      c = store.load(1);
    }
    HyperParameters hp = HyperParameters.builder().putAll(c.manifest().hyperParameters().withPrefix("model."))
        .remove("name").remove("version").build();
    float[][] rows = new float[ROWS][2];
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, hp)) {
      model.loadStateDict(c.model());
      int first = 0;
      for (int n : batches) {
        float[] flat = new float[n * 4];
        for (int i = 0; i < n; i++) {
          System.arraycopy(inputs[first + i], 0, flat, i * 4, 4);
        }
        float[] y = Probe.run(model, Tensor.ofFloats(new long[] {n, 4}, flat)).toFloatArray();
        for (int i = 0; i < n; i++) {
          System.arraycopy(y, i * 2, rows[first + i], 0, 2);
        }
        first += n;
      }
    }
    return rows;
  }

  private Path writeJsonInput() throws IOException {
    Path in = tmp.resolve("in.json");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      StringBuilder b = new StringBuilder("{\"id\":\"r" + i + "\",\"features\":[");
      for (int j = 0; j < 4; j++) {
        b.append(j > 0 ? "," : "").append(inputs[i][j]);
      }
      lines.add(b.append("]}").toString());
    }
    Files.write(in, lines);
    return in;
  }

  private Path writeCsvInput(String badCell) throws IOException {
    Path in = tmp.resolve("in.csv");
    List<String> lines = new ArrayList<>();
    lines.add("f0,f1,f2,f3");
    for (int i = 0; i < ROWS; i++) {
      float[] r = inputs[i];
      String f3 = badCell != null && i == 2 ? badCell : Float.toString(r[3]);
      lines.add(r[0] + "," + r[1] + "," + r[2] + "," + f3);
    }
    Files.write(in, lines);
    return in;
  }

  @Test
  void aTruncatedInputFileFailsThePredictionNamingItAlsoWhereTheClustersDefaultsIgnoreCorruptFiles() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("gz-input"));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
      StringBuilder b = new StringBuilder("f0,f1,f2,f3\n");
      for (int i = 0; i < 5000; i++) {
        b.append(i).append(",1,2,3\n");
      }
      gz.write(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    byte[] all = bytes.toByteArray();
    Files.write(dir.resolve("a.csv.gz"), java.util.Arrays.copyOf(all, all.length / 2));
    Path output = tmp.resolve("gz-predictions");

    // as a cluster's spark-defaults.conf may set it
    int code = run("predict", job.toString(), "--master", "local[1]", "--conf", "spark.sql.files.ignoreCorruptFiles=true",
        "--input", dir.toString(), "--format", "csv", "--features", "f0,f1,f2,f3", "--output", output.toString());

    assertThat(code).as("not a prediction of the rows before the damage, and bad input as in train and evaluate: %s",
        out + err).isEqualTo(4);
    assertThat(err).contains("cannot read file").contains("a.csv.gz").doesNotContain("configuration error");
    assertThat(output.resolve(PredictionOutput.MARKER)).doesNotExist();
  }

  /** Lines of the CSV part files in {@code dir}, header lines dropped, in part order. */
  private static List<String[]> readCsvParts(Path dir) throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (Stream<Path> parts = Files.list(dir)) {
      for (Path p : parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted()
          .collect(Collectors.toList())) {
        List<String> lines = Files.readAllLines(p);
        for (String line : lines.subList(1, lines.size())) {
          rows.add(line.split(","));
        }
      }
    }
    return rows;
  }

  @Test
  void predictionsFromACheckpointEqualTheModelsEvalForwardAndArgmax() throws Exception {
    Path in = writeJsonInput();
    Path result = tmp.resolve("pred");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--output",
        result.toString(), "--output-format", "csv", "--batch-size", "5")).as(out + err).isEqualTo(0);
    assertThat(out).contains("predicted 23 of 23 rows").contains("mlp v1 (its trained weights) from ")
        .contains("[features]")
        .contains("-> csv file://" + result.toAbsolutePath()).contains(" from file:///");
    List<String[]> rows = readCsvParts(result);
    assertThat(rows).hasSize(ROWS);
    float[][] want = directOutputs(5, 5, 5, 5, 3); // one file, one partition, batches of 5
    int classesSeen = 0;
    for (String[] r : rows) {
      assertThat(r).hasSize(7); // id, row_id, prediction, score_0, score_1, probability_0, probability_1
      int i = Integer.parseInt(r[0].substring(1));
      assertThat(Long.parseLong(r[1])).as("row_id of a one-file input is the row's index in it").isEqualTo(i);
      float s0 = Float.parseFloat(r[3]);
      float s1 = Float.parseFloat(r[4]);
      assertThat(new float[] {s0, s1}).as("row %s", i).containsExactly(want[i]);
      int argmax = want[i][1] > want[i][0] ? 1 : 0;
      assertThat(Integer.parseInt(r[2])).as("row %s", i).isEqualTo(argmax);
      double p1 = Double.parseDouble(r[6]);
      assertThat(p1).as("the softmax's class 1 of row %s, the logistic of the logits' difference", i)
          .isCloseTo(1 / (1 + Math.exp((double) want[i][0] - want[i][1])), within(1e-15));
      assertThat(Double.parseDouble(r[5]) + p1).isCloseTo(1.0, within(1e-15));
      classesSeen |= 1 << argmax;
    }
    assertThat(classesSeen).as("both classes predicted somewhere, so argmax is exercised").isEqualTo(3);
  }

  @Test
  void aModelWithDropoutPredictsWithItsEvaluationModeForward() throws Exception {
    // the fixture's checkpoint (format 1.0, no seal of its own) as trained with dropout: the weights are the same,
    // its evaluation-mode forward too, a training-mode one is not
    Path manifest = job.resolve("checkpoints/epoch-000001/manifest.json");
    String json = Files.readString(manifest);
    assertThat(json).contains("\"model.dropout\" : 0.0,");
    Files.writeString(manifest, json.replace("\"model.dropout\" : 0.0,", "\"model.dropout\" : 0.5,"));
    Path in = writeJsonInput();
    Path result = tmp.resolve("pred-dropout");
    assertThat(run("predict", job.toString(), "--master", "local[1]", "--input", in.toString(), "--output",
        result.toString(), "--output-format", "csv", "--batch-size", "5")).as(out + err).isEqualTo(0);
    float[][] want = directOutputs(5, 5, 5, 5, 3);
    List<String[]> rows = readCsvParts(result);
    assertThat(rows).hasSize(ROWS);
    for (String[] r : rows) {
      int i = Integer.parseInt(r[0].substring(1));
      assertThat(new float[] {Float.parseFloat(r[3]), Float.parseFloat(r[4])}).as("row %s", i)
          .containsExactly(want[i]);
    }
  }

  @Test
  void theSameInputBatchSizeAndMasterGiveTheSameScoresEveryTime() throws Exception {
    Path in = writeJsonInput();
    String[] args = {"predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--batch-size", "7"};
    assertThat(run(args)).as(err).isEqualTo(0);
    String first = out;
    assertThat(first.lines()).hasSize(ROWS + 1);
    assertThat(run(args)).as(err).isEqualTo(0);
    assertThat(out).isEqualTo(first);
  }

  @Test
  void aDirectoryOfJsonPartsIsReadAsJsonByTheExtensionItsFilesShare() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("json-parts"));
    Files.move(writeJsonInput(), dir.resolve("part-00000-abc.json"));
    Files.writeString(dir.resolve("_SUCCESS"), "");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", dir.toString()))
        .as(out + err).isEqualTo(0);
    assertThat(out.lines()).hasSize(ROWS + 1).first()
        .isEqualTo("id,row_id,prediction,score_0,score_1,probability_0,probability_1");
  }

  @Test
  void structAndMapColumnsPassedThroughToCsvKeepTheirFieldNamesAsJson() throws Exception {
    Path in = tmp.resolve("meta.json");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"meta\":{\"source\":\"s" + i + "\",\"weight\":" + i + "},\"tags\":[{\"k\":\"x\"}],\"features\":["
          + inputs[i][0] + "," + inputs[i][1] + "," + inputs[i][2] + "," + inputs[i][3] + "]}");
    }
    Files.write(in, lines);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString())).as(err).isEqualTo(0);
    assertThat(out.lines().findFirst())
        .hasValue("meta,tags,row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(out).as("a cast to string would print {s0, 0} and [{x}]")
        .contains("\"{\"\"source\"\":\"\"s0\"\",\"\"weight\"\":0}\",\"[{\"\"k\"\":\"\"x\"\"}]\",");
  }

  @Test
  void inputColumnsWhoseNamesHoldADotOrABackquoteAreReadAndPassedThroughByTheirWholeName() throws Exception {
    // Dataset.col would read "meta.id" as field id of a column meta, which does not exist, and refuse "b`q"
    Path in = tmp.resolve("dotted.json");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"b`q\":" + i + ",\"meta.id\":\"r" + i + "\",\"x.features\":[" + inputs[i][0] + ","
          + inputs[i][1] + "," + inputs[i][2] + "," + inputs[i][3] + "]}");
    }
    Files.write(in, lines);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "x.features")).as(err).isEqualTo(0);
    assertThat(out.lines().findFirst())
        .hasValue("b`q,meta.id,row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(out.lines().skip(1)).hasSize(ROWS).allSatisfy(l -> assertThat(l).matches("\\d+,r\\d+,.*"));
  }

  @Test
  void anInputColumnNamedAsAnOutputColumnInAnotherCaseIsRefusedBeforeSparkWrites() throws Exception {
    Path in = tmp.resolve("cased.json");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      lines.add("{\"Prediction\":" + i + ",\"features\":[" + inputs[i][0] + "," + inputs[i][1] + "," + inputs[i][2]
          + "," + inputs[i][3] + "]}");
    }
    Files.write(in, lines);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "features")).isEqualTo(2);
    assertThat(err).contains("input column 'Prediction' has the name of an output column ('prediction'");

    Path scored = tmp.resolve("scored.json");
    Files.write(scored, lines.stream().map(l -> l.replace("\"Prediction\"", "\"Score_1\"")).toList());
    Path csv = tmp.resolve("scored-predictions.csv");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", scored.toString(), "--features",
        "features", "--output", csv.toString(), "--output-format", "csv")).as(err).isEqualTo(2);
    assertThat(err).contains("input column 'Score_1' has the name of an output column of CSV predictions")
        .contains("or write parquet (--output-format parquet), which holds them as array columns");
    assertThat(csv).doesNotExist();
  }

  @Test
  void namedNumericCsvColumnsArePredictedAndPrintedWithRowIds() throws Exception {
    Path in = writeCsvInput(null);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3")).as(err).isEqualTo(0);
    List<String> lines = out.lines().collect(Collectors.toList());
    assertThat(lines.get(0)).isEqualTo("row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(lines).hasSize(ROWS + 1);
    float[][] want = directOutputs();
    for (String line : lines.subList(1, lines.size())) {
      String[] r = line.split(",");
      int i = Integer.parseInt(r[0]);
      assertThat(new float[] {Float.parseFloat(r[2]), Float.parseFloat(r[3])}).as("row %s", i)
          .containsExactly(want[i]);
    }
    assertThat(err).contains("predicted 23 of 23 rows");
  }

  @Test
  void anInputOfNoRowsGivesAnEmptyOutputAndSaysSo() throws Exception {
    Path in = tmp.resolve("header-only.csv");
    Files.write(in, List.of("f0,f1,f2,f3"));
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3")).as(err).isEqualTo(0);
    assertThat(out.lines()).containsExactly("row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(err).contains("predicted 0 of 0 rows", "the input holds no rows, so the output holds none");
  }

  @Test
  void aCsvWiderThanEpochalReadsIsAConfigErrorNamingTheLimitNotAnInternalError() throws Exception {
    int width = io.epochal.driver.data.MalformedLines.MAX_CSV_COLUMNS + 1;
    StringBuilder header = new StringBuilder("f0,f1,f2,f3");
    StringBuilder row = new StringBuilder("1,1,1,1");
    for (int i = 4; i < width; i++) {
      header.append(",c").append(i);
      row.append(",0");
    }
    Path in = tmp.resolve("too-wide.csv");
    Files.write(in, List.of(header.toString(), row.toString()));
    assertThat(run("predict", job.toString(), "--master", "local[1]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3")).as(err).isEqualTo(2);
    assertThat(err).contains("epochal: configuration error: input ")
        .contains("too-wide.csv: a csv line has more than " + io.epochal.driver.data.MalformedLines.MAX_CSV_COLUMNS
            + " columns")
        .doesNotContain("internal error");
  }

  @Test
  void aNonNumericValueIsABadRowNamingFileAndRow() throws Exception {
    Path in = writeCsvInput("oops");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--output", tmp.resolve("never").toString())).isEqualTo(4);
    assertThat(err).contains("in.csv, row 3").contains("'f3' holds 'oops', not a number")
        .contains("pass --bad-rows=skip").doesNotContain("data.bad_rows");
    assertThat(tmp.resolve("never")).doesNotExist();
  }

  @Test
  void aBadRowIsSkippedAndCountedWhenAsked() throws Exception {
    Path in = writeCsvInput("oops");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--bad-rows", "skip")).as(err).isEqualTo(0);
    assertThat(out.lines().count()).isEqualTo(ROWS); // header + 22 rows
    assertThat(out).doesNotContain("\n2,");
    assertThat(err).contains("predicted 22 of 23 rows (1 bad rows skipped)");
  }

  @Test
  void inputWhoseEveryRowIsBadIsAnErrorEvenWhenBadRowsAreSkippedNotAnEmptyOutput() throws Exception {
    Path in = writeJsonInput();
    Files.write(in, Files.readAllLines(in).stream().map(l -> l.replace("]}", ",0.5]}")).collect(Collectors.toList()));
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString())).isEqualTo(4);
    assertThat(err).contains("in.json, row 1").contains("has 5 values, expected 4")
        .contains("name other --features, or predict with a model of 5 features").doesNotContain("data.feature_size");
    Path output = tmp.resolve("all-bad");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--bad-rows", "skip",
        "--output", output.toString())).as(err).isEqualTo(2);
    assertThat(err).contains("every one of its 23 rows is bad, and --bad-rows skip skipped them all")
        .contains("has 5 values, expected 4").contains("nothing was written").doesNotContain("predicted 0 of");
    assertThat(output).doesNotExist();
  }

  @Test
  void csvLinesWithAFieldTooFewOrTooManyAreBadRowsNotPredictedFromShiftedOrCutValues() throws Exception {
    Path in = writeCsvInput(null);
    List<String> lines = new ArrayList<>(Files.readAllLines(in));
    String[] third = lines.get(3).split(",");
    lines.set(3, third[0] + "," + third[2] + "," + third[3]); // f1 missing: f2's value would be read as f1
    lines.set(5, lines.get(5) + ",7"); // one field too many: Spark would drop it without a word
    Files.write(in, lines);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3")).isEqualTo(4);
    assertThat(err).contains("in.csv, row 3").contains("the line has 3 fields but the header names 4 columns");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--bad-rows", "skip")).as(err).isEqualTo(0);
    assertThat(err).contains("predicted 21 of 23 rows (2 bad rows skipped)");
    assertThat(out).doesNotContain("\n2,").doesNotContain("\n4,");
  }

  @Test
  void aJsonLineThatDoesNotParseIsABadRowAndSparksCorruptRecordColumnIsNotCopiedToTheOutput() throws Exception {
    Path in = writeJsonInput();
    List<String> lines = new ArrayList<>(Files.readAllLines(in));
    lines.set(4, lines.get(4).substring(0, lines.get(4).length() / 2)); // a truncated write
    Files.write(in, lines);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString())).isEqualTo(4);
    assertThat(err).contains("in.json, row 5").contains("the line is not a JSON object");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--bad-rows",
        "skip")).as(err).isEqualTo(0);
    assertThat(err).contains("predicted 22 of 23 rows (1 bad rows skipped)");
    assertThat(out.lines().findFirst()).hasValue("id,row_id,prediction,score_0,score_1,probability_0,probability_1");
  }

  /** A directory of two csv files of {@link #writeCsvInput}'s rows: a.csv rows 0-4, b.csv (larger) rows 5-22. */
  private Path writeTwoCsvFiles() throws IOException {
    List<String> lines = Files.readAllLines(writeCsvInput(null));
    Path dir = Files.createDirectories(tmp.resolve("two-files"));
    // a.csv holds rows 0-4 and is the smaller file, which Spark reads last
    Files.write(dir.resolve("a.csv"), lines.subList(0, 6));
    List<String> b = new ArrayList<>(List.of(lines.get(0)));
    b.addAll(lines.subList(6, lines.size()));
    Files.write(dir.resolve("b.csv"), b);
    return dir;
  }

  @Test
  void rowIdsNumberTheFilesOfADirectoryInTheOrderOfTheirNamesWhateverOrderSparkReadsThem() throws Exception {
    Path dir = writeTwoCsvFiles();
    Path result = tmp.resolve("pred.csv");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", dir.toString(), "--features",
        "f0,f1,f2,f3", "--output", result.toString())).as(out + err).isEqualTo(0);
    float[][] want = directOutputs(5, ROWS - 5); // a batch per file
    List<String[]> rows = readCsvParts(result);
    assertThat(rows).hasSize(ROWS);
    for (String[] r : rows) {
      int i = Integer.parseInt(r[0]);
      assertThat(new float[] {Float.parseFloat(r[2]), Float.parseFloat(r[3])}).as("row %s", i)
          .containsExactly(want[i]);
    }
    assertThat(rows.get(rows.size() - 1)[0]).as("written files keep Spark's read order: a.csv read last, numbered "
        + "first").isEqualTo("4");
  }

  @Test
  void printedPredictionsComeInRowIdOrderAcrossFilesOfDifferentSizesAndPartitions() throws Exception {
    Path dir = writeTwoCsvFiles();
    // a.csv is one split; b.csv is read in blocks larger than it, which Spark reads first (the larger first)
    long split = Files.size(dir.resolve("a.csv")) + 16;
    assertThat(Files.size(dir.resolve("b.csv"))).as("b.csv spans several splits").isGreaterThan(2 * split);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--conf", "spark.sql.files.maxPartitionBytes="
        + split, "--conf", "spark.sql.files.openCostInBytes=0", "--input", dir.toString(), "--features",
        "f0,f1,f2,f3", "--batch-size", "1")).as(err).isEqualTo(0);
    int[] ones = new int[ROWS];
    java.util.Arrays.fill(ones, 1);
    float[][] want = directOutputs(ones); // batches of one row, as --batch-size 1 predicts them wherever they are
    List<String> printed = out.lines().skip(1).collect(Collectors.toList());
    assertThat(printed.stream().map(l -> l.split(",")[0]).collect(Collectors.toList()))
        .as("row_ids as printed").containsExactlyElementsOf(java.util.stream.IntStream.range(0, ROWS)
            .mapToObj(Integer::toString).collect(Collectors.toList()));
    for (String line : printed) {
      String[] r = line.split(",");
      int i = Integer.parseInt(r[0]);
      assertThat(new float[] {Float.parseFloat(r[2]), Float.parseFloat(r[3])}).as("row %s", i)
          .containsExactly(want[i]);
    }
  }

  @Test
  void whatAStoppedWriteLeftIsReplacedWithOverwriteAndNamedAsSuchWithout() throws Exception {
    Path in = writeCsvInput(null);
    Path output = tmp.resolve("stopped");
    // a predict stopped by Ctrl-C: Spark's task output under _temporary, no marker, no _SUCCESS
    Files.createDirectories(output.resolve("_temporary/0/_temporary/attempt_1"));
    Files.writeString(output.resolve("_temporary/0/_temporary/attempt_1/part-00000.csv"), "row_id\n0\n");
    String[] args = {"predict", job.toString(), "--master", "local[1]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--output", output.toString()};
    assertThat(run(args)).as(err).isEqualTo(2);
    assertThat(err).contains("already exists and is empty or holds only Spark's _temporary files, as a stopped "
        + "write leaves it, or one that still runs; once no predict writes there, pass --overwrite");
    String[] again = java.util.Arrays.copyOf(args, args.length + 1);
    again[args.length] = "--overwrite";
    assertThat(run(again)).as(err).isEqualTo(0);
    assertThat(output.resolve(PredictionOutput.MARKER)).exists();
    assertThat(output.resolve("_temporary")).doesNotExist();

    Path empty = Files.createDirectories(tmp.resolve("empty-output"));
    again[again.length - 2] = empty.toString();
    assertThat(run(again)).as(err).isEqualTo(0);
    assertThat(empty.resolve(PredictionOutput.MARKER)).exists();
  }

  @Test
  void anEarlierPredictionOutputIsReplacedOnlyWithOverwriteAndNothingElseIs() throws Exception {
    Path in = writeCsvInput(null);
    Path output = tmp.resolve("pred");
    String[] args = {"predict", job.toString(), "--master", "local[1]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--output", output.toString()};
    assertThat(run(args)).as(err).isEqualTo(0);
    assertThat(output.resolve(PredictionOutput.MARKER)).content().contains("\"written_by\" : \"epochal predict\"",
        "\"rows\" : " + ROWS, "\"weights\" : \"trained\"");
    assertThat(run(args)).isEqualTo(2);
    assertThat(err).contains("--output file://" + output + " already exists").contains("pass --overwrite");

    String[] again = java.util.Arrays.copyOf(args, args.length + 1);
    again[args.length] = "--overwrite";
    assertThat(run(again)).as(err).isEqualTo(0);
    assertThat(output.resolve("_SUCCESS")).exists();
    assertThat(output.resolve(PredictionOutput.MARKER)).exists();

    String[] ontoJob = again.clone();
    ontoJob[args.length - 1] = job.toString();
    assertThat(run(ontoJob)).isEqualTo(2);
    assertThat(err).contains("is an Epochal job directory (job.json); --overwrite replaces only an earlier prediction "
        + "output, never a job").doesNotContain("remove");
    assertThat(job.resolve("job.json")).exists();

    // a dataset Spark completed (its _SUCCESS file) is data, not a prediction output
    Path data = Files.createDirectories(tmp.resolve("training-data"));
    Files.copy(in, data.resolve("part-00000-abc.csv"));
    Files.writeString(data.resolve("_SUCCESS"), "");
    String[] ontoData = again.clone();
    ontoData[args.length - 1] = data.toString();
    assertThat(run(ontoData)).isEqualTo(2);
    assertThat(err).contains("training-data already exists and is not an earlier prediction output", "never data or a job "
        + "directory");
    assertThat(data.resolve("part-00000-abc.csv")).hasSameTextualContentAs(in);

    String[] ontoInput = again.clone();
    ontoInput[args.length - 1] = in.getParent().toString();
    assertThat(run(ontoInput)).isEqualTo(2);
    assertThat(err).contains("--output file://" + in.getParent() + " holds --input file://" + in);

    // predictions written into the input would be read as rows by the next run on it
    String[] intoData = again.clone();
    intoData[args.length - 1] = data.resolve("predictions").toString();
    int inputAt = java.util.Arrays.asList(intoData).indexOf("--input") + 1;
    intoData[inputAt] = data.toString();
    assertThat(run(intoData)).isEqualTo(2);
    assertThat(err).contains("/predictions is inside the data of --input", "write it elsewhere");
    assertThat(data.resolve("predictions")).doesNotExist();
  }

  @Test
  void anOutputThatIsAJobACheckpointOrPartOfAJobIsRefusedAsSuchAndNeitherOverwriteNorRemovalIsOffered()
      throws Exception {
    Path in = writeCsvInput(null);
    Path checkpoint;
    try (Stream<Path> epochs = Files.list(job.resolve("checkpoints"))) {
      checkpoint = epochs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    Path copiedCheckpoint = tmp.resolve("copied-checkpoint");
    org.apache.commons.io.FileUtils.copyDirectory(checkpoint.toFile(), copiedCheckpoint.toFile());
    Path insideJob = Files.createDirectories(job.resolve("notes"));
    Files.writeString(insideJob.resolve("todo.txt"), "keep me");
    java.util.Map<Path, String> said = new java.util.LinkedHashMap<>();
    said.put(job, "--output file://" + job + " is an Epochal job directory (job.json); --overwrite replaces only an "
        + "earlier prediction output, never a job or its checkpoints: give a new location");
    said.put(copiedCheckpoint, "--output file://" + copiedCheckpoint + " is an Epochal checkpoint directory "
        + "(manifest.json); --overwrite replaces only an earlier prediction output");
    said.put(insideJob, "--output file://" + insideJob + " is inside the Epochal job directory file://" + job
        + " (job.json); --overwrite replaces only");
    Path jobs = tmp.resolve("jobs");
    FormatFixture.copyJob(jobs.resolve("job-b"));
    said.put(jobs, "--output file://" + jobs + " holds the Epochal job directory file://" + jobs.resolve("job-b") + " (job.json)");
    for (java.util.Map.Entry<Path, String> e : said.entrySet()) {
      for (boolean overwrite : new boolean[] {true, false}) {
        List<String> args = new ArrayList<>(List.of("predict", job.toString(), "--master", "local[1]", "--input",
            in.toString(), "--features", "f0,f1,f2,f3", "--output", e.getKey().toString()));
        if (overwrite) {
          args.add("--overwrite");
        }
        assertThat(run(args.toArray(new String[0]))).as(out + err).isEqualTo(2);
        assertThat(err).as("--overwrite %s", overwrite).contains(e.getValue()).doesNotContain("remove")
            .doesNotContain("pass --overwrite");
      }
    }
    assertThat(job.resolve("job.json")).exists();
    assertThat(copiedCheckpoint.resolve("manifest.json")).exists();
    assertThat(insideJob.resolve("todo.txt")).hasContent("keep me");
  }

  @Test
  void anUnreadableInputPathIsAOneLineConfigErrorWithExitTwo() {
    Path missing = tmp.resolve("no-such-input.parquet");
    assertThat(run("predict", job.toString(), "--input", missing.toString(), "--output",
        tmp.resolve("p").toString())).isEqualTo(2);
    assertThat(err.strip().lines().count()).as(err).isEqualTo(1);
    assertThat(err).contains("configuration error").contains("--input file://" + missing + " does not exist");
  }

  @Test
  void aJobDirectoryAsInputAndAnOutputInsideACheckpointAreRefused() throws IOException {
    assertThat(run("predict", job.toString(), "--input", job.toString())).isEqualTo(2);
    assertThat(err).contains("--input file://" + job + " is an Epochal job directory (it holds job.json), not rows: "
        + "give the data files");

    Path in = writeJsonInput();
    Path insideCheckpoint;
    try (java.util.stream.Stream<Path> epochs = Files.list(job.resolve("checkpoints"))) {
      insideCheckpoint = epochs.filter(Files::isDirectory).findFirst().orElseThrow().resolve("predictions");
    }
    assertThat(run("predict", job.toString(), "--input", in.toString(), "--output", insideCheckpoint.toString()))
        .isEqualTo(2);
    assertThat(err).contains("--output file://" + insideCheckpoint + " is inside the checkpoints of job file://" + job,
        "where retention deletes a checkpoint's directory with everything in it");
    assertThat(insideCheckpoint).doesNotExist();
    assertThat(run("export", job.toString(), "--format", "onnx", "--out",
        insideCheckpoint.resolveSibling("m.onnx").toString())).isEqualTo(2);
    assertThat(err).contains("is inside the checkpoints of job ");
    assertThat(run("export", job.toString(), "--format", "djl", "--out", tmp.resolve("model.onnx").toString()))
        .isEqualTo(2);
    assertThat(err).contains("names an ONNX file, but --format djl writes a model directory");
    assertThat(tmp.resolve("model.onnx")).doesNotExist();
  }

  @Test
  void featureColumnsOfTheWrongCountAreAConfigError() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2")).isEqualTo(2);
    assertThat(err).contains("names 3 numeric columns").contains("takes 4 features");
  }

  @Test
  void aCsvWithoutAHeaderLineIsToldToAddOneAndBinaryInputReadAsCsvToSetTheFormat() throws IOException {
    Path noHeader = tmp.resolve("no-header.csv");
    Files.writeString(noHeader, "0.5,1.5,2.5,3.5\n1.0,2.0,3.0,4.0\n");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", noHeader.toString(), "--features",
        "f0,f1,f2,f3")).as(out + err).isEqualTo(2);
    assertThat(err).contains("has no header line").contains("add a header line");

    Path binary = tmp.resolve("binary.csv");
    Files.write(binary, new byte[] {'P', 'A', 'R', '1', 0, 1, 2, 3, (byte) 0xff, '\n', '1', '\n'});
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", binary.toString(), "--features",
        "f0,f1,f2,f3")).as(out + err).isEqualTo(2);
    assertThat(err).contains("the files are probably not csv; set --format to their format")
        .doesNotContain("its columns are");
    assertThat(err.lines().filter(l -> l.contains("configuration error")))
        .singleElement().satisfies(l -> assertThat(l.length()).as("no raw bytes dumped: %s", l).isLessThan(600));
  }

  @Test
  void csvReadAsJsonIsAConfigErrorAboutTheFormatNotAListOfCorruptRecords() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--format", "json",
        "--features", "f0,f1,f2,f3")).as(out + err).isEqualTo(2);
    assertThat(err).contains("read as json has no column 'f0': no line parsed as a JSON object")
        .contains("set --format to their format");
  }

  @Test
  void anInputOrOutputOnAnUnknownSchemeIsRefusedNamingTheOption() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", "s4://bucket/rows")).isEqualTo(2);
    assertThat(err).contains("--input 's4://bucket/rows' is not a usable location", "No FileSystem for scheme");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--output",
        "s4://bucket/out")).isEqualTo(2);
    assertThat(err).contains("--output 's4://bucket/out' is not a usable location");
  }

  @Test
  void overwriteOrAnOutputFormatWithoutAnOutputIsRefusedNotIgnored() throws IOException {
    Path in = writeCsvInput(null);
    for (String option : List.of("--overwrite", "--output-format=csv")) {
      assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
          "f0,f1,f2,f3", option)).as(out + err).isEqualTo(2);
      assertThat(err).contains(option.replace("=csv", "") + " applies to --output, which is not given");
    }
  }

  @Test
  void anOutputNamedForAFormatPredictDoesNotWriteIsRefusedNotWrittenAsParquet() throws IOException {
    Path in = writeCsvInput(null);
    Path output = tmp.resolve("scores.json");
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString(), "--features",
        "f0,f1,f2,f3", "--output", output.toString())).as(out + err).isEqualTo(2);
    assertThat(err).contains("scores.json names another format than predict writes")
        .contains("--output-format");
    assertThat(output).doesNotExist();
  }

  @Test
  void aFeatureColumnOfTheModelMissingFromTheInputSaysItCameFromTheModelWhenFeaturesAreNotGiven() throws IOException {
    Path in = writeCsvInput(null);
    assertThat(run("predict", job.toString(), "--master", "local[2]", "--input", in.toString())).as(out + err)
        .isEqualTo(2);
    assertThat(err).contains("the model's data.features (--features not given) names column 'features', which is "
        + "not in csv input").contains("name the input's feature columns with --features");
  }
}
