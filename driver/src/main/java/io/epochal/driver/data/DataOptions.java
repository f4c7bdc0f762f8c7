package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobSpec;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to read and how to shard it: path, format, feature, label and sample weight columns, label
 * kind, bad-row policy and number of workers. Immutable; build with {@link #builder()} or take it from a
 * {@link JobSpec} with {@link #fromJobSpec}.
 */
public final class DataOptions implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Set<String> FORMATS = Set.of("parquet", "csv", "json");

  private final String path;
  private final String format;
  private final List<String> features;
  private final String label;
  /** The sample weight column; "" when every row weighs the same. */
  private final String weight;
  private final boolean classification;
  private final int classes;
  private final int featureSize;
  private final boolean skipBadRows;
  private final int workers;
  private final boolean rowsByFileName;
  private final boolean checkCsvLines;
  private final boolean checkJsonLines;
  private final boolean evaluatedOnly;

  private DataOptions(Builder b) {
    this.path = b.path;
    this.format = b.format;
    this.features = List.copyOf(b.features);
    this.label = b.label;
    this.weight = b.weight;
    this.classification = b.classification;
    this.classes = b.classes;
    this.featureSize = b.featureSize;
    this.skipBadRows = b.skipBadRows;
    this.workers = b.workers;
    this.rowsByFileName = b.rowsByFileName;
    this.checkCsvLines = b.checkCsvLines;
    this.checkJsonLines = b.checkJsonLines;
    this.evaluatedOnly = b.evaluatedOnly;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The data options of a job. */
  public static DataOptions fromJobSpec(JobSpec spec) {
    return builder().setPath(io.epochal.driver.config.JobSpecResolver.locationText(
        new org.apache.hadoop.fs.Path(spec.dataPath()))).setFormat(spec.dataFormat())
        .setFeatures(spec.dataFeatures()).setLabel(spec.dataLabel())
        .optWeight(io.epochal.driver.config.SampleWeights.column(spec.toHyperParameters()))
        .optClassification(spec.classification())
        .optClasses(spec.dataClasses()).optFeatureSize(spec.dataFeatureSize()).optSkipBadRows(spec.skipBadRows())
        .setWorkers(spec.workers()).optRowsByFileName(spec.rowsByFileName())
        .optCheckCsvLines(!spec.createdBeforeRowOrder()).optCheckJsonLines(!spec.createdBeforeRowOrder()).build();
  }

  /** These options with labels checked against {@code classes} classes (0 = not checked). */
  public DataOptions withClasses(int classes) {
    return toBuilder().optClasses(classes).build();
  }

  /**
   * These options reading {@code path} instead, without sample weights: the held-out rows of {@code
   * data.validation_path} (or of {@code evaluate --input}), whose metrics count every row once. They
   * are only evaluated, so fewer rows than workers are held in as many shards as rows
   * ({@link #evaluatedOnly}).
   */
  public DataOptions withPath(String path) {
    Builder b = toBuilder().setPath(path).optWeight("");
    b.evaluatedOnly = true;
    return b.build();
  }

  /**
   * These options for the rows of a stored job, which read its json lines as it trained on them: a line holding
   * more than one JSON value is not refused ({@link JsonLines}), since refusing it, or splitting it, would stop a
   * job that trained on its first value from ever going on.
   */
  public DataOptions asStoredJobs() {
    return toBuilder().optCheckJsonLines(false).build();
  }

  /** These options refusing a json line that holds more than one JSON value: rows no job has read before. */
  public DataOptions withJsonLinesChecked() {
    return toBuilder().optCheckJsonLines(true).build();
  }

  /** These options reading csv lines strictly: a line of more or fewer cells than the header is a bad row. */
  public DataOptions withCsvLinesChecked() {
    return toBuilder().optCheckCsvLines(true).build();
  }

  /**
   * Whether the rows are only evaluated, never trained on: fewer usable rows than workers are then
   * held in one shard per row instead of refused (training needs a row for every worker).
   */
  public boolean evaluatedOnly() {
    return evaluatedOnly;
  }

  private Builder toBuilder() {
    Builder b = builder().setPath(path).setFormat(format).setFeatures(features).setLabel(label).optWeight(weight)
        .optClassification(classification).optClasses(classes).optFeatureSize(featureSize)
        .optSkipBadRows(skipBadRows).setWorkers(workers).optRowsByFileName(rowsByFileName)
        .optCheckCsvLines(checkCsvLines).optCheckJsonLines(checkJsonLines);
    b.evaluatedOnly = evaluatedOnly;
    return b;
  }

  /** The input path (any Hadoop URI). */
  public String path() {
    return path;
  }

  /** parquet, csv or json. */
  public String format() {
    return format;
  }

  /** Feature columns: several numeric columns, or one array/vector column. */
  public List<String> features() {
    return features;
  }

  /** The label column. */
  public String label() {
    return label;
  }

  /** The sample weight column ({@code data.weight}), or "" when every row weighs the same. */
  public String weight() {
    return weight;
  }

  /** Whether labels are class indices (otherwise numeric targets). */
  public boolean classification() {
    return classification;
  }

  /** Number of classes labels are checked against; 0 when they are only checked to be integers >= 0. */
  public int classes() {
    return classes;
  }

  /** Features per row; 0 to take it from the data. */
  public int featureSize() {
    return featureSize;
  }

  /** Whether bad rows are skipped and counted rather than failing the load. */
  public boolean skipBadRows() {
    return skipBadRows;
  }

  /** Number of workers, i.e. of shards. */
  public int workers() {
    return workers;
  }

  /**
   * Whether rows come in the order of their files' paths, each file from its start; otherwise in
   * the order Spark reads the files ({@code data.row_order=spark_read}).
   */
  public boolean rowsByFileName() {
    return rowsByFileName;
  }

  /**
   * Whether csv input is read strictly ({@link MalformedLines}): every file's header the same, a
   * line with another field count a bad row, quotes doubled inside quoted values. False only for
   * jobs created before these checks, which read their data as they did (so that they resume).
   */
  public boolean checkCsvLines() {
    return checkCsvLines;
  }

  /** Whether a json line holding more than one JSON value fails the load ({@link JsonLines}); default true. */
  public boolean checkJsonLines() {
    return checkJsonLines;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DataOptions)) {
      return false;
    }
    DataOptions d = (DataOptions) o;
    return path.equals(d.path) && format.equals(d.format) && features.equals(d.features) && label.equals(d.label)
        && weight.equals(d.weight) && classification == d.classification && classes == d.classes
        && featureSize == d.featureSize && skipBadRows == d.skipBadRows && workers == d.workers
        && rowsByFileName == d.rowsByFileName && checkCsvLines == d.checkCsvLines
        && checkJsonLines == d.checkJsonLines;
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, format, features, label, weight, classification, classes, featureSize, skipBadRows,
        workers, rowsByFileName, checkCsvLines, checkJsonLines);
  }

  @Override
  public String toString() {
    return "DataOptions[" + format + " " + path + ", features " + features + ", label " + label
        + (weight.isEmpty() ? "" : ", weight " + weight) + (classification ? ", classes " + classes : ", regression")
        + ", featureSize " + featureSize + ", badRows " + (skipBadRows ? "skip" : "fail") + ", workers " + workers
        + ", rows by " + (rowsByFileName ? "file name" : "Spark's read order")
        + (checkCsvLines ? "" : ", csv read leniently") + "]";
  }

  /** Builds {@link DataOptions}. */
  public static final class Builder {
    private String path;
    private String format;
    private List<String> features;
    private String label;
    private String weight = "";
    private boolean classification = true;
    private int classes;
    private int featureSize;
    private boolean skipBadRows;
    private int workers;
    private boolean rowsByFileName = true;
    private boolean checkCsvLines = true;
    private boolean checkJsonLines = true;
    private boolean evaluatedOnly;

    private Builder() {}

    /** The input path (required). */
    public Builder setPath(String path) {
      this.path = checkNotNull(path, "path");
      return this;
    }

    /** parquet, csv or json (required). */
    public Builder setFormat(String format) {
      checkArgument(FORMATS.contains(format), "data format '%s' is not one of %s", format, FORMATS);
      this.format = format;
      return this;
    }

    /** Feature columns (required, at least one). */
    public Builder setFeatures(List<String> features) {
      checkArgument(features != null && !features.isEmpty(), "feature columns must not be empty, got %s", features);
      this.features = features;
      return this;
    }

    /** Label column (required). */
    public Builder setLabel(String label) {
      this.label = checkNotNull(label, "label");
      return this;
    }

    /** The sample weight column (default "": every row weighs the same). */
    public Builder optWeight(String weight) {
      this.weight = checkNotNull(weight, "weight").strip();
      return this;
    }

    /** Number of workers (required, >= 1). */
    public Builder setWorkers(int workers) {
      checkArgument(workers >= 1, "workers must be >= 1, got %s", workers);
      this.workers = workers;
      return this;
    }

    /** Whether labels are class indices (default true). */
    public Builder optClassification(boolean classification) {
      this.classification = classification;
      return this;
    }

    /** Number of classes, 0 = unknown (default 0). */
    public Builder optClasses(int classes) {
      checkArgument(classes >= 0, "classes must be >= 0, got %s", classes);
      this.classes = classes;
      return this;
    }

    /** Features per row, 0 = from the data (default 0). */
    public Builder optFeatureSize(int featureSize) {
      checkArgument(featureSize >= 0, "featureSize must be >= 0, got %s", featureSize);
      this.featureSize = featureSize;
      return this;
    }

    /** Skip and count bad rows instead of failing (default false). */
    public Builder optSkipBadRows(boolean skip) {
      this.skipBadRows = skip;
      return this;
    }

    /** Rows in the order of their files' paths (default true), or in Spark's read order. */
    public Builder optRowsByFileName(boolean byFileName) {
      this.rowsByFileName = byFileName;
      return this;
    }

    /** Whether a json line of several values fails the load (default true; see {@link DataOptions#checkJsonLines}). */
    public Builder optCheckJsonLines(boolean check) {
      this.checkJsonLines = check;
      return this;
    }

    /** Whether csv input is read strictly (default true; see {@link DataOptions#checkCsvLines}). */
    public Builder optCheckCsvLines(boolean check) {
      this.checkCsvLines = check;
      return this;
    }

    /** The options. */
    public DataOptions build() {
      checkArgument(path != null && format != null && features != null && label != null && workers >= 1,
          "DataOptions needs setPath, setFormat, setFeatures, setLabel and setWorkers; got path %s, format %s, "
              + "features %s, label %s, workers %s", path, format, features, label, workers);
      return new DataOptions(this);
    }
  }
}
