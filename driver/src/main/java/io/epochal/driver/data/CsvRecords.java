package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads csv input so that a line with another number of fields than the header is a bad row.
 *
 * <p>Spark's csv reader, given only a header, drops a line's extra fields without a word and fills
 * a short line's last columns with null: a line missing its second feature trains with the third
 * feature's value in the second column and the label's in the third. Read again with the header's
 * columns as an explicit schema plus a corrupt-record column, Spark puts such a line, whole, into
 * that column ({@value #MALFORMED_COLUMN}); {@link RowDecoder#withFieldCountCheck} makes it a bad
 * row that names the line and both field counts.
 */
public final class CsvRecords {

  /** The column that holds a line whose field count differs from the header's, null for other lines. */
  public static final String MALFORMED_COLUMN = "_epochal_malformed_line";

  private static final int EXCERPT = 80;
  private static final String COLUMN_PRUNING = "spark.sql.csv.parser.columnPruning.enabled";

  private CsvRecords() {}

  /** A reader of csv files with a header line, every column read as text. */
  public static DataFrameReader reader(SparkSession spark) {
    return spark.read().format("csv").option("header", "true").option("inferSchema", "false")
        .option("mode", "PERMISSIVE");
  }

  /**
   * The csv input at {@code path}, read before as {@code byHeader}, read again with its columns
   * and {@link #MALFORMED_COLUMN} in front: select that column first and decode with
   * {@link RowDecoder#withFieldCountCheck}{@code (byHeader.columns().length)}.
   *
   * <p>Turns off csv column pruning in {@code spark}'s session: with it, Spark parses only the
   * selected columns and no longer sees that a line has a field too few or too many.
   *
   * @param formatKey the key or option that names the format, for {@link InputFormats#load}
   */
  public static Dataset<Row> withMalformedColumn(SparkSession spark, Dataset<Row> byHeader, String path,
      String formatKey) {
    checkNotNull(byHeader, "byHeader");
    StructType schema = byHeader.schema();
    if (Arrays.asList(schema.fieldNames()).contains(MALFORMED_COLUMN)) {
      throw new io.epochal.driver.config.ConfigException(formatKey, "csv " + path + " has a column named '"
          + MALFORMED_COLUMN + "', the name Epochal reads malformed lines into; rename that column");
    }
    spark.conf().set(COLUMN_PRUNING, "false");
    StructType withMalformed = schema.add(MALFORMED_COLUMN, DataTypes.StringType, true);
    DataFrameReader r = reader(spark).schema(withMalformed).option("columnNameOfCorruptRecord", MALFORMED_COLUMN);
    return InputFormats.load(spark, r, path, "csv", formatKey);
  }

  /** Why a line with another field count than the header's {@code headerFields} is bad. */
  static String malformed(String line, int headerFields) {
    String text = line.strip();
    String excerpt = text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "...";
    int fields = fields(text);
    if (fields == headerFields) {
      return "the line does not parse into the header's " + headerFields + " fields (check its quotes): '"
          + excerpt + "'";
    }
    String what = fields < headerFields ? "a field is missing, and the values after it would land in the wrong "
        + "columns" : "it has more fields than columns, and Spark would drop the extra ones";
    return "the line has " + fields + " field" + (fields == 1 ? "" : "s") + " but the header names " + headerFields
        + " columns (" + what + "): '" + excerpt + "'";
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
