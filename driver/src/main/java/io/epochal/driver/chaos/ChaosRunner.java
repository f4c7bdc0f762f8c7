package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Runs chaos iterations. First an uninterrupted reference run of the {@link ChaosJob} in a child
 * driver, timed from the moment it takes the job's lease to its first checkpoint and to its exit.
 * Then, per iteration, the same job in a fresh job directory: a child driver starts it; at a
 * random moment of that timeline (counted from when the driver takes the lease) the runner kills the driver with SIGKILL (or, with executor kills, sometimes one
 * executor JVM instead); after a driver kill it waits until the dead driver's lease expires and
 * starts {@code epochal resume}, and kills again, up to {@code max-kills-per-run} faults; then the
 * last driver runs to the end. The kept checkpoints are then compared with the reference's bit for
 * bit ({@link FinalStateComparison}). Every random choice comes from the seed and the iteration; the
 * moments are times, shares of the reference run's timeline, so where in training they land varies
 * with the machine's speed.
 */
public final class ChaosRunner {

  private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final int MAX_LEASE_HELD_RETRIES = 5;
  private static final int MAX_FAULTLESS_ATTEMPTS = 3;
  /** The system property naming the launcher's temporary root, where a default work directory goes. */
  static final String TMP_ROOT_PROPERTY = "epochal.tmp.root";

  private final ChaosOptions options;
  private final PrintStream out;

  /** A runner printing its progress and summary to {@code out}. */
  public ChaosRunner(ChaosOptions options, PrintStream out) {
    this.options = checkNotNull(options, "options");
    this.out = checkNotNull(out, "out");
  }

