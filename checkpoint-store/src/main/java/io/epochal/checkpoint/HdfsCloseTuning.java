package io.epochal.checkpoint;

import org.apache.hadoop.conf.Configuration;

/**
 * Shortens the first waits of an HDFS client while it closes a file.
 *
 * <p>Closing a file asks the NameNode to complete it, which succeeds only once the DataNodes have
 * reported the last block. With {@code SYNC_BLOCK} the DataNode syncs that block before it reports
 * it, so the first attempt usually comes too early and the client sleeps its initial delay (400 ms
 * by default), then doubles it on every retry. A checkpoint closes several files, so those sleeps
 * dominated small and mid-size commits. When the user has not set the delay, the store's client
 * starts at 10 ms and gets six more retries: the waits become 10, 20, 40, ... ms, doubling as
 * before, and their sum is at least the configured series' (400, 800, ...), so the client never
 * gives up sooner than configured. (A block's report reaches the NameNode a few milliseconds after
 * the DataNode finalizes it: on a MiniDFSCluster a 1 KiB commit of four files took 80–112 ms with
 * a 25 ms start and 52–75 ms with 5 or 10 ms, medians of 30 commits in two runs.) A driver's job
 * files (lease, state, events) are small files closed the same way: its clients take the same waits.
 */
public final class HdfsCloseTuning {

  static final String INITIAL_DELAY_KEY = "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";
  static final String RETRIES_KEY = "dfs.client.block.write.locateFollowingBlock.retries";
  static final int INITIAL_DELAY_MS = 10;
  private static final int DEFAULT_INITIAL_DELAY_MS = 400;
  private static final int DEFAULT_RETRIES = 5;

  private HdfsCloseTuning() {}

  /**
   * A copy of {@code conf} with the shorter first waits, or {@code conf} itself when the user set
   * the initial delay (an explicit choice is kept as it is).
   */
  public static Configuration apply(Configuration conf) {
    // the HDFS client's files, as its first use adds them: an hdfs-site.xml setting read only after this would lose
    // to the values set here
    Configuration.addDefaultResource("hdfs-default.xml");
    Configuration.addDefaultResource("hdfs-site.xml");
    if (isUserSet(conf, INITIAL_DELAY_KEY)) {
      return conf;
    }
    int retries = conf.getInt(RETRIES_KEY, DEFAULT_RETRIES);
    // the fewest doublings that take the tuned first wait to 400 ms or more
    int extra = 32 - Integer.numberOfLeadingZeros((DEFAULT_INITIAL_DELAY_MS - 1) / INITIAL_DELAY_MS);
    Configuration tuned = new Configuration(conf);
    tuned.setInt(INITIAL_DELAY_KEY, INITIAL_DELAY_MS);
    tuned.setInt(RETRIES_KEY, retries + extra);
    return tuned;
  }

  /** Whether {@code key} is set in {@code conf} by anything but a Hadoop {@code *-default.xml} file. */
  static boolean isUserSet(Configuration conf, String key) {
    if (conf.get(key) == null) {
      return false;
    }
    String[] sources = conf.getPropertySources(key);
    if (sources == null) {
      return true;
    }
    for (String source : sources) {
      if (!source.endsWith("-default.xml")) {
        return true;
      }
    }
    return false;
  }
}
