package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the tests of drivers stopped by a signal share: the data, a reference run of the job trained
 * without interruption, the job spec (only {@code job.dir} and the lease differ between runs), and
 * the checks a stopped job's directory must pass, before and after it is resumed to its end.
 *
 * <p>One fixture serves every such test class of a test JVM ({@link #get}); in a Maven build the
 * data is generated and the reference trained once for both test JVMs of the build, in {@code
 * target/child-jvm} (the first JVM makes them while the second waits), and their child JVMs share
 * one class-data archive ({@link ChildClassData}). Each test names its job directories, specs and
 * logs uniquely in a temporary directory of its JVM, deleted when the JVM exits.
 */
final class InterruptedJobFixture {

  /** Epochs of the job. */
  static final int EPOCHS = 3;
  /** Rounds per epoch: 1024 rows per worker, batches of 32, 4 local steps per round. */
  static final int ROUNDS = 8;
  /** How long any one command may run. */
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  /** The default {@code lease.ttl_ms}: short, so a resume after a SIGKILL waits only seconds. */
  static final long SHORT_LEASE_MS = 6000;
  /** System property naming the build (set by the pom): its test JVMs share one reference run. */
  static final String BUILD_PROPERTY = "epochal.test.build";

  private static InterruptedJobFixture instance;

  private final Path shared;
  private final EpochalCommands cli;
  private final Path data;
  private final JobDirWatch referenceDir;
  private final LoadedCheckpoint reference;

  private InterruptedJobFixture(Path shared, EpochalCommands cli, Path data, JobDirWatch referenceDir)
      throws IOException {
    this.shared = shared;
    this.cli = cli;
    this.data = data;
    this.referenceDir = referenceDir;
    this.reference = referenceDir.load(EPOCHS);
  }

  /**
   * This JVM's fixture: on first use, a temporary directory for the tests' jobs (deleted when the
   * JVM exits), and the generated data and the reference job trained without interruption. In a
   * Maven build the two test JVMs share the data and the reference ({@link #dataAndReference}).
   */
  static synchronized InterruptedJobFixture get() throws Exception {
    if (instance == null) {
      Path dir = Files.createTempDirectory("interrupted-jobs-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        } catch (IOException e) {
          System.err.println("cannot delete " + dir + ": " + e);
        }
      }, "delete-" + dir.getFileName()));
      EpochalCommands cli = EpochalCommands.onTestClasspath(dir);
      Optional<ChildClassData> classData = ChildClassData.get();
      String build = System.getProperty(BUILD_PROPERTY, "");
      Path common = classData.isPresent() && !build.isBlank()
          ? classData.get().dir().resolve("interrupted-jobs-" + build + "-" + classData.get().key())
          : dir.resolve("common");
      dataAndReference(common, cli);
      instance = new InterruptedJobFixture(dir, cli, common.resolve("data"),
          new JobDirWatch(common.resolve("reference")));
    }
    return instance;
  }

  /**
   * The data and the reference run in {@code common}: made there once, under a lock that the two
   * test JVMs of a build share (the one that comes second waits and reads what the first made).
   */
  private static void dataAndReference(Path common, EpochalCommands cli) throws Exception {
    Files.createDirectories(common.getParent());
    Path ready = common.resolve("READY");
    try (FileChannel lockFile = FileChannel.open(common.resolveSibling(common.getFileName() + ".lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
      if (Files.exists(ready)) {
        return;
      }
      pruneEarlierBuilds(common);
      if (Files.exists(common)) { // what a test JVM killed while making it left
        org.apache.commons.io.FileUtils.deleteDirectory(common.toFile());
      }
      Files.createDirectories(common);
      Path data = common.resolve("data");
      // in this JVM: the data only needs to be there (a JVM of its own costs seconds of CPU the other tests lack)
      io.epochal.driver.testing.CliRun gen = io.epochal.driver.testing.CliRun.of("--master", "local[2]", "gen-data",
          data.toString(), "--rows", "2048", "--features", "16", "--classes", "4", "--seed", "5");
      assertThat(gen.code).as("gen-data: %s%s", gen.out, gen.err).isZero();
      JobDirWatch ref = new JobDirWatch(common.resolve("reference"));
      Path spec = writeSpec(common, data, "reference", ref.dir().toAbsolutePath().toString(), SHORT_LEASE_MS);
      cli.run("train-reference", RUN_TIMEOUT, "train", spec.toString()).assertOk();
      ref.assertEveryCheckpointVerifies();
      Files.createFile(ready);
    }
  }

  /**
   * Deletes the data and reference runs that earlier builds left next to {@code common} (untouched for a day: a build
   * running now keeps its own), so that a checkout built again and again without {@code mvn clean} does not gather
   * one per build.
   */
  private static void pruneEarlierBuilds(Path common) throws IOException {
    java.time.Instant before = java.time.Instant.now().minus(java.time.Duration.ofDays(1));
    try (java.util.stream.Stream<Path> siblings = Files.list(common.getParent())) {
      for (Path p : siblings.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith("interrupted-jobs-") && !name.startsWith(common.getFileName().toString())
            && Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
          if (Files.isDirectory(p)) {
            org.apache.commons.io.FileUtils.deleteDirectory(p.toFile());
          } else {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** The commands, each in a JVM of its own on {@code local[2]}. */
  EpochalCommands cli() {
    return cli;
  }

  /** The fixture's directory, where the tests put their job directories, specs and logs. */
  Path shared() {
    return shared;
  }

  /** The uninterrupted run's final checkpoint. */
  LoadedCheckpoint reference() {
    return reference;
  }

  /**
   * The job spec: 2048 rows of 16 features in 4 classes, an MLP 16-32-4, Adam, {@value #EPOCHS}
   * epochs on 2 workers of {@value #ROUNDS} rounds each (4 local steps of 32 rows), a lease of
   * {@value #SHORT_LEASE_MS} ms.
   */
  Path writeSpec(String name, Path jobDir) throws IOException {
    return writeSpec(name, jobDir, SHORT_LEASE_MS);
  }

  /** {@link #writeSpec(String, Path)} with {@code lease.ttl_ms} set to {@code leaseTtlMs}. */
  Path writeSpec(String name, Path jobDir, long leaseTtlMs) throws IOException {
    return writeSpec(name, jobDir.toAbsolutePath().toString(), leaseTtlMs);
  }

  /** {@link #writeSpec(String, Path, long)} with {@code job.dir} given as a path or URI. */
  Path writeSpec(String name, String jobDir, long leaseTtlMs) throws IOException {
    return writeSpec(shared, data, name, jobDir, leaseTtlMs);
  }

  private static Path writeSpec(Path shared, Path data, String name, String jobDir, long leaseTtlMs)
      throws IOException {
    Path spec = shared.resolve(name + ".properties");
    Files.write(spec, List.of(
        "job.name=driver-kill",
        "job.dir=" + jobDir,
        "job.seed=7",
        "model.name=mlp",
        "model.version=1",
        "model.input_dim=16",
        "model.hidden=32",
        "model.output_dim=4",
        "optimizer.name=adam",
        "optimizer.lr=0.003",
        "schedule.name=constant",
        "loss=softmax_cross_entropy",
        "train.batch_size=32",
        "train.epochs=" + EPOCHS,
        "train.workers=2",
        "train.local_steps=4",
        "train.threads_per_worker=1",
        "data.path=" + data.toAbsolutePath(),
        "data.format=parquet",
        "data.features=features",
        "data.label=label",
        "data.classes=4",
        "checkpoint.keep_last=2",
        "retry.backoff_ms=200",
        "lease.ttl_ms=" + leaseTtlMs), StandardCharsets.UTF_8);
    return spec;
  }

  /**
   * What a reader sees in the job directory right after a stop: only published checkpoints (a
   * {@code _tmp-*} directory the dead driver left is never listed); returns the newest valid epoch.
   */
  long inspectAfterStop(JobDirWatch job, String when) throws Exception {
    List<String> temporary = job.temporaryDirs();
    List<Long> listed = job.assertStoreListsOnlyPublishedCheckpoints();
    long latest = job.latest().map(LoadedCheckpoint::epoch).orElse(0L);
    assertThat(listed).as("checkpoints the store lists %s", when).contains(latest);
    System.out.printf("%s: %s: checkpoints %s, newest valid %d, temporary directories left %s%n",
        job.dir().getFileName(), when, listed, latest, temporary);
    return latest;
  }

  /**
   * Resumes the stopped job to its end and checks it as {@link #compareResumed} does. The resume
   * starts at once: after a SIGKILL it waits for the dead driver's lease itself, as one started
   * right after a crash does; with {@code leaseReleased} it must not wait.
   */
  void resumeAndCompare(JobDirWatch job, String name, List<Long> resumedFrom, boolean leaseReleased)
      throws Exception {
    EpochalCommands.Finished resumed = cli.run(name, RUN_TIMEOUT, "resume", job.dir().toAbsolutePath().toString())
        .assertOk();
    if (leaseReleased) {
      assertThat(resumed.output()).as("a released lease lets the resume in at once").doesNotContain("waiting up to");
    }
    compareResumed(job, resumedFrom);
  }

  /**
   * Checks a job resumed to its end: every resume started from the newest checkpoint there was
   * ({@code resumedFrom}, in order), no {@code _tmp-*} directory is left, every checkpoint
   * verifies, the job is COMPLETED, and the last checkpoint is bit-identical to the reference run's.
   */
  void compareResumed(JobDirWatch job, List<Long> resumedFrom) throws Exception {
    List<Long> resumes = job.events().stream().filter(e -> e.getType() == JobEventType.RESUMED)
        .map(JobEvent::getEpoch).toList();
    assertThat(resumes).as("epochs the resumes of %s started after", job).isEqualTo(resumedFrom);
    assertThat(job.temporaryDirs()).as("temporary directories left in %s after the resume", job).isEmpty();
    assertThat(job.assertStoreListsOnlyPublishedCheckpoints()).contains((long) EPOCHS);
    job.assertEveryCheckpointVerifies();
    assertThat(job.status()).as("state of %s", job).hasValueSatisfying(
        s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
    try {
      BitIdentical.assertSameTrainingState(reference, job.load(EPOCHS));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + whereItDiverged(job, resumedFrom), e);
    }
  }

  /**
   * For a final state that differs: whether the checkpoint before it (kept by {@code keep_last=2})
   * already differed, which tells the run that diverged first: the last resume, or an earlier run.
   */
  private String whereItDiverged(JobDirWatch job, List<Long> resumedFrom) {
    long before = EPOCHS - 1;
    String verdict;
    try {
      BitIdentical.assertSameTrainingState(referenceDir.load(before), job.load(before));
      verdict = "epoch " + before + " is bit-identical to the reference's: the run that trained epoch " + EPOCHS
          + " diverged";
    } catch (AssertionError | Exception e) {
      verdict = "epoch " + before + " differs as well (an earlier run diverged): " + e.getMessage();
    }
    return verdict + "; the runs resumed after epochs " + resumedFrom;
  }
}
