package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code resume --all} says once its resumes ended: a line for each job it resumed, saying
 * how that resume ended and what to do next, then the counts; and its exit code. A resume that
 * ended before {@code resume --all} was stopped is said as it ended (exit N, failed); only one still
 * running when the stop came is said to be stopped. A submit template's exit 0 says only that it
 * submitted the resume: the job counts as resumed when a run since the template started left it
 * COMPLETED, and as submitted otherwise, with the {@code status} command that follows it.
 */
final class ResumeSummary {

  /** The exit code recorded for a resume that never started because {@code resume --all} was stopping. */
  static final int NOT_STARTED = -1;
  /** The exit code recorded for a job another driver took after the plan was made: not started. */
  static final int TAKEN = -2;
  /** The exit code recorded for a resume whose process could not be started. */
  static final int NO_PROCESS = -3;
  /**
   * The exit code recorded for a template that exited 0 after a resume that failed: the job's state is FAILED by a
   * run since the template started (spark-submit of a Kubernetes driver that failed, a supervised driver's exit).
   */
  static final int FAILED_UNDER_TEMPLATE = -4;

  /**
   * How the resume of {@code job} ended.
   *
   * @param code its exit code, or {@link #NOT_STARTED}, {@link #TAKEN}, {@link #NO_PROCESS}, {@link
   *     #FAILED_UNDER_TEMPLATE}
   * @param stopped whether it was still running when {@code resume --all} was stopped (which sent it
   *     SIGTERM)
   * @param note for {@link #TAKEN}, what the other driver did; for {@link #NO_PROCESS}, why; for {@link
   *     #FAILED_UNDER_TEMPLATE}, why the job failed; for a
   *     template that exited 0 without the job being resumed, what its state says; for an exit 3,
   *     whether the job is COMPLETED now ({@code "COMPLETED"}); else null
   * @param repeats whether the resume said it failed in a way a new start repeats ({@link
   *     io.epochal.driver.cli.SupervisedExit#REPEATS_FILE})
   */
  record Ended(ResumePlan.Entry job, int code, boolean stopped, String note, boolean repeats) {

    /** How the resume of {@code job} ended, not said to repeat. */
    Ended(ResumePlan.Entry job, int code, boolean stopped, String note) {
      this(job, code, stopped, note, false);
    }
  }

  private final PrintStream out;
  private final CliOptions options;
  private final ChildResumeCommand commands;
  private final boolean template;

  /** A summary on {@code out} of resumes run with {@code commands} ({@code template}: through a submit template). */
  ResumeSummary(PrintStream out, CliOptions options, ChildResumeCommand commands, boolean template) {
    this.out = checkNotNull(out, "out");
    this.options = checkNotNull(options, "options");
    this.commands = checkNotNull(commands, "commands");
    this.template = template;
  }

  /**
   * Why the resume a template's exit 0 ran failed, read as {@link #notResumed} reads the states: the job is FAILED
   * now, by a run since the template started (its state changed); empty otherwise.
   */
  static Optional<String> failedUnder(Optional<JobStatus> before, Optional<JobStatus> after) {
    if (after == null || after.isEmpty() || after.get().getState() != io.epochal.job.JobState.FAILED
        || before != null && before.equals(after)) {
      return Optional.empty();
    }
    return Optional.of("the template exited 0, but the resume it ran failed: the job is FAILED (" + after.get()
        .getReason() + ")");
  }

  /**
   * What a template's exit 0 left of the job, read as {@code before} (its state just before the
   * template started: empty for a job without a state yet) and {@code after} (just after it
   * exited): empty when the job was resumed, that is, it is COMPLETED by a run since the template
   * started; else what its state says, for the summary line. A state that cannot be read after the
   * template is no proof of a resume either.
   *
   * @param before null when the state could not be read before the template started
   * @param after null when the state cannot be read after it exited ({@code unreadable} says why)
   */
  static Optional<String> notResumed(Optional<JobStatus> before, Optional<JobStatus> after, String unreadable) {
    if (after == null) {
      return Optional.of("but its state cannot be read now (" + unreadable + "), so nothing says it was resumed");
    }
    boolean unchanged = before != null && before.equals(after);
    if (unchanged) {
      return Optional.of("but the job " + after.map(s -> "is " + s.getState()).orElse("has no state yet") + ", as "
          + "before the template ran: the template returned before its resume changed the job (one that submits "
          + "without waiting, in cluster deploy mode, does; one that runs no resume never does)");
    }
    if (after.isPresent() && after.get().getState() == io.epochal.job.JobState.COMPLETED) {
      return Optional.empty();
    }
    return Optional.of("but the job " + after.map(s -> "is " + s.getState()).orElse("has no state") + ": the "
        + "template returned before its resume ended (one that submits without waiting, in cluster deploy mode, "
        + "does)");
  }

