package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.CliOptions;
import io.epochal.job.JobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.params.HyperParameters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code resume --all} reports each job's resume: the children here are submit templates run by
 * {@code /bin/sh}, which end as the test needs, with no Spark.
 */
class ClusterResumeTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path root;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @AfterEach
  void killWhatIsLeft() {
    // a failing run of a test: whatever still runs names a job under root in its command line
    ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(root.toString()))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private void job(String name, JobState state, long epochs) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve(name).toUri());
    fs.mkdirs(dir);
    HyperParameters.Builder keys = HyperParameters.builder().put("job.name", name);
    if (epochs > 0) {
      keys.put("train.epochs", epochs);
    }
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of(name, name, keys.build()));
    if (state != null) {
      JobStateStore states = new JobStateStore(fs, dir);
      states.transition(JobState.RUNNING, 1, "started");
      if (state != JobState.RUNNING) {
        states.transition(state, 1, state.name().toLowerCase(java.util.Locale.ROOT));
      }
    }
  }

  private ResumePlan plan() throws Exception {
    return ResumePlan.of(new org.apache.hadoop.fs.Path(root.toUri()), new Configuration(), Instant.now());
  }

  private ClusterResume resume(int parallel, String template) {
    return new ClusterResume(parallel, template, CliOptions.builder().build(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
  }

  private String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The live child processes of this JVM whose command line contains {@code text}. */
  private static long children(String text) {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().orElse("").contains(text)).count();
  }

  @Test
  void aResumeThatFailedBeforeTheStopIsReportedAsFailedAndOnlyTheOneStillRunningAsStopped() throws Exception {
    job("a-fails", JobState.FAILED, 0);
    job("b-runs", JobState.FAILED, 0);
    ClusterResume resume = resume(2, "case {job_dir} in *a-fails*) exit 4;; esac; sleep 600");
    ResumePlan plan = plan();

    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> {
      try {
        return resume.run(plan);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    long deadline = System.nanoTime() + WAIT.toNanos();
    // a-fails has exited 4 on its own, b-runs still runs
    while (!(children(root.resolve("b-runs").toString()) == 1 && children(root.resolve("a-fails").toString()) == 0
        && printed().contains("[a-fails] resuming"))) {
      assertThat(System.nanoTime()).as("b-runs running and a-fails ended within %s:%n%s", WAIT, printed())
          .isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(200); // the exit of a-fails reaped, as it is once gone from the process table
    resume.stop(); // as on Ctrl-C or SIGTERM

    assertThat(code.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as(printed()).isEqualTo(1);
    assertThat(printed().lines())
        .anySatisfy(l -> assertThat(l).matches("\\s+a-fails\\s+exit 4  \\(see its output above; once its cause is "
            + "fixed, retry with: .*"))
        .anySatisfy(l -> assertThat(l).matches("\\s+b-runs\\s+exit 143  \\(stopped with resume --all; .*"))
        .noneSatisfy(l -> assertThat(l).matches("\\s+a-fails\\s.*stopped with resume --all.*"));
    assertThat(printed()).contains("resume --all: stopping 1 running resume(s)").contains("0 resumed, 1 failed, 1 "
        + "stopped");
  }

  @Test
  void aRunWhoseEveryResumeSaidItsFailureRepeatsSaysSoAndOneWithAFailureItCanOutliveDoesNot() throws Exception {
    // each resume says whether a new start of it fails the same way, as bin/epochal does through the file that
    // EPOCHAL_REPEATS_FILE names: bad input (exit 4), a quota that refused a commit (exit 1), a job file damaged
    // (exit 5); one whose storage did not answer (exit 5) says nothing
    job("a-bad-rows", JobState.FAILED, 0);
    job("b-quota", JobState.FAILED, 0);
    job("c-damaged", JobState.FAILED, 0);
    String template = "case {job_dir} in *a-bad*) touch \"$EPOCHAL_REPEATS_FILE\"; exit 4;; *b-quota*) touch "
        + "\"$EPOCHAL_REPEATS_FILE\"; exit 1;; *c-damaged*) touch \"$EPOCHAL_REPEATS_FILE\"; exit 5;; "
        + "*d-away*) exit 5;; esac";

    ClusterResume repeating = resume(2, template);
    assertThat(repeating.run(plan())).as(printed()).isEqualTo(1);
    assertThat(repeating.failuresRepeatOnRestart()).as(printed()).isTrue();

    job("d-away", JobState.FAILED, 0);
    out.reset();
    ClusterResume outlivable = resume(2, template);
    assertThat(outlivable.run(plan())).as(printed()).isEqualTo(1);
    assertThat(outlivable.failuresRepeatOnRestart()).as("d-away's storage may answer: %s", printed()).isFalse();
    assertThat(printed()).contains("0 resumed, 4 failed");
  }

  @Test
  void aJobUnreadableForAWhileKeepsARunRestartableAndOneUnreadableUntilSomeoneActsDoesNot() {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve("a").toUri());
    java.util.function.Function<Exception, ResumePlan> planOf = e -> new ResumePlan(dir.getParent(),
        List.of(JobResumePlanner.unreadable(dir, "a", "?", 0, e)));
    for (Exception passing : List.of(new java.net.SocketTimeoutException("60000 millis timeout while waiting"),
        new java.io.IOException("cannot read state.json: is the file system reachable?"))) {
      assertThat(ResumeSummary.everyFailureRepeats(planOf.apply(passing), List.of())).as("%s", passing).isFalse();
    }
    for (Exception lasting : List.<Exception>of(new org.apache.hadoop.security.AccessControlException("Permission "
        + "denied: user=spark, access=READ"), new java.io.FileNotFoundException("job.json"),
        new io.epochal.job.JobFileFormatException(dir, "", new IllegalArgumentException("file is empty")),
        new IllegalStateException("no such model"))) {
      assertThat(ResumeSummary.everyFailureRepeats(planOf.apply(lasting), List.of())).as("%s", lasting).isTrue();
    }
  }

  @Test
  void aTemplateThatReturnsAtOnceLeavingTheJobsStateAsItWasCountsAsSubmittedNotResumed() throws Exception {
    job("a-new", null, 0); // job.json, no state yet: a driver that died before it wrote one
    job("b-completed-final-missing", JobState.COMPLETED, 2); // the plan reopens it: no checkpoint of epoch 2
    job("c-failed", JobState.FAILED, 0);

    int code = resume(1, "true {job_dir}").run(plan());

    assertThat(code).as("a submission is no failure: %s", printed()).isZero();
    assertThat(printed().lines())
        .anySatisfy(l -> assertThat(l).matches("\\s+a-new\\s+exit 0, but the job has no state yet, as before the "
            + "template ran: .*; the job's own state tells whether it runs: bin/epochal status .*a-new'?"))
        .anySatisfy(l -> assertThat(l).matches("\\s+b-completed-final-missing\\s+exit 0, but the job is COMPLETED, as "
            + "before the template ran: the template returned before its resume changed the job .*"))
        .anySatisfy(l -> assertThat(l).matches("\\s+c-failed\\s+exit 0, but the job is FAILED, as before the "
            + "template ran: .*"));
    assertThat(printed()).contains("0 resumed, 0 failed, 3 submitted and not finished when their template returned");
  }

  @Test
  void aTemplateWhoseRunLeftTheJobCompletedCountsAsResumedAndOneLeavingItUnreadableAsSubmitted() throws Exception {
    job("a-done", JobState.COMPLETED, 0); // skipped by the plan: its state.json is what the template writes
    job("b-failed", JobState.FAILED, 0);
    String jobDir = "\"$(echo {job_dir} | sed 's|^file://||')\"";

    int completing = resume(1, "cp '" + root.resolve("a-done/state.json") + "' " + jobDir + "/state.json").run(plan());

    assertThat(completing).as(printed()).isZero();
    assertThat(printed()).contains("1 resumed, 0 failed").doesNotContain("submitted");

    job("c-failed", JobState.FAILED, 0);
    out.reset();
    int unreadable = resume(1, "echo '{ not json' > " + jobDir + "/state.json").run(plan());

    assertThat(unreadable).as(printed()).isZero();
    assertThat(printed().lines()).anySatisfy(l -> assertThat(l).matches("\\s+c-failed\\s+exit 0, but its state "
        + "cannot be read now \\(.*state.json.*\\), so nothing says it was resumed; .*"));
    assertThat(printed()).contains("0 resumed, 0 failed, 1 submitted and not finished");
  }

  @Test
  void aTemplatesSubmissionDoesNotInheritTheLoopbackAddressTheLauncherSetForItsOwnSpark() {
    // .ci/run exports SPARK_LOCAL_IP=127.0.0.1 for the tests, as the launcher does for its own Spark
    Map<String, String> launcherSet = Map.of("EPOCHAL_LOOPBACK_SET", "1");
    assertThat(ClusterResume.childProcess(List.of("spark-submit"), true, launcherSet).environment())
        .doesNotContainKeys("SPARK_LOCAL_IP", "EPOCHAL_LOOPBACK_SET")
        .containsEntry("PATH", System.getenv("PATH"));
    assertThat(ClusterResume.childProcess(List.of("bin/epochal"), false, launcherSet).environment().get(
        "SPARK_LOCAL_IP")).as("a child on this host's own Spark keeps it").isEqualTo(System.getenv("SPARK_LOCAL_IP"));
    assertThat(ClusterResume.childProcess(List.of("spark-submit"), true, Map.of()).environment().get(
        "SPARK_LOCAL_IP")).as("one the user set").isEqualTo(System.getenv("SPARK_LOCAL_IP"));
  }

}
