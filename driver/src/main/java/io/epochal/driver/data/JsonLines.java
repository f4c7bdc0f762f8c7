package io.epochal.driver.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Json Lines input whose line holds more than one JSON value: Spark's reader makes a row of the first and drops
 * the rest without a word (two files joined with {@code cat}, the first without its last newline, lose a row), and
 * marks no such line corrupt. One pass over the files as text finds such a line, which fails the read naming it.
 */
public final class JsonLines {

  private JsonLines() {}

  /**
   * Refuses json input {@code read} (read by {@code spark}) that has a line holding more than one JSON value.
   *
   * @throws BadInputException naming the first such line's file and row
   */
  public static void refuseSeveralValuesPerLine(SparkSession spark, Dataset<Row> read) throws BadInputException {
    String[] files = read.inputFiles();
    if (files.length == 0) {
      return;
    }
    FilterFunction<Row> several = r -> moreAfterFirstValue(r.getString(0));
    String[] literal = new String[files.length];
    for (int i = 0; i < files.length; i++) {
      literal[i] = literal(files[i]);
    }
    List<Row> found = spark.read().text(literal).select(functions.col("value"), functions.input_file_name())
        .filter(several).limit(1).collectAsList();
    if (found.isEmpty()) {
      return;
    }
    String file = found.get(0).getString(1);
    String line = found.get(0).getString(0).strip();
    throw BadInputException.severalJsonValues(BadInputException.fileText(file),
        rowOf(file, spark.sparkContext().hadoopConfiguration()), MalformedLines.excerpt(line));
  }

  /**
   * File {@code uri}, as Spark lists its input (a URI, percent-encoded: {@code my%20data}), as a path Spark reads that
   * file by: decoded, its glob characters escaped.
   */
  static String literal(String uri) {
    String path = location(uri).toString();
    StringBuilder b = new StringBuilder(path.length());
    for (char c : path.toCharArray()) {
      if ("\\{}[]*?".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** File {@code uri} (a URI, percent-encoded, as Spark lists its input) as a Hadoop path. */
  private static Path location(String uri) {
    try {
      return new Path(new java.net.URI(uri));
    } catch (java.net.URISyntaxException notAUri) {
      return new Path(uri);
    }
  }

  /** The row (non-blank line, from 1) of the first line of {@code file} that holds more than one value; -1 if none. */
  private static long rowOf(String file, Configuration conf) {
    long row = 0;
    try (BufferedReader in = MalformedLines.openLines(location(file), conf)) {
      for (String l = in.readLine(); l != null; l = in.readLine()) {
        row += l.isBlank() ? 0 : 1;
        if (moreAfterFirstValue(l)) {
          return row;
        }
      }
    } catch (IOException e) {
      return -1; // named by its text alone
    }
    return -1;
  }

  /**
   * Whether {@code line} holds something but white space (or commas) after its first JSON object or array. A line
   * that is no complete object or array (a scalar, a truncated write) is not: Spark marks that one corrupt itself.
   */
  static boolean moreAfterFirstValue(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && Character.isWhitespace(line.charAt(i))) {
      i++;
    }
    if (i == n || (line.charAt(i) != '{' && line.charAt(i) != '[')) {
      return false;
    }
    int depth = 0;
    boolean inString = false;
    for (; i < n; i++) {
      char c = line.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        // a comma after it (a line of a JSON array) loses nothing: Spark's own check of the array's brackets tells
        return !line.substring(i + 1).replace(',', ' ').isBlank();
      }
    }
    return false;
  }
}