  /**
   * Prints the summary of {@code ended}, the resumes of {@code plan}'s jobs, and returns the exit
   * code of {@code resume --all}.
   *
   * @return {@link ExitCodes#OK} if every resume exited 0 (or was submitted, or was taken by another
   *     driver), every job could be read and none waits for a later run, else {@link ExitCodes#FAILED}
   */
  int print(ResumePlan plan, List<Ended> ended) {
    int failed = 0;
    int skipped = 0;
    int interrupted = 0;
    int submitted = 0;
    int taken = 0;
    out.println("resume summary:");
    for (Ended e : ended) {
      String name = e.job().name();
      String status = ShellWords.location(e.job().jobDir());
      if (e.code() == NOT_STARTED) {
        skipped++;
        out.printf(Locale.ROOT, "  %-24s not started: resume --all was stopped%n", name);
      } else if (e.code() == TAKEN) {
        taken++; // as a job leased when the plan was made: another driver's to finish
        out.printf(Locale.ROOT,
            "  %-24s not started: %s after this run listed it; see how it goes with: bin/epochal status %s%n",
            name, e.note(), status);
      } else if (e.code() == NO_PROCESS) {
        failed++;
        out.printf(Locale.ROOT, "  %-24s could not start: %s%n", name, e.note());
      } else if (e.code() == FAILED_UNDER_TEMPLATE) {
        failed++;
        out.printf(Locale.ROOT, "  %-24s %s; see why with: bin/epochal status %s%n", name, e.note(), status);
      } else if (e.code() == ExitCodes.LEASE_HELD && !e.stopped()) {
        // another driver (another resume --all, say) took the job between the check and this resume's start
        taken++;
        out.printf(Locale.ROOT, "  %-24s exit %d: another driver %s; see how it goes with: bin/epochal status %s%n",
            name, e.code(), "COMPLETED".equals(e.note()) ? "held the job, and it is COMPLETED now"
            : "holds the job now, and it is that driver's to finish", status);
      } else if (e.code() == 0 && e.note() != null) {
        submitted++;
        out.printf(Locale.ROOT,
            "  %-24s exit 0, %s; the job's own state tells whether it runs: bin/epochal status %s%n", name,
            e.note(), status);
      } else {
        if (e.code() != 0 && e.stopped()) {
          interrupted++;
        } else if (e.code() != 0) {
          failed++;
        }
        out.printf(Locale.ROOT, "  %-24s exit %d%s%n", name, e.code(), outcome(e));
      }
    }
    long unreadable = plan.entries().stream().filter(p -> p.action() == ResumePlan.Action.ERROR).count();
    long undone = plan.entries().stream().filter(p -> p.awaitsExpiry() || p.awaitsRelocation()).count();
    out.printf(Locale.ROOT, "%d resumed, %d failed%s%s%s%s%s%s%n",
        ended.size() - failed - skipped - interrupted - submitted - taken,
        failed, taken == 0 ? "" : ", " + taken + " taken by another driver",
        submitted == 0 ? "" : ", " + submitted + " submitted and not finished when their template returned",
        interrupted == 0 ? "" : ", " + interrupted + " stopped",
        skipped == 0 ? "" : ", " + skipped + " not started",
        unreadable == 0 ? "" : ", " + unreadable + " could not be read (ERROR above)", later(plan));
    return failed == 0 && skipped == 0 && interrupted == 0 && unreadable == 0 && undone == 0 ? ExitCodes.OK
        : ExitCodes.FAILED;
  }

  /**
   * Whether {@code resume --all} of {@code plan}, whose resumes ended as {@code ended}, would fail the same way when
   * run again at once, as a supervisor restarts it: every resume that failed said it failed in a way its own new
   * start repeats (as a supervised driver of that job would end 0), every job it could not plan stays so (a
   * damaged job file, a job.json that does not fit its checkpoint), and no job waits for a lease to expire, to be
   * moved or for its storage to answer. A resume that said nothing (its JVM did not start, it was killed, it ran
   * through a template whose driver runs elsewhere), was stopped or did not start may pass.
   */
  static boolean everyFailureRepeats(ResumePlan plan, List<Ended> ended) {
    if (plan.entries().stream().anyMatch(p -> p.awaitsExpiry() || p.awaitsRelocation() || p.awaitsStorage())) {
      return false;
    }
    for (Ended e : ended) {
      boolean notFailed = e.code() == 0 || e.code() == TAKEN || e.code() == ExitCodes.LEASE_HELD && !e.stopped();
      if (!notFailed && (e.stopped() || !e.repeats())) {
        return false;
      }
    }
    return true;
  }

  /** After a resume's exit code: nothing for 0, else what it means and the command that continues the job. */
  private String outcome(Ended e) {
    if (e.code() == 0) {
      return "";
    }
    // what this run ran for it: with a template, the template (bin/epochal would resume on this machine's Spark)
    String resume = template ? commands.command(e.job().jobDir().toString(), false).get(2)
        : ResumeCommand.of(e.job().jobDir(), options) + (e.job().relocates() ? " --relocate" : "");
    return e.stopped() ? "  (stopped with resume --all; a later 'resume --all', or " + resume + ", continues it)"
        : e.code() == 128 + 9 ? "  (its driver was killed with SIGKILL and could say nothing: the job is LOST until "
        + "its lease expires, after lease.ttl_ms; then a later 'resume --all', or " + resume + ", continues it)"
        : "  (see its output above; once its cause is fixed, retry with: " + resume + ")";
  }

  /**
   * What {@code plan} leaves for a later run, to follow the counts: LOST jobs waiting for their
   * lease to expire, moved jobs waiting for {@code --relocate}; empty when none.
   */
  static String later(ResumePlan plan) {
    long lostLeased = plan.entries().stream().filter(ResumePlan.Entry::awaitsExpiry).count();
    long moved = plan.entries().stream().filter(ResumePlan.Entry::awaitsRelocation).count();
    return (lostLeased == 0 ? "" : "; " + lostLeased + " LOST job(s) wait for their lease to expire: run resume "
        + "--all again after the expiry (above)") + (moved == 0 ? "" : "; " + moved + " unfinished job(s) moved here "
        + "(or whose original location cannot be checked) wait to be resumed with --relocate ('resume --all "
        + "--relocate' resumes those moved, or one by one with the command above)");
  }
}
