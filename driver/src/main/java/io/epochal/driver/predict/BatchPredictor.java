package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.train.ServedWeights;
import io.epochal.driver.data.BadInputException;
import io.epochal.driver.data.FeatureColumns;
import io.epochal.driver.data.PartitionScan;
import io.epochal.driver.data.RowDecoder;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Runs {@code epochal predict} on Spark, with a checkpoint's model or an ONNX model file. For a
 * checkpoint it checks the state against its model on the driver and takes the feature columns
 * given, or the checkpoint's {@code data.features}; an ONNX file needs them given. It reads the
 * input, checks every row as training does (a bad row fails the run naming file and row, unless
 * bad rows are skipped), then predicts each partition with {@link PartitionPredictor} (the state
 * dict sent once as a broadcast) or {@link OnnxPartitionPredictor} (the model's bytes sent once as
 * a broadcast) and writes parquet or CSV, or prints CSV. Printed rows come in {@code row_id} order
 * (the input is ordered by it before the model runs, {@link RowNumbers}); written output files hold
 * them in the order Spark read the input.
 *
 * <p>Output columns: the input's columns other than the features, {@code row_id} (the row's
 * 0-based index in the input, bad rows counted, numbered as training numbers rows: the files in the
 * order of their paths, each file's rows in order), {@code prediction} (the argmax class, an int,
 * for a classification model; the output, a float, for a one-output regression model; the outputs
 * for a multi-output one), {@code scores} (the model's outputs, logits for classification, as
 * {@code array<float>}) and for a classification {@code probability} (the softmax of the logits,
 * {@code array<double>}, as Spark ML's classifiers' {@code rawPrediction} and {@code probability}).
 * CSV has no arrays: {@code scores} becomes {@code score_0 ... score_<k-1>}, {@code probability}
 * {@code probability_0 ...}, and other array columns are written in their string form.
 */
public final class BatchPredictor {

  /** Output column of the predicted class or value. */
  public static final String PREDICTION = "prediction";
  /** Output column of the model's outputs. */
  public static final String SCORES = "scores";
  /** Output column of a classification's class probabilities, the softmax of its scores. */
  public static final String PROBABILITY = "probability";
  /** Output column of the row's index in the input (files in the order of their paths, {@link RowNumbers}). */
  public static final String ROW_ID = "row_id";

  private static final String FILE_COLUMN = "_epochal_input_file";
  private static final String BLOCK_COLUMN = "_epochal_input_block";

  private final EpochalSpark spark;
  private final ModelRegistry registry;

  /** A predictor on {@code spark} building models from {@code registry}. */
  public BatchPredictor(EpochalSpark spark, ModelRegistry registry) {
    this.spark = checkNotNull(spark, "spark");
    this.registry = checkNotNull(registry, "registry");
  }

  /**
   * Predicts {@code options}' input with {@code checkpoint}'s model.
   *
   * @param stdout where predictions are printed as CSV when the options name no output
   * @throws ConfigException for an unreadable input, an existing output, a missing or mis-sized
   *     feature column, an output column name the input already uses
   * @throws BadInputException naming file and row of the first bad row, unless bad rows are skipped
   * @throws IOException when the input or output file system cannot be reached
   */
  public PredictionSummary predict(LoadedCheckpoint checkpoint, PredictOptions options, PrintStream stdout)
      throws BadInputException, IOException {
    CheckpointManifest m = checkpoint.manifest();
    HyperParameters hp = m.hyperParameters();
    int version = Integer.parseInt(m.modelVersion());
    HyperParameters modelParams = HyperParameters.builder().putAll(hp.withPrefix(JobKeys.MODEL_PREFIX))
        .remove("name").remove("version").build();
    long[] inputShape;
    int outputSize;
    try (EpochalModel model = registry.create(m.modelName(), version, modelParams)) {
      model.loadStateDict(ServedWeights.of(checkpoint, options.weights()));
      inputShape = model.inputShape();
      outputSize = model.outputSize();
    }
    boolean classification = isClassification(hp);

    checkLocations(options, spark.jsc().hadoopConfiguration());
    String format = PredictInput.format(options, hp.contains(JobKeys.DATA_FORMAT) ? hp.getString(JobKeys.DATA_FORMAT)
        : "parquet", spark.jsc().hadoopConfiguration());
    List<String> features = PredictFeatures.of(options, hp);
    String name = m.modelName() + " v" + version;
    Broadcast<StateDict> state = spark.jsc().broadcast(ServedWeights.of(checkpoint, options.weights()));
    try {
      String weights = ServedWeights.isAverage(checkpoint, options.weights()) ? ServedWeights.AVERAGE
          : ServedWeights.TRAINED;
      return run(new ModelSide("model " + name, name, checkpoint.path(), inputShape, outputSize, classification,
          weights),
          format, features, options, stdout, layout -> {
            PredictionPlan plan = new PredictionPlan(m.modelName(), version, modelParams, layout);
            return it -> PartitionPredictor.predict(plan, state.value(), it);
          });
    } finally {
      state.destroy();
    }
  }

