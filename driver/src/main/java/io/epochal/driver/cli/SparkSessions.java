package io.epochal.driver.cli;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Starts the Spark session of a command from the global options: master, {@code spark.*}
 * system properties (as {@code spark-submit} sets them), then {@code --conf} entries. Kryo is the
 * serializer unless one is configured, and Spark's console progress bar is off (Epochal reports
 * its own progress).
 */
public final class SparkSessions {

  private SparkSessions() {}

  /** The Spark conf a command runs with. */
  public static SparkConf conf(CliOptions options, String appName) {
    SparkConf conf = new SparkConf(true).setMaster(options.master()).setAppName(appName)
        .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .setIfMissing("spark.ui.showConsoleProgress", "false");
    for (Map.Entry<String, String> e : options.sparkConf().entrySet()) {
      conf.set(e.getKey(), e.getValue());
    }
    return conf;
  }

  /** Starts (or joins) the session. */
  public static SparkSession start(CliOptions options, String appName) {
    return SparkSession.builder().config(conf(options, appName)).getOrCreate();
  }
}
