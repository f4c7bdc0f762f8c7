package io.epochal.driver.cli;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code epochal gen-data OUT}: writes a learnable synthetic classification dataset (one Gaussian
 * cluster per class), deterministic per seed.
 */
@Command(name = "gen-data", mixinStandardHelpOptions = true,
    description = {"Write a synthetic classification dataset: one Gaussian cluster per class, a pure function "
        + "of rows, features, classes, seed and separation.",
        "Columns: 'features' (array<float>) and 'label' (int), or f0..f<n-1> and 'label' with --layout columns "
            + "(always for csv)."})
final class GenDataCommand implements Callable<Integer> {

  @ParentCommand
  EpochalCli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "OUT", description = "Output directory: a Hadoop URI or a local path.")
  String out;

  @Option(names = "--rows", defaultValue = "4096", description = "Rows (default: ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--first-row", defaultValue = "0", description = "Number of the first row written (default: "
      + "${DEFAULT-VALUE}): a second output with the same seed from --first-row <the first's --rows> holds other rows "
      + "of the same classes, held-out rows for data.validation_path.")
  long firstRow;

  @Option(names = "--features", defaultValue = "32", description = "Features per row (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(names = "--classes", defaultValue = "4", description = "Classes (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--separation", defaultValue = "1.0",
      description = "Standard deviation of the class centres; the noise has 1 (default: ${DEFAULT-VALUE}).")
  double separation;

  @Option(names = "--class-shares", split = ",", paramLabel = "SHARE,...", description = "How likely each class is, "
      + "class 0 first (0.9,0.05,0.05: one row in ten of class 1 or 2), as scikit-learn's "
      + "make_classification(weights=...): imbalanced classes (default: all equally likely).")
  double[] classShares;

  @Option(names = "--partitions", defaultValue = "2", description = "Output files (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--format", defaultValue = "parquet",
      description = "parquet, csv or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--layout",
      description = "array (one 'features' column) or columns (f0, f1, ...) (default: array, columns for csv, "
          + "which has no array type).")
  String layout;

  @Option(names = "--sample-weights", description = "Add a column 'weight' of sample weights for data.weight: 0 "
      + "for about one row in ten, else 0.25 to 1.875 in steps of 0.125; the other columns are as without it.")
  boolean sampleWeights;

  @Option(names = "--overwrite", description = "Replace an earlier output of gen-data at OUT (one holding "
      + "_EPOCHAL_GENERATED); never other files. An empty directory is written into without it.")
  boolean overwrite;

  /** The most output files whose names sort in row order: Spark numbers them part-00000 to part-99999. */
  static final int MAX_PARTITIONS = 100_000;

  @Override
  public Integer call() throws IOException {
    boolean csv = "csv".equals(format);
    if (layout == null) {
      layout = csv ? "columns" : "array";
    }
    if (!layout.equals("array") && !layout.equals("columns")) {
      throw new IllegalArgumentException("--layout '" + layout + "' is not array or columns; use one of those");
    }
    if (csv && features > io.epochal.driver.data.MalformedLines.MAX_CSV_COLUMNS - 2) { // with the label and a weight
      throw new IllegalArgumentException("--features " + features + " makes csv lines of more columns than Epochal "
          + "reads (" + io.epochal.driver.data.MalformedLines.MAX_CSV_COLUMNS + " with the label and a weight); use "
          + "--format parquet or json, whose rows hold the features in one array column");
    }
    if (csv && layout.equals("array")) {
      throw new IllegalArgumentException("--layout array needs an array column, which csv cannot hold; "
          + "use --layout columns (the default for csv), or --format parquet or json");
    }
    if (rows < 1) {
      throw new IllegalArgumentException("--rows " + rows + " writes no data; give at least 1 row");
    }
    if (partitions > MAX_PARTITIONS) {
      throw new IllegalArgumentException("--partitions " + partitions + " is more than " + MAX_PARTITIONS + ": Spark "
          + "numbers its part files from part-00000, and more would not sort in row order (part-100000 before "
          + "part-10001), so the rows would come in another order than the same rows generated in fewer files");
    }
    if (partitions > rows) {
      throw new IllegalArgumentException("--partitions " + partitions + " is more than --rows " + rows + ": every "
          + "output file holds at least one row; give at most " + rows + " partitions");
    }
    if (firstRow < 0) {
      throw new IllegalArgumentException("--first-row " + firstRow + " is negative; give the number of the first row "
          + "to write, 0 or more");
    }
    DataGenerator.Builder builder = DataGenerator.builder().optRows(rows).optFirstRow(firstRow).optFeatures(features)
        .optClasses(classes).optSeed(seed).optSeparation(separation).optPartitions(partitions).optFormat(format)
        .optArrayLayout(layout.equals("array")).optWeights(sampleWeights);
    DataGenerator gen;
    try { // the shares are checked here, and their number against the classes as the generator is built
      gen = builder.optClassShares(classShares == null ? new double[0] : classShares).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--class-shares " + sharesText() + ": " + e.getMessage());
    }
    String path = io.epochal.driver.config.JobSpecResolver.locationText(new Path(LauncherCommand.qualify(out, cli.options())));
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(cli.options().hadoopConfiguration());
    FileStatus existing = statusOrNull(fs, p);
    if (existing == null) { // one that exists inside a job is refused as that below
      // a directory made there would be listed as a damaged checkpoint, or deleted with the checkpoint it is in
      io.epochal.driver.config.CreatablePath.refuseInsideCheckpoints("OUT", p, cli.options().hadoopConfiguration());
    }
    // empty, or holding only what a stopped write leaves (Spark's _temporary/, before the marker): written again
    boolean empty = existing != null && io.epochal.driver.predict.PredictionOutput.unfinished(fs, p);
    if (existing != null) {
      // what --overwrite would not replace is refused first, so that --overwrite is offered only where it is taken
      refuseJobs(fs, existing, path);
      if (!existing.isDirectory()) {
        throw new ConfigException("OUT", path + " is a file; gen-data writes a directory of data files, and "
            + "--overwrite replaces only an earlier output of gen-data. Choose another OUT");
      }
      java.util.Optional<String> foreign = empty ? java.util.Optional.empty()
          : DataGenerator.foreignEntry(fs, p, DataGenerator.MARKER);
      if (foreign.isPresent()) {
        boolean marked = fs.exists(new Path(p, DataGenerator.MARKER)); // error path only
        throw new ConfigException("OUT", path + " holds what gen-data did not write (" + foreign.get()
            + (marked ? "" : "; it has no " + DataGenerator.MARKER) + "); --overwrite replaces only an earlier "
            + "output of gen-data, or an empty directory (an output of an older gen-data, which did not mark its "
            + "outputs, counts as not written by it). Choose another OUT, or remove it yourself if it is to go "
            + "(rm -r)");
      }
      if (!overwrite && !empty) {
        throw new ConfigException("OUT", path + " already exists, an earlier output of gen-data; pass --overwrite "
            + "to replace it, or choose another OUT");
      }
    }
    scala.Option<SparkSession> running = SparkSession.getDefaultSession();
    if (running.isDefined()) {
      gen.write(running.get(), path, overwrite || empty);
    } else {
      CliOptions o = cli.options();
      try (EpochalSpark spark = SparkSessions.builder().setMaster(o.master()).optAppName("epochal gen-data")
          .optVerbose(o.verbose()).optConf(o.sparkConf()).build()) {
        gen.write(spark.session(), path, overwrite || empty); // an empty directory is written into
      }
    }
    spec.commandLine().getOut().printf(Locale.ROOT,
        "wrote %d rows%s (%d features, %d classes%s, seed %d) as %s to %s%n", rows,
        firstRow == 0 ? "" : ", " + firstRow + " to " + (firstRow + rows - 1), features, classes,
        (classShares == null ? "" : " in shares " + sharesText()) + (sampleWeights ? ", sample weights in column "
        + DataGenerator.WEIGHT_COLUMN : ""), seed, format, path);
    return ExitCodes.OK;
  }

  /** The class shares as given, comma-separated. */
  private String sharesText() {
    return java.util.Arrays.stream(classShares).mapToObj(Double::toString)
        .collect(java.util.stream.Collectors.joining(","));
  }

  /**
   * Refuses to overwrite a job directory, a directory inside one (its checkpoints), a checkpoint
   * directory or a directory holding job directories up to two levels down ({@link
   * io.epochal.driver.config.JobContent}): {@code --overwrite} replaces data, and must never take a
   * job's checkpoints with it.
   */
  private static void refuseJobs(FileSystem fs, FileStatus out, String path) throws IOException {
    java.util.Optional<String> job = io.epochal.driver.config.JobContent.of(fs, out);
    if (job.isPresent()) {
      throw new ConfigException("OUT", path + " " + job.get() + "; --overwrite replaces data, never a job and its "
          + "checkpoints. Choose another OUT");
    }
  }

  /** The status of {@code p}, or null if it does not exist. */
  private static FileStatus statusOrNull(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException absent) {
      return null;
    }
  }
}
