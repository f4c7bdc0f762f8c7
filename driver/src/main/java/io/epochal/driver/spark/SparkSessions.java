package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.sql.SparkSession;

/**
 * Starts Spark with Epochal's configuration: Kryo with every wire class registered and
 * registration required, loopback binding for local masters, the UI off unless asked for, the
 * {@code local-cluster} plumbing of {@link LocalClusterSupport}, GPU scheduling from
 * {@link GpuResources}, then the user's {@code --conf} entries (which win).
 *
 * <pre>{@code
 * try (EpochalSpark spark = SparkSessions.builder().setMaster("local[2]").build()) {
 *   spark.jsc().parallelize(...);
 * }
 * }</pre>
 */
public final class SparkSessions {

  /** Default application name. */
  public static final String DEFAULT_APP_NAME = "epochal";

  private SparkSessions() {}

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Refuses a master this Spark cannot run, as starting a session would ({@link
   * Builder#build}): for a dry run, before it prints anything as runnable.
   *
   * @throws IllegalArgumentException naming the master and what to give instead
   */
  public static void checkMaster(SparkMaster master) {
    Builder.refuseUnsupportedMaster(master);
  }

  /** The version of the Spark on this JVM's class path (Scala's {@code org.apache.spark.SPARK_VERSION}). */
  public static String sparkVersion() {
    return org.apache.spark.package$.MODULE$.SPARK_VERSION();
  }

  /** Spark's floor for the driver's heap: 1.5 x the 300 MiB its memory manager reserves. */
  static final long MIN_DRIVER_HEAP = 450L << 20;

  /**
   * Refuses this JVM's heap when it is below what Spark needs to start a session on {@code master}
   * (Spark fails with INVALID_DRIVER_MEMORY): for a dry run, before it prints anything as
   * runnable. A {@code local-cluster} session starts in Spark's test mode, which reserves nothing.
   *
   * @throws IllegalArgumentException with {@link #belowMinimumHeap}'s advice
   */
  public static void checkDriverHeap(SparkMaster master) {
    checkDriverHeap(master, Runtime.getRuntime().maxMemory());
  }

  /**
   * As {@link #checkDriverHeap(SparkMaster)}, for a driver JVM whose heap may grow to {@code have}
   * bytes (another JVM's, such as a driver this one starts).
   *
   * @throws IllegalArgumentException with {@link #belowMinimumHeap}'s advice
   */
  public static void checkDriverHeap(SparkMaster master, long have) {
    if (master.kind() != SparkMaster.Kind.LOCAL_CLUSTER && have < MIN_DRIVER_HEAP) {
      throw new IllegalArgumentException(belowMinimumHeap(have, MIN_DRIVER_HEAP));
    }
  }

  /**
   * What to say of a driver heap of {@code have} bytes below the {@code need} Spark needs to start,
   * in Epochal's terms (Spark's own message advises spark-submit's --driver-memory only).
   */
  public static String belowMinimumHeap(long have, long need) {
    long gib = Math.max(1, (2 * need + (1L << 30) - 1) >> 30);
    return "the driver's heap (" + (have >> 20) + " MiB) is below the " + (need >> 20) + " MiB Spark needs to start: "
        + "give it more, EPOCHAL_JAVA_OPTS=-Xmx" + gib + "g before bin/epochal (spark-submit: --driver-memory " + gib
        + "g)";
  }


  /** Spark's limit on the serialized results a job sends its driver. */
  public static final String MAX_RESULT_SIZE = "spark.driver.maxResultSize";

  /**
   * Refuses a {@code spark.serializer} other than Kryo (a {@code --conf}): Epochal's tensors cross the wire through
   * its Kryo registrator only, and every round would fail and be retried.
   */
  static void refuseOtherSerializer(String serializer) {
    if (!serializer.equals(KryoSerializer.class.getName())) {
      throw new IllegalArgumentException("spark.serializer = " + serializer + ": Epochal sends its state dicts "
          + "between driver and executors with Kryo (its own registrator), which every round needs; remove the "
          + "--conf spark.serializer (other Kryo settings, spark.kryo.registrator among them, are kept)");
    }
  }

  /**
   * Sets {@code conf}'s {@code spark.kryo.registrator} to the user's registrators, if any, followed by Epochal's:
   * Kryo requires registration, so Epochal's values cross the wire only through its own.
   */
  static void withEpochalRegistrator(SparkConf conf) {
    String registrator = EpochalKryoRegistrator.class.getName();
    String theirs = conf.get("spark.kryo.registrator", "").strip();
    conf.set("spark.kryo.registrator", theirs.isEmpty() || theirs.equals(registrator) ? registrator
        : java.util.stream.Stream.concat(java.util.Arrays.stream(theirs.split(",")).map(String::strip)
            .filter(r -> !r.isEmpty() && !r.equals(registrator)), java.util.stream.Stream.of(registrator))
            .collect(java.util.stream.Collectors.joining(",")));
  }

  /**
   * Epochal's Spark configuration for {@code master}, before the user's entries: serializer,
   * registrator, Kryo buffer sized for large tensors, no limit on the results a job sends the
   * driver unless spark-submit set one, plan text long enough for wide datasets, and loopback
   * binding for local masters.
   */
  public static SparkConf epochalConf(SparkMaster master, String appName, boolean ui) {
    SparkConf conf = new SparkConf(true);
    conf.setMaster(master.url());
    conf.setAppName(appName);
    // what the wire format needs is set; the rest only where spark-submit (--conf, spark-defaults.conf)
    // set nothing: a registrator of the user's runs besides Epochal's
    conf.set("spark.serializer", KryoSerializer.class.getName());
    conf.set("spark.kryo.registrationRequired", "true");
    withEpochalRegistrator(conf);
    conf.setIfMissing("spark.kryoserializer.buffer", "1m");
    conf.setIfMissing("spark.kryoserializer.buffer.max", "2047m");
    // a round's results are one model state (weights and optimizer state, gathered by parameter
    // shards), whatever the number of workers: Spark's 1 GiB default would refuse every round of a
    // model of about 90 M parameters with Adam; the driver's heap check covers that state instead
    conf.setIfMissing(MAX_RESULT_SIZE, "0");
    conf.setIfMissing("spark.ui.enabled", Boolean.toString(ui));
    // datasets of many feature columns (f0 .. f<n-1>): Spark otherwise warns that it truncated a
    // plan's text, which Epochal never prints
    conf.setIfMissing("spark.sql.debug.maxToStringFields", "10000");
    // the input's files listed on the driver: past 32 folders in one, Spark lists them in a Spark job whose paths
    // and file statuses (each file system's own subclass) its Kryo, which requires registration, would refuse
    conf.setIfMissing("spark.sql.sources.parallelPartitionDiscovery.threshold", Integer.toString(Integer.MAX_VALUE));
    if (master.isOnThisMachine()) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    return conf;
  }

  /** {@code spark.task.maxFailures} as given. */
  private static int taskMaxFailures(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--conf spark.task.maxFailures=" + value + " is not a whole number: give how "
          + "often a task may fail before its job fails, at least 1 (Spark's default is 4)", e);
    }
  }

