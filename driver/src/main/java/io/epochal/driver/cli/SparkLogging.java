package io.epochal.driver.cli;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Sets Spark's and Hadoop's log levels for a command: WARN by default, INFO with
 * {@code --verbose}. A log4j2 configuration file (the launcher passes {@code conf/log4j2.properties})
 * sets the rest.
 */
final class SparkLogging {

  private static final String[] NOISY = {"org.apache.spark", "org.apache.hadoop", "org.sparkproject",
      "org.apache.parquet", "io.netty"};

  private static final String TASK_ERRORS = "org.apache.spark.executor.Executor";
  private static final String TASK_WARNINGS = "org.apache.spark.scheduler.TaskSetManager";
  /** Spark's RPC dispatcher: errors it logs as "Ignoring error", with a stack trace, and goes on. */
  private static final String RPC_IGNORED = "org.apache.spark.rpc.netty.Inbox";
  /**
   * Spark's csv header check: warns, for every file, where a header name differs from the column
   * Spark named itself (an unnamed column is read as _c0); Epochal compares the files' headers itself.
   */
  private static final String CSV_HEADERS = "org.apache.spark.sql.catalyst.csv.CSVHeaderChecker";
  /**
   * Hadoop's local file system when a data file's {@code .<name>.crc} is not a checksum file: a
   * stack trace for every read of the file, which it then reads unchecked; Epochal warns of such
   * files once.
   */
  private static final String CHECKSUM_IGNORED = "org.apache.hadoop.fs.FSInputChecker";
  /**
   * The HDFS client's write pipeline: a DataNode that stops answering (or a paused cluster) gets a
   * timeout with a stack trace for every stream open on it. Epochal says what the wait holds up
   * while it lasts and reports the commit or the lease it fails, if it fails.
   */
  private static final String HDFS_PIPELINE = "org.apache.hadoop.hdfs.DataStreamer";
  /**
   * The HDFS client when its NameNode or a DataNode does not answer: the lease renewer every second
   * (a NameNode stopped or in safe mode), the block readers for every DataNode they skip, each with a
   * stack trace, 1500 lines a minute. Epochal says what the outage holds up while it lasts (the
   * storage wait, the commit's wait) and reports what it fails.
   */
  private static final String[] HDFS_CLIENT_RETRIES = {"org.apache.hadoop.hdfs.client.impl.LeaseRenewer",
      "org.apache.hadoop.hdfs.client.impl.BlockReaderFactory", "org.apache.hadoop.hdfs.DFSClient",
      "org.apache.hadoop.hdfs.DFSInputStream", "org.apache.hadoop.hdfs.DFSOutputStream"};
  /**
   * What logs, mostly with a stack trace, when an executor dies: the block manager master for every
   * broadcast or block it could not remove from it (a finished round's, which nothing reads again),
   * Spark's network client and server for each request the closed connection dropped. The loss
   * itself is reported in one line by Spark's scheduler and by the command, and the round's tasks
   * are recomputed; a job that cannot go on fails with its cause.
   */
  private static final String[] EXECUTOR_LOSS_NOISE = {"org.apache.spark.storage.BlockManagerMasterEndpoint",
      "org.apache.spark.network.server.TransportChannelHandler", "org.apache.spark.network.client.TransportClient",
      "org.apache.spark.network.client.TransportResponseHandler",
      // a finished round's broadcast that could not be removed in time (a tight heap, a slow executor):
      // logged with a stack trace by the endpoint and again by the master; nothing reads it again
      "org.apache.spark.storage.BlockManagerStorageEndpoint", "org.apache.spark.storage.BlockManagerMaster"};

  private SparkLogging() {}

  static void apply(boolean verbose) {
    OutOfMemoryLogFilter.apply(!verbose);
    Level level = verbose ? Level.INFO : Level.WARN;
    for (String logger : NOISY) {
      Configurator.setLevel(logger, level);
    }
    if (verbose) {
      Configurator.setLevel("io.epochal", Level.DEBUG);
      List<String> quieted = new ArrayList<>(List.of(TASK_ERRORS, TASK_WARNINGS, RPC_IGNORED, CSV_HEADERS,
          CHECKSUM_IGNORED, HDFS_PIPELINE));
      quieted.addAll(List.of(EXECUTOR_LOSS_NOISE));
      quieted.addAll(List.of(HDFS_CLIENT_RETRIES));
      for (String logger : quieted) {
        Configurator.setLevel(logger, level); // an earlier command in this JVM may have quieted them
      }
    } else {
      // a failed task's stack trace, logged by the executor and again by the scheduler: the command
      // reports the failure itself, with its cause (--verbose shows both)
      Configurator.setLevel(TASK_ERRORS, Level.FATAL);
      Configurator.setLevel(TASK_WARNINGS, Level.ERROR);
      // a driver paused past its heartbeats (a stopped process, a long GC) gets hundreds of these on
      // waking; what matters to the job (a lost lease, a failed round) the command reports itself
      Configurator.setLevel(RPC_IGNORED, Level.FATAL);
      Configurator.setLevel(CSV_HEADERS, Level.ERROR);
      Configurator.setLevel(CHECKSUM_IGNORED, Level.ERROR);
      Configurator.setLevel(HDFS_PIPELINE, Level.ERROR);
      for (String logger : EXECUTOR_LOSS_NOISE) {
        Configurator.setLevel(logger, Level.FATAL);
      }
      for (String logger : HDFS_CLIENT_RETRIES) {
        Configurator.setLevel(logger, Level.ERROR);
      }
    }
  }

  /**
   * Silences Spark, Hadoop and Netty while the JVM shuts down on a signal: their threads are
   * stopped under them, and the errors they then log or print (a task result rejected by a
   * terminated pool; {@link RejectedCallbackFilter}) say nothing the command does not say itself.
   */
  static void quietForShutdown() {
    for (String logger : NOISY) {
      Configurator.setLevel(logger, Level.OFF);
    }
    // what Scala prints without logging: the pool's rejections of Spark's storage callbacks
    System.setErr(new java.io.PrintStream(new RejectedCallbackFilter(System.err), true,
        java.nio.charset.StandardCharsets.UTF_8));
  }
}
