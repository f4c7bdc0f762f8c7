package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the terminal shows of Spark's logs with and without --verbose. */
class SparkLoggingTest {

  @AfterEach
  void restore() {
    SparkLogging.apply(false);
  }

  @Test
  void withoutVerboseTaskTracesAndIgnoredRpcErrorsAreHiddenAndWithItShown() {
    SparkLogging.apply(false);
    assertThat(LogManager.getLogger("org.apache.spark.rpc.netty.Inbox").getLevel()).isEqualTo(Level.FATAL);
    assertThat(LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(Level.FATAL);
    assertThat(LogManager.getLogger("org.apache.spark.SparkContext").getLevel()).isEqualTo(Level.WARN);
    assertThat(LogManager.getLogger("org.apache.hadoop.hdfs.DataStreamer").getLevel()).isEqualTo(Level.ERROR);

    SparkLogging.apply(true);
    assertThat(LogManager.getLogger("org.apache.spark.rpc.netty.Inbox").getLevel()).isEqualTo(Level.INFO);
    assertThat(LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(Level.INFO);
    assertThat(LogManager.getLogger("org.apache.hadoop.hdfs.DataStreamer").getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void theLauncherConfigurationQuietsTheStoresOwnLogOfTheDamagedCheckpointsACommandReportsItself() throws Exception {
    java.util.Properties conf = new java.util.Properties();
    try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("..", "conf",
        "log4j2.properties"))) {
      conf.load(r);
    }
    java.util.Map<String, String> levels = new java.util.HashMap<>();
    conf.stringPropertyNames().stream().filter(k -> k.startsWith("logger.") && k.endsWith(".name"))
        .forEach(k -> levels.put(conf.getProperty(k), conf.getProperty(k.replaceFirst("\\.name$", ".level"))));
    // the classes that log "skipping damaged checkpoint of epoch ..." (the search for the newest checkpoint)
    // and "Retention could not delete ..." with its stack trace (the driver's warning says it in one line)
    for (String logger : java.util.List.of("io.epochal.checkpoint.PublishedCheckpoints",
        "io.epochal.checkpoint.retention.CheckpointCleaner")) {
      Class.forName(logger); // a class of that name logs it (else ClassNotFoundException)
      assertThat(levels).as("conf/log4j2.properties").containsEntry(logger, "error");
    }
  }

  @Test
  void withoutVerboseTheHdfsClientsRetriesDuringAnOutageAreHiddenAndWithItShown() throws Exception {
    for (String logger : java.util.List.of("org.apache.hadoop.hdfs.client.impl.LeaseRenewer",
        "org.apache.hadoop.hdfs.client.impl.BlockReaderFactory", "org.apache.hadoop.hdfs.DFSClient",
        "org.apache.hadoop.hdfs.DFSInputStream", "org.apache.hadoop.hdfs.DFSOutputStream")) {
      Class.forName(logger); // the HDFS client has a class of that name (else ClassNotFoundException)
      SparkLogging.apply(false);
      assertThat(LogManager.getLogger(logger).getLevel()).as(logger).isEqualTo(Level.ERROR);
      SparkLogging.apply(true);
      assertThat(LogManager.getLogger(logger).getLevel()).as(logger).isEqualTo(Level.INFO);
    }
  }
}
