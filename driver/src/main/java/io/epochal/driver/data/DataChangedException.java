package io.epochal.driver.data;

/**
 * A worker's shard, built again from the input after Spark lost it (an executor died with its
 * cached blocks and shuffle output), holds other rows than the job loaded at its start: the files
 * under {@code data.path} changed while the job ran. Training on would mix rows the job's
 * checkpoints never record, so the round fails as bad input. Thrown in a Spark task; serializable.
 */
public class DataChangedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** What the message of every such failure contains, to find it in a failure's text. */
  public static final String MARKER = "changed while the job ran";

  /**
   * Worker {@code worker}'s shard read from {@code path}, whose digest is now {@code now} where it
   * was {@code loaded} (hex, shortened) when the job loaded its data.
   */
  public DataChangedException(int worker, String path, String loaded, String now) {
    super("the rows of worker " + worker + "'s shard, read again from " + path + " after Spark lost them (an "
        + "executor died), are not the rows the job loaded (SHA-256 " + now + "..., loaded " + loaded + "...): "
        + "the data " + MARKER + ", and its checkpoints record only the rows it started on. Restore those files "
        + "and resume the job, or train a new job on the new data");
  }

  /**
   * Worker {@code worker}'s shard read from {@code path} did not get the rows the job counted when
   * it scanned the files ({@code what}): rows were added or removed between two reads.
   */
  DataChangedException(int worker, String path, String what) {
    this("worker " + worker + "'s shard read from " + path, what);
  }

  /**
   * {@code read} (what was read, from where) did not get the rows the job counted in it ({@code what}): rows were
   * added or removed between two reads.
   */
  private DataChangedException(String read, String what) {
    super(read + " did not get the rows the job counted in it (" + what + "): the data " + MARKER + " (a job reads "
        + "its files twice as it loads them, and again when Spark loses a shard), and its checkpoints record only "
        + "the rows it started on. Restore those files and run the command again, or train a new job on the new "
        + "data");
  }

  /**
   * Partition {@code partition} of the input read from {@code path} held more blocks of rows than the job counted
   * in it: a file grew between two reads (a line that starts at its old end is read with the block before it).
   */
  static DataChangedException moreBlocks(int partition, String path, Object file) {
    return new DataChangedException("partition " + partition + " of the input read from " + path, "a block of rows "
        + "of " + file + " more than the job counted");
  }
}
