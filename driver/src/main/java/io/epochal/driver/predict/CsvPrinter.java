package io.epochal.driver.predict;

import java.io.PrintStream;
import java.util.Iterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Prints a DataFrame of scalar columns as CSV (a header line, then one line per row in the
 * DataFrame's order, partition by partition through {@code toLocalIterator}, so that the driver
 * holds one partition at a time; lines are formatted on the executors).
 * Values holding a comma, a quote or a line break are quoted, quotes doubled; null is empty.
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
