package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's state and lease read as one snapshot while a driver changes them. */
class StateAndLeaseTest {

  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aJobWhoseDriverFinishesBetweenTheReadsIsSeenFinishedNotRunningWithoutADriver() throws Exception {
    FileSystem local = FileSystem.getLocal(new Configuration());
    Path job = new Path(tmp.toUri().toString(), "job");
    JobLease driver = JobLease.builder().setFileSystem(local).setJobDir(job).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    driver.acquire(1);
    JobStateStore states = new JobStateStore(local, job);
    states.transition(JobState.RUNNING, 1, "started");

    AtomicBoolean finished = new AtomicBoolean();
    // the driver marks the job COMPLETED and releases its lease right after the reader opened state.json
    FileSystem racing = new FilterFileSystem(local) {
      @Override
      public FSDataInputStream open(Path p, int bufferSize) throws IOException {
        FSDataInputStream in = super.open(p, bufferSize);
        if (p.getName().equals("state.json") && finished.compareAndSet(false, true)) {
          states.transition(JobState.COMPLETED, 1, "completed");
          driver.release();
        }
        return in;
      }
    };
    StateAndLease read = StateAndLease.read(racing, job);
    assertThat(finished).isTrue();
    assertThat(read.status().orElseThrow().getState()).isEqualTo(JobState.COMPLETED);
    assertThat(read.lease().orElseThrow().isReleased()).isTrue();
  }

  @Test
  void aQuietJobIsReadOnce() throws Exception {
    FileSystem local = FileSystem.getLocal(new Configuration());
    Path job = new Path(tmp.toUri().toString(), "quiet");
    JobLease.builder().setFileSystem(local).setJobDir(job).optHolder("driver-b").build().acquire(1);
    new JobStateStore(local, job).transition(JobState.RUNNING, 1, "started");
    java.util.concurrent.atomic.AtomicInteger stateReads = new java.util.concurrent.atomic.AtomicInteger();
    FileSystem counting = new FilterFileSystem(local) {
      @Override
      public FSDataInputStream open(Path p, int bufferSize) throws IOException {
        if (p.getName().equals("state.json")) {
          stateReads.incrementAndGet();
        }
        return super.open(p, bufferSize);
      }
    };
    StateAndLease read = StateAndLease.read(counting, job);
    assertThat(read.status().orElseThrow().getState()).isEqualTo(JobState.RUNNING);
    assertThat(read.lease().orElseThrow().getHolder()).isEqualTo("driver-b");
    assertThat(stateReads).as("the lease read before and after it is the same: state.json is read once").hasValue(1);
  }
}
