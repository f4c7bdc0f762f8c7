package io.epochal.driver.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.driver.config.ConfigException;
import io.epochal.worker.data.DataShard;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLoaderTest {

  private static SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2]").appName("DatasetLoaderTest")
        .config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static DataOptions.Builder options(Path path, String format, List<String> features, int workers) {
    return DataOptions.builder().setPath(path.toUri().toString()).setFormat(format).setFeatures(features)
        .setLabel("label").setWorkers(workers);
  }

  private static List<String> columns(int n) {
    List<String> cols = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cols.add("f" + i);
    }
    return cols;
  }

  /**
   * The rows of the input by file name: features then label, each data file (named neither _* nor
   * .*) read on its own, the files in the order of their names.
   */
  private List<float[]> byFileName(Path path, String format, List<String> features) throws IOException {
    List<Path> files;
    try (java.util.stream.Stream<Path> listed = Files.isDirectory(path) ? Files.list(path) : java.util.stream.Stream.of(path)) {
      files = listed.filter(f -> !f.getFileName().toString().startsWith("_")
          && !f.getFileName().toString().startsWith(".")).sorted().toList();
    }
    List<float[]> out = new ArrayList<>();
    for (Path f : files) {
      out.addAll(rowsOf(f, format, features));
    }
    return out;
  }

  /** The rows of one file in its order: features then label. */
  private List<float[]> rowsOf(Path file, String format, List<String> features) {
    List<String> cols = new ArrayList<>(features);
    cols.add("label");
    List<Row> rows = spark.read().format(format).option("header", "true").load(file.toUri().toString())
        .selectExpr(cols.toArray(new String[0])).collectAsList();
    List<float[]> out = new ArrayList<>();
    for (Row r : rows) {
      List<Float> values = new ArrayList<>();
      for (int c = 0; c < r.length(); c++) {
        Object v = r.get(c);
        double[] arr = v instanceof scala.collection.Seq ? RowDecoder.toDoubles(v) : null;
        if (arr != null) {
          for (double d : arr) {
            values.add((float) d);
          }
        } else {
          values.add(Float.parseFloat(String.valueOf(v)));
        }
      }
      float[] f = new float[values.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = values.get(i);
      }
      out.add(f);
    }
    return out;
  }

  private static void assertRoundRobin(LoadedDataset data, List<float[]> expected, int featureSize) {
    int w = data.workers();
    List<DataShard> shards = data.shards().collect();
    assertThat(shards).hasSize(w);
    long total = 0;
    for (int k = 0; k < w; k++) {
      DataShard s = shards.get(k);
      assertThat(s.worker()).isEqualTo(k);
      assertThat(s.rows()).isEqualTo(data.rowsOf(k));
      assertThat(s.featureShape()).containsExactly(featureSize);
      for (int j = 0; j < s.rows(); j++) {
        float[] row = expected.get(j * w + k);
        for (int f = 0; f < featureSize; f++) {
          assertThat(s.features()[j * featureSize + f]).isCloseTo(row[f], within(1e-6f));
        }
        assertThat(s.labels()[j]).isEqualTo(row[featureSize]);
      }
      total += s.rows();
    }
    assertThat(total).isEqualTo(expected.size()).isEqualTo(data.rows());
  }

  @Test
  void parquetArrayColumnIsShardedRoundRobinInFileNameOrderWithOnePartitionPerWorker() throws Exception {
    Path path = tmp.resolve("gen.parquet");
    DataGenerator.builder().optRows(103).optFeatures(5).optClasses(3).optPartitions(3).build()
        .write(spark, path.toUri().toString(), false);
    LoadedDataset data = new DatasetLoader(spark).load(options(path, "parquet", List.of("features"), 3)
        .optClasses(3).build());
    try {
      assertThat(data.shards().getNumPartitions()).isEqualTo(3);
      assertThat(data.featureSize()).isEqualTo(5);
      assertThat(data.skippedRows()).isZero();
      assertThat(data.shards().getStorageLevel().useDisk()).isTrue();
      assertThat(data.shards().getStorageLevel().useMemory()).isTrue();
      assertRoundRobin(data, byFileName(path, "parquet", List.of("features")), 5);
    } finally {
      data.unpersist();
    }
  }

  @Test
  void classSharesMakeClassesAsLikelyAsTheySayAndTheLoadedRowsAreCountedPerClass() throws Exception {
    Path even = tmp.resolve("even.parquet");
    Path skewed = tmp.resolve("skewed.parquet");
    DataGenerator.builder().optRows(4000).optFeatures(4).optClasses(3).build().write(spark, even.toUri().toString(),
        false);
    // shares scaled to sum to 1: 0.8, 0.15, 0.05
    DataGenerator.builder().optRows(4000).optFeatures(4).optClasses(3).optClassShares(16, 3, 1).build()
        .write(spark, skewed.toUri().toString(), false);
    LoadedDataset uniform = new DatasetLoader(spark).load(options(even, "parquet", List.of("features"), 2)
        .optClasses(3).build());
    LoadedDataset imbalanced = new DatasetLoader(spark).load(options(skewed, "parquet", List.of("features"), 2)
        .optClasses(3).build());
    try {
      long[] counts = imbalanced.classCounts(3);
      assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(4000);
      // within four standard deviations of 4000 x share (sd = sqrt(4000 p (1 - p)): 25, 23, 14)
      assertThat(counts[0]).isBetween(3100L, 3300L);
      assertThat(counts[1]).isBetween(508L, 692L);
      assertThat(counts[2]).isBetween(144L, 256L);
      long[] even3 = uniform.classCounts(3);
      for (long c : even3) {
        assertThat(c).isBetween(1233L, 1433L);
      }
      assertThat(uniform.classCounts(4)[3]).as("a class no row holds").isZero();
    } finally {
      uniform.unpersist();
      imbalanced.unpersist();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DataGenerator.builder().optClasses(3)
        .optClassShares(1, 2).build()).hasMessageContaining("2 class shares for 3 classes");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DataGenerator.builder().optClassShares(1, 0))
        .hasMessageContaining("the share of class 1 is 0.0");
  }

  @Test
  void sameInputGivesIdenticalShards() throws Exception {
    Path path = tmp.resolve("same.parquet");
    DataGenerator.builder().optRows(64).optFeatures(4).optClasses(2).optPartitions(2).build()
        .write(spark, path.toUri().toString(), false);
    DataOptions o = options(path, "parquet", List.of("features"), 2).build();
    LoadedDataset a = new DatasetLoader(spark).load(o);
    LoadedDataset b = new DatasetLoader(spark).load(o);
    assertThat(a.shards().collect()).isEqualTo(b.shards().collect());
    assertThat(a.digest()).matches("[0-9a-f]{64}").isEqualTo(b.digest());
    a.unpersist();
    b.unpersist();
  }

  @Test
  void theDataDigestChangesWhenTheRowsDoThoughTheirCountStaysTheSame() throws Exception {
    Path dir = tmp.resolve("digest");
    Files.createDirectories(dir);
    writeCsv(dir.resolve("a.csv"), 0, 40);
    DataOptions o = options(dir, "csv", List.of("x"), 2).build();
    LoadedDataset first = new DatasetLoader(spark).load(o);
    String digest = first.digest();
    first.unpersist();


    writeCsv(dir.resolve("a.csv"), 1, 40); // every row's values moved by one: same count, other rows
    LoadedDataset other = new DatasetLoader(spark).load(o);
    assertThat(other.rows()).isEqualTo(40);
    assertThat(other.digest()).isNotEqualTo(digest);
    other.unpersist();
  }

  @Test
  void sampleWeightsGoWithTheirRowsToTheWorkersAndIntoTheDigestWhichStaysAsBeforeWithoutThem() throws Exception {
    Path dir = tmp.resolve("weighted");
    Files.createDirectories(dir);
    StringBuilder b = new StringBuilder("x,label,w\n");
    for (int i = 0; i < 40; i++) {
      b.append(i).append(',').append(i % 3).append(',').append(i % 4 * 0.5).append('\n');
    }
    Files.writeString(dir.resolve("a.csv"), b);
    DataOptions weightedOptions = options(dir, "csv", List.of("x"), 2).optWeight("w").build();
    LoadedDataset weighted = new DatasetLoader(spark).load(weightedOptions);
    List<DataShard> shards = weighted.shards().collect();
    for (DataShard shard : shards) {
      for (int r = 0; r < shard.rows(); r++) {
        int row = shard.worker() + 2 * r; // row i goes to worker i % 2
        assertThat(shard.features()[r]).isEqualTo(row);
        assertThat(shard.weights()[r]).as("row %s", row).isEqualTo(row % 4 * 0.5f);
      }
    }
    LoadedDataset unweighted = new DatasetLoader(spark).load(options(dir, "csv", List.of("x"), 2).build());
    assertThat(unweighted.shards().collect()).allSatisfy(shard -> assertThat(shard.weighted()).isFalse());
    assertThat(weighted.digest()).isNotEqualTo(unweighted.digest());
    Path without = tmp.resolve("without-weights");
    Files.createDirectories(without);
    Files.writeString(without.resolve("a.csv"), b.toString().replaceAll(",[0-9.]+\n", "\n").replace(",w\n", "\n"));
    LoadedDataset plain = new DatasetLoader(spark).load(options(without, "csv", List.of("x"), 2).build());
    assertThat(plain.digest()).as("the rows without their weights: the digest of data without the column")
        .isEqualTo(unweighted.digest());
    assertThat(weightedOptions.withPath(without.toUri().toString()).weight()).as("held-out rows: unweighted").isEmpty();
    // weights 0, 0.5, 1 and 1.5 ten times each
    assertThat(weighted.weights()).contains(new SampleWeightSummary("w", 40, 30, 10, 1.5));
    assertThat(weighted.weights().orElseThrow().describe())
        .isEqualTo("weights (data.weight w): 30 over 40 rows, mean 0.75, largest 1.5; 10 rows weigh 0 and train "
            + "nothing");
    assertThat(new SampleWeightSummary("w", 3, 1e6 / 3, 0, 1e6 / 3).describe())
        .isEqualTo("weights (data.weight w): 333333 over 3 rows, mean 111111, largest 333333");
    assertThat(unweighted.weights()).isEmpty();
    Path zeros = tmp.resolve("zero-weights");
    Files.createDirectories(zeros);
    Files.writeString(zeros.resolve("a.csv"), "x,label,w\n1,0,0\n2,1,0\n3,2,0.0\n");
    DataOptions allZero = options(zeros, "csv", List.of("x"), 2).optWeight("w").build();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(allZero))
        .isInstanceOf(ConfigException.class).hasMessageContaining("every one of the 3 usable rows of data.path ")
        .hasMessageContaining("weighs 0 in column 'w' (data.weight): a job on them would learn nothing; give the rows "
            + "to learn from weights above 0, or leave data.weight empty");
    weighted.unpersist();
    unweighted.unpersist();
    plain.unpersist();
  }

  @Test
  void theShardsDoNotDependOnHowManyCoresReadTheInput() throws Exception {
    // two files of 6 and 2.7 MB: Spark would size the splits from the total over the default
    // parallelism (4.35 MB splits with 2 cores, 4 MB with 4), moving rows to other workers
    Path dir = tmp.resolve("two-files");
    Files.createDirectories(dir);
    writeCsv(dir.resolve("a.csv"), 0, 120_000);
    writeCsv(dir.resolve("b.csv"), 120_000, 54_000);
    // Spark's read order (data.row_order=spark_read), where the splits place the rows; by file name they cannot
    DataOptions o = options(dir, "csv", List.of("x"), 2).optRowsByFileName(false).build();
    String key = "spark.sql.leafNodeDefaultParallelism";
    // in the SparkConf, as a cluster's cores set it: the loader reads in a session of its own, which a setting of
    // this session's would not reach
    org.apache.spark.SparkConf conf = spark.sparkContext().conf();
    LoadedDataset two = null;
    LoadedDataset four = null;
    try {
      conf.set(key, "2");
      two = new DatasetLoader(spark).load(o);
      conf.set(key, "4");
      four = new DatasetLoader(spark).load(o);
      List<DataShard> a = two.shards().collect();
      List<DataShard> b = four.shards().collect();
      assertThat(a.get(0).rows() + a.get(1).rows()).isEqualTo(174_000);
      assertThat(b).isEqualTo(a);
      assertThat(four.digest()).isEqualTo(two.digest());
    } finally {
      conf.remove(key);
      if (two != null) {
        two.unpersist();
      }
      if (four != null) {
        four.unpersist();
      }
    }
  }

  @Test
  void rowsByFileNameComeInTheSameOrderWhateverOrderTheFileSystemListsTheFilesIn() throws Exception {
    // three files of one size: Spark reads them as the file system lists them
    Path dir = tmp.resolve("same-size");
    Files.createDirectories(dir);
    writeCsv(dir.resolve("a.csv"), 100, 30);
    writeCsv(dir.resolve("b.csv"), 200, 30);
    writeCsv(dir.resolve("c.csv"), 300, 30);
    ReversedListingFileSystem.register(spark.sparkContext().hadoopConfiguration());
    String reversed = ReversedListingFileSystem.uri(dir);
    DataOptions.Builder local = options(dir, "csv", List.of("x"), 2);
    DataOptions.Builder other = options(dir, "csv", List.of("x"), 2).setPath(reversed);

    LoadedDataset byName = new DatasetLoader(spark).load(local.build());
    LoadedDataset byNameReversed = new DatasetLoader(spark).load(other.build());
    List<DataShard> shards = byName.shards().collect();
    assertThat(byNameReversed.shards().collect()).isEqualTo(shards);
    assertThat(byNameReversed.digest()).isEqualTo(byName.digest());
    // a.csv, b.csv, c.csv, each from its start, dealt round-robin to the two workers
    assertThat(shards.get(0).features()).startsWith(100, 102).endsWith(326, 328);
    assertThat(shards.get(1).features()).startsWith(101, 103).endsWith(327, 329);

    LoadedDataset read = new DatasetLoader(spark).load(local.optRowsByFileName(false).build());
    LoadedDataset readReversed = new DatasetLoader(spark).load(other.optRowsByFileName(false).build());
    assertThat(readReversed.shards().collect().get(0).features()).as("Spark's read order follows the listing")
        .startsWith(300, 302);
    assertThat(readReversed.digest()).isNotEqualTo(read.digest());
    for (LoadedDataset d : List.of(byName, byNameReversed, read, readReversed)) {
      d.unpersist();
    }
  }

  @Test
  void aBadRowIsNamedByItsRowInItsFileWhenRowsComeByFileName() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bad-by-name"));
    Files.write(dir.resolve("b.csv"), List.of("x,label", "1,0", "2,0", "oops,1"), StandardCharsets.UTF_8);
    Files.write(dir.resolve("a.csv"), List.of("x,label", "3,0", "nope,0", "5,1"), StandardCharsets.UTF_8);
    ReversedListingFileSystem.register(spark.sparkContext().hadoopConfiguration());
    // listed b.csv first, read b.csv first (files of one size)
    DataOptions o = options(dir, "csv", List.of("x"), 1).setPath(ReversedListingFileSystem.uri(dir)).build();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(o))
        .isInstanceOfSatisfying(BadInputException.class, e -> {
          assertThat(e.file()).endsWith("a.csv");
          assertThat(e.rowInFile()).isEqualTo(2);
        });
  }

  private static void writeCsv(Path file, int first, int rows) throws java.io.IOException {
    // a wide unread column makes the bytes with fewer rows (about 50 bytes a row)
    String pad = "p".repeat(40);
    StringBuilder b = new StringBuilder(rows * 52).append("x,label,pad\n");
    for (int i = first; i < first + rows; i++) {
      b.append(i).append(',').append(i % 3).append(',').append(pad).append('\n');
    }
    Files.writeString(file, b);
  }

  @Test
  void csvNamedColumnsLoadWithHeader() throws Exception {
    Path path = tmp.resolve("gen.csv");
    DataGenerator.builder().optRows(50).optFeatures(3).optClasses(4).optFormat("csv").build()
        .write(spark, path.toUri().toString(), false);
    LoadedDataset data = new DatasetLoader(spark).load(options(path, "csv", columns(3), 4).optClasses(4).build());
    assertThat(data.shards().getNumPartitions()).isEqualTo(4);
    assertRoundRobin(data, byFileName(path, "csv", columns(3)), 3);
    data.unpersist();
  }

  @Test
  void jsonArrayAndNamedColumnsLoad() throws Exception {
    Path arrays = tmp.resolve("arrays.json");
    DataGenerator.builder().optRows(40).optFeatures(6).optFormat("json").build()
        .write(spark, arrays.toUri().toString(), false);
    LoadedDataset a = new DatasetLoader(spark).load(options(arrays, "json", List.of("features"), 2).build());
    assertRoundRobin(a, byFileName(arrays, "json", List.of("features")), 6);
    a.unpersist();

    Path named = tmp.resolve("named.json");
    DataGenerator.builder().optRows(40).optFeatures(6).optFormat("json").optArrayLayout(false).build()
        .write(spark, named.toUri().toString(), false);
    LoadedDataset b = new DatasetLoader(spark).load(options(named, "json", columns(6), 2).build());
    assertRoundRobin(b, byFileName(named, "json", columns(6)), 6);
    assertThat(b.shards().collect()).isEqualTo(a.shards().collect());
    b.unpersist();
  }

  private Path csv(String name, String... lines) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.write(dir.resolve("data.csv"), List.of(lines), StandardCharsets.UTF_8);
    return dir;
  }

  @Test
  void nonNumericCellFailsNamingFileAndRow() throws Exception {
    Path dir = csv("bad", "f0,f1,label", "1,2,0", "3,4,1", "5,abc,1", "7,8,0");
    DataOptions o = options(dir, "csv", List.of("f0", "f1"), 2).build();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(o))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("data.csv, row 3 ")
        .hasMessageContaining("'f1' holds 'abc'")
        .hasMessageContaining("data.bad_rows=skip")
        .satisfies(e -> assertThat(((BadInputException) e).rowInFile()).isEqualTo(3));
  }

  @Test
  void aBadRowsFileIsNamedAsItIsOnDiskNotPercentEncoded() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("named-data"));
    Files.write(dir.resolve("x #1 ü.csv"), List.of("f0,label", "1,0", "abc,1"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bad input in " + dir.toUri().getScheme() + "://" + dir.resolve("x #1 ü.csv") + ", row 2 ")
        .hasMessageNotContaining("%20");
  }

  @Test
  void labelOutOfRangeAndNullFail() throws Exception {
    Path dir = csv("label", "f0,label", "1,0", "2,2", "3,3");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).optClasses(3).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 3 ")
        .hasMessageContaining("class 3, out of range [0, 3)")
        .hasMessageContaining("if the data holds more classes, train with a model of as many outputs")
        .hasMessageContaining("skipping drops every row of those classes")
        .hasMessageNotContaining("fix the data or set data.bad_rows=skip to skip");
    Path nulls = csv("nulls", "f0,label", "1,0", ",1");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(nulls, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 2 ")
        .hasMessageContaining("'f0' is null");
  }

  @Test
  void wrongArityInArrayColumnFails() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("arity"));
    Files.write(dir.resolve("rows.json"), List.of("{\"features\":[1.0,2.0,3.0],\"label\":0}",
        "{\"features\":[1.0,2.0],\"label\":1}"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("rows.json, row 2 ")
        .hasMessageContaining("has 2 values, expected 3 (if every row has 2, data.feature_size or the features named do not fit this data");
  }

  @Test
  void aJsonRowWhoseFeaturesAreAStringIsABadRowNotAOneFeatureDataset() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("string-features"));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lines.add(i == 6 ? "{\"features\":\"1,2,3\",\"label\":0}"
          : "{\"features\":[" + i + ".5, -1e-3, " + i + "],\"label\":" + (i % 2) + "}");
    }
    Files.write(dir.resolve("rows.json"), lines, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("rows.json, row 7 ")
        .hasMessageContaining("holds the text '1,2,3', not an array of numbers");

    LoadedDataset skipped = new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1)
        .optSkipBadRows(true).build());
    assertThat(skipped.featureSize()).isEqualTo(3);
    assertThat(skipped.rows()).isEqualTo(19);
    assertThat(skipped.skippedRows()).isEqualTo(1);
    DataShard shard = skipped.shards().collect().get(0);
    assertThat(java.util.Arrays.copyOfRange(shard.features(), 0, 3)).containsExactly(0.5f, -1e-3f, 0f);
    skipped.unpersist();
  }

  @Test
  void rowsThatAreOnlyEvaluatedMayBeFewerThanTheWorkersAndTrainingRowsMayNot() throws Exception {
    Path dir = csv("three", "f0,label", "1.5,0", "2.5,1", "3.5,0");
    DataOptions training = options(dir, "csv", List.of("f0"), 4).build();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(training)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("has 3 usable rows (0 bad), fewer than train.workers=4");
    LoadedDataset evaluated = new DatasetLoader(spark).load(training.withPath(dir.toUri().toString()));
    assertThat(evaluated.rows()).isEqualTo(3);
    assertThat(evaluated.workers()).as("one shard per row").isEqualTo(3);
    assertThat(evaluated.shards().collect()).extracting(DataShard::rows).containsExactly(1, 1, 1);
    evaluated.unpersist();
  }

  @Test
  void aFirstRowWhoseFeaturesAreEmptyOrTextIsABadRowNotAReasonToRefuseTheColumn() throws Exception {
    for (String bad : List.of("[]", "\"1,2,3\"")) {
      Path dir = Files.createDirectories(tmp.resolve("bad-first-" + bad.length()));
      List<String> lines = new ArrayList<>();
      lines.add("{\"features\":" + bad + ",\"label\":0}");
      for (int i = 0; i < 19; i++) {
        lines.add("{\"features\":[" + i + ".5, -1e-3, " + i + "],\"label\":" + (i % 2) + "}");
      }
      Files.write(dir.resolve("rows.json"), lines, StandardCharsets.UTF_8);
      assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
          .as(bad).isInstanceOf(BadInputException.class).hasMessageContaining("rows.json, row 1 ");
      LoadedDataset skipped = new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1)
          .optSkipBadRows(true).build());
      assertThat(skipped.featureSize()).as(bad).isEqualTo(3);
      assertThat(skipped.rows()).as(bad).isEqualTo(19);
      skipped.unpersist();
    }
  }

  @Test
  void aFirstRowOfAnotherLengthThanTheModelsIsABadRowWhenTheOthersFitTheModel() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("odd-first"));
    List<String> lines = new ArrayList<>();
    lines.add("{\"features\":[1.0,2.0,3.0,4.0,5.0],\"label\":0}");
    for (int i = 0; i < 10; i++) {
      lines.add("{\"features\":[1.0,2.0,3.0,4.0],\"label\":1}");
    }
    Files.write(dir.resolve("rows.json"), lines, StandardCharsets.UTF_8);
    DataOptions o = options(dir, "json", List.of("features"), 1).build();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(o, 4, size -> assertThat(size).isEqualTo(4)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("rows.json, row 1 ")
        .hasMessageContaining("has 5 values, expected 4");
    // data that does not fit the model at all is still told as that, by the check of its size
    assertThatThrownBy(() -> new DatasetLoader(spark).load(o, 3, size -> {
      throw new IllegalStateException("the data has " + size + " features per row");
    })).hasMessage("the data has 5 features per row");
  }

  @Test
  void aNullArrayElementIsToldAsNullNotAsNaN() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("null-element"));
    Files.write(dir.resolve("rows.json"), List.of("{\"features\":[1.0,2.0],\"label\":0}",
        "{\"features\":[1.0,null],\"label\":1}"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 2 ")
        .hasMessageContaining("element 1 is null, not a finite number");
  }

  @Test
  void jsonKeysThatDifferOnlyInCaseAreAConfigErrorNamingTheColumnNotASparkAnalysisError() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("case-keys"));
    Files.write(dir.resolve("rows.json"), List.of("{\"features\":[1.0,2.0],\"label\":0}",
        "{\"features\":[3.0,4.0],\"label\":1,\"LABEL\":2}"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.path"))
        .hasMessageContaining("read as json has the column '").hasMessageContaining("' twice: a json object's keys "
            + "that repeat or differ only in case are one column to Spark")
        .hasMessageContaining("spark.sql.caseSensitive=true");
  }

  @Test
  void aJsonLineThatDoesNotParseIsABadRowQuotingItNotARowOfNulls() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("truncated"));
    Files.write(dir.resolve("rows.json"), List.of("{\"features\":[1.0,2.0],\"label\":0}",
        "{\"features\":[3.0,4.0],\"lab", "{\"features\":[5.0,6.0],\"label\":1}"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("rows.json, row 2 ")
        .hasMessageContaining("the line is not a JSON object").hasMessageContaining("'{\"features\":[3.0,4.0],\"lab'");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1)
        .optSkipBadRows(true).build());
    assertThat(data.skippedRows()).isEqualTo(1);
    assertThat(data.shards().first().features()).containsExactly(1, 2, 5, 6);
    data.unpersist();
  }

  @Test
  void aJsonLineHoldingTwoObjectsIsABadRowNotItsFirstObjectAlone() throws Exception {
    // two files joined with cat, the first without its last newline: Spark's reader takes a line's first value
    Path dir = Files.createDirectories(tmp.resolve("joined")); // a file name Spark lists percent-encoded
    Files.write(dir.resolve("rows #1.json"), List.of("{\"features\":[1.0,2.0],\"label\":0}",
        "{\"features\":[3.0,4.0],\"label\":1}{\"features\":[7.0,8.0],\"label\":0}",
        "{\"features\":[5.0,6.0],\"label\":1} ", "{\"features\":[9.0,1.0],\"label\":1} trailing"),
        StandardCharsets.UTF_8);
    for (boolean skip : new boolean[] {false, true}) { // skipping would still read the line's first object
      assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1)
          .optSkipBadRows(skip).build())).isInstanceOf(BadInputException.class)
          .hasMessageContaining("rows #1.json, row 2 (counted from 1, blank lines not counted): the line holds more "
              + "than one JSON value").hasMessageContaining("{\"features\":[7.0,8.0]")
          .hasMessageContaining("data.bad_rows=skip cannot skip such a line");
    }
    LoadedDataset stored = new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()
        .asStoredJobs());
    assertThat(stored.rows()).as("a stored job reads its lines as it trained on them").isEqualTo(4);
    stored.unpersist();
    // a job created before lines were checked reads its own so too, but rows given to it anew strictly
    DataOptions old = options(dir, "json", List.of("features"), 1).optCheckCsvLines(false).optCheckJsonLines(false)
        .build();
    LoadedDataset own = new DatasetLoader(spark).load(old);
    assertThat(own.rows()).isEqualTo(4);
    own.unpersist();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(old.withJsonLinesChecked()))
        .isInstanceOf(BadInputException.class).hasMessageContaining("the line holds more than one JSON value");
    Files.write(dir.resolve("rows #1.json"), List.of("{\"features\":[1.0,2.0],\"label\":0}",
        "{\"features\":[5.0,6.0],\"label\":1} ", "{\"features\":[9.0,1.0],\"label\":1} trailing"),
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .hasMessageContaining("rows #1.json, row 3 ").hasMessageContaining("'{\"features\":[9.0,1.0],\"label\":1} "
            + "trailing'");
    assertThat(JsonLines.moreAfterFirstValue("{\"a\":\"}{\\\"\"} ")).as("braces and quotes in a string").isFalse();
    assertThat(JsonLines.moreAfterFirstValue("{\"a\":[{\"b\":1}]}[]")).isTrue();
  }

  @Test
  void vectorColumnInStructFormLoadsDenseAndSparse() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("vectors"));
    Files.write(dir.resolve("rows.json"), List.of(
        "{\"features\":{\"type\":1,\"size\":null,\"indices\":null,\"values\":[1.0,2.0,3.0,4.0]},\"label\":0}",
        "{\"features\":{\"type\":0,\"size\":4,\"indices\":[1,3],\"values\":[5.0,6.0]},\"label\":1}"),
        StandardCharsets.UTF_8);
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build());
    assertThat(data.featureSize()).isEqualTo(4);
    assertThat(data.shards().first().features()).containsExactly(1, 2, 3, 4, 0, 5, 0, 6);
    assertThat(data.shards().first().labels()).containsExactly(0, 1);
    data.unpersist();
  }

  @Test
  void skipModeSkipsAndCountsBadRows() throws Exception {
    Path dir = csv("skip", "f0,f1,label", "1,2,0", "3,4,1", "5,abc,1", "7,8,0", "9,,1", "11,12,1");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 2)
        .optSkipBadRows(true).build());
    assertThat(data.skippedRows()).isEqualTo(2);
    assertThat(data.firstSkipped()).hasValueSatisfying(f -> assertThat(f).startsWith("row 3 of ")
        .contains("data.csv: feature column 'f1' holds 'abc'"));
    assertThat(data.rows()).isEqualTo(4);
    List<DataShard> shards = data.shards().collect();
    assertThat(shards.get(0).features()).containsExactly(1, 2, 7, 8);
    assertThat(shards.get(1).features()).containsExactly(3, 4, 11, 12);
    assertThat(shards.get(1).labels()).containsExactly(1, 1);
    data.unpersist();
  }

  @Test
  void aCsvLineMissingAFieldIsABadRowNotValuesShiftedIntoTheNextColumn() throws Exception {
    // without the check Spark read "5,1" as f0=5, f1=1, label=null, or with a label of 1 as f1
    Path dir = csv("short", "f0,f1,label", "1,2,0", "3,4,1", "5,1", "7,8,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 2).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("data.csv, row 3 ")
        .hasMessageContaining("the line has 2 fields but the header names 3 columns (a field is missing")
        .hasMessageContaining("'5,1'");
    Path label = csv("short-label", "f0,f1,label", "1,2,0", "5,1", "7,8,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(label, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOf(BadInputException.class).hasMessageContaining("row 2 ").hasMessageContaining("'5,1'");
  }

  @Test
  void aCsvLineWithAnExtraFieldIsABadRowNotSilentlyCut() throws Exception {
    Path dir = csv("long", "f0,f1,label", "1,2,0", "3,4,1,9", "7,8,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("data.csv, row 2 ")
        .hasMessageContaining("the line has 4 fields but the header names 3 columns (it has more fields than columns");
  }

  @Test
  void csvLinesWithQuotedCommasAndUnreadColumnsAreGoodAndMalformedOnesAreSkippedAndCounted() throws Exception {
    Path dir = csv("quoted", "f0,note,f1,label", "1,\"a, b\",2,0", "3,\"say \"\"hi\"\", ok\",4,1", "5,x,6",
        "7,\"c\",8,0,extra", "9,y,10,1");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1)
        .optSkipBadRows(true).build());
    assertThat(data.shards().first().features()).containsExactly(1, 2, 3, 4, 9, 10);
    assertThat(data.shards().first().labels()).containsExactly(0, 1, 1);
    assertThat(data.skippedRows()).isEqualTo(2);
    data.unpersist();
  }

  @Test
  void aCsvFileWhoseHeaderDiffersFromTheFirstFilesIsAConfigErrorNotReadByPosition() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("headers"));
    Files.write(dir.resolve("a.csv"), List.of("f0,f1,label", "1,2,0", "3,4,1"), StandardCharsets.UTF_8);
    Files.write(dir.resolve("b.csv"), List.of("f1,f0,label", "6,5,0", "8,7,1"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.path"))
        .hasMessageContaining("b.csv has the header [f1, f0, label] but ")
        .hasMessageContaining("a.csv has [f0, f1, label]").hasMessageContaining("give every file the same header");
    Files.write(dir.resolve("b.csv"), List.of("f0,f1,label,note", "5,6,0,x", "7,8,1,y"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1)
        .optSkipBadRows(true).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("has the header [f0, f1, label, note]");
  }

  @Test
  void aLargerCsvFileWhoseHeaderLacksTheNamedColumnIsReportedAsAHeaderMismatchNotAMissingColumn() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("case"));
    Files.write(dir.resolve("a.csv"), List.of("f0,label", "1,0"), StandardCharsets.UTF_8);
    Files.write(dir.resolve("b.csv"), List.of("F0,label", "2,0", "3,1", "4,0"), StandardCharsets.UTF_8);
    assertDataPathRefused(dir)
        .hasMessageContaining("b.csv has the header [F0, label] but ");
  }

  /** A gzip'd csv file of 5000 rows cut in the middle of its compressed bytes. */
  private static void writeTruncatedGzipCsv(Path file) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
      StringBuilder b = new StringBuilder("f0,label\n");
      for (int i = 0; i < 5000; i++) {
        b.append(i).append(',').append(i % 2).append('\n');
      }
      gz.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] all = bytes.toByteArray();
    Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
  }

  @Test
  void aTruncatedCompressedFileIsNamedAsTheFileThatCannotBeRead() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("gz"));
    writeTruncatedGzipCsv(dir.resolve("a.csv.gz"));
    Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() ->
        new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()));
    assertThat(failure).isNotNull();
    assertThat(InputFormats.unreadableFile(failure)).contains("a.csv.gz").contains("EOFException");
    assertThat(InputFormats.unreadableFile(new RuntimeException("another failure"))).isNull();
  }

  @Test
  void aFileWhoseStorageDoesNotAnswerIsNotNamedAsAFileThatCannotBeRead() {
    String read = "[FAILED_READ_FILE.NO_HINT] Encountered error while reading file hdfs://nn:8020/data/part-0.parquet. "
        + "SQLSTATE: KD001";
    // a block whose every replica's DataNode is gone, as an executor's failure carries it (text), and a refused
    // connection (a class)
    assertThat(InputFormats.unreadableFile(new org.apache.spark.SparkException(read, new java.io.IOException(
        "org.apache.hadoop.hdfs.BlockMissingException: Could not obtain block: BP-1:blk_1 file=/data/part-0.parquet"))))
        .isNull();
    assertThat(InputFormats.unreadableFile(new org.apache.spark.SparkException(read, new java.net.ConnectException(
        "Connection refused")))).isNull();
    assertThat(InputFormats.unreadableFile(new org.apache.spark.SparkException(read, new java.io.EOFException(
        "Unexpected end of input stream")))).as("a truncated file").contains("part-0.parquet");
  }

  @Test
  void aTruncatedFileFailsTheLoadAlsoWhereTheClustersDefaultsIgnoreCorruptFiles() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("gz-ignored"));
    writeTruncatedGzipCsv(dir.resolve("a.csv.gz"));
    org.apache.spark.SparkConf conf = spark.sparkContext().conf(); // as spark-defaults.conf sets it
    conf.set("spark.sql.files.ignoreCorruptFiles", "true");
    try {
      Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() ->
          new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()));
      assertThat(failure).as("not a load of the rows before the damage").isNotNull();
      assertThat(InputFormats.unreadableFile(failure)).contains("a.csv.gz");
    } finally {
      conf.remove("spark.sql.files.ignoreCorruptFiles");
    }
  }

  @Test
  void aCsvHeaderWithAnUnnamedOrARepeatedUnusedColumnLoads() throws Exception {
    // pandas' to_csv writes its index under an empty name; Spark names such columns itself
    Path dir = csv("pandas", ",note,note,f0,label", "0,a,b,1.5,0", "1,c,d,2.5,1");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(data.shards().first().features()).containsExactly(1.5f, 2.5f);
    data.unpersist();
  }

  @Test
  void aJobCreatedBeforeTheCsvChecksReadsItsCsvAsItDid() throws Exception {
    Path dir = csv("lenient", "f0,f1,label", "1,2,0", "3,4,1,", "5,6,1");
    DataOptions.Builder o = options(dir, "csv", List.of("f0", "f1"), 1);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(o.build())).isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 2 ");
    LoadedDataset before = new DatasetLoader(spark).load(o.optCheckCsvLines(false).optRowsByFileName(false).build());
    assertThat(before.skippedRows()).isZero();
    assertThat(before.shards().first().features()).containsExactly(1, 2, 3, 4, 5, 6);
    before.unpersist();
    // rows such a job is evaluated on by a command (evaluate --input) are read strictly all the same
    DataOptions evaluated = o.optCheckCsvLines(false).optRowsByFileName(false).build().withPath(dir.toString())
        .withCsvLinesChecked();
    assertThat(evaluated.evaluatedOnly()).isTrue();
    assertThatThrownBy(() -> new DatasetLoader(spark).load(evaluated)).isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 2 ");
  }

  @Test
  void columnsWhoseNamesHoldADotOrABackquoteAreReadByTheirWholeName() throws Exception {
    // Dataset.col reads "Sepal.Length" as field Length of a column Sepal, and a backquote as quoting
    Path dir = csv("dotted", "Sepal.Length,x`b,y.class", "1.5,2.5,0", "3.5,4.5,1");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("Sepal.Length", "x`b"), 1)
        .setLabel("y.class").build());
    assertThat(data.shards().first().features()).containsExactly(1.5f, 2.5f, 3.5f, 4.5f);
    assertThat(data.shards().first().labels()).containsExactly(0f, 1f);
    data.unpersist();
  }

  @Test
  void aCsvHeaderThatRepeatsTheNamedColumnIsTold() throws Exception {
    Path dir = csv("repeated", "f0,f1,f0,label", "1,2,3,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.features"))
        .hasMessageContaining("names 2 times (Spark renamed them [f00, f02] by position)");
  }

  @Test
  void aCsvColumnNamedAsTheMalformedLineColumnInAnyCaseIsAConfigError() throws Exception {
    Path dir = csv("reserved", "f0,_EPOCHAL_MALFORMED_LINE,label", "1,x,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rename that column");
  }

  @Test
  void dataOnlyInSubdirectoriesThatAreNotPartitionsIsAConfigErrorNamingAFile() throws Exception {
    Path dir = tmp.resolve("nested");
    Files.createDirectories(dir.resolve("a"));
    Files.write(dir.resolve("a/x.csv"), List.of("f0,label", "1,0"), StandardCharsets.UTF_8);
    assertDataPathRefused(dir)
        .hasMessageContaining("holds no file Spark reads").hasMessageContaining("a/x.csv")
        .hasMessageContaining("column=value");
  }

  @Test
  void filesInASubdirectoryBesideFilesSparkReadsAreAConfigErrorNotRowsLeftOut() throws Exception {
    Path dir = csv("mixed", "f0,label", "1,0", "2,1");
    Files.createDirectories(dir.resolve("more"));
    Files.write(dir.resolve("more/b.csv"), List.of("f0,label", "3,0"), StandardCharsets.UTF_8);
    assertDataPathRefused(dir)
        .hasMessageContaining("holds 1 data file (").hasMessageContaining("more/b.csv) in subdirectories that Spark "
            + "does not read").hasMessageContaining("rename their subdirectory to start with _");

    // a subdirectory named _* is left out on purpose, as Spark leaves it out
    Files.move(dir.resolve("more"), dir.resolve("_more"));
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(data.rows()).isEqualTo(2);
    data.unpersist();
  }

  @Test
  void filesASparkWriteLeftUncommittedAreAConfigErrorNotAPartOfTheRowsReadAsTheWhole() throws Exception {
    // a write stopped while it committed: one part file in place, the other still in Spark's staging directory
    Path dir = csv("stopped-write", "f0,label", "1,0", "2,1");
    Files.createDirectories(dir.resolve("_temporary/0/task_1"));
    Files.write(dir.resolve("_temporary/0/task_1/part-00001.csv"), List.of("f0,label", "3,0"), StandardCharsets.UTF_8);

    assertDataPathRefused(dir).hasMessageContaining("holds 1 data file (")
        .hasMessageContaining("part-00001.csv) under _temporary/, which a Spark write")
        .hasMessageContaining("write it again (gen-data ... --overwrite)");
  }

  @Test
  void filesBesidePartitionDirectoriesAreAConfigErrorNotRowsLeftOut() throws Exception {
    Path dir = csv("partitioned", "f0,label", "1,0", "2,1");
    Files.createDirectories(dir.resolve("split=b"));
    Files.write(dir.resolve("split=b/b.csv"), List.of("f0,label", "3,0"), StandardCharsets.UTF_8);
    assertDataPathRefused(dir)
        .hasMessageContaining("holds 1 data file (").hasMessageContaining("partitioned/data.csv) beside its partition "
            + "directories (named column=value), which Spark does not read");

    // inside partition directories every file is read
    Files.createDirectories(dir.resolve("split=a"));
    Files.move(dir.resolve("data.csv"), dir.resolve("split=a/data.csv"));
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(data.rows()).isEqualTo(3);
    data.unpersist();

    // and in a directory below one: Spark reads split=b/extra/ as split=b's
    Files.createDirectories(dir.resolve("split=b/extra"));
    Files.write(dir.resolve("split=b/extra/c.csv"), List.of("f0,label", "4,1"), StandardCharsets.UTF_8);
    LoadedDataset below = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(below.rows()).isEqualTo(4);
    below.unpersist();
  }

  @Test
  void partitionDirectoriesBesideAnotherSubdirectoryAreAConfigErrorNamingItNotAnInternalError() throws Exception {
    Path dir = tmp.resolve("conflicting");
    Files.createDirectories(dir.resolve("split=a"));
    Files.createDirectories(dir.resolve("other"));
    Files.write(dir.resolve("split=a/a.csv"), List.of("f0,label", "1,0"), StandardCharsets.UTF_8);
    Files.write(dir.resolve("other/b.csv"), List.of("f0,label", "2,1"), StandardCharsets.UTF_8);
    assertDataPathRefused(dir)
        .hasMessageContaining("mixes partition directories (named column=value) with other subdirectories (other/)")
        .hasMessageContaining("rename the other subdirectories to start with _");

    // named _*, the other subdirectory is left out on purpose
    Files.move(dir.resolve("other"), dir.resolve("_other"));
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(data.rows()).isEqualTo(1);
    data.unpersist();
  }

  @Test
  void csvFilesOfAHeaderLineAloneAreDataWithoutRowsNotTooFewForTheWorkers() throws Exception {
    Path dir = csv("header-only", "f0,label");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 2).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.path"))
        .hasMessageContaining("has no rows: its csv files hold a header line at most")
        .hasMessageNotContaining("train.workers");
  }

  @Test
  void aForeignChecksumFileBesideADataFileIsFoundAndTheDataStillLoads() throws Exception {
    Path dir = csv("foreign-crc", "f0,label", "1,0", "2,1");
    Files.writeString(dir.resolve(".data.csv.crc"), "garbage\n");
    LoadedDataset data = new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build());
    assertThat(data.rows()).isEqualTo(2);
    data.unpersist();
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    String file = dir.resolve("data.csv").toUri().toString();
    assertThat(InputFileLayout.foreignChecksumFiles(fs, new String[] {file})).singleElement().asString()
        .endsWith("foreign-crc/.data.csv.crc");
    // a checksum file Hadoop wrote is its own
    Files.delete(dir.resolve(".data.csv.crc"));
    Path written = tmp.resolve("own-crc/data.csv");
    try (org.apache.hadoop.fs.FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(written.toUri()))) {
      out.writeBytes("f0,label\n1,0\n");
    }
    assertThat(Files.exists(written.resolveSibling(".data.csv.crc"))).isTrue();
    assertThat(InputFileLayout.foreignChecksumFiles(fs, new String[] {file, written.toUri().toString()})).isEmpty();
  }

  @Test
  void skippingEveryRowIsAConfigErrorAboutTheOptionsNotTheWorkerCount() throws Exception {
    Path dir = csv("all-bad", "f0,f1,label", "1,x,0", "3,y,1", "5,z,1");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 2)
        .optSkipBadRows(true).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.bad_rows"))
        .hasMessageContaining("every one of its 3 rows is bad, and data.bad_rows=skip skipped them all")
        .hasMessageContaining("'f1'").hasMessageContaining("fix them rather than skip every row")
        .hasMessageNotContaining("lower train.workers").hasMessageNotContaining("to skip and count such rows");
  }

  @Test
  void missingColumnIsAConfigErrorNamingTheKey() throws Exception {
    Path dir = csv("cols", "f0,label", "1,0");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("x0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.features names column 'x0'")
        .hasMessageContaining("[f0, label]");
  }

  @Test
  void parquetReadAsCsvIsAConfigErrorAboutTheFormatNotAListOfBinaryColumnNames() throws Exception {
    for (int files : new int[] {1, 2}) {
      Path path = tmp.resolve("really-" + files + ".parquet");
      DataGenerator.builder().optRows(20).optFeatures(3).optPartitions(files).build()
          .write(spark, path.toUri().toString(), false);
      assertThatThrownBy(() -> new DatasetLoader(spark).load(options(path, "csv", List.of("features"), 1).build()))
          .as("%s file(s): not two headers that differ", files)
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.format"))
          .hasMessageContaining("probably not csv").hasMessageContaining("set data.format")
          .hasMessageContaining("'PAR1").hasMessageNotContaining("\u0000").hasMessageNotContaining("header");
    }
  }

  @Test
  void aStrayFileAmongParquetFilesIsToldToBeMovedOutNotThatTheDataIsNotParquet() throws Exception {
    Path path = tmp.resolve("with-notes.parquet");
    DataGenerator.builder().optRows(20).optFeatures(3).optPartitions(2).build()
        .write(spark, path.toUri().toString(), false);
    Files.writeString(path.resolve("notes.txt"), "hello");
    Files.writeString(path.resolve("a-notes.txt"), "listed first by name");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(path, "parquet", List.of("features"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.path"))
        .hasMessageContaining("notes.txt is not a Parquet file").hasMessageContaining(", but other files beside it are "
            + "Parquet (such as part-").hasMessageContaining("move that file out of it, or rename it to start with _")
        .hasMessageNotContaining("probably not parquet");
  }

  @Test
  void dataPartitionedInMoreLevelsThanTheFirstFileSearchGoesIsReadNotRefusedAsHoldingNoFile() throws Exception {
    Path generated = tmp.resolve("flat");
    DataGenerator.builder().optRows(20).optFeatures(2).optClasses(2).build().write(spark, generated.toUri().toString(),
        false);
    Path root = tmp.resolve("partitioned");
    Path deep = Files.createDirectories(root.resolve("year=2024/month=01/day=01/hour=00/country=fr"));
    try (var files = Files.list(generated)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        Files.move(f, deep.resolve(f.getFileName()));
      }
    }
    LoadedDataset data = new DatasetLoader(spark).load(options(root, "parquet", List.of("features"), 1).build());
    try {
      assertThat(data.rows()).isEqualTo(20);
    } finally {
      data.unpersist();
    }
  }

  @Test
  void aDirectoryWithoutDataFilesIsAConfigErrorNamingDataPathNotSparksSchemaInference() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty-data"));
    Files.writeString(dir.resolve("_SUCCESS"), "");
    for (String format : List.of("parquet", "csv", "json")) {
      assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, format, List.of("x"), 1).build()))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.path"))
          .hasMessageContaining("holds no data file (none at all, or only files named _* or .*")
          .hasMessageContaining("point data.path at the directory or file that holds the " + format + " data")
          .hasMessageNotContaining("UNABLE_TO_INFER_SCHEMA");
    }
  }

  @Test
  void filesSparkCannotReadAsGivenAreRefusedSayingWhatToDoWithThemNotBlamingTheFormat() throws Exception {
    Path parquet = tmp.resolve("with-empty");
    DataGenerator.builder().optRows(20).optFeatures(2).optClasses(2).build().write(spark, parquet.toUri().toString(),
        false);
    Files.createFile(parquet.resolve("a-empty.parquet")); // sorts first: its footer is where Spark reads the schema
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(parquet, "parquet", List.of("features"), 1)
        .optClasses(2).build())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("a-empty.parquet is empty (0 bytes), and Spark reads the schema of data.path from the "
            + "footer of its first Parquet file: remove the empty file").hasMessageNotContaining("probably not");
    Path latin1 = tmp.resolve("latin1.csv"); // as Excel saves "CSV": Windows-1252, durée's é one byte 0xE9
    Files.write(latin1, "label,x,dur\u00e9e\n1,2,3\n0,4,5\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(latin1, "csv", List.of("x"), 1).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("has a header that is not UTF-8 (column 'dur?e'")
        .hasMessageContaining("save it as UTF-8").hasMessageNotContaining("probably not csv");
    Path marker = tmp.resolve("_data.csv"); // one file named as Spark's own: skipped though named
    writeCsv(marker, 0, 4);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(marker, "csv", List.of("x"), 1).build()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("_data.csv is named as the files Spark skips (_* or "
            + ".*, its own markers), which it does not read even when given by name; rename it")
        .hasMessageNotContaining("subdirectories");
  }

  @Test
  void anArrayColumnAmongSeveralFeatureColumnsOrAsTheLabelIsAConfigErrorNotEveryRowBad() throws Exception {
    Path path = tmp.resolve("arrays.parquet");
    DataGenerator.builder().optRows(20).optFeatures(3).optPartitions(1).build()
        .write(spark, path.toUri().toString(), false);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(path, "parquet", List.of("features", "label"), 1)
        .build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.features"))
        .hasMessageContaining("data.features names 2 columns, but column 'features' holds array<float>")
        .hasMessageContaining("give that column alone as data.features");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(path, "parquet", List.of("features"), 1)
        .setLabel("features").build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.label"))
        .hasMessageContaining("data.label names column 'features', which holds array<float>, not one number per row");
  }

  @Test
  void aFeatureColumnOfNestedArraysIsAConfigErrorNamingItsTypeNotItsOuterLengthAsTheFeatureCount() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("nested.json"));
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      lines.add("{\"features\": [[" + i + ", 1], [2, 3]], \"label\": " + (i % 2) + "}");
    }
    Files.write(dir.resolve("rows.json"), lines, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("features"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.features"))
        .hasMessageContaining("column 'features', which holds array<array<bigint>>: each row's features must be one"
            + " flat array of numbers; flatten the column");
  }

  @Test
  void csvReadAsParquetIsAConfigErrorAboutTheFormatNamingTheFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("really-csv"));
    writeCsv(dir.resolve("a.csv"), 0, 20);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "parquet", List.of("x"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.format"))
        .hasMessageContaining("read as parquet").hasMessageContaining("a.csv is not a Parquet file (it does not end with PAR1)")
        .hasMessageContaining("probably not parquet").hasMessageContaining("set data.format");
  }

  @Test
  void jsonReadAsCsvIsAConfigErrorAboutTheFormat() throws Exception {
    Path dir = csv("really-json", "{\"f0\": 1.5, \"label\": 0}", "{\"f0\": 0.5, \"label\": 1}");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.format"))
        .hasMessageContaining("read as csv has no column 'f0': its first line starts with '{'")
        .hasMessageContaining("probably json");
  }

  @Test
  void csvFilesThatAreAllEmptyAreAConfigErrorSayingSoNotAnEmptyListOfColumns() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("all-empty"));
    Files.write(dir.resolve("a.csv"), new byte[0]);
    Files.write(dir.resolve("b.csv"), List.of("", "  "), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.path"))
        .hasMessageContaining("read as csv has no columns at all: its files are empty or hold only blank lines, "
            + "so there is no header line; point data.path at the data (data.features names column 'f0')")
        .hasMessageNotContaining("[]");
  }

  @Test
  void csvLinesWiderThanEpochalReadsAreAConfigErrorNamingTheLimitNotAnInternalError() throws Exception {
    int width = MalformedLines.MAX_CSV_COLUMNS + 1;
    StringBuilder header = new StringBuilder();
    StringBuilder row = new StringBuilder();
    for (int i = 0; i < width; i++) {
      header.append(i == 0 ? "" : ",").append(i == width - 1 ? "label" : "f" + i);
      row.append(i == 0 ? "" : ",").append(i == width - 1 ? "0" : "1");
    }
    Path dir = csv("too-wide", header.toString(), row.toString());
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f1"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.path"))
        .hasMessageContaining("a csv line has more than " + MalformedLines.MAX_CSV_COLUMNS + " columns")
        .hasMessageContaining("as one array column in parquet or json");
  }

  @Test
  void csvWithoutAHeaderLineIsAConfigErrorSayingSoNotAListOfNumbersAsColumns() throws Exception {
    Path dir = csv("no-header", "1.5,2.5,0", "0.5,1.0,1");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("has no header line: its first line, [1.5, 2.5, 0], holds numbers")
        .hasMessageContaining("add a header line naming the columns");
  }

  @Test
  void csvReadAsJsonIsAConfigErrorAboutTheFormatNotAboutTheCorruptRecordColumn() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("csv-as-json"));
    writeCsv(dir.resolve("a.csv"), 0, 20);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("data.format"))
        .hasMessageContaining("read as json has no column 'f0': no line parsed as a JSON object")
        .hasMessageContaining("if the files are not json, set data.format");
  }

  @Test
  void aJsonArrayDocumentIsToldToBeWrittenOneObjectPerLine() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("json-array"));
    Files.write(dir.resolve("rows.json"), List.of("[", "  {", "    \"f0\": 1.0,", "    \"label\": 0", "  }", "]"),
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("f0"), 1).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("json input is JSON Lines, one object per line")
        .hasMessageContaining("jq -c '.[]'");
    // an array whose objects stand one per line: those lines parse, the brackets are bad rows
    Files.write(dir.resolve("rows.json"), List.of("[", "{\"f0\": 1.0, \"label\": 0},", "{\"f0\": 2.0, \"label\": 1}",
        "]"), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "json", List.of("f0"), 1).build()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("row 1 ")
        .hasMessageContaining("json input is JSON Lines, one object per line, without the brackets and commas");
  }

  @Test
  void aCsvFileSeparatedBySemicolonsIsToldAsSuchNotAsAMissingColumn() throws Exception {
    Path dir = csv("semicolons", "f0;f1;label", "1;2;0", "3;4;1");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.format"))
        .hasMessageContaining("its header is one column, 'f0;f1;label', so its fields are separated by ';', not "
            + "commas");
  }

  @Test
  void aFeatureColumnMissingFromWideNumberedDataListsTheColumnsShortAndTheirRange() throws Exception {
    String header = String.join(",", java.util.stream.IntStream.range(0, 15).mapToObj(i -> "f" + i).toList()) + ",label";
    String row = String.join(",", java.util.Collections.nCopies(15, "1")) + ",0";
    Path dir = csv("wide", header, row, row);
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("features"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.features"))
        .hasMessageContaining("its columns are [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, ... (4 more), f14, label] "
            + "(16 columns); its numbered columns f0 to f14 are named at once as f0..f14; set data.features to one "
            + "of them");
  }

  @Test
  void aCsvHeaderNameWithBlanksAroundItIsToldAsSuchNotAsAMissingColumn() throws Exception {
    Path dir = csv("blanks", "f0, f1,label", "1,2,0", "3,4,1");
    assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0", "f1"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.features"))
        .hasMessageContaining("names column 'f1', which data " + dir.toUri() + " names ' f1', with blanks around it")
        .hasMessageContaining("remove the blanks from the header");
  }

  @Test
  void generatedDataIsAFunctionOfSeedNotOfPartitions() {
    JavaRDD<Row> a = DataGenerator.builder().optRows(30).optFeatures(3).optSeed(7).optPartitions(1).build()
        .generate(spark).javaRDD();
    JavaRDD<Row> b = DataGenerator.builder().optRows(30).optFeatures(3).optSeed(7).optPartitions(4).build()
        .generate(spark).javaRDD();
    JavaRDD<Row> c = DataGenerator.builder().optRows(30).optFeatures(3).optSeed(8).optPartitions(1).build()
        .generate(spark).javaRDD();
    assertThat(a.collect().toString()).isEqualTo(b.collect().toString()).isNotEqualTo(c.collect().toString());
  }

  /** Loading {@code dir} as csv with feature f0 fails with a configuration error on data.path. */
  private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertDataPathRefused(Path dir) {
    return assertThatThrownBy(() -> new DatasetLoader(spark).load(options(dir, "csv", List.of("f0"), 1).build()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.path"));
  }

  private static scala.Tuple2<Long, float[]> row(long number, float feature, float label) {
    return new scala.Tuple2<>(number, new float[] {feature, label});
  }

  @Test
  void aShardIsBuiltFromItsRowsInTheirNumbersOrderStraightIntoItsArrays() throws Exception {
    // 5 good rows over 2 workers: worker 1 holds rows 1 and 3
    DataShard shard = DatasetLoader.toShard(1, List.of(row(1, 10f, 1f), row(3, 30f, 0f)).iterator(), 1, false, 5, 2,
        "file:/data");
    assertThat(shard.rows()).isEqualTo(2);
    assertThat(shard.features()).containsExactly(10f, 30f);
    assertThat(shard.labels()).containsExactly(1f, 0f);
  }

  @Test
  void aShardHandedOtherRowsThanTheScanCountedFailsAsDataThatChangedNotAsAnotherShard() {
    assertThatThrownBy(() -> DatasetLoader.toShard(1, List.of(row(1, 10f, 1f), row(3, 30f, 0f), row(5, 50f, 1f))
        .iterator(), 1, false, 5, 2, "file:/data")).isInstanceOf(DataChangedException.class)
        .hasMessageStartingWith("worker 1's shard read from file:/data did not get the rows the job counted in it "
            + "(row 5 after all 2 of its rows, of 5 good rows): the data changed while the job ran");
    assertThatThrownBy(() -> DatasetLoader.toShard(0, List.of(row(0, 0f, 1f), row(4, 40f, 0f)).iterator(), 1, false,
        5, 2, "file:/data")).isInstanceOf(DataChangedException.class)
        .hasMessageContaining("(row 4 where row 2 of its 3 belongs, of 5 good rows)");
    assertThatThrownBy(() -> DatasetLoader.toShard(0, List.of(row(0, 0f, 1f)).iterator(), 1, false, 5, 2,
        "file:/data"))
        .isInstanceOf(DataChangedException.class).hasMessageContaining("(1 rows, not its 3 of 5 good rows)");
  }
}
