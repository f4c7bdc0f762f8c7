package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import io.epochal.job.JobLease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code resume --dry-run} answers with the exit code the resume would start with: a resume takes the job's lease
 * before it reads the job's checkpoints, so a live driver holding the job decides it, also when the checkpoints
 * would stop the resume once it held the lease.
 */
class ResumeDryRunLeaseTest {

  @TempDir
  Path tmp;

  @Test
  void aLiveDriverHoldingTheJobIsTheAnswerAlsoWhenTheCheckpointWouldStopTheResumeOnceItHeldTheLease()
      throws Exception {
    Path job = FormatFixture.copyJob(tmp.resolve("job"));
    // as written where it is, and edited since in a training key its checkpoint was trained with
    Files.writeString(job.resolve("job.json"), Files.readString(job.resolve("job.json"))
        .replace("\"file:///tmp/exp_fx/job\"", "\"file://" + job.toAbsolutePath() + "\"")
        .replace("\"optimizer.lr\" : 0.01,", "\"optimizer.lr\" : 0.02,"));
    CliRun free = CliRun.of("resume", job.toString(), "--dry-run", "--master", "local[1]");
    assertThat(free.code).as("%s", free).isEqualTo(ExitCodes.USAGE);
    assertThat(free.err).contains("but the resume would stop: ", "optimizer.lr");

    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    JobLease other = JobLease.builder().setFileSystem(FileSystem.getLocal(new Configuration())).setJobDir(dir)
        .optHolder("node7:4242:another-driver").optTtl(Duration.ofHours(1)).build();
    other.acquire(5);
    CliRun held;
    try {
      held = CliRun.of("resume", job.toString(), "--dry-run", "--master", "local[1]");
    } finally {
      other.release();
    }

    assertThat(held.code).as("%s", held).isEqualTo(ExitCodes.LEASE_HELD);
    assertThat(held.err).contains("node7:4242:another-driver holds the job's lease until",
        "a resume now would exit 3");
  }
}