  /** How long a {@code spark://} master has to accept a connection before Spark is started against it. */
  private static final int MASTER_CONNECT_TIMEOUT_MS = 5_000;

  /** Builds an {@link EpochalSpark}: {@code setMaster} is required, the rest optional. */
  public static final class Builder {
    private String master;
    private String appName = DEFAULT_APP_NAME;
    private boolean verbose;
    private boolean ui;
    private Path localClusterHome;
    private GpuResources gpus = GpuResources.NONE;
    private final Map<String, String> conf = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The Spark master: {@code local[N]}, {@code local-cluster[N,C,MB]} or a cluster URL. Without
     * it, the {@code spark.master} system property that {@code spark-submit} sets is used.
     */
    public Builder setMaster(String master) {
      this.master = checkNotNull(master, "master");
      return this;
    }

    /** The application name (default {@value #DEFAULT_APP_NAME}). */
    public Builder optAppName(String appName) {
      checkArgument(appName != null && !appName.isBlank(), "app name must not be blank");
      this.appName = appName;
      return this;
    }

    /** INFO logging when true; WARN (the default) otherwise. */
    public Builder optVerbose(boolean verbose) {
      this.verbose = verbose;
      return this;
    }

    /** Whether to start Spark's web UI (default off). */
    public Builder optUi(boolean ui) {
      this.ui = ui;
      return this;
    }

    /**
     * The folder to prepare as Spark home for {@code local-cluster} (default: a new temporary
     * folder, deleted on close). A given folder is left in place on close.
     */
    public Builder optLocalClusterHome(Path home) {
      this.localClusterHome = checkNotNull(home, "home");
      return this;
    }

    /**
     * GPU scheduling (default {@link GpuResources#NONE}): mapped to Spark's resource keys by
     * {@link GpuResources#sparkConf}, before the user's {@code --conf} entries.
     */
    public Builder optGpus(GpuResources gpus) {
      this.gpus = checkNotNull(gpus, "gpus");
      return this;
    }

    /** A user {@code --conf key=value}; applied last, so it overrides Epochal's settings. */
    public Builder optConf(String key, String value) {
      checkArgument(key != null && !key.isBlank(), "conf key must not be blank (value '%s')", value);
      checkNotNull(value, "value of conf '%s'", key);
      conf.put(key, value);
      return this;
    }

