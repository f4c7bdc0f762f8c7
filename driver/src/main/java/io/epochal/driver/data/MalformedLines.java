package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
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
  /** How Spark's csv reader starts the error for a file whose header differs from the schema. */
  private static final List<String> HEADER_MISMATCH = List.of("CSV header does not conform to the schema.",
      "Number of column in CSV header is not equal to number of fields in the schema:");

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

  /** A reader of csv files with a header line, every column read as text. */
  public static DataFrameReader csvReader(SparkSession spark) {
    // escape '"': a quote inside a quoted field is doubled ("say ""hi"""), as RFC 4180 and every csv
    // writer outside Spark have it; Spark's default, a backslash, broke such lines into other fields
    return spark.read().format("csv").option("header", "true").option("inferSchema", "false")
        .option("mode", "PERMISSIVE").option("escape", "\"");
  }

  /**
   * The input at {@code path}, read before as {@code read} in {@code format}, with the column of its
   * malformed lines: csv is read again with its header's columns and {@value #CSV_COLUMN} (and
   * csv column pruning off in {@code spark}'s session: with it, Spark parses only the selected
   * columns and no longer sees a field too few or too many); json has Spark's corrupt-record column
   * if any line was malformed; other formats have none.
   *
   * @param formatKey the key or option that names the format, for {@link InputFormats#load}
   * @throws ConfigException if a csv header names {@value #CSV_COLUMN}
   */
  public static Input of(SparkSession spark, Dataset<Row> read, String format, String path, String formatKey) {
    checkNotNull(read, "read");
    if ("json".equals(format)) {
      String corrupt = spark.conf().get(CORRUPT_RECORD, "_corrupt_record");
      return Arrays.asList(read.columns()).contains(corrupt) ? new Input(read, corrupt, MalformedLines::notJson)
          : new Input(read, null, null);
    }
    if (!"csv".equals(format)) {
      return new Input(read, null, null);
    }
    StructType schema = read.schema();
    if (Arrays.stream(schema.fieldNames()).anyMatch(CSV_COLUMN::equalsIgnoreCase)) {
      throw new ConfigException(formatKey, "csv " + path + " has a column named '" + CSV_COLUMN + "', the name "
          + "Epochal reads malformed lines into; rename that column");
    }
    spark.conf().set(COLUMN_PRUNING, "false");
    int headerFields = schema.fields().length;
    // enforceSchema=false: every file's header is checked against these columns, by name, so a file
    // whose header orders or names its columns otherwise fails (headerMismatch) instead of being read
    // by position under the first file's header
    DataFrameReader r = csvReader(spark).schema(schema.add(CSV_COLUMN, DataTypes.StringType, true))
        .option("columnNameOfCorruptRecord", CSV_COLUMN).option("enforceSchema", "false");
    return new Input(InputFormats.load(spark, r, path, "csv", formatKey), CSV_COLUMN,
        line -> fieldCount(line, headerFields));
  }

  /**
   * The error for a read of csv input {@code path} that failed because a file's header differs
   * from the columns the input was read with (its first file's header), or null for other failures.
   *
   * @param pathKey the key or option that names the input ({@code data.path}, {@code --input})
   */
  public static ConfigException headerMismatch(Throwable failure, String path, String pathKey) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      String marker = m == null ? null
          : HEADER_MISMATCH.stream().filter(m::contains).findFirst().orElse(null);
      if (marker != null) {
        String detail = m.substring(m.indexOf(marker) + marker.length()).strip()
            .replaceAll("\\s*[\\r\\n]+\\s*", "; ");
        return new ConfigException(pathKey, "data " + path + ": a csv file's header line differs from the columns "
            + "the input is read with, the header of the first file Spark read (" + detail + "); Spark reads every "
            + "file of a csv input with one list of columns, so give every file the same header, or keep files of "
            + "other columns apart", failure);
      }
    }
    return null;
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
    return "the line is not a JSON object of the columns' types (Spark could not parse it; a truncated or "
        + "hand-edited line?): '" + excerpt(line.strip()) + "'";
  }

  private static String excerpt(String text) {
    return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "...";
  }

  /** The comma-separated fields of a csv line, commas inside double quotes not counted. */
  static int fields(String line) {
    int fields = 1;
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields++;
      }
    }
    return fields;
  }
}
