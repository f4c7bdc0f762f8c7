package io.epochal.driver.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * What the first pass over one input partition found: its runs (consecutive rows of one file, or
 * of one block of a file when the rows carry their block's start), how many rows each holds and
 * how many of them are bad, and the first bad row of each. The training data loader and batch
 * inference both check their input with it, so a bad row is reported the same way (file and row)
 * by both; the loader numbers the rows from the runs, in Spark's read order or by file name.
 */
public final class PartitionScan implements Serializable {

  private static final long serialVersionUID = 1L;

  final int partition;
  final List<Run> runs = new ArrayList<>();
  long rows;
  long bad;

  private PartitionScan(int partition) {
    this.partition = partition;
  }

  /** Consecutive rows of one file, or of one block of it. */
  static final class Run implements Serializable {
    private static final long serialVersionUID = 1L;

    final String file;
    /** The start of the file block the rows are in; -1 when the rows do not say. */
    final long block;
    final int partition;
    /** The run's place among its partition's runs. */
    final int index;
    long rows;
    long bad;
    long firstBad = -1;
    String firstBadReason;

    Run(String file, long block, int partition, int index) {
      this.file = file;
      this.block = block;
      this.partition = partition;
      this.index = index;
    }
  }

  /**
   * Follows the runs of a partition's rows: the rows end with the input file name
   * ({@code functions.input_file_name()}), preceded by the start of the file block when
   * {@code blocks} ({@code functions.input_file_block_start()}).
   */
  public static final class Cursor {
    private final boolean blocks;
    private String file;
    private long block;
    private int run = -1;

    /** A cursor over rows that carry their file block's start before the file name when {@code blocks}. */
    public Cursor(boolean blocks) {
      this.blocks = blocks;
    }

    /** The index of the run {@code r} belongs to, the previous row's or the next one. */
    public int advance(Row r) {
      String f = r.getString(r.length() - 1);
      long b = blocks ? r.getLong(r.length() - 2) : -1;
      if (run < 0 || !f.equals(file) || b != block) {
        run++;
        file = f;
        block = b;
      }
      return run;
    }

    String file() {
      return file;
    }

    long block() {
      return block;
    }
  }

  /**
   * Scans a partition whose rows hold what {@code decoder} reads first and end with the input file
   * name column, preceded by the file block's start when {@code blocks}.
   */
  public static PartitionScan scan(int partition, Iterator<Row> rows, RowDecoder decoder, boolean blocks) {
    PartitionScan s = new PartitionScan(partition);
    Cursor cursor = new Cursor(blocks);
    float[] buf = new float[decoder.width()];
    while (rows.hasNext()) {
      Row r = rows.next();
      int at = cursor.advance(r);
      if (at == s.runs.size()) {
        s.runs.add(new Run(cursor.file(), cursor.block(), partition, at));
      }
      Run run = s.runs.get(at);
      String why = decoder.decode(r, buf);
      if (why != null) {
        if (run.firstBad < 0) {
          run.firstBad = run.rows;
          run.firstBadReason = why;
        }
        run.bad++;
        s.bad++;
      }
      run.rows++;
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

  /** The runs of all {@code scans} (sorted by partition) in the order Spark read them. */
  static List<Run> inReadOrder(List<PartitionScan> scans) {
    List<Run> all = new ArrayList<>();
    scans.forEach(s -> all.addAll(s.runs));
    return all;
  }

  /** The runs of all {@code scans} by file path, and by block within a file. */
  static List<Run> byFileName(List<PartitionScan> scans) {
    List<Run> all = inReadOrder(scans);
    all.sort(Comparator.comparing((Run r) -> r.file).thenComparingLong(r -> r.block));
    return all;
  }

  /**
   * The number of the first row of every run of {@code scans} (sorted by partition; scanned with
   * blocks), counting every row, bad ones too, by file path and block: {@code [partition][run]}.
   */
  public static long[][] rowStartsByFileName(List<PartitionScan> scans) {
    return runStarts(scans, byFileName(scans), false);
  }

  /** How many rows, bad ones too, every run of {@code scans} (sorted by partition) held: {@code [partition][run]}. */
  public static long[][] runRows(List<PartitionScan> scans) {
    long[][] rows = new long[scans.size()][];
    for (int i = 0; i < scans.size(); i++) {
      rows[i] = scans.get(i).runs.stream().mapToLong(r -> r.rows).toArray();
    }
    return rows;
  }

  /**
   * The number of the first row of every run of {@code scans} (sorted by partition), the runs taken
   * in {@code order} and numbered on from those before them, counting only good rows when {@code
   * goodOnly}: {@code [partition][run]}.
   */
  static long[][] runStarts(List<PartitionScan> scans, List<Run> order, boolean goodOnly) {
    long[][] starts = new long[scans.size()][];
    for (int i = 0; i < scans.size(); i++) {
      starts[i] = new long[scans.get(i).runs.size()];
    }
    long next = 0;
    for (Run r : order) {
      starts[r.partition][r.index] = next;
      next += goodOnly ? r.rows - r.bad : r.rows;
    }
    return starts;
  }

  /**
   * The first bad row of all {@code scans} (sorted by partition) by file path and block, as an
   * exception naming its file, its 1-based row within the file and its 0-based row in the input.
   *
   * @throws IllegalStateException if no scan found a bad row
   */
  public static BadInputException firstBadByFileName(List<PartitionScan> scans, String format) {
    return firstBadOf(byFileName(scans), true, format);
  }

  /**
   * The first bad row of {@code runs}, taken in that order (the rows of a file in it, the input's
   * rows in it), as an exception naming its file, its 1-based row within the file and its 0-based
   * row in the whole input, said to be counted as predict's row_id when the runs are {@code byFileName}.
   *
   * @throws IllegalStateException if no run holds a bad row
   */
  static BadInputException firstBadOf(List<Run> runs, boolean byFileName, String format) {
    Map<String, Long> fileRowsBefore = new HashMap<>();
    long datasetRow = 0;
    for (Run r : runs) {
      if (r.firstBad >= 0) {
        long rowInFile = fileRowsBefore.getOrDefault(r.file, 0L) + r.firstBad + 1;
        return BadInputException.of(r.file.isEmpty() ? "<no file>" : BadInputException.fileText(r.file), format,
            rowInFile, datasetRow + r.firstBad, r.firstBadReason, byFileName);
      }
      fileRowsBefore.merge(r.file, r.rows, Long::sum);
      datasetRow += r.rows;
    }
    throw new IllegalStateException("no bad row found in " + runs.size() + " runs of rows");
  }
}
