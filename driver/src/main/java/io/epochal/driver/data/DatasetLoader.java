package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.worker.data.DataShard;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Reads the input through Spark and converts it once into one dense {@link DataShard} per worker.
 *
 * <p>Two passes over the input: the first finds the runs of rows of each file (or file block) in
 * every partition and the bad rows; the good rows are numbered in the order of the runs, by file
 * path and block start ({@link DataOptions#rowsByFileName}: the same wherever the files are and
 * however Spark splits and lists them) or as Spark read them. The second pass decodes the good
 * rows, sends good row {@code i} to worker {@code i % W} and builds each worker's shard in row
 * order, whose digests make the data's {@code data_sha256}. The shards are then built once more from
 * the shuffle's output, checked against those digests ({@link UnchangedShards}: so is every shard
 * Spark builds again later), persisted and materialised.
 */
public final class DatasetLoader {

  private static final String FILE_COLUMN = "_epochal_input_file";
  private static final String BLOCK_COLUMN = "_epochal_input_block";

  /** File splits are sized as if the input were read by this many cores, whatever the cluster has. */
  static final int MIN_FILE_PARTITIONS = 16;

  private final SparkSession spark;

  /** A loader reading through {@code spark}. */
  public DatasetLoader(SparkSession spark) {
    this.spark = checkNotNull(spark, "spark");
  }

  /** A check of the input's feature size, made before any row is decoded. */
  @FunctionalInterface
  public interface FeatureSizeCheck<E extends Exception> {
    /** Throws if the rows' {@code featureSize} features per row do not fit. */
    void check(int featureSize) throws E;
  }

  /**
   * Reads, checks, decodes and shards the input.
   *
   * @throws BadInputException naming file and row of the first bad row, unless bad rows are skipped
   * @throws ConfigException when a named column is missing, the feature size disagrees with the
   *     data, or there are fewer usable rows than workers
   */
  public LoadedDataset load(DataOptions o) throws BadInputException {
    return load(o, size -> { });
  }

  /**
   * As {@link #load(DataOptions)}, with {@code featureSize} checked first: data of another shape
   * than the model's is reported as that, not as its first row whose label the model cannot take.
   *
   * @throws E what {@code featureSize} throws
   */
  public <E extends Exception> LoadedDataset load(DataOptions o, FeatureSizeCheck<E> featureSizeCheck)
      throws BadInputException, E {
    return load(o, 0, featureSizeCheck);
  }

  /**
   * As {@link #load(DataOptions, FeatureSizeCheck)}, for a model that takes {@code modelFeatures}
   * features per row (0: not known). An array column's feature count, unless {@code
   * data.feature_size} gives it, is that of its first row; when that row has another count than
   * the model's and others have the model's, the model's is taken, and rows of another count are
   * bad rows, named by file and row, as they are when the first row fits.
   *
   * @throws E what {@code featureSize} throws
   */
  public <E extends Exception> LoadedDataset load(DataOptions o, int modelFeatures,
      FeatureSizeCheck<E> featureSizeCheck) throws BadInputException, E {
    try {
      return loadRows(o, modelFeatures, featureSizeCheck);
    } catch (Exception e) { // Spark's own failures too (a SparkException, checked but undeclared)
      if (MalformedLines.tooManyCsvColumns(e)) {
        throw new ConfigException(JobKeys.DATA_PATH, "data.path " + o.path() + ": "
            + MalformedLines.tooManyCsvColumnsAdvice());
      }
      throw e;
    }
  }