  /**
   * Runs the reference and every iteration. A signal (SIGTERM, Ctrl-C) that stops the JVM meanwhile
   * gets the summary of what was done so far, printed once, and the work directory is kept.
   *
   * @throws IOException if the work directory, the data or the reference run cannot be made
   */
  public ChaosReport run() throws IOException, InterruptedException {
    ChaosJob.checkSettings(options.epochs(), options.settings()); // before a directory is made or data generated
    if (options.workDir() != null) {
      refuseEarlierRun(options.workDir());
    }
    Path work = options.workDir() != null ? options.workDir()
        : Files.createTempDirectory(defaultWorkParent(System.getProperty(TMP_ROOT_PROPERTY),
            System.getProperty("java.io.tmpdir")), "epochal-chaos-");
    out.println("chaos: " + options + "; work directory " + work.toAbsolutePath());
    ChaosProgress progress = new ChaosProgress(options);
    AtomicBoolean reported = new AtomicBoolean();
    // Ctrl-C or SIGTERM: the children are killed by their own hook; report what was done and where it is
    Thread stopped = new Thread(() -> reportStop(progress, reported, work), "epochal-chaos-stopped");
    Runtime.getRuntime().addShutdownHook(stopped);
    try {
      return runIn(work, progress, reported);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopped);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
    }
  }

  /**
   * The directory a default work directory is made in: the launcher's temporary root ({@code
   * tmpRoot}, the system property {@value #TMP_ROOT_PROPERTY} {@code bin/epochal} sets to {@code
   * ${TMPDIR:-/tmp}}), else {@code javaTmpdir}, or its parent when that is a launcher's per-run
   * directory {@code epochal-run-<pid>-<random>}: that is deleted when the run ends (or by the next
   * launch, after a SIGKILL), and with it what chaos said it kept.
   */
  static Path defaultWorkParent(String tmpRoot, String javaTmpdir) {
    if (tmpRoot != null && !tmpRoot.isBlank()) {
      return Path.of(tmpRoot);
    }
    Path tmp = Path.of(javaTmpdir).toAbsolutePath().normalize();
    return tmp.getFileName() != null && tmp.getParent() != null
        && io.epochal.driver.spark.LocalClusterSupport.runDirectoryPid(tmp.getFileName().toString()).isPresent()
        ? tmp.getParent() : tmp;
  }

  /**
   * In a shutdown a signal began: says where the run stopped, prints the summary so far (unless the
   * run printed its own) and where its directories are kept.
   */
  private void reportStop(ChaosProgress progress, AtomicBoolean reported, Path work) {
    if (!reported.compareAndSet(false, true)) {
      return;
    }
    System.err.println("chaos: stopped by a signal " + progress.where());
    progress.stoppedReport().print(out);
    out.flush();
    System.err.println("chaos: the reference, the iterations' job directories and the child logs so far are kept in "
        + work.toAbsolutePath() + (options.workDir() != null
            ? " (a new run needs another --work-dir; remove this one when done with it)"
            : " (remove it when done with it)"));
    System.err.flush();
  }

  private ChaosReport runIn(Path work, ChaosProgress progress, AtomicBoolean reported) throws IOException,
      InterruptedException {
    ChaosJob job = ChaosJob.prepare(work, options.master(), options.epochs(), options.settings());
    Path refDir = work.resolve("reference");
    Duration[] timeline = reference(job, refDir);
    progress.referenceDone();
    out.printf(Locale.ROOT,
        "chaos: reference run done: first checkpoint %.1f s and exit %.1f s after it took its lease%n",
        timeline[0].toMillis() / 1000.0, timeline[1].toMillis() / 1000.0);
    FinalStateComparison comparison = new FinalStateComparison(new Configuration());
    for (int i = 1; i <= options.iterations(); i++) {
      IterationResult r = null;
      // A job that ends before its first kill moment proves nothing: try again with earlier moments.
      for (int attempt = 0; attempt < MAX_FAULTLESS_ATTEMPTS && (r == null || (r.matched() && r.faults() == 0))
          && !ChildDriver.stopping(); attempt++) {
        if (r != null) {
          out.printf(Locale.ROOT, "  iteration %d: the job ended before the kill moment; again with earlier moments%n",
              i);
        }
        long from = timeline[0].toMillis() / 2 >> attempt;
        long to = (long) (timeline[1].toMillis() * 0.9) >> attempt;
        progress.attemptStarted();
        r = iteration(job, i, attempt, from, Math.max(from + 1, to), refDir, comparison, progress);
      }
      if (ChildDriver.stopping()) { // the stop killed the iteration's driver: no verdict on it
        reportStop(progress, reported, work);
        return progress.stoppedReport();
      }
      out.println(r.line());
      progress.finished(r);
    }
    ChaosReport report = progress.report();
    if (!reported.compareAndSet(false, true)) { // a signal's stop printed the report already
      return progress.stoppedReport();
    }
    report.print(out);
    if (report.allMatched() && !options.keepWorkDir() && options.workDir() == null) {
      ScratchDirectory.deleteTree(work);
    } else {
      out.println("chaos: job directories and child logs kept in " + work.toAbsolutePath());
    }
    return report;
  }

  /**
   * Refuses a work directory that holds an earlier run's job directories: they are COMPLETED, so a
   * second run would compare the first run's final states and report a pass without testing
   * anything. Its generated data may stay. Refuses one that holds anything else chaos does not
   * write too (a job of the user's, their data): chaos fills the directory and its closing advice
   * is to remove it.
   */
  static void refuseEarlierRun(Path work) throws IOException {
    if (!Files.isDirectory(work)) {
      return;
    }
    List<String> names;
    try (Stream<Path> entries = Files.list(work)) {
      names = entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
    List<String> earlier = names.stream().filter(n -> n.equals("reference") || n.startsWith("iteration-")).toList();
    if (!earlier.isEmpty()) {
      throw new IllegalArgumentException("--work-dir " + work + " holds an earlier run (" + String.join(", ", earlier)
          + "); give a new directory, or delete those (its data/ may stay)");
    }
    List<String> foreign = names.stream().filter(n -> !ChaosJob.OWN_FILES.contains(n)).toList();
    if (!foreign.isEmpty()) {
      throw new IllegalArgumentException("--work-dir " + work + " holds what chaos does not write ("
          + String.join(", ", foreign.subList(0, Math.min(5, foreign.size()))) + (foreign.size() > 5 ? ", ..." : "")
          + (foreign.contains("job.json") ? "; it is an Epochal job directory" : "") + "): chaos fills its work "
          + "directory with data, job directories and logs, to be removed afterwards; give a new or empty directory");
    }
  }

  /**
   * Runs the reference; returns when, after it took the lease, its first checkpoint appeared and
   * when it exited. Kill moments are drawn between half the first and 90% of the second, so that
   * most land in rounds, checkpoint writes and retention rather than in start-up.
   */
  private Duration[] reference(ChaosJob job, Path refDir) throws IOException, InterruptedException {
    try (ChildDriver ref = ChildDriver.start(refDir.resolveSibling("reference.log"), job.trainArgs(refDir))) {
      long leased = awaitLease(ref, refDir, 0) > 0 ? System.nanoTime() : -1;
      long first = -1;
      Path firstCheckpoint = refDir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%06d", 1));
      long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
      while (leased > 0 && ref.isAlive() && System.nanoTime() < deadline) {
        if (first < 0 && Files.exists(firstCheckpoint)) {
          first = System.nanoTime();
        }
        ref.waitFor(POLL);
      }
      Optional<Integer> code = ref.waitFor(Duration.ZERO);
      if (leased < 0 || code.isEmpty() || code.get() != 0) {
        throw new IOException("the reference run failed (" + (code.isEmpty() ? "timed out" : "exit " + code.get())
            + "); see " + ref.log());
      }
      long end = System.nanoTime();
      return new Duration[] {Duration.ofNanos((first < 0 ? end : first) - leased), Duration.ofNanos(end - leased)};
    }
  }

  private IterationResult iteration(ChaosJob job, int i, int attempt, long fromMs, long toMs, Path refDir,
      FinalStateComparison comparison, ChaosProgress progress) throws IOException, InterruptedException {
    Random random = new Random(options.seed() * 1_000_003L + i * 31L + attempt);
    Path dir = job.workDir().resolve("iteration-" + i + (attempt == 0 ? "" : "-" + attempt));
    Path jobDir = dir.resolve("job");
    int driverKills = 0;
    int executorKills = 0;
    int resumes = 0;
    int leaseHeld = 0;
    List<String> problems = new ArrayList<>();
    ChildDriver child = ChildDriver.start(dir.resolve("run-0.log"), job.trainArgs(jobDir));
    long token = 0;
    boolean leased = false;
    boolean newDriver = true;
    try {
      while (true) {
        if (driverKills + executorKills < options.maxKillsPerRun()) {
          if (newDriver) {
            long claimed = awaitLease(child, jobDir, token);
            leased = claimed > 0;
            token = Math.max(token, claimed);
            newDriver = false;
          }
          long delayMs = fromMs + (long) (random.nextDouble() * (toMs - fromMs));
          if (leased && child.waitFor(Duration.ofMillis(delayMs)).isEmpty()) {
            List<ProcessHandle> executors = options.executorKills() && random.nextBoolean() ? child.executors()
                : List.of();
            if (!executors.isEmpty()) {
              ProcessHandle victim = executors.get(random.nextInt(executors.size()));
              victim.destroyForcibly();
              if (completed(jobDir)) {
                // the driver had completed the job (its Spark shutting down): the kill interrupted nothing, so it
                // is no fault (an iteration without one is run again with earlier moments)
                out.printf(Locale.ROOT,
                    "  iteration %d: SIGKILL executor pid %d %d ms into the driver's run: the job was "
                    + "completed already, so the kill interrupted nothing and is not counted%n", i, victim.pid(),
                    delayMs);
                continue;
              }
              executorKills++;
              progress.executorKilled();
              out.printf(Locale.ROOT, "  iteration %d: SIGKILL executor pid %d %d ms into the driver's run%n", i,
                  victim.pid(), delayMs);
              continue;
            }
            child.kill();
            if (completed(jobDir)) {
              // the kill came after the driver had completed the job: it interrupted nothing, so it is
              // no fault (an iteration without one is run again with earlier moments)
              out.printf(Locale.ROOT,
                  "  iteration %d: SIGKILL driver pid %d %d ms after it took the lease (token %d): it had "
                  + "completed the job already, so the kill interrupted nothing and is not counted%n", i, child.pid(),
                  delayMs, token);
              break;
            }
            driverKills++;
            progress.driverKilled();
            out.printf(Locale.ROOT,
                "  iteration %d: SIGKILL driver pid %d %d ms after it took the lease (token %d): %s%n", i,
                child.pid(), delayMs, token, phase(jobDir));
            awaitLeaseExpiry(jobDir);
            resumes++;
            child = ChildDriver.start(dir.resolve("run-" + resumes + ".log"), job.resumeArgs(jobDir));
            newDriver = true;
            continue;
          }
        }
        Optional<Integer> code = child.waitFor(CHILD_TIMEOUT);
        if (code.isEmpty()) {
          problems.add("a driver did not finish within " + CHILD_TIMEOUT + "; see " + child.log());
          break;
        }
        if (code.get() == 0 || completed(jobDir)) {
          if (code.get() != 0) { // the job is done, but its driver failed after: a fault of its own, said
            problems.add("the driver that completed the job exited with code " + code.get() + "; see "
                + child.log());
          }
          break;
        }
        if (code.get() == 3 && ++leaseHeld <= MAX_LEASE_HELD_RETRIES) {
          // The dead driver's lease had not expired yet by the new driver's clock: wait and resume again.
          awaitLeaseExpiry(jobDir);
          resumes++;
          child = ChildDriver.start(dir.resolve("run-" + resumes + ".log"), job.resumeArgs(jobDir));
          newDriver = true;
          continue;
        }
        problems.add("a driver exited with code " + code.get() + " instead of completing the job; see "
            + child.log());
        break;
      }
    } finally {
      child.close();
    }
    if (problems.isEmpty()) {
      problems.addAll(comparison.differences(refDir.toUri().toString(), jobDir.toUri().toString(),
          options.epochs()));
    }
    return new IterationResult(i, driverKills, executorKills, resumes, problems, jobDir.toString());
  }

  /** Waits until a driver claims a token above {@code previous}; returns it, or 0 if {@code child} exited first. */
  private static long awaitLease(ChildDriver child, Path jobDir, long previous) throws IOException,
      InterruptedException {
    long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      long token = ChaosJob.leaseToken(jobDir);
      if (token > previous) {
        return token;
      }
      if (child.waitFor(POLL).isPresent()) {
        return 0;
      }
    }
    return 0;
  }

  /** Sleeps until the lease of the job in {@code jobDir} has expired (plus a margin for clock reading). */
  private static void awaitLeaseExpiry(Path jobDir) throws IOException, InterruptedException {
    Optional<LeaseRecord> lease = ChaosJob.lease(jobDir);
    if (lease.isPresent()) {
      long ms = Duration.between(Instant.now(), lease.get().getExpiresAt()).toMillis() + 250;
      if (ms > 0) {
        Thread.sleep(ms);
      }
    }
  }

  /**
   * Where a driver killed now left the job, as its directory shows it: the newest committed epoch,
   * and whether a checkpoint's commit was under way (a temporary checkpoint directory).
   */
  static String phase(Path jobDir) throws IOException {
    Path checkpoints = jobDir.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) {
      return "before its first checkpoint";
    }
    long newest = 0;
    boolean committing = false;
    try (Stream<Path> entries = Files.list(checkpoints)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.matches("epoch-\\d{6}")) {
          newest = Math.max(newest, Long.parseLong(name.substring(6)));
        } else if (name.startsWith("_tmp-epoch-")) {
          committing = true;
        }
      }
    }
    return (newest == 0 ? "no epoch committed yet" : "epochs up to " + newest + " committed")
        + midEpoch(jobDir.resolve(io.epochal.checkpoint.CheckpointSeries.STEPS.directory()))
        + (committing ? ", a checkpoint's commit under way" : ", training");
  }

  /** The mid-epoch checkpoints in {@code dir} a killed driver left ({@code checkpoint.every_n_rounds}), if any. */
  private static String midEpoch(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return "";
    }
    try (Stream<Path> entries = Files.list(dir)) {
      List<String> steps = entries.map(p -> p.getFileName().toString())
          .filter(n -> io.epochal.checkpoint.CheckpointSeries.STEPS.parse(n).isPresent()).sorted().toList();
      return steps.isEmpty() ? "" : ", mid-epoch checkpoint " + String.join(", ", steps);
    }
  }

  /** Whether the job in {@code jobDir} is COMPLETED (a driver killed after its last commit). */
  static boolean completed(Path jobDir) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toAbsolutePath().toUri());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    return fs.exists(dir) && new JobStateStore(fs, dir).read().map(s -> s.getState() == JobState.COMPLETED)
        .orElse(false);
  }
}
