package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ShellWords;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
  /** The resumes running now (guarded by itself together with {@link #stopping}). */
  private final Set<Process> running = new LinkedHashSet<>();
  /** The jobs of the plan whose resume has not started yet (guarded by {@link #running}). */
  private final Set<String> waiting = new LinkedHashSet<>();
  /** This JVM is stopping: no resume starts any more (guarded by {@link #running}). */
  private boolean stopping;

  /** The exit code recorded for a resume that never started because this JVM was stopping. */
  static final int NOT_STARTED = -1;
  /** The exit code recorded for a job another driver took after the plan was made: not started. */
  static final int TAKEN = -2;
  /** The holder of each job another driver took after the plan was made, by job name. */
  private final Map<String, String> takenBy = new ConcurrentHashMap<>();
  /** How long stopping waits for running resumes to end on SIGTERM before killing them. */
  static final Duration STOP_WAIT = Duration.ofSeconds(30);
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
   * Resumes every RESUME entry of {@code plan}; prints a summary line per job.
   *
   * @return {@link ExitCodes#OK} if every resume exited 0 and every job could be read, else {@link
   *     ExitCodes#FAILED}
   */
  public int run(ResumePlan plan) throws InterruptedException {
    List<ResumePlan.Entry> jobs = plan.toResume();
    long unreadable = plan.entries().stream().filter(e -> e.action() == ResumePlan.Action.ERROR).count();
    long lostLeased = plan.entries().stream().filter(ResumePlan.Entry::awaitsExpiry).count();
    long moved = plan.entries().stream().filter(ResumePlan.Entry::awaitsRelocation).count();
    String later = (lostLeased == 0 ? "" : "; " + lostLeased + " LOST job(s) wait for their lease to expire: run resume "
        + "--all again after the expiry (above)") + (moved == 0 ? "" : "; " + moved + " unfinished job(s) moved here "
        + "(or whose original location cannot be checked) wait to be resumed with --relocate ('resume --all "
        + "--relocate' resumes those moved, or one by one with the command above)");
    long undone = lostLeased + moved; // both leave work for later: the exit code says so
    if (jobs.isEmpty()) {
      out.println("nothing to resume under " + plan.root() + (unreadable == 0 ? ""
          : "; " + unreadable + " job(s) could not be read (ERROR above)") + later);
      return unreadable == 0 && undone == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
    Map<ResumePlan.Entry, Future<Integer>> results = new LinkedHashMap<>();
    Runnable stopChildren = this::stopRunning;
    ShutdownHookManager.get().addShutdownHook(stopChildren, STOP_HOOK_PRIORITY,
        STOP_WAIT.toSeconds() + 10, TimeUnit.SECONDS);
    ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
      Thread t = new Thread(r, "epochal-resume");
      t.setDaemon(true);
      return t;
    });
    try {
      synchronized (running) {
        jobs.forEach(job -> waiting.add(job.name()));
      }
      for (ResumePlan.Entry job : jobs) {
        results.put(job, pool.submit(() -> runOne(job)));
      }
      Map<ResumePlan.Entry, Integer> codes = new LinkedHashMap<>();
      List<String> notStarted = new ArrayList<>();
      for (Map.Entry<ResumePlan.Entry, Future<Integer>> e : results.entrySet()) {
        try {
          codes.put(e.getKey(), e.getValue().get());
        } catch (ExecutionException ex) {
          notStarted.add("  " + e.getKey().name() + ": could not start: " + ex.getCause());
          codes.put(e.getKey(), ExitCodes.INTERNAL);
        }
      }
      int failed = 0;
      int skipped = 0;
      int interrupted = 0;
      int unfinished = 0;
      int taken = 0;
      out.println("resume summary:");
      notStarted.forEach(out::println);
      for (Map.Entry<ResumePlan.Entry, Integer> e : codes.entrySet()) {
        int code = e.getValue();
        if (code == NOT_STARTED) {
          skipped++;
          out.printf("  %-24s not started: resume --all was stopped%n", e.getKey().name());
          continue;
        }
        if (code == TAKEN) {
          taken++; // as a job leased when the plan was made: another driver's to finish
          out.printf("  %-24s not started: %s after this run listed it; see how it goes with: "
              + "bin/epochal status %s%n", e.getKey().name(), takenBy.get(e.getKey().name()),
              ShellWords.location(e.getKey().jobDir()));
          continue;
        }
        boolean stoppedByUs = code != 0 && stopped();
        if (code == ExitCodes.LEASE_HELD && !stoppedByUs) {
          // another driver (another resume --all, say) took the job between the check and this resume's start
          taken++;
          out.printf("  %-24s exit %d: another driver %s; see how it goes with: bin/epochal status %s%n",
              e.getKey().name(), code, completed(e.getKey()) ? "held the job, and it is COMPLETED now"
              : "holds the job now, and it is that driver's to finish", ShellWords.location(e.getKey().jobDir()));
          continue;
        }
        if (stoppedByUs) {
          interrupted++;
        } else if (code != 0) {
          failed++;
        }
        // what this run ran for it: with a template, the template (bin/epochal would resume on this machine's Spark)
        String resume = submitTemplate != null ? commands.command(e.getKey().jobDir().toString(), false).get(2)
            : ResumeCommand.of(e.getKey().jobDir(), options) + (e.getKey().relocates() ? " --relocate" : "");
        Optional<JobState> left = code == 0 && submitTemplate != null ? notCompleted(e.getKey()) : Optional.empty();
        if (left.isPresent()) {
          unfinished++;
          out.printf("  %-24s exit 0, but the job is %s: the template returned before its resume ended (one that "
              + "submits without waiting, in cluster deploy mode, does); see how it goes with: bin/epochal status %s%n",
              e.getKey().name(), left.get(), ShellWords.location(e.getKey().jobDir()));
          continue;
        }
        out.printf("  %-24s exit %d%s%n", e.getKey().name(), code, code == 0 ? ""
            : stoppedByUs ? "  (stopped with resume --all; a later 'resume --all', or " + resume + ", continues it)"
            : code == 128 + 9 ? "  (its driver was killed with SIGKILL and could say nothing: the job is LOST until its "
            + "lease expires, after lease.ttl_ms; then a later 'resume --all', or " + resume + ", continues it)"
            : "  (see its output above; once its cause is fixed, retry with: " + resume + ")");
      }
      out.printf("%d resumed, %d failed%s%s%s%s%s%s%n", jobs.size() - failed - skipped - interrupted - unfinished - taken,
          failed, taken == 0 ? "" : ", " + taken + " taken by another driver",
          unfinished == 0 ? "" : ", " + unfinished + " submitted and not finished when their template returned",
          interrupted == 0 ? "" : ", " + interrupted + " stopped",
          skipped == 0 ? "" : ", " + skipped + " not started",
          unreadable == 0 ? "" : ", " + unreadable + " could not be read (ERROR above)", later);
      return failed == 0 && skipped == 0 && interrupted == 0 && unreadable == 0 && undone == 0 ? ExitCodes.OK
          : ExitCodes.FAILED;
    } finally {
      pool.shutdownNow();
      if (!ShutdownHookManager.get().isShutdownInProgress()) {
        ShutdownHookManager.get().removeShutdownHook(stopChildren);
      }
    }
  }

  /**
   * After a submit template exited 0, the job's state if it is not COMPLETED: the exit code of a
   * template says only that it submitted the resume. Empty when COMPLETED or unreadable (the exit
   * code then stands).
   */
  /** Whether {@code job}'s state reads COMPLETED now. */
  private boolean completed(ResumePlan.Entry job) {
    try {
      FileSystem fs = job.jobDir().getFileSystem(options.hadoopConfiguration());
      return new JobStateStore(fs, job.jobDir()).read().map(JobStatus::getState).filter(JobState.COMPLETED::equals)
          .isPresent();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private Optional<JobState> notCompleted(ResumePlan.Entry job) {
    try {
      FileSystem fs = job.jobDir().getFileSystem(options.hadoopConfiguration());
      return new JobStateStore(fs, job.jobDir()).read().map(JobStatus::getState).filter(st -> st != JobState.COMPLETED);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
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
      Optional<io.epochal.job.LeaseRecord> lease = io.epochal.job.JobLease.builder().setFileSystem(fs)
          .setJobDir(job.jobDir()).build().current().filter(l -> !l.isReleased() && l.isLiveAt(Instant.now()));
      if (lease.isPresent()) {
        return Optional.of(lease.get().getHolder() + " took its lease (held until " + lease.get().getExpiresAt() + ")");
      }
      return !JobState.COMPLETED.name().equals(job.state()) && completed(job)
          ? Optional.of("another driver completed the job") : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether this JVM is stopping, so a resume that failed now was (most likely) stopped by it. */
  private boolean stopped() {
    synchronized (running) {
      return stopping;
    }
  }

  /**
   * This JVM is stopping (Ctrl-C, SIGTERM from a scheduler): every running resume and what it
   * started get SIGTERM, so each driver marks its job FAILED (INTERRUPTED) and frees its lease
   * instead of training on as an orphan; one still running after {@link #STOP_WAIT} is killed.
   */
  private void stopRunning() {
    List<Process> live;
    List<String> notStarted;
    synchronized (running) {
      stopping = true; // from here on no resume starts: none is left running without this hook's signal
      live = running.stream().filter(Process::isAlive).toList();
      notStarted = List.copyOf(waiting);
    }
    synchronized (out) {
      if (!notStarted.isEmpty()) {
        out.println("resume --all: stopped; not started: " + String.join(", ", notStarted) + " (a later 'resume "
            + "--all' picks them up)");
      }
      if (!live.isEmpty()) {
        out.println("resume --all: stopping " + live.size() + " running resume(s) (SIGTERM); each marks its job "
            + "FAILED (INTERRUPTED) and frees its lease");
      }
    }
    if (live.isEmpty()) {
      return;
    }
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
        Thread.currentThread().interrupt();
        all.forEach(ProcessHandle::destroyForcibly);
        return;
      }
    }
  }

  /**
   * Runs the resume of {@code job} as a child process and returns its exit code; {@link
   * #NOT_STARTED} when this JVM began to stop before it started.
   */
  private int runOne(ResumePlan.Entry job) throws IOException, InterruptedException {
    String name = job.name();
    List<String> cmd = commands.command(job.jobDir().toString(), job.relocates());
    Optional<String> taken = takenSinceListed(job);
    Process p;
    synchronized (running) {
      if (stopping) {
        return NOT_STARTED;
      }
      if (taken.isPresent()) {
        waiting.remove(name);
        takenBy.put(name, taken.get());
        synchronized (out) {
          out.println("[" + name + "] not resumed: " + taken.get() + " after this run listed it");
        }
        return TAKEN;
      }
      waiting.remove(name);
      synchronized (out) {
        out.println("[" + name + "] resuming: " + (submitTemplate != null ? cmd.get(2) : "bin/epochal resume "
            + ShellWords.location(job.jobDir()) + (job.relocates() ? " --relocate" : "")));
      }
      p = new ProcessBuilder(cmd).start();
      running.add(p);
    }
    Process child = p;
    Thread errors = new Thread(() -> copy(name, child.getErrorStream(), err), "resume-all-stderr-" + name);
    errors.setDaemon(true);
    errors.start();
    try {
      copy(name, p.getInputStream(), out);
      errors.join();
    } finally {
      if (Thread.currentThread().isInterrupted()) {
        p.destroy();
      }
    }
    try {
      return p.waitFor();
    } finally {
      synchronized (running) {
        running.remove(p);
      }
    }
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
}