  private <E extends Exception> LoadedDataset loadRows(DataOptions o, int modelFeatures,
      FeatureSizeCheck<E> featureSizeCheck) throws BadInputException, E {
    SparkSession session = withFixedSplits(spark);
    Dataset<Row> df = InputFormats.load(session, reader(session, o), o.path(), o.format(), JobKeys.DATA_FORMAT);
    // first: a csv file whose header differs would otherwise be reported as a missing column
    MalformedLines.Input read = MalformedLines.of(session, df, o.format(), o.path(), JobKeys.DATA_FORMAT,
        o.checkCsvLines());
    if ("json".equals(o.format()) && o.checkJsonLines()) { // a stored job reads its data as it trained on it
      JsonLines.refuseSeveralValuesPerLine(session, df);
    }
    boolean arrayColumn = ColumnCheck.check(df, o);
    int featureSize = FeatureColumns.featureSize(df, o, arrayColumn, modelFeatures);
    featureSizeCheck.check(featureSize);
    RowDecoder decoder = new RowDecoder(o.features(), arrayColumn, featureSize, o.label(), o.classification(),
        o.classes());
    boolean weighted = !o.weight().isEmpty();
    if (weighted) {
      decoder = decoder.withWeight(o.weight());
    }

    Dataset<Row> input = read.rows();
    List<Column> select = new ArrayList<>();
    if (read.column() != null) {
      select.add(FeatureColumns.column(input, read.column()));
      decoder = decoder.withMalformedLineCheck(read.check());
    }
    o.features().forEach(c -> select.add(FeatureColumns.column(input, c)));
    select.add(FeatureColumns.column(input, o.label()));
    if (weighted) {
      select.add(FeatureColumns.column(input, o.weight()));
    }
    boolean blocks = o.rowsByFileName();
    if (blocks) {
      select.add(functions.input_file_block_start().as(BLOCK_COLUMN));
    }
    select.add(functions.input_file_name().as(FILE_COLUMN));
    JavaRDD<Row> rows = input.select(select.toArray(new Column[0])).javaRDD();
    RowDecoder rowDecoder = decoder;

    List<PartitionScan> scans = new ArrayList<>(rows.mapPartitionsWithIndex((Integer p, Iterator<Row> it) ->
        List.of(PartitionScan.scan(p, it, rowDecoder, blocks)).iterator(), true).collect());
    scans.sort(Comparator.comparingInt(s -> s.partition));
    List<PartitionScan.Run> order = blocks ? PartitionScan.byFileName(scans) : PartitionScan.inReadOrder(scans);
    long[][] runStarts = PartitionScan.runStarts(scans, order, true);
    long total = scans.stream().mapToLong(PartitionScan::rows).sum();
    long bad = scans.stream().mapToLong(PartitionScan::bad).sum();
    if (bad > 0 && !o.skipBadRows()) {
      throw PartitionScan.firstBadOf(order, blocks, o.format());
    }
    long good = total - bad;
    // rows that are only evaluated may be fewer than the workers: one shard per row then
    int workers = (int) Math.max(1, Math.min(o.workers(), good));
    if (good == 0 && bad > 0) {
      BadInputException first = PartitionScan.firstBadOf(order, blocks, o.format());
      // data.bad_rows=skip skipped every row: no row count fixes that, the options do not fit the data
      throw new ConfigException(JobKeys.DATA_BAD_ROWS, "data.path " + o.path() + ": every one of its " + bad
          + " rows is bad, and data.bad_rows=skip skipped them all; the first, row " + first.rowInFile() + " of "
          + first.file() + ": " + first.reason() + ". When every row is bad, data.features, data.feature_size or data.label do not fit this "
          + "data: fix them rather than skip every row");
    }
    if (total == 0) {
      throw new ConfigException(JobKeys.DATA_PATH, "data.path " + o.path() + " has no rows: its " + o.format()
          + " files hold " + ("csv".equals(o.format()) ? "a header line at most" : "nothing") + "; point data.path at "
          + "the data");
    }
    if (good < o.workers() && !o.evaluatedOnly()) {
      throw new ConfigException(JobKeys.WORKERS, "data.path " + o.path() + " has " + good + " usable row"
          + (good == 1 ? "" : "s") + " ("
          + bad + " bad), fewer than train.workers=" + o.workers() + "; lower train.workers or add data");
    }
    checkShardsFit(o.path(), good, workers, featureSize);
    JavaRDD<Tuple2<Long, float[]>> decoded = rows.mapPartitionsWithIndex(
        (Integer p, Iterator<Row> it) -> decodeGood(it, rowDecoder, blocks, runStarts[p], p, o.path()), true);
    JavaRDD<DataShard> built = JavaPairRDD.fromJavaRDD(decoded)
        .repartitionAndSortWithinPartitions(new WorkerPartitioner(workers))
        .mapPartitionsWithIndex((Integer w, Iterator<Tuple2<Long, float[]>> it) ->
            List.of(toShard(w, it, featureSize, weighted, good, workers, o.path())).iterator(), true);
    // the rows as the workers hold them, one digest per worker in worker order
    List<byte[]> digests = built.map(ShardDigests::shardDigest).collect();
    // cached as checked against those digests: a shard Spark builds again after losing it (from the
    // shuffle's output, or from the files when that went too) must hold the same rows
    JavaRDD<DataShard> shards = UnchangedShards.of(built, digests, o.path())
        .setName("epochal shards of " + o.path())
        .persist(StorageLevel.MEMORY_AND_DISK());
    shards.count(); // materialised from the shuffle's output, not the files
    SampleWeightSummary weights;
    try {
      weights = weighted ? SampleWeightSummary.checked(shards, o) : null;
    } catch (ConfigException e) {
      shards.unpersist(false);
      throw e;
    }
    String firstSkipped = null;
    if (bad > 0) {
      BadInputException first = PartitionScan.firstBadOf(order, blocks, o.format());
      firstSkipped = "row " + first.rowInFile() + " of " + first.file() + ": " + first.reason();
    }
    return new LoadedDataset(shards, good, bad, featureSize, workers, ShardDigests.dataDigest(digests), firstSkipped,
        weights);
  }

