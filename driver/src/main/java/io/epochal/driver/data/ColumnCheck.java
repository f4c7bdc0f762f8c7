package io.epochal.driver.data;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.SampleWeights;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;

/**
 * The columns a job's data options name ({@code data.features}, {@code data.label} and the sample
 * weight column) checked against the input's schema before any row is read: each exists, the label
 * and the weight hold one number per row, several feature columns hold one number each, and one
 * array column holds a flat array of numbers.
 */
final class ColumnCheck {

  private ColumnCheck() {}

  /**
   * Checks that the columns {@code o} names exist in {@code df} and hold what they are named for;
   * whether the features are one array-like column.
   *
   * @throws ConfigException naming the key whose column is missing or holds another type
   */
  static boolean check(Dataset<Row> df, DataOptions o) {
    List<String> columns = Arrays.asList(df.columns());
    for (String c : o.features()) {
      requireColumn(c, columns, JobKeys.DATA_FEATURES, o);
    }
    requireColumn(o.label(), columns, JobKeys.DATA_LABEL, o);
    if (!o.weight().isEmpty()) {
      requireColumn(o.weight(), columns, SampleWeights.KEY, o);
      DataType weight = df.schema().apply(o.weight()).dataType();
      if (FeatureColumns.isArrayLike(weight) || weight instanceof MapType) {
        throw new ConfigException(SampleWeights.KEY, SampleWeights.KEY + " names column '" + o.weight() + "', which "
            + "holds " + weight.simpleString() + ", not one number per row; set " + SampleWeights.KEY + " to a column "
            + "of one weight >= 0 per row");
      }
    }
    if (o.features().size() > 1) {
      for (String c : o.features()) {
        DataType t = df.schema().apply(c).dataType();
        if (FeatureColumns.isArrayLike(t) || t instanceof MapType) {
          throw new ConfigException(JobKeys.DATA_FEATURES, "data.features names " + o.features().size() + " columns, "
              + "but column '" + c + "' holds " + t.simpleString() + ", not one number per row; give that column "
              + "alone as data.features (one array column holds every feature of a row), or only numeric columns");
        }
      }
    }
    DataType label = df.schema().apply(o.label()).dataType();
    if (FeatureColumns.isArrayLike(label) || label instanceof MapType) {
      throw new ConfigException(JobKeys.DATA_LABEL, "data.label names column '" + o.label() + "', which holds "
          + label.simpleString() + ", not one number per row (a class index or a numeric target); set data.label to "
          + "such a column");
    }
    DataType features = df.schema().apply(o.features().get(0)).dataType();
    if (features instanceof ArrayType && !isNumberOrText(((ArrayType) features).elementType())) {
      throw new ConfigException(JobKeys.DATA_FEATURES, "data.features names column '" + o.features().get(0)
          + "', which holds " + features.simpleString() + ": each row's features must be one flat array of "
          + "numbers; flatten the column (Spark's flatten() for an array of arrays) or name numeric columns");
    }
    return FeatureColumns.isArrayColumn(df, o.features(), o.format());
  }

  private static boolean isNumberOrText(DataType t) {
    return t instanceof org.apache.spark.sql.types.NumericType || t instanceof org.apache.spark.sql.types.StringType;
  }

  private static void requireColumn(String c, List<String> columns, String key, DataOptions o) {
    if (!columns.contains(c)) {
      throw MissingColumn.of(c, columns, o.format(), "data " + o.path(), "data.format", key,
          "set " + key + " to one of them");
    }
  }
}
