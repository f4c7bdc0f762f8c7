package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/**
 * The command line's global settings, handed to the {@link TrainingLauncher}: the Spark master,
 * verbosity and Spark conf entries ({@code --conf k=v}, on top of {@code spark.*} system
 * properties). Immutable; build with {@link #builder()}.
 */
public final class CliOptions {

  /** The default Spark master: an embedded local Spark with one thread per core. */
  public static final String DEFAULT_MASTER = "local[*]";
  private static final String SPARK_HADOOP_PREFIX = "spark.hadoop.";

  private final String master;
  private final boolean verbose;
  private final Map<String, String> sparkConf;

  private CliOptions(Builder b) {
    this.master = b.master;
    this.verbose = b.verbose;
    this.sparkConf = Collections.unmodifiableMap(new TreeMap<>(b.sparkConf));
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The Spark master URL, e.g. {@code local[*]}, {@code local-cluster[2,1,1024]}, {@code yarn}. */
  public String master() {
    return master;
  }

  /** Whether Spark logs at INFO (otherwise WARN). */
  public boolean verbose() {
    return verbose;
  }

  /** Spark conf entries to apply, sorted by key. */
  public Map<String, String> sparkConf() {
    return sparkConf;
  }

  /**
   * Every Spark conf entry the job sees: {@code spark.*} system properties (what spark-submit
   * passes, {@code spark-defaults.conf} included) overridden by {@link #sparkConf()}.
   */
  public Map<String, String> effectiveSparkConf() {
    Map<String, String> all = new java.util.TreeMap<>();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark."))
        .forEach(k -> all.put(k, System.getProperty(k)));
    all.putAll(sparkConf);
    return all;
  }

  /**
   * A Hadoop configuration for commands that run without Spark ({@code status}, {@code verify},
   * {@code resume}, ...), built as Spark builds its own: the {@code *-site.xml} files on the class
   * path, then every {@code spark.hadoop.<key>} entry of the Spark conf ({@link #effectiveSparkConf}:
   * spark-submit's too) as {@code <key>}. A job's HDFS client settings, the checkpoint store's keys
   * and a file system's {@code fs.<scheme>.impl} then reach every command alike, and the job file's
   * checks see the file systems the job will use.
   */
  public Configuration hadoopConfiguration() {
    Configuration conf = new Configuration();
    effectiveSparkConf().forEach((k, v) -> {
      if (k.startsWith(SPARK_HADOOP_PREFIX) && k.length() > SPARK_HADOOP_PREFIX.length()) {
        conf.set(k.substring(SPARK_HADOOP_PREFIX.length()), v, "spark conf " + k);
      }
    });
    // the job files' closes on HDFS wait as the store's own do: 10 ms, not 400, before they ask again
    return io.epochal.checkpoint.HdfsCloseTuning.apply(conf);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CliOptions)) {
      return false;
    }
    CliOptions c = (CliOptions) o;
    return master.equals(c.master) && verbose == c.verbose && sparkConf.equals(c.sparkConf);
  }

  @Override
  public int hashCode() {
    return Objects.hash(master, verbose, sparkConf);
  }

  @Override
  public String toString() {
    return "CliOptions[master " + master + (verbose ? ", verbose" : "") + ", conf " + sparkConf + "]";
  }

  /** Builds {@link CliOptions}. */
  public static final class Builder {
    private String master = DEFAULT_MASTER;
    private boolean verbose;
    private final Map<String, String> sparkConf = new TreeMap<>();

    private Builder() {}

    /** The Spark master (default {@code local[*]}). */
    public Builder optMaster(String master) {
      checkArgument(master != null && !master.isBlank(), "--master must not be empty, got '%s'", master);
      this.master = master;
      return this;
    }

    /** Verbose logging (default false). */
    public Builder optVerbose(boolean verbose) {
      this.verbose = verbose;
      return this;
    }

    /** Adds Spark conf entries; later ones replace earlier ones. */
    public Builder optSparkConf(Map<String, String> conf) {
      checkNotNull(conf, "conf").forEach((k, v) -> sparkConf.put(checkNotNull(k, "key"), checkNotNull(v, k)));
      return this;
    }

    /** The options. */
    public CliOptions build() {
      return new CliOptions(this);
    }
  }
}
