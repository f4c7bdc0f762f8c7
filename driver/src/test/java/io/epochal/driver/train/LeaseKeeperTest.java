package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.job.JobLease;
import io.epochal.job.LeaseRecord;
import io.epochal.job.SafeModeFileSystem;
import java.io.IOException;
import java.time.Duration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's hold on a job's lease: {@link LeaseKeeper} over a {@link JobLease}. */
class LeaseKeeperTest {

  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aStartWhoseLeaseCouldNotBeGivenUpTakesItAgainWhenItIsRetried() throws IOException {
    Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
    // storage refuses every write for a moment (a NameNode entering safe mode): lease.json cannot be
    // replaced and the claim cannot be withdrawn
    try (SafeModeFileSystem flaky = SafeModeFileSystem.forJob(dir)) {
      LeaseKeeper keeper = new LeaseKeeper(JobLease.builder().setFileSystem(flaky).setJobDir(dir)
          .optHolder("driver-a").optTtl(Duration.ofMinutes(10)).build(), dir, Duration.ofMinutes(10), new Object());
      LeaseRecord first = keeper.acquire(1);
      flaky.refuse(true); // the start's next write fails, and so does giving the lease up
      assertThatThrownBy(keeper::abandon).hasMessageContaining("safe mode");
      flaky.refuse(false);

      LeaseRecord again = keeper.acquire(1); // the start's retry, once storage answers
      assertThat(again.getToken()).isEqualTo(first.getToken() + 1);
      assertThat(keeper.stillHolder()).isTrue();
      keeper.stopHeartbeat();
      keeper.release();
      assertThat(keeper.current()).hasValueSatisfying(r -> assertThat(r.isReleased()).isTrue());
    }
  }
}
