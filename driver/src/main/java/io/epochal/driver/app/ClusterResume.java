package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ShellWords;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.cli.SupervisedExit;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * Runs the resumes of a {@link ResumePlan}, each as a child process, at most {@code parallel} at a
 * time. By default a child is this same launcher ({@code java -cp <this classpath>
 * io.epochal.driver.cli.EpochalCli [--master M] [--conf k=v ...] resume <job-dir>}); with a submit
 * template it is the template run by {@code /bin/sh -c} with {@code {job_dir}} replaced by the
 * (shell-quoted) job directory, for example
 * {@code spark-submit --master yarn --class io.epochal.driver.cli.EpochalCli epochal-app.jar resume {job_dir}}.
 * Child processes keep one job's crash, {@code System.exit} or native failure away from the others.
 * Every child's standard output is copied to this process's standard output, and its standard
 * error to this process's standard error, each line prefixed with its job's name.
 */
public final class ClusterResume {

  /** The placeholder a submit template must contain. */
  public static final String JOB_DIR_PLACEHOLDER = "{job_dir}";

  private final int parallel;
  private final String submitTemplate;
  private final CliOptions options;
  private final ChildResumeCommand commands;
  private final PrintStream out;
  private final PrintStream err;
  /** The resumes running now, each with its job's name (guarded by itself together with {@link #stopping}). */
  private final Map<Process, String> running = new LinkedHashMap<>();
  /** The jobs of the plan whose resume has not started yet (guarded by {@link #running}). */
  private final Set<String> waiting = new LinkedHashSet<>();
  /** The jobs whose resume was still running when this JVM began to stop (guarded by {@link #running}). */
  private final Set<String> stoppedJobs = new LinkedHashSet<>();
  /** This JVM is stopping: no resume starts any more (guarded by {@link #running}). */
  private boolean stopping;
  /** Whether the last run failed in ways that a new run at once repeats. */
  private volatile boolean failuresRepeat;
  /**
   * The directory in which each resume of the run creates its mark ({@link SupervisedExit#REPEATS_FILE}) when it
   * failed in a way a new start repeats; null when it could not be made.
   */
  private volatile java.nio.file.Path marks;
  /** Numbers the marks of the resumes. */
  private static final java.util.concurrent.atomic.AtomicInteger MARK_NAMES =
      new java.util.concurrent.atomic.AtomicInteger();
  /** Counted down once the summary is printed, for which stopping waits (a while) before the JVM halts. */
  private final CountDownLatch summarized = new CountDownLatch(1);

  /**
   * How long stopping waits for running resumes to end on SIGTERM before killing them: a driver's own
   * stop takes up to 30 s (20 s for a checkpoint being published, then its mid-epoch checkpoint,
   * marking the job and freeing its lease); killed inside it, its job would stay RUNNING with a live lease.
   */
  static final Duration STOP_WAIT = Duration.ofSeconds(45);
  /** How long stopping then waits for the summary, which says how each resume ended. */
  static final Duration SUMMARY_WAIT = Duration.ofSeconds(5);
  /** Runs before the file systems close, as a driver's own stop hook does. */
  private static final int STOP_HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 30;

  /**
   * A runner with at most {@code parallel} children at once, submitting through
   * {@code submitTemplate} (null: this launcher) with the global {@code options}, printing to
   * {@code out} and copying the children's standard error to {@code err}.
   */
  public ClusterResume(int parallel, String submitTemplate, CliOptions options, PrintStream out, PrintStream err) {
    checkArgument(parallel >= 1, "--parallel must be >= 1, got %s", parallel);
    checkArgument(submitTemplate == null || submitTemplate.contains(JOB_DIR_PLACEHOLDER),
        "--submit-template '%s' has no %s placeholder; add it where the job directory goes, e.g. "
            + "'spark-submit ... epochal-app.jar resume {job_dir}'", submitTemplate, JOB_DIR_PLACEHOLDER);
    this.parallel = parallel;
    this.submitTemplate = submitTemplate;
    this.options = checkNotNull(options, "options");
    this.commands = new ChildResumeCommand(parallel, submitTemplate, options);
    this.out = checkNotNull(out, "out");
    this.err = checkNotNull(err, "err");
  }

  /** The command that resumes {@code jobDir}. */
  public List<String> command(String jobDir) {
    return commands.command(jobDir, false);
  }

