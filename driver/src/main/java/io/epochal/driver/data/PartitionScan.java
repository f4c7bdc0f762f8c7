package io.epochal.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * What the first pass over one input partition found: the runs of consecutive rows per file (to
 * number rows within their files), how many rows were bad, and the first bad row.
 */
final class PartitionScan implements Serializable {

  private static final long serialVersionUID = 1L;

  final int partition;
  final List<String> runFiles = new ArrayList<>();
  final List<Long> runCounts = new ArrayList<>();
  long rows;
  long bad;
  long firstBadLocal = -1;
  String firstBadReason;

  private PartitionScan(int partition) {
    this.partition = partition;
  }

  /** Scans a partition whose rows end with the input file name column. */
  static PartitionScan scan(int partition, Iterator<Row> rows, RowDecoder decoder) {
    PartitionScan s = new PartitionScan(partition);
    float[] buf = new float[decoder.width()];
    while (rows.hasNext()) {
      Row r = rows.next();
      String file = r.getString(r.length() - 1);
      int last = s.runFiles.size() - 1;
      if (last >= 0 && s.runFiles.get(last).equals(file)) {
        s.runCounts.set(last, s.runCounts.get(last) + 1);
      } else {
        s.runFiles.add(file);
        s.runCounts.add(1L);
      }
      String why = decoder.decode(r, buf);
      if (why != null) {
        if (s.firstBadLocal < 0) {
          s.firstBadLocal = s.rows;
          s.firstBadReason = why;
        }
        s.bad++;
      }
      s.rows++;
    }
    return s;
  }

  /** The file holding local row {@code local} and the row's 0-based index among that file's rows here. */
  Object[] locate(long local) {
    long start = 0;
    for (int i = 0; i < runFiles.size(); i++) {
      long n = runCounts.get(i);
      if (local < start + n) {
        long before = 0;
        for (int j = 0; j < i; j++) {
          if (runFiles.get(j).equals(runFiles.get(i))) {
            before += runCounts.get(j);
          }
        }
        return new Object[] {runFiles.get(i), before + local - start};
      }
      start += n;
    }
    throw new IllegalArgumentException("row " + local + " is not in partition " + partition + " of " + rows + " rows");
  }
}