  /**
   * A session of the same Spark context whose file splits depend on the input files alone. In
   * Spark's read order ({@code data.row_order=spark_read}) a row's global number (and so its
   * worker, batch and step) is its split's place among the splits plus its place in the split, and
   * Spark sizes file splits from the total input over the context's default parallelism unless
   * {@code spark.sql.files.minPartitionNum} is set: with another executor count on a resume, or
   * after an executor was lost, the same rows went to other workers. The split settings are pinned
   * to constants (Spark's defaults for the byte sizes) so that neither the cluster nor a job's Spark
   * configuration moves a row. Rows by file name do not depend on the splits; the same session
   * reads them, so that the splits a job's tasks see stay the same.
   */
  static SparkSession withFixedSplits(SparkSession spark) {
    SparkSession s = spark.newSession();
    s.conf().set("spark.sql.files.maxPartitionBytes", Long.toString(128L << 20));
    s.conf().set("spark.sql.files.openCostInBytes", Long.toString(4L << 20));
    s.conf().set("spark.sql.files.minPartitionNum", Integer.toString(MIN_FILE_PARTITIONS));
    s.conf().unset("spark.sql.files.maxPartitionNum");
    return failingOnUnreadableFiles(s);
  }

  /**
   * {@code spark}, set so that a file it cannot read (damaged, or gone while read) fails the read
   * naming it, whatever a cluster's defaults ({@code spark.sql.files.ignoreCorruptFiles}, {@code
   * ignoreMissingFiles}) say: skipped, its rows (or the rest of them after the damage) would be
   * left out without a word.
   */
  public static SparkSession failingOnUnreadableFiles(SparkSession spark) {
    spark.conf().set("spark.sql.files.ignoreCorruptFiles", "false");
    spark.conf().set("spark.sql.files.ignoreMissingFiles", "false");
    return spark;
  }

  private static DataFrameReader reader(SparkSession spark, DataOptions o) {
    return "csv".equals(o.format()) ? MalformedLines.csvReader(spark, o.checkCsvLines()) : spark.read().format(o.format());
  }


