package io.epochal.driver.predict;

import io.epochal.driver.data.FeatureColumns;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Flattens predictions for CSV ({@link #flatten}) and prints a DataFrame of scalar columns as CSV (a
 * header line, then one line per row in the DataFrame's order, partition by partition through
 * {@code toLocalIterator}, so that the driver holds one partition at a time; lines are formatted on
 * the executors). Lines are formatted by Spark's CSV writer ({@code to_csv}) with the {@link
 * #OPTIONS} that {@code predict --output} writes with, so that a printed value reads as the written
 * one: a timestamp in ISO-8601 with the offset of the Spark session time zone ({@code
 * spark.sql.session.timeZone}), binary as hexadecimal bytes ({@code [61 62 63]}, or as {@code
 * spark.sql.binaryOutputStyle} says), a value holding a comma, a quote or a line break quoted with
 * its quotes doubled, an empty string as {@code ""} and null as nothing.
 */
final class CsvPrinter {

  /**
   * Spark's CSV options of predictions, printed and written: quotes inside a value doubled (RFC 4180), as CSV
   * readers outside Spark expect.
   */
  static final Map<String, String> OPTIONS = Map.of("escape", "\"");

  private CsvPrinter() {}

  /** Prints {@code df} to {@code out}. */
  static void print(Dataset<Row> df, PrintStream out) {
    out.println(header(df));
    // the RDD's iterator: a Dataset's sends each partition as a ChunkedByteBuffer[], which Epochal's Kryo
    // registrator does not register
    Iterator<String> it = df.select(line()).toJavaRDD().map(r -> r.getString(0)).toLocalIterator();
    while (it.hasNext()) {
      out.println(it.next());
    }
    out.flush();
  }

  /**
   * The header line Spark's CSV writer writes for {@code df}: its column names formatted as a row of
   * strings, in a one-row local relation.
   */
  private static String header(Dataset<Row> df) {
    String[] names = df.columns();
    List<StructField> fields = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      fields.add(DataTypes.createStructField("c" + i, DataTypes.StringType, false));
    }
    Dataset<Row> row = df.sparkSession().createDataFrame(List.of(RowFactory.create((Object[]) names)),
        DataTypes.createStructType(fields));
    return row.select(line()).as(Encoders.STRING()).first();
  }

  /** A row's columns as one CSV line, without its line break. */
  private static Column line() {
    return functions.to_csv(functions.struct(functions.col("*")), OPTIONS);
  }

  /** {@code out} with array columns of the model spread over numbered columns, other non-scalars as text. */
  static Dataset<Row> flatten(Dataset<Row> out, int outputSize) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : out.schema().fields()) {
      Column c = io.epochal.driver.data.FeatureColumns.column(out, f.name());
      boolean modelArray = f.name().equals(BatchPredictor.SCORES) || f.name().equals(BatchPredictor.PROBABILITY)
          || f.name().equals(BatchPredictor.PREDICTION) && f.dataType() instanceof ArrayType;
      if (modelArray) {
        String prefix = f.name().equals(BatchPredictor.SCORES) ? "score_"
            : f.name().equals(BatchPredictor.PROBABILITY) ? "probability_" : "prediction_";
        for (int i = 0; i < outputSize; i++) {
          cols.add(c.getItem(i).as(prefix + i));
        }
      } else if (f.dataType() instanceof org.apache.spark.sql.types.VariantType) {
        cols.add(c.cast(DataTypes.StringType).as(f.name())); // its JSON text: Spark's CSV writer takes no variant
      } else if (hasFields(f.dataType())) {
        cols.add(functions.to_json(c).as(f.name())); // with its field names and nesting
      } else if (FeatureColumns.isArrayLike(f.dataType())) {
        cols.add(c.cast(DataTypes.StringType).as(f.name()));
      } else {
        cols.add(c);
      }
    }
    return out.select(cols.toArray(new Column[0]));
  }

  /** A struct or map, or an array of them: written to csv as JSON, since a cast drops the field names. */
  private static boolean hasFields(DataType t) {
    DataType e = t instanceof ArrayType ? ((ArrayType) t).elementType() : t;
    return e instanceof StructType || e instanceof org.apache.spark.sql.types.MapType;
  }
}
