package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.app.ClusterResume;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.app.ResumePlan;
import io.epochal.driver.app.SparkTrainingLauncher;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.EpochalCli;
import io.epochal.job.JobLease;
import io.epochal.job.JobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code epochal resume --all}: which jobs under a root are resumed, and how each is submitted. */
class ResumeAllTest {

  @TempDir
  Path root;

  private FileSystem fs;

  @BeforeEach
  void jobs() throws Exception {
    fs = FileSystem.getLocal(new Configuration());
    job("a-completed", JobState.COMPLETED, null);
    job("b-leased", JobState.RUNNING, Clock.systemUTC());
    job("c-expired", JobState.RUNNING, Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)));
    job("d-failed", JobState.FAILED, null);
    Files.createDirectories(root.resolve("not-a-job"));
  }

  private void job(String name, JobState state, Clock leaseClock) throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve(name).toUri());
    fs.mkdirs(dir);
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of(name, name, HyperParameters.builder().put("job.name", name)
        .build()));
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "started");
    if (state != JobState.RUNNING) {
      states.transition(state, 1, state.name().toLowerCase());
    }
    if (leaseClock != null) {
      JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder("driver-of-" + name)
          .optTtl(Duration.ofHours(1)).optClock(leaseClock).build().acquire(1);
    }
  }

  private String[] cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StringWriter w = new StringWriter();
    int code = new EpochalCli(new SparkTrainingLauncher(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)), new RegistryModelCatalog())
        .execute(new PrintWriter(w), new PrintWriter(w), args);
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8) + w};
  }

  @Test
  void dryRunPrintsThePlanResumingOnlyUnfinishedJobsWhoseLeaseIsFreeOrExpired() {
    String[] r = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    List<String> lines = r[1].lines().toList();
    assertThat(lines.get(0)).contains("JOB").contains("STATE").contains("EPOCH").contains("ACTION")
        .contains("REASON");
    assertThat(lines).anySatisfy(l -> assertThat(l)
        .matches("a-completed\\s+COMPLETED\\s+\\S+\\s+SKIP\\s+completed\\s*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("b-leased").contains("SKIP")
        .contains("leased by driver-of-b-leased until"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("c-expired").contains("RESUME")
        .contains("lease of driver-of-c-expired expired at"));
    assertThat(lines).as("RUNNING without a live lease is LOST, as status shows it")
        .anySatisfy(l -> assertThat(l).matches("c-expired\\s+LOST\\s+0\\s+RESUME .*"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("d-failed").contains("FAILED").contains("RESUME")
        .contains("lease free").contains("; last run: failed"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("c-expired").doesNotContain("last run"));
    assertThat(r[1]).doesNotContain("not-a-job").contains("dry run: nothing started (2 to resume)");
  }

  @Test
  void dryRunSaysWhatTheCommandsJobKeysDoToEachJobItResumes() throws Exception {
    org.apache.hadoop.fs.Path failed = new org.apache.hadoop.fs.Path(root.resolve("d-failed").toUri());
    new JobSpecStore(fs, failed).amend(new JobSpecStore(fs, failed).read().orElseThrow(), JobSpec.of("d-failed",
        "d-failed", HyperParameters.builder().put("job.name", "d-failed").put("data.bad_rows", "skip")
        .put("optimizer.lr", 0.1).build()));

    String[] r = cli("--conf", "spark.epochal.checkpoint.keep_last=2", "--conf", "spark.epochal.data.bad_rows=skip",
        "--conf", "spark.epochal.train.device=cpu", "resume", "--all", "--dry-run", root.toString());

    assertThat(r[0]).as("a resume it refuses fails the run, as the dry run says: %s", r[1]).isEqualTo("1");
    assertThat(r[1]).contains("every resumed run: train.device=cpu (spark.epochal.train.device; this run's own, "
        + "not stored)");
    assertThat(r[1]).contains(", 1 of them refused for the spark.epochal.* entries above", "so the run would exit 1");
    assertThat(r[1]).contains("c-expired: its resume would be refused: these spark.epochal.* entries differ from "
        + "its job.json (job -> Spark conf): data.bad_rows: (not set) -> skip");
    assertThat(r[1]).contains("d-failed: its job.json changes (spark.epochal.*): checkpoint.keep_last: (not set) "
        + "-> 2");
    assertThat(r[1]).doesNotContain("a-completed:").doesNotContain("b-leased:");

    String[] prefixed = cli("--conf", "spark.epochal.optimizer.lr=0.1", "resume", "--all", "--dry-run",
        root.toString());
    assertThat(prefixed[1]).contains("c-expired: its resume would be refused: these spark.epochal.* keys are not "
        + "keys of its job: optimizer.lr").doesNotContain("d-failed: its resume would be refused");

    // a value every resume refuses (out of range) fails the dry run as it fails the run
    String[] outOfRange = cli("--conf", "spark.epochal.retry.max_attempts=0", "resume", "--all", "--dry-run",
        root.toString());
    assertThat(outOfRange[0]).as("%s", outOfRange[1]).isEqualTo("1");
    assertThat(outOfRange[1]).contains("d-failed: its resume would be refused: retry.max_attempts = '0' (from --conf "
        + "spark.epochal.retry.max_attempts) is out of range").doesNotContain("d-failed: its job.json changes");
    // a value the job's spec refuses with its other keys: a minimum improvement for a job that does not stop early
    Files.createDirectories(root.resolve("data"));
    Files.writeString(root.resolve("data").resolve("part-0.parquet"), "rows");
    JobSpecStore specs = new JobSpecStore(fs, failed);
    specs.amend(specs.read().orElseThrow(), JobSpec.of("d-failed", "d-failed", RecoveryFixture.spec(
        failed.toString(), root.resolve("data").toUri().toString()).toHyperParameters()));
    String[] noPatience = cli("--conf", "spark.epochal.early_stop.min_delta=0.01", "resume", "--all", "--dry-run",
        root.toString());
    assertThat(noPatience[0]).as("%s", noPatience[1]).isEqualTo("1");
    assertThat(noPatience[1]).contains("d-failed: its resume would be refused: early_stop.min_delta = 0.01 (from "
        + "--conf spark.epochal.early_stop.min_delta) says how to stop early, but early_stop.patience = 0 does not")
        .doesNotContain("d-failed: its job.json changes");
  }

  @Test
  void dryRunRunsTheSparkChecksOfEveryResumeOnceAndExitsAsTheRunWouldWhenTheyFail() {
    String[] gpu = cli("--master", "local[2]", "--conf", "spark.epochal.train.device=gpu", "resume", "--all",
        "--dry-run", root.toString());
    assertThat(gpu[0]).as("each resume would exit 2, so the run starts none and exits 2: %s", gpu[1]).isEqualTo("2");
    assertThat(gpu[1]).contains("every resume would fail before its Spark starts (exit 2), saying:\n"
        + "  epochal: configuration error: train.device = gpu needs a GPU that Spark assigns to every task")
        .contains("dry run: nothing started; the run would start none of the 2 to resume and exit 2");

    String[] master = cli("--master", "mesos://host:5050", "resume", "--all", "--dry-run", root.toString());
    assertThat(master[0]).as(master[1] + master[2]).isEqualTo("2");
    assertThat(master[1]).contains("  epochal: --master 'mesos://host:5050' is not a Spark master URL; give local[N]");

    String[] value = cli("--conf", "spark.epochal.resources.gpus_per_executor=lots", "--conf",
        "spark.epochal.train.device=tpu", "resume", "--all", "--dry-run", root.toString());
    assertThat(value[0]).as(value[1] + value[2]).isEqualTo("2");
    assertThat(value[1]).contains("  epochal: configuration error: 2 problems; fix each:\n    1. train.device = 'tpu' "
        + "(from --conf spark.epochal.train.device) is not allowed").contains("    2. resources.gpus_per_executor = "
        + "'lots' (from --conf spark.epochal.resources.gpus_per_executor) is not");

    // a template's resumes run on the template's Spark: nothing of this JVM's to check
    String[] template = cli("--master", "mesos://host:5050", "resume", "--all", "--dry-run", "--submit-template",
        "spark-submit --master yarn app.jar resume {job_dir}", root.toString());
    assertThat(template[0]).as(template[1] + template[2]).isEqualTo("0");
    assertThat(template[1]).doesNotContain("would fail before its Spark starts");
  }

  @Test
  void aRunWhoseResumesWouldAllFailTheirSparkChecksStartsNoneAndExits2SayingWhy() throws Exception {
    org.apache.hadoop.fs.Path expired = new org.apache.hadoop.fs.Path(root.resolve("c-expired").toUri());
    String before = new JobStateStore(fs, expired).read().map(s -> s.getState().name()).orElse("none");

    String[] r = cli("--master", "local[2]", "--conf", "spark.epochal.train.device=gpu", "resume", "--all",
        root.toString());

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
    assertThat(r[2]).contains("epochal: no resume started: each of the 2 to resume would fail before its Spark starts"
        + " (exit 2), saying:\n  epochal: configuration error: train.device = gpu needs a GPU that Spark assigns");
    assertThat(r[1] + r[2]).as("no child ran").doesNotContain("[c-expired]").doesNotContain("[d-failed]");
    assertThat(new JobStateStore(fs, expired).read().map(s -> s.getState().name()).orElse("none")).isEqualTo(before);
  }

  @Test
  void dryRunTakesAValueAPastResumeAmendedAwayAsTheJobsResumeWillNotAsAChange() throws Exception {
    // d-failed started with checkpoint.keep_last=2, which a resume amended to 1
    org.apache.hadoop.fs.Path failed = new org.apache.hadoop.fs.Path(root.resolve("d-failed").toUri());
    new JobSpecStore(fs, failed).amend(new JobSpecStore(fs, failed).read().orElseThrow(), JobSpec.of("d-failed",
        "d-failed", HyperParameters.builder().put("job.name", "d-failed").put("checkpoint.keep_last", 1L).build()));
    try (io.epochal.job.JobEventLog.Writer events = new io.epochal.job.JobEventLog(fs, failed).openAttempt(2)) {
      events.append(io.epochal.job.JobEvent.builder(io.epochal.job.JobEventType.AMENDED, java.time.Instant.now(), 2)
          .optEpoch(0).optRound(0).optMessage("checkpoint.keep_last: 2 -> 1")
          .optChanges(List.of(io.epochal.params.ValueChange.of("checkpoint.keep_last", 2L, 1L))).build());
    }

    // the command that started it, run again (a supervised spark-submit), still carries the first value
    String[] r = cli("--conf", "spark.epochal.checkpoint.keep_last=2", "resume", "--all", "--dry-run",
        root.toString());

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    assertThat(r[1]).contains("c-expired: its job.json changes (spark.epochal.*): checkpoint.keep_last: (not set) -> 2")
        .doesNotContain("d-failed: its job.json changes").doesNotContain("d-failed: its resume would be");
    assertThat(r[1] + r[2]).contains("was amended by a resume since its Spark conf was written; the job continues as "
        + "amended: checkpoint.keep_last=1 (Spark conf: 2)");
  }

  @Test
  void resumeOfADirectoryHoldingJobsNamesThemAndSuggestsResumeAll() {
    String[] r = cli("resume", root.toString());
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
    assertThat(r[2]).contains("holds no job.json itself, but ", " jobs under it (a-", "bin/epochal resume --all ")
        .doesNotContain("Start a job with");
  }

  @Test
  void aMisspelledJobKeyInTheSparkConfStopsResumeAllBeforeAnyJobStarts() {
    String[] r = cli("--conf", "spark.epochal.checkpoint.keeplast=2", "resume", "--all", root.toString());

    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
    assertThat(r[2]).contains("unknown job key in the Spark conf", "spark.epochal.checkpoint.keeplast (did you mean "
        + "spark.epochal.checkpoint.keep_last?)");
    assertThat(r[1]).doesNotContain("resuming");
  }

  @Test
  void jobsNestedUnderTheRootAreFoundByTheirPathButNotTooDeepHiddenOrInsideAJob() throws Exception {
    job("team/e-nested", JobState.FAILED, null);
    job("not-a-job/x/y/f-deep", JobState.FAILED, null);
    job("not-a-job/x/y/z/g-too-deep", JobState.FAILED, null);
    job("_staging/h-hidden", JobState.FAILED, null);
    job("d-failed/checkpoints/i-inside", JobState.FAILED, null);

    String[] plan = cli("resume", "--all", "--dry-run", root.toString());

    assertThat(plan[0]).as(plan[2]).isEqualTo("0");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).startsWith("team/e-nested ").contains("RESUME"))
        .anySatisfy(l -> assertThat(l).startsWith("not-a-job/x/y/f-deep ").contains("RESUME"));
    assertThat(plan[1]).doesNotContain("g-too-deep").doesNotContain("h-hidden").doesNotContain("i-inside")
        .contains("dry run: nothing started (4 to resume)");

    String[] status = cli("status", root.toString());

    assertThat(status[0]).as(status[2]).isEqualTo("0");
    assertThat(status[1].lines()).as("how a FAILED job's last run ended")
        .contains("last run of team/e-nested: failed");
    assertThat(status[1].lines()).anySatisfy(l -> assertThat(l).startsWith("team/e-nested ").contains("FAILED"))
        .anySatisfy(l -> assertThat(l).matches("c-expired\\s+LOST\\s.*"))
        .anySatisfy(l -> assertThat(l).startsWith("c-expired is LOST: it was RUNNING, but no driver holds its lease")
            .contains("'bin/epochal resume file:///").contains("c-expired' continues it"))
        .anySatisfy(l -> assertThat(l).matches("b-leased\\s+RUNNING\\s.*"));
    String[] lost = cli("status", root.resolve("c-expired").toString());
    assertThat(lost[1]).contains("state:       LOST (it was RUNNING, but no driver holds its lease: the driver is gone; "
        + "'bin/epochal resume ");
    assertThat(status[1]).doesNotContain("g-too-deep").doesNotContain("h-hidden").doesNotContain("i-inside");
  }

  @Test
  void aRunningJobWhoseLiveLeaseIsHeldByAGoneProcessOfThisHostIsLost() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve("e-killed").toUri());
    fs.mkdirs(dir);
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of("e", "e", HyperParameters.builder().put("job.name", "e").build()));
    new JobStateStore(fs, dir).transition(JobState.RUNNING, 1, "started");
    JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder(java.net.InetAddress.getLocalHost().getHostName()
        + ":" + exited.pid() + ":0f0e").optTtl(Duration.ofHours(1)).build().acquire(1);
    // one that died after marking its job FAILED, before releasing the lease: it waits for the expiry alike
    org.apache.hadoop.fs.Path failed = new org.apache.hadoop.fs.Path(root.resolve("f-failed-killed").toUri());
    fs.mkdirs(failed);
    new JobSpecStore(fs, failed).writeOnce(JobSpec.of("f", "f", HyperParameters.builder().put("job.name", "f")
        .build()));
    new JobStateStore(fs, failed).transition(JobState.RUNNING, 1, "started");
    new JobStateStore(fs, failed).transition(JobState.FAILED, 1, "INTERRUPTED");
    JobLease.builder().setFileSystem(fs).setJobDir(failed).optHolder(java.net.InetAddress.getLocalHost()
        .getHostName() + ":" + exited.pid() + ":1a2b").optTtl(Duration.ofHours(1)).build().acquire(1);
    // a COMPLETED job whose final checkpoint is gone, reopened by a resume: it waits for the expiry too
    org.apache.hadoop.fs.Path completed = new org.apache.hadoop.fs.Path(root.resolve("g-completed-killed").toUri());
    fs.mkdirs(completed);
    new JobSpecStore(fs, completed).writeOnce(JobSpec.of("g", "g", HyperParameters.builder().put("job.name", "g")
        .put("train.epochs", 1L).build()));
    new JobStateStore(fs, completed).transition(JobState.RUNNING, 1, "started");
    new JobStateStore(fs, completed).transition(JobState.COMPLETED, 1, "done");
    JobLease.builder().setFileSystem(fs).setJobDir(completed).optHolder(java.net.InetAddress.getLocalHost()
        .getHostName() + ":" + exited.pid() + ":2c3d").optTtl(Duration.ofHours(1)).build().acquire(1);

    String[] status = cli("status", root.resolve("e-killed").toString());

    assertThat(status[1]).contains("state:       LOST (it is RUNNING, but its driver ", ":" + exited.pid()
        + ":0f0e was a process of this host that no longer runs; its lease expires at ");
    assertThat(cli("status", root.toString())[1].lines())
        .anySatisfy(l -> assertThat(l).matches("e-killed\\s+LOST\\s.*"))
        .anySatisfy(l -> assertThat(l).matches("b-leased\\s+RUNNING\\s.*"));
    String[] dry = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(dry[0]).as("the dry run exits as the run would").isEqualTo("1");
    assertThat(dry[1]).contains("3 LOST job(s) wait for their lease to expire, so the run would exit 1");
    assertThat(dry[1].lines()).anySatisfy(l -> assertThat(l).matches("f-failed-killed\\s+LOST\\s.*SKIP.*"))
        .anySatisfy(l -> assertThat(l).matches("g-completed-killed\\s+COMPLETED\\s.*SKIP.*").contains("(LOST: that "
            + "driver, a process of this host, no longer runs; run resume --all again after the expiry)"));
    assertThat(dry[1].lines())
        .anySatisfy(l -> assertThat(l).matches("e-killed\\s+LOST\\s.*SKIP.*").contains("(LOST: that driver, a "
            + "process of this host, no longer runs; run resume --all again after the expiry)"))
        .anySatisfy(l -> assertThat(l).contains("b-leased").doesNotContain("LOST"));

    String[] run = cli("resume", "--all", "--submit-template", "true {job_dir}", root.toString());
    assertThat(run[0]).as("a job left to a later run is not a success: %s", run[1] + run[2]).isEqualTo("1");
    assertThat(run[1]).contains("0 resumed, 0 failed, 2 submitted and not finished when their template returned; 3 "
        + "LOST job(s) wait for their lease to expire: run resume --all again after the expiry");
  }

  @Test
  void submitTemplateRunsOnceForEveryResumableJobWithItsDirectoryAndCountsAsResumedOnlyWhatItCompleted()
      throws Exception {
    Path marker = root.resolve("submitted.txt");
    String[] r = cli("resume", "--all", "--parallel", "2", "--submit-template",
        "echo submitted {job_dir} >> '" + marker + "'", root.toString());
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
    List<String> submitted = Files.readAllLines(marker).stream().sorted().toList();
    assertThat(submitted).as("spelled as the resume command of the summary spells it").containsExactly(
        "submitted " + root.resolve("c-expired").toUri().toString().replaceFirst("/$", ""),
        "submitted " + root.resolve("d-failed").toUri().toString().replaceFirst("/$", ""));
    assertThat(r[1]).as("the template exited 0 without resuming anything").contains(
        "0 resumed, 0 failed, 2 submitted and not finished when their template returned").contains(
        "exit 0, but the job is FAILED, as before the template ran: the template returned before its resume changed "
        + "the job").contains("the job's own state tells whether it runs: bin/epochal status ");

    // a template whose resume completes the job (here: it writes a COMPLETED state)
    String[] completing = cli("resume", "--all", "--submit-template", "cp '" + root.resolve("a-completed/state.json")
        + "' \"$(echo {job_dir} | sed 's|^file://||')/state.json\"", root.toString());
    assertThat(completing[0]).as(completing[1] + completing[2]).isEqualTo("0");
    assertThat(completing[1]).contains("2 resumed, 0 failed").doesNotContain("submitted and not finished");
  }

  @Test
  void aTemplateThatExitsZeroAfterTheResumeItRanFailedCountsAsAFailure(@TempDir Path elsewhere) throws Exception {
    // the state a resume that failed leaves (a Kubernetes driver whose spark-submit still exits 0): FAILED anew
    JobStateStore leftByTheResume = new JobStateStore(fs, new org.apache.hadoop.fs.Path(elsewhere.toUri()));
    leftByTheResume.transition(JobState.RUNNING, 9, null);
    leftByTheResume.transition(JobState.FAILED, 9, "BAD_INPUT: a row is bad");
    String[] r = cli("resume", "--all", "--submit-template", "cp '" + elsewhere.resolve("state.json")
        + "' \"$(echo {job_dir} | sed 's|^file://||')/state.json\"", root.toString());
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("1");
    assertThat(r[1]).contains("the template exited 0, but the resume it ran failed: the job is FAILED (BAD_INPUT: "
        + "a row is bad); see why with: bin/epochal status ").contains("0 resumed, 2 failed")
        .doesNotContain("submitted and not finished");
  }

  @Test
  void aJobAnotherDriverTookAfterThePlanWasMadeIsNotStartedAndNoFailure() throws Exception {
    ResumePlan plan = ResumePlan.of(new org.apache.hadoop.fs.Path(root.toUri()), new Configuration(),
        java.time.Instant.now());
    assertThat(plan.toResume()).extracting(ResumePlan.Entry::name).containsExactly("c-expired", "d-failed");
    // a second resume --all (say) takes d-failed between this run's plan and its resume, and completes c-expired
    JobLease.builder().setFileSystem(fs).setJobDir(new org.apache.hadoop.fs.Path(root.resolve("d-failed").toUri()))
        .optHolder("driver-of-the-other-run").optTtl(Duration.ofHours(1)).build().acquire(2);
    new JobStateStore(fs, new org.apache.hadoop.fs.Path(root.resolve("c-expired").toUri()))
        .transition(JobState.COMPLETED, 2, "completed");
    Path marker = root.resolve("submitted.txt");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = new ClusterResume(1, "echo submitted {job_dir} >> '" + marker + "'", CliOptions.builder().build(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8))
        .run(plan);
    String said = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(said).isEqualTo(0);
    assertThat(marker).as("nothing submitted").doesNotExist();
    assertThat(said).contains("[d-failed] not resumed: driver-of-the-other-run took its lease (held until ",
        "d-failed", "not started: driver-of-the-other-run took its lease (held until ",
        ") after this run listed it; see how it goes with: bin/epochal status",
        "[c-expired] not resumed: another driver completed the job after this run listed it",
        "0 resumed, 0 failed, 2 taken by another driver");
  }

  @Test
  void aResumeRefusedForALeaseWhileAnotherDriverCompletedTheJobIsNoFailureAndAKilledOneSaysLost() {
    // the template's resume found the job leased (exit 3), and the driver that held it completed it
    String[] held = cli("resume", "--all", "--submit-template", "cp '" + root.resolve("a-completed/state.json")
        + "' \"$(echo {job_dir} | sed 's|^file://||')/state.json\"; exit 3", root.toString());
    assertThat(held[0]).as(held[1] + held[2]).isEqualTo("0");
    assertThat(held[1]).contains("exit 3: another driver held the job, and it is COMPLETED now", "0 resumed, 0 failed, "
        + "2 taken by another driver");
  }

  @Test
  void aResumeRefusedForALeaseAnotherDriverStillHoldsIsThatDriversJobAndNoFailure() {
    String[] holds = cli("resume", "--all", "--submit-template", "echo {job_dir}; exit 3", root.toString());
    assertThat(holds[0]).as(holds[1] + holds[2]).isEqualTo("0");
    assertThat(holds[1]).contains("exit 3: another driver holds the job now, and it is that driver's to finish; see "
        + "how it goes with: bin/epochal status", "0 resumed, 0 failed, 2 taken by another driver");
  }

  @Test
  void eachResumesStandardErrorGoesToStandardErrorAndItsOutputToStandardOutputPrefixedWithItsJob() {
    String[] r = cli("resume", "--all", "--submit-template", "echo progress of {job_dir}; echo warning of {job_dir} >&2",
        root.toString());
    assertThat(r[1]).containsPattern("\\[c-expired\\] progress of .*c-expired").doesNotContain("] warning of");
    assertThat(r[2]).containsPattern("\\[c-expired\\] warning of .*c-expired").doesNotContain("] progress of");
  }

  @Test
  void aResumeWhoseDriverWasKilledSaysTheJobIsLostUntilItsLeaseExpires() {
    String[] killed = cli("resume", "--all", "--submit-template", "kill -9 $$; echo {job_dir}", root.toString());
    assertThat(killed[0]).as(killed[1] + killed[2]).isEqualTo("1");
    assertThat(killed[1]).contains("exit 137  (its driver was killed with SIGKILL and could say nothing: the job is "
        + "LOST until its lease expires");
  }

  @Test
  void aFailingSubmissionIsReportedWithItsExitCodeAndTheCommandToRetry() {
    String[] r = cli("--master", "local[1]", "resume", "--all", "--submit-template", "test {job_dir} = none",
        root.toString());
    assertThat(r[0]).isEqualTo("1");
    // the template, as it ran for the job: bin/epochal resume would train on this machine's Spark instead
    assertThat(r[1]).contains("c-expired").contains("exit 1").contains("retry with: test file://"
        + root.resolve("c-expired") + " = none)").doesNotContain("bin/epochal")
        .contains("0 resumed, 2 failed");
  }

  @Test
  void aTemplateWithoutThePlaceholderIsAUsageError() {
    String[] r = cli("resume", "--all", "--submit-template", "spark-submit app.jar resume", root.toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("{job_dir}");
  }

  @Test
  void anUnfinishedJobWhoseOriginalCannotBeCheckedIsWorkLeftForItsOperatorAndTheRunSaysSo() throws Exception {
    // its job.json names a location on a file system this machine cannot open (a NameNode that came
    // back at another address): it may have been moved here, so resume --all does not end as if done
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve("g-elsewhere").toUri());
    fs.mkdirs(dir);
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of("g", "g", HyperParameters.builder().put("job.name", "g")
        .put("job.dir", "nosuchfs://nn-old:8020/jobs/g").build()));
    new JobStateStore(fs, dir).transition(JobState.RUNNING, 1, "started");

    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[0]).as("work left: %s", plan[2]).isEqualTo("1");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).contains("g-elsewhere", "SKIP", "cannot be checked now",
        "g-elsewhere --relocate"));
    assertThat(plan[1]).contains("1 unfinished job(s) moved here (or whose original location cannot be checked) wait "
        + "to be resumed with --relocate");
    assertThat(cli("status", root.resolve("g-elsewhere").toString())[1])
        .as("status names the command that continues it, which a resume without --relocate is not")
        .containsPattern("state: +LOST \\(.*g-elsewhere --relocate' continues it");
  }

  @Test
  void aCopiedJobDirectoryIsNotResumedAsTheJobItWasCopiedFromAndAMovedOneAsksForRelocate(@TempDir Path elsewhere)
      throws Exception {
    // a copy or a move keeps the original's job.json, whose job.dir names the original; the copied
    // job's original still holds its job.json (outside the root), the moved job's does not
    Path original = elsewhere.resolve("e-original");
    new JobSpecStore(fs, new org.apache.hadoop.fs.Path(original.toUri())).writeOnce(spec("e", original));
    Path copy = root.resolve("e-copy");
    Path moved = root.resolve("f-moved");
    for (Path job : List.of(copy, moved)) {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
      fs.mkdirs(dir);
      new JobSpecStore(fs, dir).writeOnce(job == copy ? spec("e", original) : spec("f", elsewhere.resolve("f-gone")));
      new JobStateStore(fs, dir).transition(JobState.RUNNING, 1, "started");
    }

    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[0]).as("an unfinished job moved here waits for its operator: %s", plan[2]).isEqualTo("1");
    assertThat(plan[1]).contains("1 unfinished job(s) moved here (or whose original location cannot be checked) wait to be resumed with --relocate");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("e-copy\\s+RUNNING\\s+0\\s+SKIP\\s.*")
        .contains("its job.json belongs to the job at").contains("e-original").contains("this directory is a copy"));
    String[] status = cli("status", root.toString());
    assertThat(status[1]).contains("warning: e-copy: its job.json belongs to the job at",
        "warning: f-moved: its job.json names job.dir");
    assertThat(cli("status", copy.toString())[1]).contains("location:    its job.json belongs to the job at")
        .as("no command a resume refuses").contains("LOST (it was RUNNING, but no driver holds its lease: the driver "
            + "is gone; a resume of this directory is refused: its job.json belongs to the job at")
        .doesNotContain("e-copy' continues it");
    assertThat(cli("status", moved.toString())[1]).as("the command that continues a moved job relocates it")
        .containsPattern("state: +LOST \\(.*f-moved --relocate' continues it");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).contains("f-moved").contains("SKIP")
        .contains("f-gone, which no longer holds this job").contains("f-moved --relocate"));
    // another job started where a moved one was is not the moved job's original
    new JobSpecStore(fs, new org.apache.hadoop.fs.Path(elsewhere.resolve("f-gone").toUri())).writeOnce(JobSpec.of("f",
        "f", HyperParameters.builder().put("job.name", "f").put("optimizer.lr", 0.5)
            .put("job.dir", elsewhere.resolve("f-gone").toUri().toString()).build()));
    assertThat(cli("resume", "--all", "--dry-run", root.toString())[1].lines())
        .anySatisfy(l -> assertThat(l).contains("f-moved").contains("no longer holds this job"));
    assertThat(plan[1]).contains("dry run: nothing started (2 to resume; 1 unfinished job(s) moved here (or whose "
        + "original location cannot be checked) wait to be resumed with --relocate ('resume --all --relocate' resumes "
        + "those moved), so the run would exit 1)");

    // --relocate: the moved job is planned like the others, to be resumed with --relocate; the copy stays skipped
    String[] relocating = cli("resume", "--all", "--dry-run", "--relocate", root.toString());
    assertThat(relocating[0]).as(relocating[1] + relocating[2]).isEqualTo("0");
    assertThat(relocating[1].lines()).anySatisfy(l -> assertThat(l).matches("f-moved\\s+LOST\\s+0\\s+RESUME\\s.*")
        .contains("moved here from " + elsewhere.resolve("f-gone").toUri().toString().replaceAll("/$", ""))
        .contains("(--relocate rewrites its job.dir); lease free, trains from epoch 1"));
    assertThat(relocating[1].lines()).anySatisfy(l -> assertThat(l).matches("e-copy\\s+RUNNING\\s+0\\s+SKIP\\s.*")
        .contains("this directory is a copy"));
    assertThat(relocating[1]).contains("dry run: nothing started (3 to resume)");
    ResumePlan relocatePlan = ResumePlan.of(new org.apache.hadoop.fs.Path(root.toUri()), new Configuration(),
        java.time.Instant.now(), true);
    assertThat(relocatePlan.toResume()).filteredOn(ResumePlan.Entry::relocates).singleElement()
        .satisfies(e -> assertThat(e.name()).isEqualTo("f-moved"));
    assertThat(new ClusterResume(1, null, CliOptions.builder().build(), System.out, System.err).command("/jobs/f-moved", true))
        .endsWith("resume", "/jobs/f-moved", "--relocate");

    String[] one = cli("resume", copy.toString());
    assertThat(one[0]).as(one[1] + one[2]).isEqualTo("2");
    assertThat(one[2]).contains("cannot resume").contains("e-copy").contains("e-original");
    String[] relocated = cli("resume", copy.toString(), "--relocate");
    assertThat(relocated[0]).as(relocated[1] + relocated[2]).isEqualTo("2");
    assertThat(relocated[2]).contains("cannot relocate the job at").contains("still holds it");
    assertThat(new JobSpecStore(fs, new org.apache.hadoop.fs.Path(copy.toUri())).read()).contains(spec("e", original));

    // a job moved into another job's directory would be hidden by it from status and resume --all
    Path nested = copy.resolve("g-moved-inside");
    org.apache.hadoop.fs.Path nestedDir = new org.apache.hadoop.fs.Path(nested.toUri());
    new JobSpecStore(fs, nestedDir).writeOnce(spec("g", elsewhere.resolve("g-gone")));
    String[] inside = cli("resume", nested.toString(), "--relocate");
    assertThat(inside[0]).as(inside[1] + inside[2]).isEqualTo("2");
    assertThat(inside[2]).contains("cannot relocate the job at", "g-gone", "is inside the directory of job",
        "e-copy", "move the directory outside every job directory");
    assertThat(new JobSpecStore(fs, nestedDir).read()).contains(spec("g", elsewhere.resolve("g-gone")));
  }

  @Test
  void twoDirectoriesMovedFromOneJobDirAreCopiesAndSoIsOneMovedFromWhereTheJobWasRelocatedElsewhere(
      @TempDir Path elsewhere) throws Exception {
    Path jobs = Files.createDirectories(elsewhere.resolve("jobs"));
    Path gone = elsewhere.resolve("i-gone"); // neither holds the job's job.json any more
    for (String name : List.of("i-moved", "i-backup", "j-other")) { // j-other: another job trained there later
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobs.resolve(name).toUri());
      new JobSpecStore(fs, dir).writeOnce(spec(name.equals("j-other") ? "j" : "i", gone));
      new JobStateStore(fs, dir).transition(JobState.RUNNING, 1, "started");
    }
    ResumePlan both = ResumePlan.of(new org.apache.hadoop.fs.Path(jobs.toUri()), new Configuration(),
        java.time.Instant.now(), true);
    assertThat(both.toResume()).as("two copies of one job would train apart; another job is no copy")
        .singleElement().satisfies(e -> assertThat(e.name()).isEqualTo("j-other"));
    assertThat(both.entries()).filteredOn(e -> !e.name().equals("j-other")).hasSize(2).allSatisfy(e -> {
      assertThat(e.reason()).contains("one of 2 directories moved here from ").contains("i-backup, i-moved")
          .contains("copies of one job");
      assertThat(e.awaitsRelocation()).as("they wait for their operator to choose one").isTrue();
      assertThat(e.awaitsExpiry()).as("no lease keeps them").isFalse();
    });
    String[] dryRun = cli("resume", "--all", "--dry-run", "--relocate", jobs.toString());
    assertThat(dryRun[0]).as("the job is resumed nowhere: %s", dryRun[1]).isEqualTo("1");
    assertThat(dryRun[1]).doesNotContain("wait for their lease to expire");

    // the job was relocated to i-moved (its note in i-gone says so): i-backup is a copy of it
    io.epochal.driver.config.RelocationNote.of("i", jobs.resolve("i-moved").toUri().toString(), java.time.Instant.now())
        .writeTo(fs, new org.apache.hadoop.fs.Path(gone.toUri()));
    ResumePlan after = ResumePlan.of(new org.apache.hadoop.fs.Path(jobs.toUri()), new Configuration(),
        java.time.Instant.now(), true);
    assertThat(after.entries()).filteredOn(e -> e.name().equals("i-backup")).singleElement().satisfies(e -> {
      assertThat(e.action()).isEqualTo(ResumePlan.Action.SKIP);
      assertThat(e.reason()).contains("from which a resume relocated the job to ", "this directory is a copy");
    });
    String[] relocated = cli("resume", jobs.resolve("i-backup").toString(), "--relocate");
    assertThat(relocated[0]).as(relocated[1] + relocated[2]).isEqualTo("2");
    assertThat(relocated[2]).contains("cannot relocate the job at", "relocated.json there",
        "two copies of one job would train apart");
    // the note names where another job is: j-other is no copy of it
    assertThat(after.entries()).filteredOn(e -> e.name().equals("j-other")).singleElement()
        .satisfies(e -> assertThat(e.action()).isEqualTo(ResumePlan.Action.RESUME));

    // relocated twice (k-gone -> k-x -> k-y): a copy of the job's first directory is a copy still
    Path chained = Files.createDirectories(elsewhere.resolve("chained"));
    Path kGone = elsewhere.resolve("k-gone");
    Path kX = elsewhere.resolve("k-x");
    new JobSpecStore(fs, new org.apache.hadoop.fs.Path(chained.resolve("k-backup").toUri()))
        .writeOnce(spec("k", kGone));
    io.epochal.driver.config.RelocationNote.of("k", kX.toUri().toString(), java.time.Instant.now())
        .writeTo(fs, new org.apache.hadoop.fs.Path(kGone.toUri()));
    io.epochal.driver.config.RelocationNote.of("k", elsewhere.resolve("k-y").toUri().toString(),
        java.time.Instant.now()).writeTo(fs, new org.apache.hadoop.fs.Path(kX.toUri()));
    assertThat(ResumePlan.of(new org.apache.hadoop.fs.Path(chained.toUri()), new Configuration(),
        java.time.Instant.now(), true).entries()).singleElement().satisfies(e -> {
          assertThat(e.action()).isEqualTo(ResumePlan.Action.SKIP);
          assertThat(e.reason()).contains("this directory is a copy");
        });
  }

  @Test
  void aJobANewerEpochalWroteIsSkippedAsSuchNotAnError(@TempDir Path jobs) throws Exception {
    Path newer = Files.createDirectories(jobs.resolve("h-newer"));
    Files.writeString(newer.resolve("job.json"), "{\"format\": 99, \"job_id\": \"h\", \"job_name\": \"h\"}");
    JobStateStore state = new JobStateStore(fs, new org.apache.hadoop.fs.Path(newer.toUri()));
    state.transition(JobState.RUNNING, 1, "started");
    state.transition(JobState.FAILED, 1, "failed");

    ResumePlan plan = ResumePlan.of(new org.apache.hadoop.fs.Path(jobs.toUri()), new Configuration(),
        java.time.Instant.now());

    assertThat(plan.entries()).singleElement().satisfies(e -> {
      assertThat(e.action()).isEqualTo(ResumePlan.Action.SKIP);
      assertThat(e.reason()).contains("was written by a newer Epochal (format 99", "use that Epochal for this job");
    });
  }

  private static JobSpec spec(String name, Path jobDir) {
    return JobSpec.of(name, name, HyperParameters.builder().put("job.name", name)
        .put("job.dir", jobDir.toUri().toString()).build());
  }

  /** A COMPLETED job of two epochs with both checkpoints committed. */
  private Path completedWithCheckpoints(String name) throws Exception {
    return withCheckpoints(name, JobState.COMPLETED);
  }

  /** A job of 2 epochs, both committed, that ended {@code end}. */
  private Path withCheckpoints(String name, JobState end) throws Exception {
    return withCheckpoints(name, end, end == JobState.COMPLETED ? "completed" : "INTERRUPTED: stopped");
  }

  /** A job of 2 epochs, both committed, that ended {@code end} for {@code reason}. */
  private Path withCheckpoints(String name, JobState end, String reason) throws Exception {
    return withCheckpoints(name, end, reason, HyperParameters.builder().build());
  }

  /** As {@link #withCheckpoints(String, JobState, String)}, its checkpoints trained with {@code trainedWith}. */
  private Path withCheckpoints(String name, JobState end, String reason, HyperParameters trainedWith)
      throws Exception {
    Path job = root.resolve(name);
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    fs.mkdirs(dir);
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of(name, name, HyperParameters.builder().put("job.name", name)
        .put("train.epochs", 2L).build()));
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toUri().toString()).build()) {
      for (long epoch = 1; epoch <= 2; epoch++) {
        store.commit(CheckpointContent.builder()
            .setModel(StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, epoch, -epoch)).build())
            .setManifest(CheckpointManifest.builder().setJobId(name).setEpoch(epoch).setModel("mlp", "1")
                .optHyperParameters(trainedWith).build())
            .build(), CommitGuard.NONE);
      }
    }
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "started");
    states.transition(end, 1, reason);
    return job;
  }

  private static Path epochDir(Path job, long epoch) {
    return job.resolve("checkpoints").resolve(String.format("epoch-%06d", epoch));
  }

  @Test
  void aCompletedJobWhoseFinalCheckpointIsDamagedOrGoneIsPlannedForAResumeThatReopensIt() throws Exception {
    completedWithCheckpoints("f-intact");
    Path truncated = completedWithCheckpoints("g-truncated");
    try (var files = Files.list(epochDir(truncated, 2))) {
      Path data = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).findFirst()
          .orElseThrow();
      Files.write(data, java.util.Arrays.copyOf(Files.readAllBytes(data), 8));
    }
    Path noManifest = completedWithCheckpoints("h-no-manifest");
    Files.delete(epochDir(noManifest, 2).resolve("manifest.json"));
    Path gone = completedWithCheckpoints("i-gone");
    org.apache.hadoop.fs.FileUtil.fullyDelete(epochDir(gone, 2).toFile());

    String[] r = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    List<String> lines = r[1].lines().toList();
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("f-intact").contains("COMPLETED").contains("SKIP")
        .contains("completed"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("g-truncated\\s+COMPLETED\\s+1\\s+RESUME .*")
        .contains("RESUME")
        .contains("COMPLETED, but the checkpoint of its final epoch 2 is damaged").contains("has 8 bytes")
        .contains("lease free, reopens it and continues after epoch 1, its newest intact checkpoint"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("h-no-manifest").contains("RESUME")
        .contains("final epoch 2 is damaged").contains("reopens it"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("i-gone").contains("RESUME")
        .contains("final epoch 2 is missing").contains("reopens it"));
    assertThat(r[1]).contains("dry run: nothing started (5 to resume)");
    // reopened, a job whose job.json no longer holds the spec its checkpoints were trained with is refused alike
    Path respecced = withCheckpoints("l-respecced", JobState.COMPLETED, "completed", HyperParameters.builder()
        .put("job.name", "l-respecced").put("train.epochs", 2L).put("optimizer.lr", 0.5).build());
    org.apache.hadoop.fs.FileUtil.fullyDelete(epochDir(respecced, 2).toFile());
    String[] refused = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(refused[1].lines()).anySatisfy(l -> assertThat(l).matches("l-respecced\\s+COMPLETED\\s+-\\s+ERROR .*")
        .contains("job.json does not hold the spec its checkpoint of epoch 1 was trained with"));
    org.apache.hadoop.fs.FileUtil.fullyDelete(respecced.toFile());

    Path failed = withCheckpoints("j-failed", JobState.FAILED);
    Files.delete(epochDir(failed, 2).resolve("model.safetensors"));

    String[] status = cli("status", root.toString());
    assertThat(status[1].lines()).anySatisfy(l -> assertThat(l).matches("j-failed\\s+FAILED\\s+1/2\\s.*"))
        .anySatisfy(l -> assertThat(l).startsWith("warning: j-failed: 1 damaged checkpoint after the epoch shown "
            + "(epoch 2: file:///").contains("epoch-000002/model.safetensors is missing); 'bin/epochal status "));
    assertThat(status[1].lines()).anySatisfy(l -> assertThat(l).matches("g-truncated\\s+COMPLETED\\s+1/2\\s.*")
        )
        // the damaged final checkpoint is said once, not again as a damaged checkpoint after the one shown
        .anySatisfy(l -> assertThat(l).startsWith("warning: g-truncated: COMPLETED, but the checkpoint of its final "
            + "epoch 2 is damaged: file:///").contains("has 8 bytes, its manifest lists"))
        .noneSatisfy(l -> assertThat(l).startsWith("warning: g-truncated: 1 damaged checkpoint after the epoch shown"))
        .anySatisfy(l -> assertThat(l).startsWith("warning: i-gone: COMPLETED, but the checkpoint of its final "
            + "epoch 2 is missing; 'bin/epochal resume ").endsWith("' continues after epoch 1, its newest intact "
            + "checkpoint"))
        .noneSatisfy(l -> assertThat(l).startsWith("warning: f-intact"));
    String[] one = cli("status", truncated.toString());
    assertThat(one[1]).containsPattern("epoch-000002\\s+2\\s.*DAMAGED: .*has 8 bytes, its manifest lists")
        .contains("warning: 1 checkpoint is damaged; a resume continues after the newest intact one")
        .contains("warning: COMPLETED, but the checkpoint of its final epoch 2 is damaged");
    String[] goneOne = cli("status", gone.toString());
    assertThat(goneOne[1]).contains("state:       COMPLETED").contains("warning: COMPLETED, but the checkpoint of its "
        + "final epoch 2 is missing");
    // an unfinished job is planned from its newest intact checkpoint too, as status shows it and the resume falls back
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).as(plan[2]).anySatisfy(l -> assertThat(l).matches("j-failed\\s+FAILED\\s+1\\s+RESUME .*")
        .contains("continues after epoch 1").doesNotContain("after epoch 2"));
  }

  @Test
  void aBadStoreKeyIsAConfigurationErrorNotAnEmptyPlan() {
    String[] r = cli("--conf", "spark.hadoop.epochal.checkpoint.io-threads=abc", "resume", "--all", "--dry-run",
        root.toString());
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("2");
    assertThat(r[2]).contains("epochal.checkpoint.io-threads");
    String[] status = cli("--conf", "spark.hadoop.epochal.checkpoint.io-threads=0", "status", root.toString());
    assertThat(status[0]).as("status: " + status[1] + status[2]).isEqualTo("2");
    assertThat(status[2]).contains("epochal.checkpoint.io-threads");
    assertThat(status[1]).doesNotContain("ERROR");
  }

  @Test
  void statusOfADirectoryWithCheckpointsButNoJobJsonSaysHowToContinueIt() throws Exception {
    Path lost = completedWithCheckpoints("k-lost-spec");
    Files.delete(lost.resolve("job.json"));
    String[] status = cli("status", lost.toString());
    assertThat(status[0]).as(status[1] + status[2]).isEqualTo("1");
    assertThat(status[1]).contains("holds checkpoints but no job.json (it was lost?): 'bin/epochal inspect ")
        .contains("/checkpoints/epoch-").contains("'bin/epochal train' with that spec and job.dir continues it");
    String named = status[1].substring(status[1].indexOf("'bin/epochal inspect ") + 21);
    String[] inspected = cli("inspect", named.substring(0, named.indexOf('\'')));
    assertThat(inspected[0]).as("the inspect it names: " + inspected[1] + inspected[2]).isEqualTo("0");
    String[] all = cli("status", root.toString());
    assertThat(all[0]).as("listing a root: " + all[1] + all[2]).isEqualTo("1");
    assertThat(all[1]).contains("warning: k-lost-spec holds checkpoints but no job.json (it was lost?): "
        + "'bin/epochal status ").contains("a-completed");
    String[] json = cli("status", root.toString(), "--json");
    assertThat(json[0]).as("as the table: " + json[1]).isEqualTo("1");
    com.fasterxml.jackson.databind.JsonNode jobs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json[1])
        .get("jobs");
    assertThat(jobs.findValuesAsText("job")).contains("a-completed", "k-lost-spec");
    for (com.fasterxml.jackson.databind.JsonNode j : jobs) {
      if (j.get("job").asText().equals("k-lost-spec")) {
        assertThat(j.get("state").asText()).isEqualTo("ERROR");
        assertThat(j.get("problems").get(0).asText()).contains("holds checkpoints but no job.json");
      }
    }
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[0]).isEqualTo("1");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("k-lost-spec\\s+\\?\\s+-\\s+ERROR\\s+holds "
        + "checkpoints but no job.json.*"));
    // the job directory itself given as the root: the same row, not "no Epochal job"
    String[] itself = cli("resume", "--all", "--dry-run", lost.toString());
    assertThat(itself[0]).as(itself[1] + itself[2]).isEqualTo("1");
    assertThat(itself[1].lines()).anySatisfy(l -> assertThat(l).matches("k-lost-spec\\s+\\?\\s+-\\s+ERROR\\s+holds "
        + "checkpoints but no job.json.*"));
  }

  @Test
  void aJobWhoseFilesCannotBeReadIsAnErrorAndFailsTheCommandAfterTheOthers() throws Exception {
    Files.writeString(root.resolve("d-failed").resolve("state.json"), "{ not json");
    String[] status = cli("status", root.toString());
    assertThat(status[0]).as("status lists every job, then fails for the one it cannot read: " + status[2])
        .isEqualTo("1");
    assertThat(status[1].lines()).anySatisfy(l -> assertThat(l).matches("d-failed\\s+ERROR\\s.*"))
        .anySatisfy(l -> assertThat(l).startsWith("warning: d-failed: its files cannot be read: ")
            .contains("state.json"))
        .anySatisfy(l -> assertThat(l).startsWith("c-expired "));
    assertThat(status[1]).contains("1 job(s) could not be read (ERROR above)");
    String[] one = cli("status", root.resolve("d-failed").toString());
    assertThat(one[0]).as("one job whose state.json is corrupt: " + one[1] + one[2]).isEqualTo("1");
    assertThat(one[1]).contains("error:       corrupt job file").contains("state.json")
        .contains("warning: the job's files cannot be read (above)");
    String[] json = cli("status", "--json", root.resolve("d-failed").toString());
    assertThat(json[0]).as(json[1] + json[2]).isEqualTo("1");
    com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json[1]);
    assertThat(doc.has("error")).as("a job the document lists, not a text: %s", json[1]).isFalse();
    assertThat(doc.path("jobs")).singleElement().satisfies(j -> {
      assertThat(j.path("job").asText()).isEqualTo("d-failed");
      assertThat(j.path("state").asText()).isEqualTo("ERROR");
      assertThat(j.path("problems").get(0).asText()).startsWith("error: corrupt job file").contains("state.json");
      assertThat(j.has("checkpoints") && j.get("checkpoints").isNull()).as("one job's fields, unknown: null").isTrue();
      assertThat(j.has("mid_epoch") && j.get("mid_epoch").isNull()).isTrue();
    });
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[0]).as("the dry run exits as the run would").isEqualTo("1");
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("d-failed\\s+\\?\\s+-\\s+ERROR\\s+unreadable.*"));
    assertThat(plan[1]).contains("1 job(s) could not be read (ERROR above), so the run would exit 1");
    String[] r = cli("resume", "--all", "--submit-template", "true {job_dir}", root.toString());
    assertThat(r[0]).as(r[1] + r[2]).isEqualTo("1");
    assertThat(r[1]).contains("0 resumed, 0 failed, 1 submitted and not finished when their template returned, 1 "
        + "could not be read");
  }

  @Test
  void statusOfAJobWhoseJobJsonIsCorruptShowsTheRestAndFails() throws Exception {
    Path job = root.resolve("d-failed");
    Files.writeString(job.resolve("job.json"), "{ \"truncated\": ");
    String[] one = cli("status", job.toString());
    assertThat(one[0]).as(one[1] + one[2]).isEqualTo("1");
    assertThat(one[1]).contains("job.json:    ").contains("state:       FAILED")
        .contains("warning: job.json cannot be read (above): a resume of this job fails until it is repaired");
    String[] all = cli("status", root.toString());
    assertThat(all[0]).as(all[1] + all[2]).isEqualTo("1");
    assertThat(all[1].lines()).anySatisfy(l -> assertThat(l).matches("d-failed\\s+ERROR\\s.*"))
        .anySatisfy(l -> assertThat(l).startsWith("a-completed "));

    Files.delete(job.resolve("state.json"));
    String[] noState = cli("status", job.toString());
    assertThat(noState[0]).as(noState[1] + noState[2]).isEqualTo("1");
    assertThat(noState[1]).contains("state:       ? (no state.json, and job.json cannot be read: not a NEW job)")
        .doesNotContain("state:       NEW");
    String[] json = cli("status", job.toString(), "--json");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json[1]).get("jobs").get(0).get("state")
        .asText()).as("as the table says it").isEqualTo("?");
    String[] empty = cli("status", root.resolve("b-leased").toString());
    assertThat(empty[1]).as("no table header without checkpoints").contains("checkpoints: 0 in ")
        .doesNotContain("CHECKPOINT ");
  }

  @Test
  void aJobWhoseLastRunHitNaNIsSkippedAsAResumeWouldRepeatItStepForStep() throws Exception {
    withCheckpoints("k-nan", JobState.FAILED, "NON_FINITE_STATE: epoch 1 round 1: the state of worker 0 holds NaN");
    withCheckpoints("l-stopped", JobState.FAILED);
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("k-nan\\s+FAILED\\s+2\\s+SKIP\\s+.*")
            .contains("its last run failed NON_FINITE_STATE, which a resume repeats step for step"))
        .anySatisfy(l -> assertThat(l).matches("l-stopped\\s+FAILED\\s+2\\s+RESUME\\s+.*"));
  }

  @Test
  void aJobWhoseJobJsonIsNotTheSpecItsCheckpointWasTrainedWithIsAnErrorAsItsResumeRefusesIt() throws Exception {
    Path job = root.resolve("e-replaced-spec");
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    fs.mkdirs(dir);
    HyperParameters trained = HyperParameters.builder().put("job.name", "e").put("optimizer.lr", 0.003)
        .put("train.epochs", 4L).build();
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of("e", "e", HyperParameters.builder().putAll(trained)
        .put("optimizer.lr", 0.01).put("train.epochs", 6L).build())); // replaced by hand; the epochs may differ
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toUri().toString()).build()) {
      store.commit(CheckpointContent.builder()
          .setModel(StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, 1f)).build())
          .setManifest(CheckpointManifest.builder().setJobId("e").setEpoch(1).setModel("mlp", "1")
              .optHyperParameters(trained).build()).build(), CommitGuard.NONE);
    }
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "started");
    states.transition(JobState.FAILED, 1, "INTERRUPTED: stopped");

    String[] plan = cli("resume", "--all", "--dry-run", root.toString());

    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l)
        .matches("e-replaced-spec\\s+FAILED\\s+\\S+\\s+ERROR\\s+.*")
        .contains("job.json does not hold the spec its checkpoint of epoch 1 was trained with").contains("optimizer.lr")
        .doesNotContain("train.epochs"));
    assertThat(plan[0]).as("as the run would: its resume fails").isEqualTo("1");
  }

  @Test
  void aJobWhoseLastRunFailedOnItsDataIsPlannedSayingTheResumeFailsAgainUnlessTheDataWasFixed() throws Exception {
    withCheckpoints("m-bad-data", JobState.FAILED, "BAD_INPUT: data.path file:///d has 300 usable rows now");
    withCheckpoints("n-stopped", JobState.FAILED);
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("m-bad-data\\s+FAILED\\s+2\\s+RESUME\\s+.*")
            .contains("last run: BAD_INPUT: data.path", "unless the data was fixed since, the resume fails the same way"))
        .anySatisfy(l -> assertThat(l).matches("n-stopped\\s+FAILED\\s+2\\s+RESUME\\s+.*")
            .doesNotContain("the data was fixed"));
    assertThat(cli("status", root.toString())[1].lines()).as("the epoch reached, of the job's epochs")
        .anySatisfy(l -> assertThat(l).matches("m-bad-data\\s+FAILED\\s+2/2\\s.*"))
        .anySatisfy(l -> assertThat(l).matches("b-leased\\s+RUNNING\\s+-\\s.*"));
  }

  @Test
  void aJobWhoseLastRunFoundNoGpuIsPlannedSayingWhereTheResumeTrains() throws Exception {
    withCheckpoints("o-no-gpu", JobState.FAILED, "DEVICE_UNAVAILABLE: epoch 1 round 1 failed: train.device=gpu but "
        + "executor 1 cannot train on a GPU");
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("o-no-gpu\\s+FAILED\\s+2\\s+RESUME\\s+.*")
        .contains("this resume trains with train.device = auto, on the CPU where no GPU is scheduled, unless "
            + "--conf spark.epochal.train.device=gpu"))
        .anySatisfy(l -> assertThat(l).contains("d-failed").doesNotContain("train.device"));
  }

  @Test
  void aJobWhoseModelKeepsStateOutsideItsStateDictIsNeitherResumedByResumeAllNorByResume(@TempDir Path elsewhere)
      throws Exception {
    withCheckpoints("p-drifting", JobState.FAILED, "CHECKPOINT_NOT_REPRODUCIBLE: epoch 2 round 1 failed: model "
        + "drifting-linear v1 keeps state outside its state dict: a model this worker trained ...");
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).matches("p-drifting\\s+FAILED\\s+2\\s+SKIP\\s+.*")
        .contains("its model keeps state outside its state dict"));
    String[] one = cli("resume", root.resolve("p-drifting").toString());
    assertThat(one[0]).as(one[2]).isEqualTo("2");
    assertThat(one[2]).contains("is not resumed: its last run found model drifting-linear v1 keeps state outside its "
        + "state dict: no checkpoint holds that state", "train a new job in a new job.dir");
    // nor by train with a spec naming its job.dir, which would continue it as a resume does (its dry run as well)
    Path specFile = elsewhere.resolve("p-drifting.properties");
    Files.write(specFile, List.of("job.name=p-drifting", "job.dir=" + root.resolve("p-drifting").toUri(),
        "model.name=mlp", "model.input_dim=4", "model.output_dim=2", "data.path="
        + Files.createDirectories(elsewhere.resolve("p-drifting-data")).toUri(),
        "data.features=features"));
    for (String[] train : List.of(cli("train", specFile.toString()), cli("train", specFile.toString(), "--dry-run"))) {
      assertThat(train[0]).as(train[2]).isEqualTo("2");
      assertThat(train[2]).contains("is not resumed: its last run found model drifting-linear v1 keeps state outside "
          + "its state dict");
    }
  }

  @Test
  void aLeaseItsDriverReleasedIsSaidToBeReleasedNotExpired() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve("d-failed").toUri());
    JobLease lease = JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder("driver-stopped").build();
    lease.acquire(2);
    lease.release();
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).contains("d-failed").contains("RESUME")
        .contains("lease of driver-stopped released at"));
    String[] status = cli("status", root.resolve("d-failed").toString());
    assertThat(status[1]).contains("lease:       free (last driver-stopped, released ");
    // the table of a root: when it was freed, to the second
    String[] table = cli("status", root.toString());
    assertThat(table[1].lines()).anySatisfy(l -> assertThat(l).startsWith("d-failed ")
        .matches(".* free since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

    JobLease held = JobLease.builder().setFileSystem(fs).setJobDir(dir)
        .optHolder("host-a:4242:0b9e4cfb-2d57-4d2e-9a51-0d4f0d5c3a11").build();
    held.acquire(3);
    try {
      String[] live = cli("status", root.toString());
      assertThat(live[1].lines()).anySatisfy(l -> assertThat(l).startsWith("d-failed ")
          .matches(".* held by host-a:4242 until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
    } finally {
      held.release();
    }
  }

  @Test
  void statusOfAJobWhoseEveryCheckpointIsDamagedSaysAResumeStartsAgain() throws Exception {
    Path job = completedWithCheckpoints("g-all-damaged");
    for (long epoch : new long[] {1, 2}) {
      try (var files = Files.list(epochDir(job, epoch))) {
        Path data = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).findFirst().orElseThrow();
        Files.write(data, java.util.Arrays.copyOf(Files.readAllBytes(data), 8));
      }
    }
    String[] status = cli("status", job.toString());
    assertThat(status[1]).contains("warning: all 2 checkpoints are damaged; a resume trains again from epoch 1")
        .contains("final epoch 2 is damaged").contains("' trains it again from epoch 1").doesNotContain("newest intact");
    // the plan does not name a damaged older checkpoint as the one a resume continues after
    assertThat(cli("resume", "--all", "--dry-run", root.toString())[1].lines()).anySatisfy(l -> assertThat(l)
        .matches("g-all-damaged\\s+COMPLETED\\s+0\\s+RESUME .*").contains("trains again from epoch 1"));
    // its only checkpoint damaged (keep_last=1): the plan has no older one to name
    org.apache.hadoop.fs.FileUtil.fullyDelete(epochDir(job, 1).toFile());
    String[] plan = cli("resume", "--all", "--dry-run", root.toString());
    assertThat(plan[1].lines()).anySatisfy(l -> assertThat(l).contains("g-all-damaged").contains("RESUME")
        .contains("reopens it and trains again from epoch 1 (no older intact checkpoint)"));
  }
}
