package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver that a standalone master supervises, which would be started again without limit after
 * any nonzero exit, ends with 0 (saying why) when a new start would fail the same way, and keeps
 * its code when a new start can succeed; any other driver keeps its code.
 */
class SupervisedExitTest {

  @TempDir
  Path tmp;

  private static Properties submitted(String master, String deployMode, String supervise) {
    Properties p = new Properties();
    p.setProperty("spark.master", master);
    p.setProperty("spark.submit.deployMode", deployMode);
    if (supervise != null) {
      p.setProperty("spark.driver.supervise", supervise);
    }
    return p;
  }

  private static final Properties SUPERVISED = submitted("spark://nn:7077", "cluster", "true");

  @Test
  void onlyASupervisedClusterDriverOfAStandaloneMasterCounts() {
    assertThat(SupervisedExit.supervised(SUPERVISED)).isTrue();
    assertThat(SupervisedExit.supervised(submitted("spark://nn:7077", "client", "true"))).isFalse();
    assertThat(SupervisedExit.supervised(submitted("spark://nn:7077", "cluster", "false"))).isFalse();
    assertThat(SupervisedExit.supervised(submitted("spark://nn:7077", "cluster", null))).isFalse();
    assertThat(SupervisedExit.supervised(submitted("yarn", "cluster", "true"))).isFalse();
    assertThat(SupervisedExit.supervised(new Properties())).isFalse();
  }

  @Test
  void aFailureANewStartRepeatsEndsASupervisedDriverWithZero() {
    for (int code : new int[] {ExitCodes.USAGE, ExitCodes.BAD_INPUT, ExitCodes.LEASE_HELD}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(SupervisedExit.exitCode(code, false, SUPERVISED, new PrintStream(err, true, StandardCharsets.UTF_8)))
          .as("exit %s", code).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("epochal: exiting with code 0, not " + code
          + ": this driver runs under spark-submit --supervise on a standalone master");
    }
    // noted as repeating: a training failure, storage that refuses the job's writes, an internal error
    for (int code : new int[] {ExitCodes.FAILED, ExitCodes.IO_ERROR, ExitCodes.INTERNAL}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(SupervisedExit.exitCode(code, true, SUPERVISED, new PrintStream(err, true, StandardCharsets.UTF_8)))
          .as("exit %s", code).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("exiting with code 0, not " + code + ":")
          .contains("would fail the same way until the cause above is fixed").contains("submit the job again");
    }
  }

  @Test
  void aFailureANewStartCanOutliveKeepsItsCode() {
    PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThat(SupervisedExit.exitCode(ExitCodes.FAILED, false, SUPERVISED, err)).isEqualTo(ExitCodes.FAILED);
    assertThat(SupervisedExit.exitCode(ExitCodes.IO_ERROR, false, SUPERVISED, err)).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(SupervisedExit.exitCode(130, true, SUPERVISED, err)).isEqualTo(130);
    assertThat(SupervisedExit.exitCode(128 + 9, true, SUPERVISED, err)).isEqualTo(128 + 9);
    assertThat(SupervisedExit.exitCode(ExitCodes.INTERNAL, false, SUPERVISED, err)).isEqualTo(ExitCodes.INTERNAL);
    assertThat(SupervisedExit.exitCode(ExitCodes.OK, true, SUPERVISED, err)).isZero();
  }

