package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.driver.spark.SparkMaster;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** What a chaos run does: how many iterations, with which seed, how many kills per run and where. */
public final class ChaosOptions {

  /** The master for driver-kill runs. */
  public static final String LOCAL_MASTER = "local[2]";
  /** The master when executors are killed too: separate executor JVMs. */
  public static final String CLUSTER_MASTER = "local-cluster[2,1,1024]";

  private final int iterations;
  private final long seed;
  private final int maxKillsPerRun;
  private final boolean executorKills;
  private final String master;
  private final int epochs;
  private final Path workDir;
  private final boolean keepWorkDir;
  private final Map<String, String> settings;

  /**
   * Keys chaos sets itself, which {@code --set} may not change: the job's name and directory, the data it
   * generates, the epochs ({@code --epochs}), and the retry and lease timing its kills are planned around.
   */
  static final java.util.Set<String> OWN_KEYS = java.util.Set.of("job.name", "job.dir", "data.path", "data.format",
      "data.features", "data.label", "data.classes", "train.epochs", "retry.max_attempts", "retry.backoff_ms",
      "retry.storage_wait_ms", "lease.ttl_ms");

  /** The one data key {@code --set} takes: the generated rows carry sample weights in column {@code weight}. */
  private static final String SAMPLE_WEIGHTS = io.epochal.driver.config.SampleWeights.KEY;

  private ChaosOptions(Builder b) {
    checkArgument(b.iterations >= 1, "--iterations must be >= 1, got %s", b.iterations);
    checkArgument(b.maxKillsPerRun >= 1, "--max-kills-per-run must be >= 1, got %s", b.maxKillsPerRun);
    checkArgument(b.epochs >= 2, "--epochs must be >= 2 so that a kill can fall between epochs, got %s",
        b.epochs);
    this.iterations = b.iterations;
    this.seed = b.seed;
    this.maxKillsPerRun = b.maxKillsPerRun;
    this.executorKills = b.executorKills;
    this.master = b.master != null ? b.master : (b.executorKills ? CLUSTER_MASTER : LOCAL_MASTER);
    refuseUnusableMaster(master);
    checkArgument(!b.executorKills || master.startsWith("local-cluster"),
        "--executor-kills needs separate executor JVMs: use --master local-cluster[N,C,MB], not '%s'", master);
    this.epochs = b.epochs;
    this.workDir = b.workDir;
    this.keepWorkDir = b.keepWorkDir;
    for (String key : b.settings.keySet()) {
      checkArgument(!OWN_KEYS.contains(key) && (!key.startsWith("data.") || key.equals(SAMPLE_WEIGHTS)),
          "--set %s: chaos sets %s itself (the job's name and directory, the rows it generates, --epochs, and the "
          + "retry and lease timing its kills are planned around); the keys it takes are those of the model, "
          + "optimizer, schedule, loss and training (e.g. --set schedule.name=plateau), and data.weight=weight (the "
          + "rows' sample weights)", key, key);
    }
    this.settings = Map.copyOf(b.settings);
  }

  /**
   * Refuses, before any data is generated, a master the child drivers could not start Spark on:
   * a malformed {@code local...} form ({@link SparkMaster#parse}), or a URL that is not {@code
   * local...} or {@code spark://}, which the embedded Spark of {@code bin/epochal} cannot run.
   */
  private static void refuseUnusableMaster(String master) {
    SparkMaster parsed = SparkMaster.parse(master);
    checkArgument(parsed.kind() != SparkMaster.Kind.REMOTE || parsed.url().startsWith("spark://"),
        "--master '%s' is not a master chaos's child drivers can run on; give local[N], local[*], "
            + "local-cluster[N,CORES,MB] or spark://host:port", master);
  }

  /** A new builder with the defaults: 3 iterations, seed 1, 2 kills per run, 4 epochs. */
  public static Builder builder() {
    return new Builder();
  }

  /** Jobs trained under faults (each compared with the reference). */
  public int iterations() {
    return iterations;
  }

