package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.params.HyperParameters;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal resume --all} stopped with SIGTERM (Ctrl-C, a scheduler) stops the resumes it
 * runs, and what they started, instead of leaving them training as orphans. The resume here is a
 * submit template whose shell starts {@code sleep}, as a {@code spark-submit} line starts a JVM.
 */
class ResumeAllShutdownTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path root;

  @Test
  void sigtermToResumeAllStopsTheResumesItStartedAndWhatTheyStartedAndStartsNoMore() throws Exception {
    failedJob("a-failed");
    failedJob("b-failed"); // queued behind a-failed (--parallel 1): must not start once stopping began
    Path log = root.resolve("resume-all.log");

    Process resumeAll = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", testClasspath(), "io.epochal.driver.cli.EpochalCli", "resume", "--all",
        "--submit-template", "sleep 600; echo {job_dir}", root.resolve("jobs").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    List<ProcessHandle> started = List.of();
    try {
      started = awaitSleep(resumeAll, log);

      resumeAll.destroy(); // SIGTERM
      assertThat(resumeAll.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("resume --all ends on SIGTERM").isTrue();

      for (ProcessHandle p : started) {
        boolean gone = p.onExit().thenApply(h -> true).completeOnTimeout(false, WAIT.toSeconds(), TimeUnit.SECONDS)
            .get();
        assertThat(gone).as("pid %d (%s) ends with resume --all", p.pid(), p.info().command().orElse("?")).isTrue();
      }
      assertThat(Files.readString(log)).contains("stopping 1 running resume(s) (SIGTERM)")
          .contains("[a-failed] resuming").doesNotContain("[b-failed] resuming")
          .contains("resume --all: stopped; not started: b-failed (a later 'resume --all' picks them up)");
      // the summary is printed before the JVM halts: stopping waits for it
      assertThat(Files.readString(log)).contains("resume summary:")
          .contains("(stopped with resume --all; a later 'resume --all', or ")
          .contains("0 resumed, 0 failed, 1 stopped, 1 not started").doesNotContain("once its cause is fixed");
      Thread.sleep(500); // a resume started late would run now, orphaned
      assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(root.toString())))
          .as("no process of a job under %s outlives resume --all", root).isEmpty();
    } finally {
      resumeAll.destroyForcibly();
      started.forEach(ProcessHandle::destroyForcibly);
      // whatever escaped (a failing run of this test): its command line names a job under root
      ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(root.toString()))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }

  private void failedJob(String name) throws java.io.IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root.resolve("jobs").resolve(name).toUri());
    fs.mkdirs(dir);
    new JobSpecStore(fs, dir).writeOnce(JobSpec.of(name, name,
        HyperParameters.builder().put("job.name", name).build()));
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "started");
    states.transition(JobState.FAILED, 1, "failed");
  }

  /** Waits until {@code p}'s submit template runs {@code sleep}; returns its shell and the sleep. */
  private static List<ProcessHandle> awaitSleep(Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<ProcessHandle> live = p.descendants().filter(ProcessHandle::isAlive).toList();
      if (live.stream().anyMatch(h -> h.info().command().orElse("").endsWith("sleep"))) {
        return live;
      }
      assertThat(p.isAlive()).as("resume --all runs while its resume starts:%n%s", Files.readString(log)).isTrue();
      assertThat(System.nanoTime()).as("a sleep under resume --all within %s; have %s", WAIT, live)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** The real test class path (Surefire's own {@code java.class.path} may be a manifest-only jar). */
  private static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
        .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
  }
}
