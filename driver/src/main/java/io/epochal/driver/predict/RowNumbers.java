package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.data.PartitionScan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code row_id} of batch inference's input rows, given before the model sees them: each row's
 * 0-based index in the input, bad rows counted, numbered as training numbers rows (the files in
 * the order of their paths, by block within a file, each block's rows in order), whatever order
 * Spark reads the files in. {@link #number} replaces a row's file block and file name (its last two
 * columns) by its number; {@link #inOrder} orders numbered rows by it across partitions, so that
 * the model, applied partition by partition without changing the order, yields its predictions in
 * {@code row_id} order.
 */
final class RowNumbers {

  /** The column of the row's number in numbered input rows (the output's {@code row_id}). */
  static final String COLUMN = "_epochal_row_id";

  private RowNumbers() {}

  /**
   * A partition's rows numbered, lazily: each row without its last two columns (the file block's
   * start and the file name), with its number appended.
   *
   * @param runStarts the number of the first row of each of the partition's runs (consecutive rows
   *     of one file block), counting bad rows ({@link PartitionScan#rowStartsByFileName})
   * @param runRows how many rows the scan counted in each of those runs: a run read with another
   *     count (its file rewritten or appended to since) fails the partition, as its rows would take
   *     numbers of other rows
   */
  static Iterator<Row> number(Iterator<Row> rows, long[] runStarts, long[] runRows) {
    checkNotNull(rows, "rows");
    checkNotNull(runStarts, "runStarts");
    checkArgument(runRows.length == runStarts.length, "%s run counts for %s runs", runRows.length, runStarts.length);
    PartitionScan.Cursor cursor = new PartitionScan.Cursor(true);
    return new Iterator<>() {
      private int run = -1;
      private long next;
      private long inRun;
      private String file;

      @Override
      public boolean hasNext() {
        boolean more = rows.hasNext();
        if (!more && run >= 0) {
          checkCount();
        }
        if (!more && run + 1 < runStarts.length) {
          throw changed(run >= 0 ? file : "of this partition", "fewer blocks of rows than the input was counted with");
        }
        return more;
      }

      @Override
      public Row next() {
        Row r = rows.next();
        int at = cursor.advance(r);
        if (at != run) {
          if (run >= 0) {
            checkCount();
          }
          if (at >= runStarts.length) {
            throw changed(r.get(r.length() - 1), "a block of rows more than the input was counted with");
          }
          run = at;
          next = runStarts[at];
          inRun = 0;
          file = String.valueOf(r.get(r.length() - 1));
        }
        inRun++;
        Object[] values = new Object[r.length() - 1]; // the block and the file name out, the number in
        for (int i = 0; i < values.length - 1; i++) {
          values[i] = r.get(i);
        }
        values[values.length - 1] = next++;
        return RowFactory.create(values);
      }

      private void checkCount() {
        if (inRun != runRows[run]) {
          throw changed(file, runRows[run] + " rows of a block when the input was counted, " + inRun + " now");
        }
      }
    };
  }

  private static IllegalStateException changed(Object file, String what) {
    return new IllegalStateException("input file " + file + " changed while predict read it (" + what + "): its rows "
        + "would take the row_id of others; predict again once nothing writes to the input");
  }

  /** The schema of numbered rows of input rows of schema {@code read} (file block and file name last). */
  static StructType schema(StructType read) {
    StructField[] fields = read.fields();
    checkArgument(fields.length >= 2, "input rows end with their file block and file name, got %s", read);
    List<StructField> numbered = new ArrayList<>(Arrays.asList(fields).subList(0, fields.length - 2));
    numbered.add(DataTypes.createStructField(COLUMN, DataTypes.LongType, false));
    return DataTypes.createStructType(numbered);
  }

  /**
   * {@code numbered} (of {@link #schema}) in the order of their numbers: range-partitioned by
   * number into {@code partitions} partitions (at least one), each sorted. This shuffles the input
   * rows only; what is then applied partition by partition, keeping each one's order, keeps theirs.
   */
  static JavaRDD<Row> inOrder(SparkSession session, JavaRDD<Row> numbered, StructType schema, int partitions) {
    Dataset<Row> rows = session.createDataFrame(numbered, schema);
    Column id = rows.col(COLUMN);
    return rows.repartitionByRange(Math.max(1, partitions), id).sortWithinPartitions(id).javaRDD();
  }
}