  /**
   * Predicts {@code options}' input with an ONNX model: its bytes go to the executors once as a
   * broadcast, each executor runs them in one ONNX Runtime session. The prediction is the argmax of
   * the outputs of a classification ({@link OnnxSignature#classification()}: as an Epochal export
   * records it, else when the model has several outputs), the outputs themselves of a regression.
   *
   * @param stdout where predictions are printed as CSV when the options name no output
   * @throws ConfigException as {@link #predict(LoadedCheckpoint, PredictOptions, PrintStream)}, and
   *     when the options name no feature columns (an ONNX file has no {@code data.features})
   * @throws BadInputException naming file and row of the first bad row, unless bad rows are skipped
   * @throws IOException when the input or output file system cannot be reached
   */
  public PredictionSummary predict(OnnxModelFile model, PredictOptions options, PrintStream stdout)
      throws BadInputException, IOException {
    checkOnnxFeatures(model, options);
    checkLocations(options, spark.jsc().hadoopConfiguration());
    OnnxSignature signature = model.signature();
    String digest = model.digest();
    Broadcast<byte[]> bytes = spark.jsc().broadcast(model.bytes());
    try {
      return run(new ModelSide("ONNX model " + model.location(), "ONNX " + signature, model.location(),
          signature.sampleShape(), signature.outputSize(), signature.classification(), null),
          PredictInput.format(options, "parquet", spark.jsc().hadoopConfiguration()), options.features(), options, stdout,
          layout -> it -> OnnxPartitionPredictor.predict(layout, signature, digest, bytes, it));
    } finally {
      bytes.destroy();
    }
  }

  /**
   * Whether a model trained with hyperparameters {@code hp} gives a classification's logits: its
   * {@code loss} is {@code softmax_cross_entropy}, or it records none (the default).
   */
  public static boolean isClassification(HyperParameters hp) {
    return !hp.contains(JobKeys.LOSS) || io.epochal.worker.loss.Losses.isClassification(hp.getString(JobKeys.LOSS));
  }

  /**
   * Checks, before Spark starts, that {@code options} name feature columns for {@code model} and,
   * when they name several numeric columns, as many as the model takes.
   *
   * @throws ConfigException naming {@code --features}, the counts and the file
   */
  public static void checkOnnxFeatures(OnnxModelFile model, PredictOptions options) {
    PredictFeatures.checkOnnx(model, options);
  }

  /** The model as the shared prediction flow sees it. */
  private static final class ModelSide {
    final String description;
    final String summaryName;
    final String source;
    final long[] inputShape;
    final int outputSize;
    final boolean classification;
    /** {@code trained} or {@code ema}: the checkpoint's weights that predict; null for an ONNX file. */
    final String weights;

    ModelSide(String description, String summaryName, String source, long[] inputShape, int outputSize,
        boolean classification, String weights) {
      this.weights = weights;
      this.description = description;
      this.summaryName = summaryName;
      this.source = source;
      this.inputShape = inputShape;
      this.outputSize = outputSize;
      this.classification = classification;
    }
  }

  /**
   * Predicts one partition's rows, numbered by {@link RowNumbers}, in their order; runs in a task.
   */
  @FunctionalInterface
  private interface PartitionTask extends java.io.Serializable {
    Iterator<Row> predict(Iterator<Row> rows) throws Exception;
  }

  /** Reads, checks and predicts the input with the tasks {@code tasks} makes for the layout, writes the output. */
  private PredictionSummary run(ModelSide model, String format, List<String> features, PredictOptions options,
      PrintStream stdout, Function<PredictionLayout, PartitionTask> tasks) throws BadInputException, IOException {
    try (PredictionOutput.StopNotice notice = PredictionOutput.noticeOnStop(options.output())) {
      return runNoticed(model, format, features, options, stdout, tasks);
    } catch (Exception e) { // Spark's own failures too (a SparkException, checked but undeclared)
      if (io.epochal.driver.data.MalformedLines.tooManyCsvColumns(e)) { // as training and evaluate say it
        throw new ConfigException("--input", "input " + options.input() + ": "
            + io.epochal.driver.data.MalformedLines.tooManyCsvColumnsAdvice());
      }
      throw e;
    }
  }

