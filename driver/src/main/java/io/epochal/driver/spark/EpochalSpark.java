package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A running Spark session started by {@link SparkSessions}; closing it stops Spark and deletes the
 * temporary {@code local-cluster} home it prepared, if any.
 */
public final class EpochalSpark implements AutoCloseable {

  private final SparkSession session;
  private final JavaSparkContext jsc;
  private final SparkMaster master;
  private final LocalClusterSupport ownedHome;
  private final ExecutorLossReporter.OutOfMemoryCount executorsOutOfMemory = new ExecutorLossReporter.OutOfMemoryCount();
  private final FailingExecutors failing;
  private final ExecutorCores executorCores = new ExecutorCores();
  private volatile boolean stopping;

  /** The most cores an executor of this session registered with (its {@code totalCores}); 0 before one did. */
  private static final class ExecutorCores extends org.apache.spark.scheduler.SparkListener {
    private final java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void onExecutorAdded(org.apache.spark.scheduler.SparkListenerExecutorAdded added) {
      most.accumulateAndGet(added.executorInfo().totalCores(), Math::max);
    }
  }

  EpochalSpark(SparkSession session, SparkMaster master, LocalClusterSupport ownedHome) {
    this.session = checkNotNull(session, "session");
    this.jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.master = master;
    this.ownedHome = ownedHome;
    session.sparkContext().addSparkListener(executorsOutOfMemory);
    session.sparkContext().addSparkListener(executorCores);
    this.failing = new FailingExecutors(jsc::cancelAllJobs,
        scala.jdk.javaapi.CollectionConverters.asJava(session.sparkContext().getExecutorIds()));
    session.sparkContext().addSparkListener(failing);
  }

  /**
   * Why this session's executors are deemed unable to run ({@link FailingExecutors}: they kept exiting before
   * finishing a task, and the running jobs were cancelled), if they are.
   */
  public Optional<String> executorsFailing() {
    return failing.verdict();
  }

  /**
   * {@code e}, a failure of work run on this session, or in its place, when this session's executors cannot start
   * ({@link #executorsFailing}: its jobs were cancelled for that, which is all {@code e} says), a refusal that says
   * why and what to fix: a setting, not a failure to run again as it is.
   */
  public Exception whyFailed(Exception e) {
    Optional<String> verdict = executorsFailing();
    return verdict.isPresent() ? new IllegalArgumentException(verdict.get(), e) : e;
  }

  /**
   * How many executors Spark has removed in this session because they ran out of memory (exit code
   * 52 on a cluster or {@code local-cluster}; in local mode the executors are the driver's JVM).
   */
  public int executorsOutOfMemory() {
    return executorsOutOfMemory.get();
  }

  /** Each executor's heap in MiB: {@code spark.executor.memory}, Spark's default 1g when unset. */
  public long executorMemoryMb() {
    return jsc.getConf().getSizeAsMb("spark.executor.memory", "1g");
  }

  /**
   * How many tasks an executor runs at once: its cores ({@code spark.executor.cores}, else a {@code
   * local-cluster}'s cores per worker, else the most an executor registered with so far: a standalone
   * master's executor takes every core of its worker; else 1) over {@code spark.task.cpus}, and no more than its
   * GPUs hold task slots ({@code spark.executor.resource.gpu.amount} over {@code spark.task.resource.gpu.amount});
   * at least 1.
   */
  public int tasksPerExecutor() {
    int registered = executorCores.most.get();
    if (registered == 0 && !jsc.getConf().contains("spark.default.parallelism")) {
      // executors that registered before this session's listener did (Spark waits for them as it starts, when
      // spark.scheduler.minRegisteredResourcesRatio asks): the cores they hold between them, per executor
      int executors = session.sparkContext().getExecutorIds().size();
      registered = executors == 0 ? 0 : (int) Math.ceil(jsc.defaultParallelism() / (double) executors);
    }
    return tasksPerExecutor(jsc.getConf(), master, registered);
  }

  /**
   * {@link #tasksPerExecutor} of a session of {@code conf} on {@code master}, whose executors registered with up to
   * {@code registeredCores} cores (0: none registered yet).
   */
  static int tasksPerExecutor(org.apache.spark.SparkConf conf, SparkMaster master, int registeredCores) {
    int cores = conf.getInt("spark.executor.cores", master.kind() == SparkMaster.Kind.LOCAL_CLUSTER
        ? Math.max(1, master.coresPerWorker()) : Math.max(1, registeredCores));
    int tasks = Math.max(1, cores / Math.max(1, conf.getInt("spark.task.cpus", 1)));
    double executorGpus = conf.getDouble("spark.executor.resource.gpu.amount", 0);
    double taskGpus = conf.getDouble("spark.task.resource.gpu.amount", 0);
    if (executorGpus > 0 && taskGpus > 0) { // as Spark's scheduler counts slots: the scarcer resource decides
      // ResourceUtils: a GPU shared by floor(1 / amount) tasks when a task takes half of one or less, else whole GPUs
      long parts = taskGpus <= 0.5 ? (long) Math.floor(1.0 / taskGpus) : 1;
      long slots = (long) executorGpus * parts / (long) Math.ceil(taskGpus);
      tasks = (int) Math.min(tasks, Math.max(1, slots));
    }
    return tasks;
  }

  /** What to do when executors run out of memory: the settings that give them more. */
  public static String executorMemoryAdvice() {
    return ExecutorLossReporter.MORE_MEMORY;
  }

  /** The session. */
  public SparkSession session() {
    return session;
  }

  /** The Java view of the context. */
  public JavaSparkContext jsc() {
    return jsc;
  }

  /** The parsed master. */
  public SparkMaster master() {
    return master;
  }

  /**
   * Task slots to plan for: the local thread or {@code local-cluster} core count, otherwise Spark's
   * default parallelism.
   */
  public int slots() {
    return master.isOnThisMachine() ? master.slots() : jsc.defaultParallelism();
  }

  /**
   * Waits until {@code count} executors (not counting the driver) have registered; a
   * {@code local-cluster} session starts its executor JVMs in the background.
   *
   * @throws IllegalStateException naming the count and the timeout if they do not come up in time
   */
  public void awaitExecutors(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int registered = 0;
    while (true) {
      registered = jsc.sc().statusTracker().getExecutorInfos().length - 1;
      if (registered >= count) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(registered + " of " + count + " executors registered within "
            + timeout + " on " + master + "; check the executor logs under the Spark home's work folder");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + count + " executors", e);
      }
    }
  }

  /**
   * Calls {@code report} with a line for every executor Spark loses while this session runs (on a
   * cluster or {@code local-cluster}; not while it stops, nor while the JVM shuts down).
   */
  public void onExecutorLost(Consumer<String> report) {
    session.sparkContext().addSparkListener(new ExecutorLossReporter(report,
        () -> stopping || ShutdownHookManager.get().isShutdownInProgress(), failing));
  }

  /** The gauges of job {@code jobName}'s training in this session's driver metrics ({@link TrainingMetrics}). */
  public TrainingMetrics trainingMetrics(String jobName) {
    return TrainingMetrics.register(jobName);
  }

  /** Stops Spark, then deletes the temporary Spark home if one was prepared. */
  @Override
  public void close() {
    stopping = true;
    try {
      session.stop();
    } finally {
      if (ownedHome != null) {
        ownedHome.delete();
      }
    }
  }

  @Override
  public String toString() {
    return "EpochalSpark[" + master + ", app " + jsc.sc().applicationId() + "]";
  }
}