  /** The command that resumes {@code jobDir}, with {@code --relocate} if {@code relocate}. */
  public List<String> command(String jobDir, boolean relocate) {
    return commands.command(jobDir, relocate);
  }

  /**
   * Resumes every RESUME entry of {@code plan}; prints a summary line per job ({@link ResumeSummary}).
   *
   * @return {@link ExitCodes#OK} if every resume exited 0 and every job could be read, else {@link
   *     ExitCodes#FAILED}
   */
  public int run(ResumePlan plan) throws InterruptedException {
    List<ResumePlan.Entry> jobs = plan.toResume();
    if (jobs.isEmpty()) {
      long unreadable = plan.entries().stream().filter(e -> e.action() == ResumePlan.Action.ERROR).count();
      long undone = plan.entries().stream().filter(e -> e.awaitsExpiry() || e.awaitsRelocation()).count();
      out.println("nothing to resume under " + plan.root() + (unreadable == 0 ? ""
          : "; " + unreadable + " job(s) could not be read (ERROR above)") + ResumeSummary.later(plan));
      return repeating(unreadable == 0 && undone == 0 ? ExitCodes.OK : ExitCodes.FAILED, plan, List.of());
    }
    Map<ResumePlan.Entry, Future<ResumeSummary.Ended>> results = new LinkedHashMap<>();
    Runnable stopChildren = this::stop;
    ShutdownHookManager.get().addShutdownHook(stopChildren, STOP_HOOK_PRIORITY,
        STOP_WAIT.plus(SUMMARY_WAIT).toSeconds() + 10, TimeUnit.SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
      Thread t = new Thread(r, "epochal-resume");
      t.setDaemon(true);
      return t;
    });
    try {
      marks = Files.createTempDirectory("epochal-resume-all-");
    } catch (IOException e) {
      marks = null; // no resume can say it repeats: each failure counts as one a new run may outlive
    }
    try {
      synchronized (running) {
        jobs.forEach(job -> waiting.add(job.name()));
      }
      for (ResumePlan.Entry job : jobs) {
        results.put(job, pool.submit(() -> runOne(job)));
      }
      List<ResumeSummary.Ended> ended = new ArrayList<>();
      for (Map.Entry<ResumePlan.Entry, Future<ResumeSummary.Ended>> e : results.entrySet()) {
        try {
          ended.add(e.getValue().get());
        } catch (ExecutionException ex) {
          ended.add(new ResumeSummary.Ended(e.getKey(), ResumeSummary.NO_PROCESS, false,
              String.valueOf(ex.getCause())));
        }
      }
      int code = repeating(new ResumeSummary(out, options, commands, submitTemplate != null).print(plan, ended),
          plan, ended);
      out.flush();
      summarized.countDown();
      return code;
    } finally {
      pool.shutdownNow();
      if (!ShutdownHookManager.get().isShutdownInProgress()) {
        ShutdownHookManager.get().removeShutdownHook(stopChildren);
      }
      deleteMarks();
    }
  }

  /** Deletes the directory of the marks the resumes left; what cannot be deleted stays in the temporary directory. */
  private void deleteMarks() {
    java.nio.file.Path dir = marks;
    if (dir == null) {
      return;
    }
    try (java.util.stream.Stream<java.nio.file.Path> left = Files.list(dir)) {
      for (java.nio.file.Path mark : left.toList()) {
        Files.deleteIfExists(mark);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a few empty files in the temporary directory: nothing reads them
    }
  }

  /**
   * The state of {@code job} now: empty for a job without one yet.
   *
   * @throws IOException if it cannot be read
   */
  private Optional<JobStatus> state(ResumePlan.Entry job) throws IOException {
    try {
      FileSystem fs = job.jobDir().getFileSystem(options.hadoopConfiguration());
      return new JobStateStore(fs, job.jobDir()).read();
    } catch (RuntimeException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * {@code code}, the exit code of the run of {@code plan} whose resumes ended as {@code ended}, noted as one a new
   * start repeats ({@link #failuresRepeatOnRestart}) when it is a failure and {@link ResumeSummary#everyFailureRepeats
   * every failure in it repeats}: a supervisor's restart of {@code resume --all} would only repeat them.
   */
  private int repeating(int code, ResumePlan plan, List<ResumeSummary.Ended> ended) {
    if (code != ExitCodes.OK && ResumeSummary.everyFailureRepeats(plan, ended)) {
      failuresRepeat = true;
      SupervisedExit.failureRepeatsOnRestart();
    }
    return code;
  }

  /** Whether the last {@link #run} failed and a new run at once would fail the same way (see {@link #repeating}). */
  boolean failuresRepeatOnRestart() {
    return failuresRepeat;
  }

  /** Whether {@code job}'s state reads COMPLETED now. */
  private boolean completed(ResumePlan.Entry job) {
    try {
      return state(job).map(JobStatus::getState).filter(JobState.COMPLETED::equals).isPresent();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * What another driver (a second {@code resume --all} on the same root, say) did to a job since
   * the plan was made, as it is now that its resume would start: it holds a live lease on it (a
   * resume started now would only wait on that lease to refuse), or it completed the job (which the
   * plan found unfinished). Empty when neither, or when the job cannot be read (the resume then
   * finds out for itself).
   */
  private Optional<String> takenSinceListed(ResumePlan.Entry job) {
    try {
      FileSystem fs = job.jobDir().getFileSystem(options.hadoopConfiguration());
      // read as the plan read it: a claim whose record is empty or damaged dated with the job's lease.ttl_ms
      Optional<io.epochal.job.LeaseRecord> lease = StateAndLease.lease(fs, job.jobDir(),
          new io.epochal.job.JobSpecStore(fs, job.jobDir()).read()).current()
          .filter(l -> !l.isReleased() && l.isLiveAt(Instant.now()));
      if (lease.isPresent()) {
        return Optional.of(lease.get().getHolder() + " took its lease (held until " + lease.get().getExpiresAt() + ")");
      }
      return !JobState.COMPLETED.name().equals(job.state()) && completed(job)
          ? Optional.of("another driver completed the job") : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * This JVM is stopping (Ctrl-C, SIGTERM from a scheduler): every running resume and what it
   * started get SIGTERM, so each driver marks its job FAILED (INTERRUPTED) and frees its lease
   * instead of training on as an orphan; one still running after {@link #STOP_WAIT} is killed. The
   * resumes running now are the ones the summary says were stopped; one that ended before is said
   * as it ended. Then waits up to {@link #SUMMARY_WAIT} for the summary to be printed. The stop
   * hook of {@link #run}.
   */
  void stop() {
    List<Process> live;
    List<String> notStarted;
    synchronized (running) {
      stopping = true; // from here on no resume starts: none is left running without this hook's signal
      live = new ArrayList<>();
      running.forEach((p, name) -> {
        if (p.isAlive()) {
          live.add(p);
          stoppedJobs.add(name);
        }
      });
      notStarted = List.copyOf(waiting);
    }
    synchronized (out) {
      if (!notStarted.isEmpty()) {
        out.println("resume --all: stopped; not started: " + String.join(", ", notStarted) + " (a later 'resume "
            + "--all' picks them up)");
      }
      if (!live.isEmpty()) {
        out.println("resume --all: stopping " + live.size() + " running resume(s) (SIGTERM); " + (submitTemplate != null
            ? "each command the submit template ran is stopped: a driver it started elsewhere (spark-submit "
            + "--deploy-mode cluster) may train on; 'bin/epochal status <job>' says whether it does"
            : "each marks its job FAILED (INTERRUPTED) and frees its lease"));
      }
    }
    try {
      stopAll(live);
      summarized.await(SUMMARY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends SIGTERM to {@code live} and what they started; kills what still runs after {@link #STOP_WAIT}. */
  private static void stopAll(List<Process> live) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : live) {
      all.add(p.toHandle());
      p.descendants().forEach(all::add); // a submit template's shell does not pass the signal on
    }
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (ProcessHandle h : all) {
      long left = deadline - System.nanoTime();
      try {
        h.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        h.destroyForcibly();
      } catch (InterruptedException e) {
        all.forEach(ProcessHandle::destroyForcibly);
        throw e;
      }
    }
  }

  /**
   * Runs the resume of {@code job} as a child process and says how it ended: {@link
   * ResumeSummary#NOT_STARTED} when this JVM began to stop before it started, {@link
   * ResumeSummary#TAKEN} when another driver took the job since the plan was made.
   */
  private ResumeSummary.Ended runOne(ResumePlan.Entry job) throws IOException, InterruptedException {
    String name = job.name();
    List<String> cmd = commands.command(job.jobDir().toString(), job.relocates());
    Optional<String> taken = takenSinceListed(job);
    Optional<JobStatus> before;
    try {
      before = submitTemplate == null ? Optional.empty() : state(job);
    } catch (IOException e) {
      before = null; // no state to compare the one after the template with
    }
    java.nio.file.Path repeatsMark = marks == null ? null : marks.resolve(MARK_NAMES.incrementAndGet() + ".repeats");
    Process p;
    synchronized (running) {
      if (stopping) {
        return new ResumeSummary.Ended(job, ResumeSummary.NOT_STARTED, false, null);
      }
      waiting.remove(name);
      if (taken.isPresent()) {
        synchronized (out) {
          out.println("[" + name + "] not resumed: " + taken.get() + " after this run listed it");
        }
        return new ResumeSummary.Ended(job, ResumeSummary.TAKEN, false, taken.get());
      }
      synchronized (out) {
        out.println("[" + name + "] resuming: " + (submitTemplate != null ? cmd.get(2) : "bin/epochal resume "
            + ShellWords.location(job.jobDir()) + (job.relocates() ? " --relocate" : "")));
      }
      ProcessBuilder child = childProcess(cmd, submitTemplate != null, System.getenv());
      if (repeatsMark != null) {
        child.environment().put(SupervisedExit.REPEATS_FILE, repeatsMark.toString());
      }
      p = child.start();
      running.put(p, name);
    }
    Process child = p;
    Thread errors = new Thread(() -> copy(name, child.getErrorStream(), err), "resume-all-stderr-" + name);
    errors.setDaemon(true);
    errors.start();
    int code;
    try {
      copy(name, p.getInputStream(), out);
      errors.join();
      code = p.waitFor();
    } finally {
      if (Thread.currentThread().isInterrupted()) {
        p.destroy();
      }
      synchronized (running) {
        running.remove(p);
      }
    }
    boolean stopped;
    synchronized (running) {
      // marked before its SIGTERM was sent; or it ended of the Ctrl-C (SIGINT) or SIGTERM its process group got
      // with this JVM, before the stop could mark it
      stopped = stoppedJobs.contains(name) || stopping && (code == 128 + 2 || code == 128 + 15);
    }
    if (code == ExitCodes.LEASE_HELD && !stopped) {
      return new ResumeSummary.Ended(job, code, false, completed(job) ? JobState.COMPLETED.name() : null);
    }
    if (code != 0 && !stopped && repeatsMark != null && Files.exists(repeatsMark)) {
      return new ResumeSummary.Ended(job, code, false, null, true); // it said a new start fails the same way
    }
    if (code != 0 || submitTemplate == null) {
      return new ResumeSummary.Ended(job, code, stopped, null);
    }
    Optional<JobStatus> after;
    String unreadable = null;
    try {
      after = state(job);
    } catch (IOException e) {
      after = null;
      unreadable = e.getMessage();
    }
    Optional<String> failed = ResumeSummary.failedUnder(before, after);
    if (failed.isPresent()) {
      return new ResumeSummary.Ended(job, ResumeSummary.FAILED_UNDER_TEMPLATE, stopped, failed.get());
    }
    return new ResumeSummary.Ended(job, code, stopped, ResumeSummary.notResumed(before, after, unreadable)
        .orElse(null));
  }

  /** Copies {@code from} to {@code to} line by line, each prefixed with {@code [name]}, until it ends. */
  private static void copy(String name, java.io.InputStream from, PrintStream to) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (to) {
          to.println("[" + name + "] " + line);
        }
      }
    } catch (IOException e) {
      // the child's stream closed under the reader (the child was stopped): nothing more to copy
    }
  }

  /**
   * The process of child command {@code cmd}, {@code env} this process's environment: a submission by a
   * template ({@code submitted}) runs without the loopback address the launcher set for its own embedded Spark
   * ({@code SPARK_LOCAL_IP}, when {@code env} says the launcher set it, {@code EPOCHAL_LOOPBACK_SET}), which would
   * keep a driver on a cluster from being reached by its executors; one the user set is kept.
   */
  static ProcessBuilder childProcess(List<String> cmd, boolean submitted, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(cmd); // this process's environment, each value's bytes as they are
    if (submitted && env.containsKey("EPOCHAL_LOOPBACK_SET")) {
      pb.environment().remove("SPARK_LOCAL_IP");
      pb.environment().remove("EPOCHAL_LOOPBACK_SET");
    }
    return pb;
  }
}
