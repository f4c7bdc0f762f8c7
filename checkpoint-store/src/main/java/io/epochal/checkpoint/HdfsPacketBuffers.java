package io.epochal.checkpoint;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.client.HdfsClientConfigKeys;

/**
 * Sizes, bounds and recycles the packets of the store's HDFS client. Each setting is applied only
 * when the configuration does not set it itself.
 *
 * <ul>
 *   <li>Hadoop's byte-array manager ({@value #BYTE_ARRAY_MANAGER_KEY}). By default the client
 *       allocates a fresh 64 KiB array for every packet it sends, so a commit leaves as much
 *       garbage as it writes (284 MiB for a 256 MiB state, measured) on the heap that also holds
 *       the state; with the manager the same commit allocated 25 MiB and ran faster.
 *   <li>A client context of the store's own ({@value #CONTEXT_KEY} = {@value #STORE_CONTEXT}).
 *       A client takes its byte-array manager from a context that the JVM shares by name
 *       ("default" unless set), and the first client to create a context fixes it for all later
 *       ones. A Spark driver has usually opened HDFS long before its first checkpoint, and without
 *       a context of its own the store's client silently went without the manager.
 *   <li>Packets of 256 KiB ({@value #PACKET_SIZE_KEY}; Hadoop's default is 64 KiB). Every packet
 *       costs the client and each DataNode a round of system calls, thread hand-offs, an ack and
 *       its parsing (a 4 KiB buffer per ack), whatever its size. Writing 256 MiB through one stream
 *       to a MiniDFSCluster in its own JVM took 1.59 CPU-seconds (client and cluster together)
 *       with 64 KiB packets, 1.11 with 256 KiB and 1.14 with 1 MiB (medians of 8 alternating runs).
 *   <li>At most {@value #PACKETS_IN_FLIGHT} packets in flight per file ({@value
 *       #PACKETS_IN_FLIGHT_KEY}; Hadoop's default is 80): 1 MiB, where Hadoop's defaults allow
 *       5 MiB. The manager keeps the arrays it has handed out for reuse, so the packets in flight
 *       at once are also what the client holds between commits: 8 MiB with eight files written at
 *       once, instead of 40 MiB.
 * </ul>
 */
final class HdfsPacketBuffers {

  static final String BYTE_ARRAY_MANAGER_KEY = "dfs.client.write.byte-array-manager.enabled";
  static final String CONTEXT_KEY = HdfsClientConfigKeys.DFS_CLIENT_CONTEXT;
  static final String STORE_CONTEXT = "epochal-checkpoint-store";
  static final String PACKETS_IN_FLIGHT_KEY = "dfs.client.write.max-packets-in-flight";
  static final int PACKETS_IN_FLIGHT = 4;
  static final String PACKET_SIZE_KEY = "dfs.client-write-packet-size";
  static final int PACKET_SIZE = 256 << 10;

  private static final Map<String, String> SETTINGS = Map.of(
      BYTE_ARRAY_MANAGER_KEY, "true",
      CONTEXT_KEY, STORE_CONTEXT,
      PACKETS_IN_FLIGHT_KEY, Integer.toString(PACKETS_IN_FLIGHT),
      PACKET_SIZE_KEY, Integer.toString(PACKET_SIZE));

  private HdfsPacketBuffers() {}

  /** A copy of {@code conf} with each of the settings above that {@code conf} does not set. */
  static Configuration apply(Configuration conf) {
    Configuration tuned = new Configuration(conf);
    SETTINGS.forEach((key, value) -> {
      if (!HdfsCloseTuning.isUserSet(conf, key)) {
        tuned.set(key, value);
      }
    });
    return tuned;
  }
}
