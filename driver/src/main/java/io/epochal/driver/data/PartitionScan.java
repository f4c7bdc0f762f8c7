package io.epochal.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * What the first pass over one input partition found: the runs of consecutive rows per file (to
 * number rows within their files), how many rows were bad, and the first bad row. The training
 * data loader and batch inference both check their input with it, so a bad row is reported the
 * same way (file and row) by both.
 */
public final class PartitionScan implements Serializable {

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

  /**
   * Scans a partition whose rows hold what {@code decoder} reads first and end with the input file
   * name column ({@code functions.input_file_name()}).
   */
  public static PartitionScan scan(int partition, Iterator<Row> rows, RowDecoder decoder) {
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

  /** The index of the scanned partition. */
  public int partition() {
    return partition;
  }

  /** Rows in the partition. */
  public long rows() {
    return rows;
  }

  /** Bad rows in the partition. */
  public long bad() {
    return bad;
  }

  /**
   * The first bad row of all {@code scans} (sorted by partition) as an exception naming its file,
   * its 1-based row within the file and its 0-based row in the whole input.
   *
   * @throws IllegalStateException if no scan found a bad row
   */
  public static BadInputException firstBad(List<PartitionScan> scans) {
    Map<String, Long> fileRowsBefore = new HashMap<>();
    long datasetRow = 0;
    for (PartitionScan s : scans) {
      if (s.firstBadLocal >= 0) {
        Object[] at = s.locate(s.firstBadLocal);
        String file = (String) at[0];
        long rowInFile = fileRowsBefore.getOrDefault(file, 0L) + (Long) at[1] + 1;
        return new BadInputException(file.isEmpty() ? "<no file>" : file, rowInFile,
            datasetRow + s.firstBadLocal, s.firstBadReason);
      }
      for (int i = 0; i < s.runFiles.size(); i++) {
        fileRowsBefore.merge(s.runFiles.get(i), s.runCounts.get(i), Long::sum);
      }
      datasetRow += s.rows;
    }
    throw new IllegalStateException("no bad row found in " + scans.size() + " partition scans");
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
