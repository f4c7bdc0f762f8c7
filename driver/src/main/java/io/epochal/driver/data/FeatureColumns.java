package io.epochal.driver.data;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/** How an input's feature columns hold a row's features: one array column or several numeric ones, and how many. */
public final class FeatureColumns {

  /** How many rows of an array column are looked at for a feature count that fits the model. */
  private static final int SIZE_SAMPLE = 100;

  private FeatureColumns() {}

  /**
   * Whether {@code features} is one column that holds each row's features as an array or vector:
   * of an array-like type, or, in json, text that holds a JSON array in some rows (Spark infers one
   * type per column, and a column whose rows hold arrays and strings or numbers is text). Every row
   * of such a column is then decoded as an array, and a row without one is a bad row.
   */
  public static boolean isArrayColumn(Dataset<Row> df, List<String> features, String format) {
    if (features.size() != 1) {
      return false;
    }
    DataType t = df.schema().apply(features.get(0)).dataType();
    if (isArrayLike(t)) {
      return true;
    }
    if (!"json".equals(format) || !(t instanceof org.apache.spark.sql.types.StringType)) {
      return false;
    }
    Column c = column(df, features.get(0));
    return !df.select(c).filter(functions.ltrim(c).startsWith("[")).limit(1).isEmpty();
  }

  /**
   * The column of {@code df} named {@code name}, taken literally: {@code Dataset.col} reads a dot as
   * a struct field ({@code Sepal.Length} would be field {@code Length} of a column {@code Sepal})
   * and a backquote as quoting, so the name is backquoted, its own backquotes doubled.
   */
  public static Column column(Dataset<Row> df, String name) {
    return df.col("`" + name.replace("`", "``") + "`");
  }

  /** Whether a column of type {@code t} holds several values per row (an array, a vector, a struct). */
  public static boolean isArrayLike(DataType t) {
    return t instanceof ArrayType || t instanceof UserDefinedType || t instanceof StructType;
  }

  /**
   * The features per row: the named columns' count, or for one array column {@code
   * data.feature_size} when given, else the length of its first row that holds a non-empty array,
   * unless that differs from the model's ({@code modelFeatures}, 0 if not known) and another of the
   * first rows has the model's.
   */
  static int featureSize(Dataset<Row> df, DataOptions o, boolean arrayColumn, int modelFeatures) {
    if (!arrayColumn) {
      if (o.featureSize() != 0 && o.featureSize() != o.features().size()) {
        throw new ConfigException(JobKeys.DATA_FEATURE_SIZE, "data.feature_size = " + o.featureSize() + " but "
            + "data.features names " + o.features().size() + " columns; set data.feature_size=0 or to "
            + o.features().size());
      }
      return o.features().size();
    }
    if (o.featureSize() > 0) {
      return o.featureSize();
    }
    String col = o.features().get(0);
    Dataset<Row> values0 = df.select(column(df, col)).filter(column(df, col).isNotNull());
    // the first row alone, when it tells: each sampled row comes to the driver whole, and an image's is megabytes
    Row[] one = (Row[]) values0.head(1);
    double[] firstValues = one.length == 0 ? null : RowDecoder.toDoubles(one[0].get(0));
    if (firstValues != null && firstValues.length > 0 && (modelFeatures <= 0 || firstValues.length == modelFeatures)) {
      return firstValues.length;
    }
    Row[] first = one.length == 0 ? one : (Row[]) values0.head(SIZE_SAMPLE);
    if (first.length == 0) {
      throw new ConfigException(JobKeys.DATA_PATH, "data.path " + o.path() + " has no row with a value in '"
          + col + "'; point data.path at non-empty data");
    }
    // the first usable row: one that is not (an empty array, text) is a bad row the decoder names by
    // its file and row, not a reason to refuse the column
    double[] values = null;
    for (Row r : first) {
      double[] v = RowDecoder.toDoubles(r.get(0));
      if (v != null && v.length > 0) {
        values = v;
        break;
      }
    }
    if (values == null) {
      throw new ConfigException(JobKeys.DATA_FEATURES, "column '" + col + "' of " + o.path() + " holds "
          + first[0].get(0) + (first.length > 1 ? " (and no non-empty array in its first " + first.length + " rows)"
          : "") + ", not a non-empty array of numbers; set data.features to numeric columns");
    }
    if (modelFeatures > 0 && values.length != modelFeatures) {
      for (Row r : first) {
        double[] v = RowDecoder.toDoubles(r.get(0));
        if (v != null && v.length == modelFeatures) {
          return modelFeatures; // the first row is the odd one out, not the data
        }
      }
    }
    return values.length;
  }
}
