package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease on the local file system (file: URIs). */
class JobLeaseLocalTest extends JobLeaseContract {

  @TempDir static java.nio.file.Path tmp;
  private static FileSystem fs;

  @BeforeAll
  static void open() throws IOException {
    fs = FileSystem.newInstanceLocal(new Configuration());
  }

  @AfterAll
  static void close() throws IOException {
    fs.close();
  }

  @Override
  protected FileSystem fs() {
    return fs;
  }

  @Override
  protected Path root() {
    return new Path(tmp.toUri());
  }

  @Test
  void aClaimWhoseLeaseFileCannotBeWrittenIsWithdrawnSoTheNextDriverTakesTheJobAtOnce() throws IOException {
    Path jobDir = new Path(root(), "job-unwritable-lease");
    // lease.json cannot be replaced while a non-empty directory has its name (as when the disk is full)
    fs.mkdirs(new Path(jobDir, "lease.json/blocker"));
    JobLease first = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    assertThatThrownBy(() -> first.acquire(1)).isInstanceOf(IOException.class)
        .isNotInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("the lease was not taken (its claim, fencing token 1, was withdrawn)");
    assertThat(fs.exists(JobPaths.leaseToken(jobDir, 1))).isFalse();

    fs.delete(new Path(jobDir, "lease.json"), true);
    LeaseRecord second = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-b")
        .optTtl(Duration.ofMinutes(10)).build().acquire(2);
    assertThat(second.getHolder()).isEqualTo("driver-b");
  }

  @Test
  void aLeaseWhoseOldClaimsCannotBePrunedIsStillTakenAndCanBeReleased() throws IOException {
    Path jobDir = new Path(root(), "job-unprunable");
    AtomicInteger claimListings = new AtomicInteger();
    // the third listing of the claims is the prune after the claim (the second checks that no newer claim came
    // meanwhile); it fails (a NameNode failover)
    FileSystem flaky = new FilterFileSystem(fs) {
      @Override
      public FileStatus[] listStatus(Path p) throws IOException {
        if (p.equals(JobPaths.leaseTokens(jobDir)) && claimListings.incrementAndGet() == 3) {
          throw new IOException("listing failed");
        }
        return super.listStatus(p);
      }
    };
    JobLease first = JobLease.builder().setFileSystem(flaky).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    LeaseRecord taken = first.acquire(1);
    assertThat(claimListings.get()).as("the prune listed the claims").isGreaterThanOrEqualTo(3);
    assertThat(first.getRecord()).contains(taken);

    first.release();
    LeaseRecord next = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-b")
        .optTtl(Duration.ofMinutes(10)).build().acquire(2);
    assertThat(next.getToken()).isEqualTo(taken.getToken() + 1);
  }

  @Test
  void aLeaseAbandonedWhenItsReleaseCannotBeWrittenIsWithdrawnSoTheNextDriverTakesTheJobAtOnce() throws IOException {
    Path jobDir = new Path(root(), "job-abandoned");
    JobLease first = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    LeaseRecord taken = first.acquire(1);
    // the disk fills before the driver's start is done: lease.json can no longer be replaced
    fs.delete(new Path(jobDir, "lease.json"), false);
    fs.mkdirs(new Path(jobDir, "lease.json/blocker"));
    first.abandon();
    assertThat(fs.exists(JobPaths.leaseToken(jobDir, taken.getToken()))).isFalse();

    fs.delete(new Path(jobDir, "lease.json"), true);
    LeaseRecord next = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-b")
        .optTtl(Duration.ofMinutes(10)).build().acquire(2);
    assertThat(next.getHolder()).isEqualTo("driver-b");
  }

  @Test
  void aClaimWithdrawnAfterAReleasedLeaseLeavesThatLeaseReleasedSoTheNextDriverTakesTheJobAtOnce()
      throws IOException {
    Path jobDir = new Path(root(), "job-withdrawn-after-release");
    JobLease before = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-p")
        .optTtl(Duration.ofMinutes(10)).build();
    before.acquire(1);
    before.release(); // a run that failed fast, within the ttl
    JobLease first = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    LeaseRecord taken = first.acquire(2);
    fs.delete(new Path(jobDir, "lease.json"), false);
    fs.mkdirs(new Path(jobDir, "lease.json/blocker")); // the disk fills before driver-a's start is done
    first.abandon();
    assertThat(fs.exists(JobPaths.leaseToken(jobDir, taken.getToken()))).isFalse();

    fs.delete(new Path(jobDir, "lease.json"), true);
    LeaseRecord next = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-c")
        .optTtl(Duration.ofMinutes(10)).build().acquire(3);
    assertThat(next.getHolder()).as("driver-p released its lease").isEqualTo("driver-c");
  }

  @Test
  void aLeaseAbandonedWhileItsReleaseCanBeWrittenIsReleased() throws IOException {
    Path jobDir = new Path(root(), "job-abandoned-released");
    JobLease first = JobLease.builder().setFileSystem(fs).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(Duration.ofMinutes(10)).build();
    first.acquire(1);
    first.abandon();
    assertThat(first.current()).hasValueSatisfying(r -> assertThat(r.isReleased()).isTrue());
  }
}
