package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.train.ServedWeights;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code epochal predict} reads and writes: input path and format, feature columns (empty:
 * the checkpoint's {@code data.features}), output path (null: standard output) and format,
 * mini-batch size and bad-row policy. Immutable; build with {@link #builder()} or from the CLI's
 * keys with {@link #fromKeys}.
 */
public final class PredictOptions {

  /** Key of the output format in {@link #fromKeys}' map: parquet or csv. */
  public static final String OUTPUT_FORMAT = "predict.output_format";
  /** Key of {@code --weights} in {@link #fromKeys}' map: trained or ema ({@link ServedWeights}). */
  public static final String WEIGHTS = "predict.weights";
  /** Key of the mini-batch size in {@link #fromKeys}' map. */
  public static final String BATCH_SIZE = "predict.batch_size";
  /** Key of "replace an earlier prediction output" in {@link #fromKeys}' map: true or false. */
  public static final String OVERWRITE = "predict.overwrite";
  /** Rows per forward pass unless told otherwise. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  /** The largest {@code --batch-size}, train.batch_size's largest too. */
  public static final int MAX_BATCH_SIZE = 1 << 20;

  private static final Set<String> INPUT_FORMATS = Set.of("parquet", "csv", "json");
  private static final Set<String> OUTPUT_FORMATS = Set.of("parquet", "csv");

  private final String input;
  private final String inputFormat;
  private final List<String> features;
  private final String output;
  private final String outputFormat;
  private final int batchSize;
  private final boolean skipBadRows;
  private final boolean overwrite;
  private final String weights;

  private PredictOptions(Builder b) {
    this.input = b.input;
    this.inputFormat = b.inputFormat;
    this.features = List.copyOf(b.features);
    this.output = b.output;
    this.outputFormat = b.outputFormat != null ? b.outputFormat
        : output != null && output.toLowerCase(Locale.ROOT).endsWith(".csv") ? "csv" : "parquet";
    this.batchSize = b.batchSize;
    this.skipBadRows = b.skipBadRows;
    this.overwrite = b.overwrite;
    this.weights = b.weights;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The options of the CLI: {@code data.format}, {@code data.features} (comma-separated),
   * {@code data.bad_rows} (fail or skip), {@link #OUTPUT_FORMAT} and {@link #BATCH_SIZE}; absent
   * keys take their defaults.
   *
   * @param output the output location, or null to print the predictions
   * @throws ConfigException naming the key whose value is not allowed
   */
  public static PredictOptions fromKeys(String input, String output, Map<String, String> keys) {
    Builder b = builder().setInput(input).optOutput(output);
    String format = keys.get(JobKeys.DATA_FORMAT);
    if (format != null) {
      b.optInputFormat(choose(JobKeys.DATA_FORMAT, "--format", format, INPUT_FORMATS));
    }
    String features = keys.get(JobKeys.DATA_FEATURES);
    if (features != null) {
      List<String> cols = Arrays.stream(io.epochal.driver.config.FeatureRanges.expand(features, "--features")
              .split(",")).map(String::trim).filter(c -> !c.isEmpty())
          .collect(Collectors.toList());
      if (cols.isEmpty()) {
        throw new ConfigException(JobKeys.DATA_FEATURES, "--features '" + features + "' names no column; give "
            + "comma-separated numeric columns or one array/vector column");
      }
      Set<String> seen = new java.util.HashSet<>();
      for (String c : cols) {
        if (!seen.add(c)) {
          throw new ConfigException(JobKeys.DATA_FEATURES, "--features '" + features + "' names column '" + c
              + "' twice; name each feature column once, in the order the model was trained on");
        }
      }
      b.optFeatures(cols);
    }
    String bad = keys.get(JobKeys.DATA_BAD_ROWS);
    if (bad != null) {
      b.optSkipBadRows("skip".equals(choose(JobKeys.DATA_BAD_ROWS, "--bad-rows", bad, Set.of("fail", "skip"))));
    }
    String outFormat = keys.get(OUTPUT_FORMAT);
    if (outFormat != null) {
      b.optOutputFormat(choose(OUTPUT_FORMAT, "--output-format", outFormat, OUTPUT_FORMATS));
    } else if (output != null && output.matches("(?i).*\\.(json|jsonl|ndjson|txt|tsv)")) {
      // would be a parquet directory under a name that says otherwise
      throw new ConfigException("--output", "--output " + output + " names another format than predict writes: it "
          + "writes parquet (the default) or csv (an output ending with .csv, or --output-format csv); name the "
          + "output accordingly, or pass --output-format to write that format under this name");
    }
    String batch = keys.get(BATCH_SIZE);
    if (batch != null) {
      java.math.BigInteger n; // any size, so that a number past an int is said to be too large, not no number
      try {
        n = new java.math.BigInteger(batch.trim());
      } catch (NumberFormatException e) {
        n = java.math.BigInteger.ZERO;
      }
      if (n.signum() < 1) {
        throw new ConfigException(BATCH_SIZE, "--batch-size '" + batch + "' is not a positive integer; give e.g. 256");
      }
      if (n.compareTo(java.math.BigInteger.valueOf(MAX_BATCH_SIZE)) > 0) {
        throw new ConfigException(BATCH_SIZE, "--batch-size " + n + " is more than " + MAX_BATCH_SIZE + " rows, the "
            + "largest batch (as for train.batch_size); give a smaller one, e.g. 256");
      }
      b.optBatchSize(n.intValueExact());
    }
    b.optOverwrite(Boolean.parseBoolean(keys.getOrDefault(OVERWRITE, "false")));
    b.optWeights(ServedWeights.choice(keys.get(WEIGHTS)));
    return b.build();
  }

  private static String choose(String key, String option, String value, Set<String> allowed) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new ConfigException(key, option + " '" + value + "' is not supported; use one of "
          + allowed.stream().sorted().collect(Collectors.joining(", ")));
    }
    return v;
  }

  /** The input: a file or directory, any Hadoop URI. */
  public String input() {
    return input;
  }

  /** parquet, csv or json; null to infer it from the input's extension or the checkpoint. */
  public String inputFormat() {
    return inputFormat;
  }

  /** Feature columns; empty to take the checkpoint's {@code data.features}. */
  public List<String> features() {
    return features;
  }

  /** The output location, or null to print the predictions to standard output as CSV. */
  public String output() {
    return output;
  }

  /** parquet or csv (default csv when the output ends with {@code .csv}, parquet otherwise). */
  public String outputFormat() {
    return outputFormat;
  }

  /** The checkpoint's weights to predict with: trained, ema, or null for its served ones ({@link ServedWeights}). */
  public String weights() {
    return weights;
  }

  /** Rows per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** Whether bad rows are skipped and counted rather than failing the run. */
  public boolean skipBadRows() {
    return skipBadRows;
  }

  /** Whether an earlier prediction output at {@link #output()} is replaced. */
  public boolean overwrite() {
    return overwrite;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PredictOptions)) {
      return false;
    }
    PredictOptions p = (PredictOptions) o;
    return input.equals(p.input) && Objects.equals(inputFormat, p.inputFormat) && features.equals(p.features)
        && Objects.equals(output, p.output) && outputFormat.equals(p.outputFormat) && batchSize == p.batchSize
        && skipBadRows == p.skipBadRows && overwrite == p.overwrite && Objects.equals(weights, p.weights);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, inputFormat, features, output, outputFormat, batchSize, skipBadRows, overwrite,
        weights);
  }

  @Override
  public String toString() {
    return "PredictOptions[" + (inputFormat == null ? "" : inputFormat + " ") + input + ", features "
        + (features.isEmpty() ? "(from the checkpoint)" : features) + " -> "
        + (output == null ? "stdout" : outputFormat + " " + output) + ", batch " + batchSize + ", bad rows "
        + (skipBadRows ? "skip" : "fail") + (overwrite ? ", overwrite" : "") + (weights == null ? "" : ", weights "
        + weights) + "]";
  }

  /** Builds {@link PredictOptions}: {@code setInput} is required, the rest optional. */
  public static final class Builder {
    private String input;
    private String inputFormat;
    private List<String> features = List.of();
    private String output;
    private String outputFormat;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private boolean skipBadRows;
    private boolean overwrite;
    private String weights;

    private Builder() {}

    /** The input file or directory (required). */
    public Builder setInput(String input) {
      checkArgument(input != null && !input.isBlank(), "--input must not be empty, got '%s'", input);
      this.input = input;
      return this;
    }

    /**
     * parquet, csv or json (default: from the input's extension, or for a directory from the one
     * extension its data files share, else the checkpoint's data.format).
     */
    public Builder optInputFormat(String format) {
      checkArgument(format == null || INPUT_FORMATS.contains(format), "input format '%s' is not one of %s", format,
          INPUT_FORMATS);
      this.inputFormat = format;
      return this;
    }

    /** Feature columns (default: the checkpoint's data.features). */
    public Builder optFeatures(List<String> features) {
      this.features = checkNotNull(features, "features");
      return this;
    }

    /** The output location (default: none, print to standard output). */
    public Builder optOutput(String output) {
      this.output = output;
      return this;
    }

    /** parquet or csv (default: csv for a {@code .csv} output, parquet otherwise). */
    public Builder optOutputFormat(String format) {
      checkArgument(format == null || OUTPUT_FORMATS.contains(format), "output format '%s' is not one of %s", format,
          OUTPUT_FORMATS);
      this.outputFormat = format;
      return this;
    }

    /** Rows per forward pass (default {@value PredictOptions#DEFAULT_BATCH_SIZE}). */
    public Builder optBatchSize(int batchSize) {
      checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Skip and count bad rows instead of failing (default false). */
    public Builder optSkipBadRows(boolean skip) {
      this.skipBadRows = skip;
      return this;
    }

    /** Replace an earlier prediction output at the output location (default false). */
    public Builder optOverwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /** The checkpoint's weights: trained, ema, or null (default) for its served ones. */
    public Builder optWeights(String weights) {
      this.weights = weights;
      return this;
    }

    /** The options. */
    public PredictOptions build() {
      checkArgument(input != null, "PredictOptions needs setInput");
      return new PredictOptions(this);
    }
  }
}