  /**
   * The good rows of a partition keyed by their number: the first of run {@code i} is {@code
   * runStarts[i]}. Decoded one at a time as the shuffle takes them, so a partition's rows are never
   * all held at once on the reading side.
   *
   * @throws IllegalStateException with a {@link DataChangedException} as its cause when the partition ({@code
   *     partition} of the input read from {@code path}) holds more runs than were counted in it
   */
  static Iterator<Tuple2<Long, float[]>> decodeGood(Iterator<Row> it, RowDecoder decoder, boolean blocks,
      long[] runStarts, int partition, String path) {
    PartitionScan.Cursor cursor = new PartitionScan.Cursor(blocks);
    return new Iterator<>() {
      private int run = -1;
      private long next;
      private Tuple2<Long, float[]> ahead;

      @Override
      public boolean hasNext() {
        while (ahead == null && it.hasNext()) {
          Row r = it.next();
          int at = cursor.advance(r);
          if (at != run) {
            if (at >= runStarts.length) { // a file grew since it was counted
              DataChangedException e = DataChangedException.moreBlocks(partition, path, r.get(r.length() - 1));
              throw new IllegalStateException(e.getMessage(), e);
            }
            run = at;
            next = runStarts[at];
          }
          float[] values = new float[decoder.width()];
          if (decoder.decode(r, values) == null) {
            ahead = new Tuple2<>(next++, values);
          }
        }
        return ahead != null;
      }

      @Override
      public Tuple2<Long, float[]> next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException("no good row left in this partition");
        }
        Tuple2<Long, float[]> row = ahead;
        ahead = null;
        return row;
      }
    };
  }

  /** The most floats one Java array holds (what the JVM allows a little below Integer.MAX_VALUE). */
  static final long MAX_SHARD_FLOATS = Integer.MAX_VALUE - 8;

  /**
   * Refuses data whose largest worker shard (row {@code i} goes to worker {@code i % workers}) holds
   * more feature values than one Java array: its executor would fail with a negative array size.
   *
   * @throws ConfigException naming {@code train.workers} and the fewest workers that fit
   */
  static void checkShardsFit(String path, long rows, int workers, int featureSize) {
    long largest = (rows + workers - 1) / workers;
    if (largest * featureSize > MAX_SHARD_FLOATS) {
      long rowsPerWorker = MAX_SHARD_FLOATS / featureSize;
      long needed = (rows + rowsPerWorker - 1) / rowsPerWorker;
      throw new ConfigException(JobKeys.WORKERS, "data.path " + path + " has " + rows + " usable rows of "
          + featureSize + " features: with train.workers=" + workers + " a worker's shard holds " + largest + " rows, "
          + largest * featureSize + " feature values, more than one Java array holds (" + MAX_SHARD_FLOATS + "); set "
          + "train.workers to at least " + needed);
    }
  }


  /**
   * Worker {@code worker}'s shard of the {@code good} rows numbered 0..good-1, which the shuffle
   * hands it in row order: row {@code i} goes to worker {@code i % workers}, so the shard's size is
   * known before its first row and its rows are copied straight into the shard's arrays (with a
   * sample weight after the label when {@code weighted}).
   */
  static DataShard toShard(int worker, Iterator<Tuple2<Long, float[]>> it, int featureSize, boolean weighted,
      long good, int workers, String path) throws DataChangedException {
    int rows = (int) (good / workers + (worker < good % workers ? 1 : 0)); // checkShardsFit: fits an array
    float[] features = new float[rows * featureSize];
    float[] labels = new float[rows];
    float[] weights = weighted ? new float[rows] : null;
    int i = 0;
    while (it.hasNext()) {
      Tuple2<Long, float[]> row = it.next();
      long expected = worker + (long) i * workers;
      if (i >= rows || row._1() != expected) {
        throw new DataChangedException(worker, path, "row " + row._1() + (i >= rows ? " after all " + rows
            + " of its rows" : " where row " + expected + " of its " + rows + " belongs") + ", of " + good
            + " good rows");
      }
      float[] r = row._2();
      System.arraycopy(r, 0, features, i * featureSize, featureSize);
      if (weights != null) {
        weights[i] = r[featureSize + 1];
      }
      labels[i++] = r[featureSize];
    }
    if (i != rows) {
      throw new DataChangedException(worker, path, i + " rows, not its " + rows + " of " + good + " good rows");
    }
    return new DataShard(worker, rows, new long[] {featureSize}, 1, features, labels, weights);
  }

  /** Sends row {@code i} (the key) to partition {@code i % W}. */
  static final class WorkerPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int workers;

    WorkerPartitioner(int workers) {
      this.workers = workers;
    }

    @Override
    public int numPartitions() {
      return workers;
    }

    @Override
    public int getPartition(Object key) {
      return (int) ((Long) key % workers);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof WorkerPartitioner && ((WorkerPartitioner) o).workers == workers;
    }

    @Override
    public int hashCode() {
      return workers;
    }
  }
}
