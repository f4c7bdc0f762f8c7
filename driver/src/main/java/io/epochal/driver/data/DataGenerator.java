package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a learnable synthetic classification dataset: one Gaussian cluster per class. The class
 * centres are drawn from N(0, separation²) per feature with the seed; row {@code i} takes a class
 * and unit-variance noise from a generator seeded with (seed, i), so the data is a pure function
 * of (rows, features, classes, seed, separation, class shares), whatever the number of partitions (whose files
 * Spark names in row order up to part-99999, the 100,000th).
 * Every class is equally likely unless class shares make some rarer than others.
 *
 * <p>Layout {@code array}: columns {@code features} (array&lt;float&gt;) and {@code label} (int).
 * Layout {@code columns}: {@code f0 .. f<n-1>} (float) and {@code label}. CSV is always written
 * with named columns and a header. With {@link Builder#optWeights} a float column {@code weight}
 * follows the label.
 */
public final class DataGenerator {

  private static final Set<String> FORMATS = Set.of("parquet", "csv", "json");

  /**
   * The file each output of the generator holds (its parameters, as JSON): {@code gen-data
   * --overwrite} replaces only a directory that holds it, never data it did not generate.
   */
  public static final String MARKER = "_EPOCHAL_GENERATED";

  /** The sample weight column written with {@link Builder#optWeights}, for {@code data.weight}. */
  public static final String WEIGHT_COLUMN = "weight";

  private final long rows;
  private final long firstRow;
  private final int features;
  private final int classes;
  private final long seed;
  private final double separation;
  /** Where each class's share of the rows ends, from 0 to 1; empty = every class equally likely. */
  private final double[] classEnds;
  private final int partitions;
  private final String format;
  private final boolean arrayLayout;
  private final boolean weights;

  private DataGenerator(Builder b) {
    this.rows = b.rows;
    this.firstRow = b.firstRow;
    this.features = b.features;
    this.classes = b.classes;
    this.seed = b.seed;
    this.separation = b.separation;
    checkArgument(b.classShares.length == 0 || b.classShares.length == classes, "%s class shares for %s classes; "
        + "give one per class, class 0 first", b.classShares.length, classes);
    this.classEnds = ends(b.classShares);
    this.partitions = b.partitions;
    this.format = b.format;
    this.arrayLayout = b.arrayLayout && !"csv".equals(b.format);
    this.weights = b.weights;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The schema of the written data. */
  public StructType schema() {
    List<StructField> fields = new ArrayList<>();
    if (arrayLayout) {
      fields.add(DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false),
          false));
    } else {
      for (int f = 0; f < features; f++) {
        fields.add(DataTypes.createStructField("f" + f, DataTypes.FloatType, false));
      }
    }
    fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, false));
    if (weights) {
      fields.add(DataTypes.createStructField(WEIGHT_COLUMN, DataTypes.FloatType, false));
    }
    return DataTypes.createStructType(fields);
  }

  /** The generated rows as a DataFrame, in row order. */
  public Dataset<Row> generate(SparkSession spark) {
    float[][] centers = centers();
    long s = seed;
    int n = features;
    int k = classes;
    boolean array = arrayLayout;
    boolean weighted = weights;
    double[] ends = classEnds;
    JavaRDD<Row> data = spark.range(firstRow, firstRow + rows, 1, partitions).javaRDD()
        .map(i -> row(i, s, centers, n, k, ends, array, weighted));
    return spark.createDataFrame(data, schema());
  }

  /**
   * Writes the dataset to {@code path} (any Hadoop URI).
   *
   * @param overwrite whether to replace existing data at the path (otherwise it is an error)
   */
  public void write(SparkSession spark, String path, boolean overwrite) {
    generate(spark).write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
        .option("header", "true").format(format).save(path);
    org.apache.hadoop.fs.Path marker = new org.apache.hadoop.fs.Path(path, MARKER);
    String json = String.format(java.util.Locale.ROOT, "{\"rows\": %d, \"first_row\": %d, \"features\": %d, "
        + "\"classes\": %d, \"seed\": %d, \"separation\": %s, \"format\": \"%s\", \"layout\": \"%s\"%s%s}%n", rows,
        firstRow, features, classes, seed, Double.toString(separation), format, arrayLayout ? "array" : "columns",
        classEnds.length == 0 ? "" : ", \"class_ends\": " + java.util.Arrays.toString(classEnds),
        weights ? ", \"weights\": \"" + WEIGHT_COLUMN + "\"" : "");
    try (java.io.OutputStream out = marker.getFileSystem(spark.sparkContext().hadoopConfiguration())
        .create(marker, true)) {
      out.write(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + marker + ": " + e.getMessage(), e);
    }
  }

  /**
   * The first entry of directory {@code dir} that a Spark output marked with file {@code marker}
   * (this generator's {@link #MARKER}, predict's) does not hold, if any: everything is foreign when
   * the marker is missing; with it, anything but the marker, Spark's data files ({@code part-*}), its
   * {@code _SUCCESS}, Parquet's summary files ({@code _metadata}, {@code _common_metadata}), a
   * committer's {@code _temporary/} and the Hadoop {@code .crc} files of those.
   * Other {@code _*} and {@code .*} entries are foreign too: held-out rows kept in {@code _validation/}
   * of a data directory, a {@code .git/}. Empty: {@code --overwrite} may replace the directory (an
   * earlier output, or an empty directory) without deleting a file of anyone else's.
   */
  public static java.util.Optional<String> foreignEntry(org.apache.hadoop.fs.FileSystem fs,
      org.apache.hadoop.fs.Path dir, String marker) throws java.io.IOException {
    // the local file system lists no .crc files, and the overwrite deletes them with the rest
    org.apache.hadoop.fs.FileStatus[] entries = (fs instanceof org.apache.hadoop.fs.ChecksumFileSystem c
        ? c.getRawFileSystem() : fs).listStatus(dir);
    boolean marked = fs.exists(new org.apache.hadoop.fs.Path(dir, marker));
    for (org.apache.hadoop.fs.FileStatus e : entries) {
      String name = e.getPath().getName();
      if (!marked || !(e.isDirectory() ? "_temporary".equals(name) : writtenBySpark(name, marker))) {
        return java.util.Optional.of(name + (e.isDirectory() ? "/" : ""));
      }
    }
    return java.util.Optional.empty();
  }

  /** Whether a file so named is one a Spark write marked with {@code marker} leaves, or the checksum of one. */
  private static boolean writtenBySpark(String name, String marker) {
    if (name.length() >= ".x.crc".length() && name.startsWith(".") && name.endsWith(".crc")) {
      return writtenBySpark(name.substring(1, name.length() - ".crc".length()), marker);
    }
    // _metadata and _common_metadata: Parquet's summary files, with parquet.summary.metadata.level set
    return name.startsWith("part-") || name.equals("_SUCCESS") || name.equals(marker) || name.equals("_metadata")
        || name.equals("_common_metadata");
  }

  /** The class centres, {@code classes x features}. */
  float[][] centers() {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] c = new float[classes][features];
    for (int i = 0; i < classes; i++) {
      for (int f = 0; f < features; f++) {
        c[i][f] = (float) (gaussian(r) * separation);
      }
    }
    return c;
  }

  /** Where each share ends once {@code shares} are scaled to sum to 1; empty for none. */
  private static double[] ends(double[] shares) {
    double total = java.util.Arrays.stream(shares).sum();
    double[] ends = new double[shares.length];
    double sum = 0;
    for (int c = 0; c < shares.length; c++) {
      sum += shares[c];
      ends[c] = c == shares.length - 1 ? 1.0 : sum / total;
    }
    return ends;
  }

  static Row row(long i, long seed, float[][] centers, int features, int classes, double[] classEnds,
      boolean array, boolean weighted) {
    SplittableRandom r = new SplittableRandom(mix(seed, i));
    int label = classEnds.length == 0 ? r.nextInt(classes) : classOf(r.nextDouble(), classEnds);
    Object[] values = new Object[(array ? 2 : features + 1) + (weighted ? 1 : 0)];
    Float[] x = new Float[features];
    for (int f = 0; f < features; f++) {
      x[f] = (float) (centers[label][f] + gaussian(r));
    }
    if (array) {
      values[0] = x;
    } else {
      System.arraycopy(x, 0, values, 0, features);
    }
    values[array ? 1 : features] = label;
    if (weighted) { // drawn after the features: the rows are those of the data without weights
      values[values.length - 1] = r.nextInt(10) == 0 ? 0f : 0.25f + 0.125f * r.nextInt(14);
    }
    return RowFactory.create(values);
  }

  /** The class whose share holds {@code u} in [0, 1). */
  private static int classOf(double u, double[] classEnds) {
    int c = 0;
    while (c < classEnds.length - 1 && u >= classEnds[c]) {
      c++;
    }
    return c;
  }

  /** A standard normal sample by the Box-Muller transform (stable across JDKs). */
  private static double gaussian(SplittableRandom r) {
    double u = 1.0 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
  }

  private static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Builds a {@link DataGenerator}; every setting has a default. */
  public static final class Builder {
    private long rows = 4096;
    private long firstRow;
    private int features = 32;
    private int classes = 4;
    private long seed = 42;
    private double separation = 1.0;
    private double[] classShares = new double[0];
    private int partitions = 2;
    private String format = "parquet";
    private boolean arrayLayout = true;
    private boolean weights;

    private Builder() {}

    /** Number of rows (default 4096). */
    public Builder optRows(long rows) {
      checkArgument(rows >= 1, "rows must be >= 1, got %s", rows);
      this.rows = rows;
      return this;
    }

    /**
     * The number of the first row (default 0): rows {@code firstRow .. firstRow + rows - 1} of the
     * seed's sequence, so a second output from {@code firstRow = } the first's row count holds other
     * rows of the same classes (held-out rows).
     */
    public Builder optFirstRow(long firstRow) {
      checkArgument(firstRow >= 0 && firstRow <= Long.MAX_VALUE - rows, "first row must be in [0, %s], got %s",
          Long.MAX_VALUE - rows, firstRow);
      this.firstRow = firstRow;
      return this;
    }

    /** Features per row (default 32). */
    public Builder optFeatures(int features) {
      checkArgument(features >= 1, "features must be >= 1, got %s", features);
      this.features = features;
      return this;
    }

    /** Number of classes (default 4). */
    public Builder optClasses(int classes) {
      checkArgument(classes >= 2, "classes must be >= 2, got %s", classes);
      this.classes = classes;
      return this;
    }

    /** Seed (default 42). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Standard deviation of the class centres; noise has 1 (default 1.0). */
    public Builder optSeparation(double separation) {
      checkArgument(separation > 0 && Double.isFinite(separation), "separation must be > 0, got %s", separation);
      this.separation = separation;
      return this;
    }

    /**
     * How likely each class is, class 0 first: a row's class is drawn with probability share / (sum of the shares),
     * as scikit-learn's {@code make_classification(weights=...)} draws imbalanced classes (default: none, every
     * class equally likely, as before the option existed). One per class, each finite and above 0.
     */
    public Builder optClassShares(double... shares) {
      for (int c = 0; c < shares.length; c++) {
        checkArgument(shares[c] > 0 && Double.isFinite(shares[c]), "the share of class %s is %s; a class share must "
            + "be finite and above 0", c, (Double) shares[c]);
      }
      this.classShares = shares.clone();
      return this;
    }

    /** Number of output files (default 2). */
    public Builder optPartitions(int partitions) {
      checkArgument(partitions >= 1, "partitions must be >= 1, got %s", partitions);
      this.partitions = partitions;
      return this;
    }

    /** parquet, csv or json (default parquet). */
    public Builder optFormat(String format) {
      checkArgument(FORMATS.contains(checkNotNull(format, "format")), "format '%s' is not one of %s", format,
          FORMATS);
      this.format = format;
      return this;
    }

    /** One array column {@code features} (true, default) or columns {@code f0..} (false). */
    public Builder optArrayLayout(boolean array) {
      this.arrayLayout = array;
      return this;
    }

    /**
     * Whether the rows get a sample weight column {@link #WEIGHT_COLUMN} (default false): 0 for about one row in ten,
     * else one of 0.25, 0.375, ..., 1.875, drawn per row after its features (the rows are those without it).
     */
    public Builder optWeights(boolean weights) {
      this.weights = weights;
      return this;
    }

    /** The generator. */
    public DataGenerator build() {
      return new DataGenerator(this);
    }
  }
}
