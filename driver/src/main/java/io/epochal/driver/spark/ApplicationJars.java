package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;

/**
 * The jars a {@code spark://} master's executors load Epochal from when the driver was not started
 * by spark-submit. Executors on a standalone cluster start from the cluster's Spark alone; a driver
 * spark-submit starts names its application jar in {@code spark.jars}, which the executors fetch
 * from it, but a driver {@code bin/epochal} starts runs from a class path, and without this its
 * tasks fail to deserialize ({@code unread block data}) as soon as they reach an executor. The
 * launcher lists the application's jars (Epochal's modules and their runtime dependencies, not
 * Spark's, and {@code EPOCHAL_CLASSPATH}'s) in the system property {@value #PROPERTY}.
 */
public final class ApplicationJars {

  /** The system property {@code bin/epochal} lists the application's jars in, as a class path. */
  public static final String PROPERTY = "epochal.application.jars";

  private ApplicationJars() {}

  /**
   * Gives a {@code spark://} master's executors the application's jars {@code listed} (a class
   * path; its folders, which {@code spark.jars} cannot take, are left out) in {@code spark.jars},
   * after any jars the user named there, and
   * the environment variable that limits oneDNN's kernels as the driver has it ({@code
   * spark.executorEnv.ONEDNN_MAX_CPU_ISA}, unless set), so executors compute as the driver does.
   * Any other master is left alone: local masters share the driver's class path, {@code
   * local-cluster} has its own ({@link LocalClusterSupport}).
   *
   * @return the jars set, empty when none was
   */
  static List<String> configure(SparkMaster master, SparkConf conf, String listed, String oneDnnIsa) {
    checkNotNull(conf, "conf");
    if (master.kind() != SparkMaster.Kind.REMOTE || !master.url().startsWith("spark://")) {
      return List.of();
    }
    if (oneDnnIsa != null && !oneDnnIsa.isBlank()) {
      conf.setIfMissing("spark.executorEnv.ONEDNN_MAX_CPU_ISA", oneDnnIsa);
    }
    if (listed == null) { // spark-submit's driver: its spark.jars names the application jar
      return List.of();
    }
    List<String> jars = Arrays.stream(listed.split(File.pathSeparator)).map(String::trim)
        .filter(e -> e.endsWith(".jar")).distinct().toList();
    if (!jars.isEmpty()) {
      // jars the user named (--conf spark.jars) are fetched besides the application's, not instead
      String theirs = conf.get("spark.jars", "").strip();
      conf.set("spark.jars", java.util.stream.Stream.concat(theirs.isEmpty() ? java.util.stream.Stream.empty()
          : Arrays.stream(theirs.split(",")).map(String::strip).filter(j -> !j.isEmpty()), jars.stream())
          .distinct().collect(java.util.stream.Collectors.joining(",")));
    }
    return jars;
  }

  /** {@link #configure(SparkMaster, SparkConf, String, String)} with this JVM's property and environment. */
  static List<String> configure(SparkMaster master, SparkConf conf) {
    return configure(master, conf, System.getProperty(PROPERTY), System.getenv("ONEDNN_MAX_CPU_ISA"));
  }
}