  /**
   * Seed of every random choice (kill moments as shares of the reference run's timeline, kinds,
   * victims); one seed draws one sequence of choices, though a moment is a time, so where in
   * training it lands varies with the machine's speed.
   */
  public long seed() {
    return seed;
  }

  /** Faults injected into one job at most; after that it runs to its end. */
  public int maxKillsPerRun() {
    return maxKillsPerRun;
  }

  /** Whether executors are killed as well as drivers. */
  public boolean executorKills() {
    return executorKills;
  }

  /** The Spark master of every child driver. */
  public String master() {
    return master;
  }

  /** Epochs of the chaos job. */
  public int epochs() {
    return epochs;
  }

  /** Where the data, the job directories and the child logs go; null: a new temporary directory. */
  public Path workDir() {
    return workDir;
  }

  /** Job keys given with {@code --set}, written into the chaos job's file over its own. */
  public Map<String, String> settings() {
    return settings;
  }

  /** Whether the work directory is kept after a run in which every state matched. */
  public boolean keepWorkDir() {
    return keepWorkDir;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChaosOptions)) {
      return false;
    }
    ChaosOptions x = (ChaosOptions) o;
    return iterations == x.iterations && seed == x.seed && maxKillsPerRun == x.maxKillsPerRun
        && executorKills == x.executorKills && master.equals(x.master) && epochs == x.epochs
        && Objects.equals(workDir, x.workDir) && keepWorkDir == x.keepWorkDir && settings.equals(x.settings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(iterations, seed, maxKillsPerRun, executorKills, master, epochs, workDir, keepWorkDir,
        settings);
  }

  @Override
  public String toString() {
    return "iterations=" + iterations + " seed=" + seed + " max-kills-per-run=" + maxKillsPerRun
        + " executor-kills=" + executorKills + " master=" + master + " epochs=" + epochs
        + (workDir != null ? " work-dir=" + workDir : "")
        + (settings.isEmpty() ? "" : " set=" + new java.util.TreeMap<>(settings));
  }

  /** Builds {@link ChaosOptions}. */
  public static final class Builder {
    private int iterations = 3;
    private long seed = 1;
    private int maxKillsPerRun = 2;
    private boolean executorKills;
    private String master;
    private int epochs = 4;
    private Path workDir;
    private boolean keepWorkDir;
    private Map<String, String> settings = Map.of();

    private Builder() {}

    /** Iterations (default 3). */
    public Builder optIterations(int n) {
      this.iterations = n;
      return this;
    }

    /** Seed (default 1). */
    public Builder optSeed(long s) {
      this.seed = s;
      return this;
    }

    /** Kills per job at most (default 2). */
    public Builder optMaxKillsPerRun(int k) {
      this.maxKillsPerRun = k;
      return this;
    }

    /** Kill executors as well as drivers (default false); implies {@link #CLUSTER_MASTER}. */
    public Builder optExecutorKills(boolean kill) {
      this.executorKills = kill;
      return this;
    }

    /** The children's master (default {@link #LOCAL_MASTER}, or {@link #CLUSTER_MASTER} with executor kills). */
    public Builder optMaster(String m) {
      this.master = m;
      return this;
    }

    /** Epochs of the job (default 4). */
    public Builder optEpochs(int e) {
      this.epochs = e;
      return this;
    }

    /** Work directory (default: a new temporary directory). */
    public Builder optWorkDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    /** Keep the work directory even when every state matched (default false). */
    public Builder optKeepWorkDir(boolean keep) {
      this.keepWorkDir = keep;
      return this;
    }

    /** Job keys written into the chaos job's file over its own (default none); not the keys chaos sets itself. */
    public Builder optSettings(Map<String, String> keys) {
      this.settings = Objects.requireNonNull(keys, "settings");
      return this;
    }

    /** The options. */
    public ChaosOptions build() {
      return new ChaosOptions(this);
    }
  }
}