  private PredictionSummary runNoticed(ModelSide model, String format, List<String> features, PredictOptions options,
      PrintStream stdout, Function<PredictionLayout, PartitionTask> tasks) throws BadInputException, IOException {
    // every row predicted or a failure naming the file that cannot be read, as training reads
    io.epochal.driver.data.DatasetLoader.failingOnUnreadableFiles(spark.session());
    Dataset<Row> df = io.epochal.driver.data.InputFormats.load(spark.session(), reader(format), options.input(), format,
        "--format");
    // first, so that a csv file whose header differs is not reported as a missing column; in a
    // session of its own, since reading csv strictly turns off a setting of the session that reads
    io.epochal.driver.data.MalformedLines.Input read = io.epochal.driver.data.MalformedLines.of(
        io.epochal.driver.data.DatasetLoader.failingOnUnreadableFiles(spark.session().newSession()), df, format,
        options.input(), "--format", true);
    if ("json".equals(format)) {
      io.epochal.driver.data.JsonLines.refuseSeveralValuesPerLine(spark.session(), df);
    }
    List<String> columns = Arrays.asList(df.columns());
    for (String c : features) {
      if (!columns.contains(c)) {
        throw io.epochal.driver.data.MissingColumn.of(c, columns, format, "input " + options.input(), "--format",
            options.features().isEmpty() ? "the model's data.features (--features not given)" : "--features",
            "name the input's feature columns with --features");
      }
    }
    int featureSize = Math.toIntExact(Arrays.stream(model.inputShape).reduce(1, (a, b) -> a * b));
    boolean arrayColumn = FeatureColumns.isArrayColumn(df, features, format);
    if (!arrayColumn && features.size() != featureSize) {
      throw PredictFeatures.count(features, options.features().isEmpty()
          ? "the model's data.features (--features not given)"
          : "--features", model.description, featureSize);
    }
    List<String> pass = read.dataColumns().stream().filter(c -> !features.contains(c)).collect(Collectors.toList());
    for (String taken : List.of(PREDICTION, SCORES, PROBABILITY, ROW_ID, FILE_COLUMN, BLOCK_COLUMN,
        RowNumbers.COLUMN)) {
      // Spark's writers compare column names ignoring case (spark.sql.caseSensitive=false)
      java.util.Optional<String> clash = pass.stream().filter(taken::equalsIgnoreCase).findFirst();
      if (clash.isPresent()) {
        throw new ConfigException("--input", "input column '" + clash.get() + "' has the name of an output column ('"
            + taken + "', compared ignoring case as Spark writes columns); rename it in " + options.input());
      }
    }
    if (options.output() == null || "csv".equals(options.outputFormat())) {
      // CSV holds one column per output: score_0, probability_0, ... (prediction_0, ... for several outputs)
      java.util.Optional<String> flat = pass.stream().filter(c -> c.matches("(?i)(score|probability|prediction)_\\d+"))
          .findFirst();
      if (flat.isPresent()) {
        throw new ConfigException("--input", "input column '" + flat.get() + "' has the name of an output column of "
            + "CSV predictions (score_<i>, probability_<i>, prediction_<i>, compared ignoring case); rename it in "
            + options.input() + ", or write parquet (" + (options.output() == null ? "--output <dir> " : "")
            + "--output-format parquet), which holds them as array columns");
      }
    }
    Dataset<Row> input = read.rows();
    RowDecoder decoder = RowDecoder.forFeatures(features, arrayColumn, featureSize);
    List<Column> select = new ArrayList<>();
    if (read.column() != null) {
      select.add(FeatureColumns.column(input, read.column()));
      decoder = decoder.withMalformedLineCheck(read.check());
    }
    PredictionLayout layout = new PredictionLayout(decoder, model.inputShape, model.outputSize,
        model.classification, options.batchSize(), options.skipBadRows(), pass.size(), true);

    features.forEach(c -> select.add(FeatureColumns.column(input, c)));
    pass.forEach(c -> select.add(FeatureColumns.column(input, c)));
    select.add(functions.input_file_block_start().as(BLOCK_COLUMN));
    select.add(functions.input_file_name().as(FILE_COLUMN));
    Dataset<Row> selected = input.select(select.toArray(new Column[0]));
    JavaRDD<Row> rows = selected.javaRDD();

    RowDecoder rowDecoder = decoder;
    List<PartitionScan> scans;
    try {
      scans = new ArrayList<>(rows.mapPartitionsWithIndex(
          (Integer p, Iterator<Row> it) -> List.of(PartitionScan.scan(p, it, rowDecoder, true)).iterator(), true)
          .collect());
    } catch (Exception e) { // Spark throws its checked SparkException undeclared
      String unreadable = io.epochal.driver.data.InputFormats.unreadableFile(e);
      if (unreadable == null) {
        throw e;
      }
      throw new io.epochal.driver.data.UnreadableInputException(options.input(), unreadable,
          io.epochal.driver.data.InputFormats.unreadableAdvice(unreadable), e);
    }
    scans.sort(Comparator.comparingInt(PartitionScan::partition));
    // rows numbered by file path and block, as training numbers them, whatever order Spark reads in
    long[][] start = PartitionScan.rowStartsByFileName(scans);
    long[][] runRows = PartitionScan.runRows(scans);
    long total = 0;
    long bad = 0;
    for (PartitionScan s : scans) {
      total += s.rows();
      bad += s.bad();
    }
    if (bad > 0 && !options.skipBadRows()) {
      throw PartitionScan.firstBadByFileName(scans, format);
    }
    if (bad > 0 && bad == total) {
      // an output of no row is no prediction: the options or the model do not fit this input
      BadInputException first = PartitionScan.firstBadByFileName(scans, format);
      throw new ConfigException("--bad-rows", "input " + options.input() + ": every one of its " + bad + " rows is bad, "
          + "and --bad-rows skip skipped them all; the first, row " + first.rowInFile() + " of " + first.file() + ": "
          + first.reason() + ". When every row is bad, --features, --format or the model do not fit this input: fix "
          + "them rather than skip every row (nothing was written)");
    }

    PartitionTask task = tasks.apply(layout);
    JavaRDD<Row> numbered = rows.mapPartitionsWithIndex(
        (Integer p, Iterator<Row> it) -> RowNumbers.number(it, start[p], runRows[p]), true);
    if (options.output() == null) {
      // printed in row_id order: the input is ordered, the model then keeps each partition's order
      numbered = RowNumbers.inOrder(spark.session(), numbered, RowNumbers.schema(selected.schema()),
          rows.getNumPartitions());
    }
    JavaRDD<Row> predicted = numbered.mapPartitions(task::predict, true);
    Dataset<Row> out = spark.session().createDataFrame(predicted, schema(df.schema(), pass, layout));
    String outputFormat = options.outputFormat();
    if (options.output() == null) {
      CsvPrinter.print(CsvPrinter.flatten(out, model.outputSize), stdout);
    } else if ("csv".equals(outputFormat)) {
      // the options the printed lines are formatted with: a printed value reads as the written one
      CsvPrinter.flatten(out, model.outputSize).write().mode(PredictionOutput.saveMode(options))
          .option("header", "true")
          .options(CsvPrinter.OPTIONS)
          .csv(options.output());
    } else {
      out.write().mode(PredictionOutput.saveMode(options)).parquet(options.output());
    }
    PredictionSummary summary = new PredictionSummary(model.summaryName, model.source, features, total, bad,
        options.output(), options.output() == null ? "csv" : outputFormat, model.weights);
    if (options.output() != null) {
      PredictionOutput.markCompleted(summary, spark.jsc().hadoopConfiguration());
    }
    return summary;
  }

