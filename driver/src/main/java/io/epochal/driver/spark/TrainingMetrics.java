package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.apache.spark.metrics.source.Source;

/**
 * A training job's progress as gauges of Spark's driver metrics system, so that the sinks a cluster
 * configures ({@code spark.metrics.conf.*}: Prometheus, JMX, Graphite, CSV, the console) export it
 * with Spark's own: {@code epoch}, {@code epochs}, {@code round}, {@code rounds}, {@code step}, {@code
 * samples_per_second} and {@code loss} (the epoch's mean training loss so far), in a source named
 * {@code epochal.<job name>} (characters other than letters, digits, {@code -} and {@code _} as
 * {@code _}), under Spark's {@code <namespace>.driver.} prefix. A second job of the same name training
 * in the same driver JVM meanwhile gets {@code epochal.<job name>-2} (then {@code -3}, ...), instead of
 * no gauges: Spark's metrics system keeps the first source of a name and drops the others. Registered
 * while a job trains and removed when it ends ({@link #close}); updated after every round. Values are 0
 * (NaN for the rates) until the first round.
 */
public final class TrainingMetrics implements Source, AutoCloseable {

  /** This JVM's registered jobs by source name, each name taken until its job's {@link #close}. */
  private static final Map<String, TrainingMetrics> LIVE = new HashMap<>();

  private final String name;
  private final MetricRegistry registry = new MetricRegistry();
  private final SparkEnv env;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Snapshot now = new Snapshot(0, 0, 0, 0, 0, Double.NaN, Double.NaN);

  private TrainingMetrics(String name, SparkEnv env) {
    this.name = name;
    this.env = env;
    registry.register("epoch", (Gauge<Integer>) () -> now.epoch());
    registry.register("epochs", (Gauge<Integer>) () -> now.epochs());
    registry.register("round", (Gauge<Integer>) () -> now.round());
    registry.register("rounds", (Gauge<Integer>) () -> now.rounds());
    registry.register("step", (Gauge<Long>) () -> now.step());
    registry.register("samples_per_second", (Gauge<Double>) () -> now.samplesPerSecond());
    registry.register("loss", (Gauge<Double>) () -> now.loss());
  }

  /**
   * The gauges of job {@code jobName}, registered with the driver's metrics system of the running Spark context
   * (none to register with outside one: then only kept here).
   */
  static TrainingMetrics register(String jobName) {
    SparkEnv env = SparkEnv.get();
    synchronized (LIVE) {
      TrainingMetrics m = new TrainingMetrics(freeName(jobName), env);
      LIVE.put(m.name, m);
      if (env != null) {
        env.metricsSystem().registerSource(m);
      }
      return m;
    }
  }

  /** {@code epochal.<job name>}, or with the first suffix {@code -2}, {@code -3}, ... no live job holds. */
  private static String freeName(String jobName) {
    String base = "epochal." + checkNotNull(jobName, "jobName").replaceAll("[^A-Za-z0-9_-]", "_");
    String name = base;
    for (int n = 2; LIVE.containsKey(name); n++) {
      name = base + "-" + n;
    }
    return name;
  }

  /**
   * After round {@code round} of {@code rounds} of epoch {@code epoch} of {@code epochs}, at global step {@code
   * step}: the round's rows per second and the epoch's mean loss so far.
   */
  public void round(int epoch, int epochs, int round, int rounds, long step, double samplesPerSecond, double loss) {
    now = new Snapshot(epoch, epochs, round, rounds, step, samplesPerSecond, loss);
  }

  @Override
  public String sourceName() {
    return name;
  }

  @Override
  public MetricRegistry metricRegistry() {
    return registry;
  }

  /**
   * Removes the gauges from the metrics system and frees the source name; once. Spark removes with them every
   * metric whose name begins with the source's ({@code epochal.mnist} takes {@code epochal.mnist-2} and {@code
   * epochal.mnist_big} along): the sources of the jobs still training that it took are registered again.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (LIVE) {
      LIVE.remove(name);
      if (env != null) {
        env.metricsSystem().removeSource(this);
        List<TrainingMetrics> taken = LIVE.values().stream().filter(m -> m.env == env && m.name.startsWith(name))
            .toList();
        taken.forEach(m -> env.metricsSystem().removeSource(m)); // out of Spark's list of sources, to be added once
        taken.forEach(m -> env.metricsSystem().registerSource(m));
      }
    }
  }

  /** The values the gauges read, set as one. */
  private record Snapshot(int epoch, int epochs, int round, int rounds, long step, double samplesPerSecond,
      double loss) {}
}
