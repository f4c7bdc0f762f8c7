package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Input lines Spark could not read as a row of the input's columns, made bad rows that quote the
 * line, instead of values Spark invented for them.
 *
 * <p>Csv: Spark's reader, given only a header, drops a line's extra fields without a word and fills
 * a short line's last columns with null, so a line missing its second feature trained with the
 * third feature's value in the second column. Read again with the header's columns as an explicit
 * schema plus a corrupt-record column ({@value #CSV_COLUMN}), Spark puts such a line, whole, into
 * that column. Json: a line that is not a JSON object (a truncated write, say) became a row of
 * nulls; Spark keeps its text in the corrupt-record column its schema inference adds.
 *
 * <p>The rows then start with that column, and {@link RowDecoder#withMalformedLineCheck} makes a
 * row whose line is there bad.
 */
public final class MalformedLines {

  /** The column that holds a csv line whose field count differs from the header's, null for other lines. */
  public static final String CSV_COLUMN = "_epochal_malformed_line";

  private static final int EXCERPT = 80;
  private static final String COLUMN_PRUNING = "spark.sql.csv.parser.columnPruning.enabled";
  private static final String CORRUPT_RECORD = "spark.sql.columnNameOfCorruptRecord";

  private MalformedLines() {}

  /** Why the text of a malformed line makes its row bad. */
  @FunctionalInterface
  public interface Check extends Serializable {
    /** The reason for line {@code line}. */
    String why(String line);
  }

  /**
   * Input to select from: {@code rows}; when {@code column} is not null, select it first and decode
   * with {@link RowDecoder#withMalformedLineCheck}{@code (check)}.
   */
  public record Input(Dataset<Row> rows, String column, Check check) {

    /** The input's columns other than the malformed-line column, as the files name them. */
    public List<String> dataColumns() {
      return Arrays.stream(rows.columns()).filter(c -> !c.equals(column)).toList();
    }
  }

  /**
   * The most columns a csv line may have: Spark's parser stops at 20,480 by default, fewer than a
   * 512 x 512 image's pixels (gen-data writes wider files); 2^18 features with a label, a weight and
   * room for a few other columns, an array of that many per parse.
   */
  public static final int MAX_CSV_COLUMNS = (1 << 18) + 64;

  /**
   * Whether {@code failure} is Spark's csv parser stopping at {@link #MAX_CSV_COLUMNS}: a line (or the header) of
   * more columns than Epochal reads.
   */
  public static boolean tooManyCsvColumns(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      // the parser says so, or fails on its array of that many values (Spark's parser of a header line)
      if (t.getClass().getName().endsWith("TextParsingException") && (message.contains("exceeded limit of "
          + MAX_CSV_COLUMNS + " columns") || message.contains("Index " + MAX_CSV_COLUMNS + " out of bounds"))) {
        return true;
      }
    }
    return false;
  }

  /** What to say of a csv file wider than {@link #MAX_CSV_COLUMNS}. */
  public static String tooManyCsvColumnsAdvice() {
    return "a csv line has more than " + MAX_CSV_COLUMNS + " columns, more than Epochal reads: write rows that wide "
        + "as one array column in parquet or json (gen-data --format parquet)";
  }

  /**
   * A reader of csv files with a header line, every column read as text; {@code rfcQuotes}: a quote
   * inside a quoted value is doubled ({@code "say ""hi"""}), as RFC 4180 and every csv writer outside
   * Spark have it, rather than escaped with a backslash, Spark's default, which broke such lines
   * into other fields (false only for jobs created before, which read their data as they did).
   */
  public static DataFrameReader csvReader(SparkSession spark, boolean rfcQuotes) {
    DataFrameReader r = spark.read().format("csv").option("header", "true").option("inferSchema", "false")
        .option("mode", "PERMISSIVE").option("maxColumns", MAX_CSV_COLUMNS);
    return rfcQuotes ? r.option("escape", "\"") : r;
  }

  /**
   * The input at {@code path}, read before as {@code read} in {@code format}, with the column of its
   * malformed lines. Csv ({@code csvChecks}): every file's header line must be the first file's
   * (Spark reads every file with one list of columns, by position), then the input is read again
   * with those columns and {@value #CSV_COLUMN}, csv column pruning off in {@code spark}'s session
   * (with it, Spark parses only the selected columns and no longer sees a field too few or too
   * many). Json has Spark's corrupt-record column if any line was malformed. Other formats, and csv
   * without {@code csvChecks} (jobs created before, read as they were), have none.
   *
   * @param formatKey the key or option that names the format ({@code data.format} or {@code --format})
   * @throws ConfigException if a csv file's header differs from the first's, or one names {@value
   *     #CSV_COLUMN}
   */
  public static Input of(SparkSession spark, Dataset<Row> read, String format, String path, String formatKey,
      boolean csvChecks) {
    checkNotNull(read, "read");
    if ("json".equals(format)) {
      String corrupt = spark.conf().get(CORRUPT_RECORD, "_corrupt_record");
      return Arrays.asList(read.columns()).contains(corrupt) ? new Input(read, corrupt, MalformedLines::notJson)
          : new Input(read, null, null);
    }
    if (!"csv".equals(format) || !csvChecks) {
      return new Input(read, null, null);
    }
    StructType schema = read.schema();
    if (Arrays.stream(schema.fieldNames()).anyMatch(CSV_COLUMN::equalsIgnoreCase)) {
      throw new ConfigException(formatKey, "csv " + path + " has a column named '" + CSV_COLUMN + "', the name "
          + "Epochal reads malformed lines into; rename that column");
    }
    String pathKey = InputFormats.pathKey(formatKey);
    int headerFields = sameHeaders(read.inputFiles(), formatKey, spark.sparkContext().hadoopConfiguration()).size();
    spark.conf().set(COLUMN_PRUNING, "false");
    DataFrameReader r = csvReader(spark, true).schema(schema.add(CSV_COLUMN, DataTypes.StringType, true))
        .option("columnNameOfCorruptRecord", CSV_COLUMN);
    // the same files as the first read, which InputFormats.load checked: no second walk of the input
    return new Input(r.load(path), CSV_COLUMN, line -> fieldCount(line, headerFields));
  }

  /**
   * The header fields of csv files {@code files}, which must be the same in every file (the first
   * non-blank line of each; empty files have none).
   *
   * @throws ConfigException naming the path's key, both files and both headers, if two differ; or
   *     {@code formatKey} if a header is not text (the files are not csv)
   */
  static List<String> sameHeaders(String[] files, String formatKey, Configuration conf) {
    String pathKey = InputFormats.pathKey(formatKey);
    String[] sorted = files.clone();
    Arrays.sort(sorted);
    List<String> first = null;
    String firstFile = null;
    for (String file : sorted) {
      List<String> header = headerOf(file, pathKey, conf);
      if (header == null) {
        continue;
      }
      MissingColumn.notText(file, header, "csv", formatKey).ifPresent(e -> {
        throw e;
      });
      if (first == null) {
        first = header;
        firstFile = file;
      } else if (!header.equals(first)) {
        throw new ConfigException(pathKey, "csv file " + file + " has the header " + header + " but " + firstFile
            + " has " + first + "; Spark reads every file of a csv input with one list of columns, by position, "
            + "so the values of one would land in the other's columns: give every file the same header, or keep "
            + "files of other columns apart");
      }
    }
    return first == null ? List.of() : first;
  }

  /**
   * The fields of the first non-blank line of csv file {@code file}, or null if it has none or
   * fails its checksum.
   */
  private static List<String> headerOf(String file, String pathKey, Configuration conf) {
    try {
      try (BufferedReader in = openLines(new Path(new URI(file)), conf)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          String text = line.replace("\uFEFF", "").strip();
          if (!text.isEmpty()) {
            return splitFields(text);
          }
        }
        return null;
      }
    } catch (org.apache.hadoop.fs.ChecksumException e) {
      // a file edited without its checksum file: the read of the rows fails on it too, and train and
      // predict report that failure as such, naming the file
      return null;
    } catch (IOException | URISyntaxException | RuntimeException e) {
      throw new ConfigException(pathKey, "cannot read the header line of csv file " + file + " (" + e + "): "
          + InputFormats.unreadableAdvice(e.toString()), e);
    }
  }

  /** The lines of text file {@code p}, decompressed as its name says (a {@code .gz} file, say), as UTF-8. */
  static BufferedReader openLines(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
    InputStream raw = fs.open(p);
    try {
      return new BufferedReader(new InputStreamReader(codec == null ? raw : codec.createInputStream(raw),
          StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** The comma-separated fields of a csv line, trimmed and unquoted; commas inside quotes kept. */
  static List<String> splitFields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.add(field.toString().strip());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString().strip());
    return fields;
  }

  /** Why a csv line with another field count than the header's {@code headerFields} is bad. */
  static String fieldCount(String line, int headerFields) {
    checkArgument(headerFields >= 1, "a csv header has at least one field, got %s", headerFields);
    String text = line.strip();
    int fields = fields(text);
    if (text.chars().filter(ch -> ch == '"').count() % 2 == 1) {
      return "the line has an unclosed quote, so Spark could not split it into the header's " + headerFields
          + " fields (a quoted value holding a line break is not supported: every line is read as a row): '"
          + excerpt(text) + "'";
    }
    if (fields == headerFields) {
      return "the line does not parse into the header's " + headerFields + " fields (check its quotes): '"
          + excerpt(text) + "'";
    }
    String what = fields < headerFields ? "a field is missing, and the values after it would land in the wrong "
        + "columns" : "it has more fields than columns, and Spark would drop the extra ones";
    return "the line has " + fields + " field" + (fields == 1 ? "" : "s") + " but the header names " + headerFields
        + " columns (" + what + "): '" + excerpt(text) + "'";
  }

  /** Why a json line Spark could not parse is bad. */
  static String notJson(String line) {
    String l = line.strip();
    boolean arrayPart = l.startsWith("[") || l.startsWith("]") || l.endsWith(",");
    return "the line is not a JSON object of the columns' types (Spark could not parse it; " + (arrayPart
        ? "json input is JSON Lines, one object per line, without the brackets and commas of a JSON array"
        : "a truncated or hand-edited line?") + "): '" + excerpt(l) + "'";
  }

  /** {@code text}, cut to its first 80 characters and "..." when longer: a line quoted in a message. */
  static String excerpt(String text) {
    return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "...";
  }

  /** The number of comma-separated fields of a csv line, commas inside double quotes not counted. */
  static int fields(String line) {
    return splitFields(line).size();
  }
}