  /** The output schema: pass columns as read, row_id, prediction, scores and, for a classification, probability. */
  static StructType schema(StructType input, List<String> pass, PredictionLayout plan) {
    List<StructField> fields = new ArrayList<>();
    for (String c : pass) {
      fields.add(input.apply(c));
    }
    if (plan.rowId()) {
      fields.add(DataTypes.createStructField(ROW_ID, DataTypes.LongType, false));
    }
    ArrayType floats = DataTypes.createArrayType(DataTypes.FloatType, false);
    DataType prediction = plan.classification() ? DataTypes.IntegerType
        : plan.outputSize() == 1 ? DataTypes.FloatType : floats;
    fields.add(DataTypes.createStructField(PREDICTION, prediction, false));
    fields.add(DataTypes.createStructField(SCORES, floats, false));
    if (plan.classification()) {
      fields.add(DataTypes.createStructField(PROBABILITY, DataTypes.createArrayType(DataTypes.DoubleType, false),
          false));
    }
    return DataTypes.createStructType(fields);
  }

  /**
   * Checks, before anything starts, that the input exists and can be read and that the output (if
   * any) does not exist yet.
   *
   * @throws ConfigException naming the option, the location and the fix
   * @throws IOException when the output's file system cannot be reached
   */
  public static void checkLocations(PredictOptions options, Configuration conf) throws IOException {
    PredictInput.check(options.input(), conf);
    if (options.output() != null) {
      PredictionOutput.check(options, conf);
    }
  }

  private DataFrameReader reader(String format) {
    return "csv".equals(format) ? io.epochal.driver.data.MalformedLines.csvReader(spark.session(), true)
        : spark.session().read().format(format);
  }
}