  @Test
  void storageThatRefusesTheJobsWritesRepeatsOnRestartAndStorageThatDoesNotAnswerDoesNot() {
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.io.IOException("cannot create /jobs/a/job.json",
        new org.apache.hadoop.security.AccessControlException("Permission denied: user=spark, access=WRITE"))))
        .isTrue();
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.io.IOException("org.apache.hadoop.hdfs.protocol."
        + "DSQuotaExceededException: The DiskSpace quota of /jobs is exceeded"))).isTrue();
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.io.IOException("No space left on device"))).isTrue();
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.nio.file.FileSystemException("/jobs/a: Read-only "
        + "file system"))).isTrue();
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.io.IOException("Call to nn:8020 failed",
        new java.net.ConnectException("Connection refused")))).isFalse();
    assertThat(CommandFailure.refusedUntilSomeoneActs(new java.io.IOException("Stream closed"))).isFalse();
  }

  @Test
  void anInternalErrorRepeatsOnRestartUnlessExecutorsWereLostOrAFileSystemDidNotAnswer() {
    assertThat(CommandFailure.internalErrorRepeats(new IllegalStateException("a defect"))).isTrue();
    assertThat(CommandFailure.internalErrorRepeats(new RuntimeException("engine", new UnsatisfiedLinkError("no torch"))))
        .isTrue();
    // predict's and evaluate's Spark jobs, aborted after their tasks failed 4 times on lost executors
    assertThat(CommandFailure.internalErrorRepeats(new org.apache.spark.SparkException("Job aborted due to stage "
        + "failure: Task 0 in stage 3.0 failed 4 times, most recent failure: ExecutorLostFailure"))).isFalse();
    assertThat(CommandFailure.internalErrorRepeats(new RuntimeException("predict failed",
        new org.apache.spark.SparkException("Job aborted", new java.net.ConnectException("Connection refused")))))
        .isFalse();
    assertThat(CommandFailure.internalErrorRepeats(new RuntimeException("read failed",
        new java.net.SocketTimeoutException("60000 millis timeout")))).isFalse();
    // a task that fails the same way in every attempt (its engine does not load on the executors): every start
    assertThat(CommandFailure.internalErrorRepeats(new org.apache.spark.SparkException("Job aborted due to stage "
        + "failure: Task 0 in stage 1.0 failed 4 times", new UnsatisfiedLinkError("no torch in java.library.path"))))
        .isTrue();
  }

  @Test
  void aMarkWhoseDirectoryIsGoneIsNotWrittenNorComplainedAbout() throws Exception {
    // a driver a template ran on another host, or after its resume --all ended, inherits a path it cannot use
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path gone = tmp.resolve("epochal-resume-all-gone").resolve("1.repeats");
    SupervisedExit.tellParent(ExitCodes.BAD_INPUT, false, Map.of(SupervisedExit.REPEATS_FILE, gone.toString()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(gone).doesNotExist();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    Path here = tmp.resolve("2.repeats");
    SupervisedExit.tellParent(ExitCodes.BAD_INPUT, false, Map.of(SupervisedExit.REPEATS_FILE, here.toString()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(here).as("bad input repeats").exists();
    SupervisedExit.tellParent(ExitCodes.IO_ERROR, false, Map.of(SupervisedExit.REPEATS_FILE, tmp.resolve("3.repeats")
        .toString()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(tmp.resolve("3.repeats")).as("storage that did not answer may pass").doesNotExist();
  }

  @Test
  void anUnsupervisedDriverKeepsItsCode() {
    PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    for (Properties p : List.of(submitted("spark://nn:7077", "client", "true"), submitted("yarn", "cluster", "true"),
        submitted("spark://nn:7077", "cluster", null))) {
      assertThat(SupervisedExit.exitCode(ExitCodes.BAD_INPUT, true, p, err)).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(SupervisedExit.exitCode(ExitCodes.FAILED, true, p, err)).isEqualTo(ExitCodes.FAILED);
    }
  }

  @Test
  void theCommandsJvmExitsWithZeroOnlyWhenSupervised() throws Exception {
    List<String> supervised = List.of("-Dspark.master=spark://127.0.0.1:7077", "-Dspark.submit.deployMode=cluster",
        "-Dspark.driver.supervise=true");
    Run plain = run(List.of());
    assertThat(plain.code).as(plain.err).isEqualTo(ExitCodes.USAGE);
    assertThat(plain.err).contains("epochal: configuration error").doesNotContain("exiting with code 0");
    Run under = run(supervised);
    assertThat(under.code).as(under.err).isZero();
    assertThat(under.err).contains("epochal: configuration error")
        .contains("epochal: exiting with code 0, not 2: this driver runs under spark-submit --supervise");
  }

  @Test
  void aDamagedJobFileEndsASupervisedDriverWithZeroAndTellsAResumeAllParentItRepeats() throws Exception {
    // a driver killed between creating job.json in place and writing it: every start finds the empty file
    Path job = Files.createDirectories(tmp.resolve("job"));
    Files.write(job.resolve("job.json"), new byte[0]);
    List<String> resume = List.of("resume", job.toString());
    Path mark = tmp.resolve("repeats-mark");

    Run told = run(List.of(), resume, Map.of(SupervisedExit.REPEATS_FILE, mark.toString()));
    assertThat(told.code).as(told.err).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(told.err).contains("job.json is empty");
    assertThat(mark).as("the resume --all parent is told: %s", told.err).exists();

    Run under = run(List.of("-Dspark.master=spark://127.0.0.1:7077", "-Dspark.submit.deployMode=cluster",
        "-Dspark.driver.supervise=true"), resume, Map.of());
    assertThat(under.code).as(under.err).isZero();
    assertThat(under.err).contains("epochal: exiting with code 0, not 5: this driver runs under spark-submit "
        + "--supervise");
  }

  private record Run(int code, String err) {}

  /** Runs {@code epochal train} of a job file that misses required keys, in a JVM of its own. */
  private Run run(List<String> properties) throws Exception {
    Path spec = tmp.resolve("job.properties");
    Files.write(spec, List.of("job.name=incomplete"), StandardCharsets.UTF_8);
    return run(properties, List.of("train", spec.toString()), Map.of());
  }

  /** Runs the command {@code args} in a JVM of its own, with {@code env} added to this one's environment. */
  private Run run(List<String> properties, List<String> args, Map<String, String> env) throws Exception {
    Path err = Files.createTempFile(tmp, "err-", ".txt");
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp));
    cmd.addAll(properties);
    cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        "io.epochal.driver.cli.EpochalCli"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile());
    pb.environment().remove(SupervisedExit.REPEATS_FILE);
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command ends").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Run(p.exitValue(), Files.readString(err));
  }
}
