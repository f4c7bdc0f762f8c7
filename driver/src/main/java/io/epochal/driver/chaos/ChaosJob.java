package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.JobLease;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * The small job a chaos run trains over and over: 256 generated rows of 8 features and 3 classes
 * (and a column {@code weight} of sample weights, which {@code --set data.weight=weight} trains with),
 * an MLP with 16 hidden units, Adam, 2 workers, 2 rounds per epoch, a 3-second lease (so that a
 * resume after a SIGKILL waits 3 seconds, not minutes), and retention keeping the last 2
 * checkpoints (so that kills also land during retention). The data is written once by an
 * {@code epochal gen-data} child; every run reads the same files.
 */
public final class ChaosJob {

  /** The lease ttl of the chaos job. */
  public static final Duration LEASE_TTL = Duration.ofSeconds(3);

  private static final Duration GEN_DATA_TIMEOUT = Duration.ofMinutes(10);

  private final Path workDir;
  private final Path jobFile;
  private final String master;

  private ChaosJob(Path workDir, Path jobFile, String master) {
    this.workDir = workDir;
    this.jobFile = jobFile;
    this.master = master;
  }

  /** The data's directory under the work directory; {@link #prepare} generates it there unless it exists. */
  public static final String DATA = "data";
  private static final String JOB_FILE = "chaos-job.properties";
  private static final String GEN_DATA_LOG = "gen-data.log";

  /**
   * What a work directory may hold besides the job directories of a run (the reference and the
   * iterations, which a new run refuses): an earlier run's data, job file and logs.
   */
  static final Set<String> OWN_FILES = Set.of(DATA, JOB_FILE, GEN_DATA_LOG, "reference.log");

  /**
   * Writes the job file and generates the data under {@code workDir}.
   *
   * @throws IOException if the files cannot be written or {@code gen-data} fails (its log is named)
   */
  public static ChaosJob prepare(Path workDir, String master, int epochs) throws IOException,
      InterruptedException {
    return prepare(workDir, master, epochs, Map.of());
  }

  /**
   * As {@link #prepare(Path, String, int)}, the job file holding {@code settings} over the job's own
   * keys ({@code chaos --set}; see {@link #checkSettings}).
   */
  public static ChaosJob prepare(Path workDir, String master, int epochs, Map<String, String> settings)
      throws IOException,
      InterruptedException {
    checkNotNull(workDir, "workDir");
    checkNotNull(master, "master");
    Files.createDirectories(workDir);
    Path data = workDir.resolve(DATA).toAbsolutePath();
    Map<String, String> keys = keys(data.toUri().toString(), epochs);
    keys.putAll(settings);
    StringBuilder b = new StringBuilder("# The job epochal chaos trains under faults.\n");
    keys.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    Path jobFile = workDir.resolve(JOB_FILE).toAbsolutePath();
    Files.writeString(jobFile, b.toString(), StandardCharsets.UTF_8);
    if (!Files.exists(data)) {
      Path log = workDir.resolve(GEN_DATA_LOG);
      try (ChildDriver gen = ChildDriver.start(log, List.of("--master", "local[2]", "gen-data", "--rows", "256",
          "--features", "8", "--classes", "3", "--seed", "7", "--partitions", "2", "--sample-weights",
          data.toString()))) {
        Optional<Integer> code = gen.waitFor(GEN_DATA_TIMEOUT);
        if (code.isEmpty() || code.get() != 0) {
          throw new IOException("epochal gen-data " + (code.isEmpty() ? "timed out" : "exited with " + code.get())
              + "; see " + log);
        }
      }
    }
    return new ChaosJob(workDir, jobFile, master);
  }

  /**
   * Checks {@code settings} ({@code chaos --set}) over the job's own keys of {@code epochs} epochs as
   * a new job's keys are checked, which every child driver would otherwise refuse in turn.
   *
   * @throws io.epochal.driver.config.ConfigException naming each key that is unknown, invalid or
   *     does not fit the others, as the {@code --set} it came from
   */
  public static void checkSettings(int epochs, Map<String, String> settings) {
    if (settings.isEmpty()) {
      return;
    }
    io.epochal.driver.config.JobSpecResolver.Builder check = io.epochal.driver.config.JobSpecResolver.builder()
        .optCatalog(new io.epochal.driver.app.RegistryModelCatalog()).optCheckDataPath(false);
    keys("file:///chaos-data", epochs).forEach(check::optOverride);
    check.optOverride("job.dir", "file:///chaos-job");
    settings.forEach(check::optOverride);
    check.build().resolve();
  }

  /**
   * The keys of the small job this class trains (an 8-16-3 MLP with Adam on 2 workers, two local
   * steps per round) for data at {@code dataUri}, without {@code job.dir}; recovery tests train
   * the same job.
   */
  public static Map<String, String> keys(String dataUri, int epochs) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("job.name", "chaos");
    k.put("job.seed", "11");
    k.put("model.name", "mlp");
    k.put("model.version", "1");
    k.put("model.input_dim", "8");
    k.put("model.hidden", "16");
    k.put("model.output_dim", "3");
    k.put("optimizer.name", "adam");
    k.put("optimizer.lr", "0.01");
    k.put("schedule.name", "constant");
    k.put("loss", "softmax_cross_entropy");
    k.put("train.batch_size", "32");
    k.put("train.epochs", Integer.toString(epochs));
    k.put("train.workers", "2");
    k.put("train.local_steps", "2");
    k.put("train.threads_per_worker", "1");
    k.put("data.path", dataUri);
    k.put("data.format", "parquet");
    k.put("data.features", "features");
    k.put("data.label", "label");
    k.put("data.classes", "3");
    k.put("data.bad_rows", "fail");
    k.put("retry.max_attempts", "3");
    k.put("retry.backoff_ms", "10");
    k.put("lease.ttl_ms", Long.toString(LEASE_TTL.toMillis()));
    k.put("checkpoint.keep_last", "2");
    return k;
  }

  /** The work directory. */
  public Path workDir() {
    return workDir;
  }

  /** The job file. */
  public Path jobFile() {
    return jobFile;
  }

  /** Arguments of {@code epochal} that start the job in {@code jobDir}. */
  public List<String> trainArgs(Path jobDir) {
    return List.of("--master", master, "train", jobFile.toString(), "--job-dir", jobDir.toAbsolutePath().toUri()
        .toString());
  }

  /** Arguments of {@code epochal} that resume the job in {@code jobDir}. */
  public List<String> resumeArgs(Path jobDir) {
    return List.of("--master", master, "resume", jobDir.toAbsolutePath().toString());
  }

  /** The current lease record of the job in {@code jobDir} (live or not), if a driver ever took it. */
  public static Optional<LeaseRecord> lease(Path jobDir) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toAbsolutePath().toUri());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    if (!fs.exists(dir)) {
      return Optional.empty();
    }
    return JobLease.builder().setFileSystem(fs).setJobDir(dir).build().current();
  }

  /** The highest fencing token claimed on the job in {@code jobDir}, 0 if none. */
  public static long leaseToken(Path jobDir) throws IOException {
    return lease(jobDir).map(LeaseRecord::getToken).orElse(0L);
  }
}
