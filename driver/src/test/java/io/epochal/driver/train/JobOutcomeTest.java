package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the driver holding a job's lease marks it in state.json ({@link JobOutcome}). */
class JobOutcomeTest {

  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aFailureIsRecordedWithItsReasonOverAFailedMarkADriverThatLostTheLeaseWroteAfterTheTakeover() throws Exception {
    Path dir = new Path(tmp.resolve("job").toUri());
    FileSystem fs = dir.getFileSystem(new Configuration());
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "attempt 1");
    Object lock = new Object();
    LeaseKeeper lease = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder("driver-b")
        .optTtl(Duration.ofMinutes(10)).build(), dir, Duration.ofMinutes(10), lock);
    try {
      lease.acquire(2);
      JobOutcome outcome = new JobOutcome(lock, spec(), dir, lease, states, TrainingListener.NONE);
      outcome.begin(2);
      states.transition(JobState.RUNNING, 2, "attempt 2");
      // driver A, whose lease ran out, marks the job FAILED after driver B took it over
      states.transition(JobState.FAILED, 1, "STORAGE_UNAVAILABLE: attempt 1's stale mark");

      outcome.failed(new TrainingException(FailureReason.TASK_FAILED, 3, 1, "a task failed 4 times", null));

      JobStatus now = states.read().orElseThrow();
      assertThat(now.getState()).isEqualTo(JobState.FAILED);
      assertThat(now.getReason()).isEqualTo("TASK_FAILED: a task failed 4 times");
    } finally {
      lease.stopHeartbeat();
      lease.release();
    }
  }

  private JobSpec spec() throws Exception {
    java.nio.file.Path file = tmp.resolve("job.properties");
    Files.createDirectories(tmp.resolve("data"));
    Files.write(file, List.of("job.name=outcome", "job.dir=" + tmp.resolve("job").toUri(),
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features", "data.classes=2", "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2"));
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog()).build().resolve();
  }
}