    /** Several user {@code --conf} entries. */
    public Builder optConf(Map<String, String> entries) {
      entries.forEach(this::optConf);
      return this;
    }

    /**
     * Refuses, before Spark starts (and logs its own stack trace), a master this Spark cannot run:
     * {@code yarn} and {@code k8s://} need Spark's YARN or Kubernetes module, which the embedded
     * Spark of {@code bin/epochal} does not include; anything else that is not {@code local...} or
     * {@code spark://} is no master URL at all.
     */
    private static void refuseUnsupportedMaster(SparkMaster master) {
      String url = master.url();
      if (master.kind() != SparkMaster.Kind.REMOTE || url.startsWith("spark://")) {
        return;
      }
      boolean yarn = url.equals("yarn");
      boolean k8s = url.startsWith("k8s://");
      checkArgument(yarn || k8s, "--master '%s' is not a Spark master URL; give local[N], local[*], "
          + "local-cluster[N,CORES,MB] or spark://host:port (yarn and k8s://https://host:port through the "
          + "spark-submit of a Spark distribution)", url);
      String manager = yarn ? "org.apache.spark.scheduler.cluster.YarnClusterManager"
          : "org.apache.spark.scheduler.cluster.k8s.KubernetesClusterManager";
      try {
        Class.forName(manager, false, SparkSessions.class.getClassLoader());
      } catch (ClassNotFoundException absent) {
        throw new IllegalArgumentException("--master " + url + " needs Spark's " + (yarn ? "YARN" : "Kubernetes")
            + " support, which is not on this classpath (bin/epochal embeds Spark without it); submit "
            + "driver/target/epochal-app.jar with the spark-submit of a Spark distribution that has it (README: "
            + "'On a cluster')");
      }
    }

    /**
     * Starts Spark.
     *
     * @throws IllegalStateException if no master was set and {@code spark.master} is not set either
     */
    public EpochalSpark build() {
      String master = this.master != null ? this.master : System.getProperty("spark.master");
      if (master == null) {
        throw new IllegalStateException(
            "no Spark master set; call setMaster(\"local[2]\"), pass --master, or run under spark-submit");
      }
      SparkMaster parsed = SparkMaster.parse(master);
      refuseUnsupportedMaster(parsed);
      JavaModuleAccess.check();
      Map<String, String> gpuConf = gpus.sparkConf(parsed);
      SparkConf sparkConf = epochalConf(parsed, appName, ui);
      LocalClusterSupport cluster = null;
      refuseOtherSerializer(conf.getOrDefault("spark.serializer", KryoSerializer.class.getName()));
      boolean ownsHome = false;
      if (parsed.kind() == SparkMaster.Kind.LOCAL_CLUSTER) {
        Path home = localClusterHome;
        if (home == null) {
          try {
            home = Files.createTempDirectory("epochal-spark-home");
          } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Spark home for " + master, e);
          }
          ownsHome = true;
        }
        cluster = LocalClusterSupport.prepare(home);
      }
      gpuConf.forEach(sparkConf::set);
      conf.forEach(sparkConf::set);
      withEpochalRegistrator(sparkConf); // a --conf spark.kryo.registrator runs besides Epochal's, not instead
      if (cluster != null) {
        // after the user's entries, so that their executor class path and Java options are merged
        // with the cluster's, not replaced by them
        cluster.configure(sparkConf);
      }
      ApplicationJars.configure(parsed, sparkConf);
      if (parsed.kind() == SparkMaster.Kind.LOCAL) {
        if (parsed.url().equals(sparkConf.get("spark.master"))) { // not replaced by a --conf spark.master
          // a task that throws is tried again, as on a cluster (DESIGN: the round is recomputed exactly)
          sparkConf.setMaster(parsed.withTaskMaxFailures(taskMaxFailures(sparkConf.get("spark.task.maxFailures", "4"))));
        }
        Map<String, String> all = new java.util.HashMap<>();
        for (scala.Tuple2<String, String> e : sparkConf.getAll()) {
          all.put(e._1(), e._2());
        }
        GpuPreflight.refuseLocalResources(parsed, all);
      }
      SparkContext sc;
      try {
        parsed.checkExecutorFits(sparkConf.getSizeAsMb("spark.executor.memory", "1g"));
        parsed.checkReachable(MASTER_CONNECT_TIMEOUT_MS);
        sc = cluster == null ? new SparkContext(sparkConf)
            : cluster.withSparkHome(() -> new SparkContext(sparkConf));
      } catch (RuntimeException e) {
        if (ownsHome) {
          cluster.delete();
        }
        throw e;
      }
      sc.setLogLevel(verbose ? "INFO" : "WARN");
      SparkSession session = SparkSession.builder().sparkContext(sc).getOrCreate();
      return new EpochalSpark(session, parsed, ownsHome ? cluster : null);
    }
  }
}
