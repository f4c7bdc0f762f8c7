package io.epochal.driver.predict;

import io.epochal.driver.data.FeatureColumns;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Flattens predictions for CSV ({@link #flatten}) and prints a DataFrame of scalar columns as CSV (a
 * header line, then one line per row in the DataFrame's order, partition by partition through
 * {@code toLocalIterator}, so that the driver holds one partition at a time; lines are formatted on
 * the executors). Values holding a comma, a quote or a line break are quoted, quotes doubled; null
 * is empty.
 */
final class CsvPrinter {

  private CsvPrinter() {}

  /** Prints {@code df} to {@code out}. */
  static void print(Dataset<Row> df, PrintStream out) {
    out.println(String.join(",", java.util.Arrays.stream(df.columns()).map(CsvPrinter::cell)
        .toArray(String[]::new)));
    Iterator<String> it = df.toJavaRDD().map(CsvPrinter::line).toLocalIterator();
    while (it.hasNext()) {
      out.println(it.next());
    }
    out.flush();
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
      } else if (hasFields(f.dataType())) {
        cols.add(org.apache.spark.sql.functions.to_json(c).as(f.name())); // with its field names and nesting
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

  private static String line(Row r) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < r.length(); i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(cell(r.isNullAt(i) ? "" : String.valueOf(r.get(i))));
    }
    return line.toString();
  }

  private static String cell(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }
}
