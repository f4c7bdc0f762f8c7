package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobLease;
import io.epochal.job.JobSpecStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run that amends a job says to run again when it stops before writing the amendment. */
class JobSpecFileTest {

  @TempDir
  Path tmp;

  private JobSpec spec(int epochs, int keepLast, String... more) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.createDirectories(tmp.resolve("data"));
    List<String> lines = new java.util.ArrayList<>(List.of("job.name=amend", "job.dir=" + tmp.resolve("job").toUri(),
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features", "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "train.epochs=" + epochs, "checkpoint.keep_last=" + keepLast));
    lines.addAll(List.of(more));
    Files.write(file, lines);
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog())
        .optHadoopConf(new Configuration()).build().resolve();
  }

  @Test
  void aPendingAmendmentIsGivenAgainAsTheResumeOptionsThatMakeIt() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("job").toUri());
    JobSpec stored = spec(1, 3);
    new JobSpecStore(fs, dir).writeOnce(stored.toStored());
    JobSpec amended = spec(3, 2);
    LeaseKeeper lease = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir).build(), dir,
        Duration.ofMinutes(1), new Object());

    JobSpecFile file = new JobSpecFile(fs, dir, amended, stored.toStored());
    file.writeOnce(lease);
    assertThat(file.amendmentPending()).isTrue();
    assertThat(file.pendingOptions()).isEqualTo(" --set checkpoint.keep_last=2 --epochs 3");

    file.apply();
    assertThat(file.pendingOptions()).isEmpty();
    assertThat(new JobSpecFile(fs, dir, stored, null).pendingOptions()).isEmpty();
  }

  @Test
  void heldOutRowsAResumeGivesAreNewToTheJobUnlessItsPlateauFollowsThemAsTheSameRowsMoved() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("job").toUri());
    String before = Files.createDirectories(tmp.resolve("held")).toUri().toString();
    String after = Files.createDirectories(tmp.resolve("other")).toUri().toString();
    JobSpec stored = spec(1, 3, "data.validation_path=" + before);
    assertThat(new JobSpecFile(fs, dir, spec(1, 3, "data.validation_path=" + after), stored.toStored())
        .givesNewHeldOut()).isTrue();
    assertThat(new JobSpecFile(fs, dir, spec(3, 3, "data.validation_path=" + before), stored.toStored())
        .givesNewHeldOut()).as("the same rows").isFalse();
    String[] plateau = {"schedule.name=plateau", "schedule.monitor=val_loss"};
    JobSpec followed = spec(1, 3, plateau[0], plateau[1], "data.validation_path=" + before);
    assertThat(new JobSpecFile(fs, dir, spec(1, 3, plateau[0], plateau[1], "data.validation_path=" + after),
        followed.toStored()).givesNewHeldOut()).as("a plateau job's rows moved").isFalse();
  }

  @Test
  void aRetriedAmendingStartIsNotKeptOutByItsOwnClaimGivenUpWhenStorageRefusedItsRelease() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(io.epochal.checkpoint.OtherSchemeFileSystem.uri(
        tmp.resolve("job")));
    JobSpec stored = spec(1, 3);
    JobSpec amended = spec(3, 3);
    try (io.epochal.job.SafeModeFileSystem flaky = io.epochal.job.SafeModeFileSystem.forJob(dir)) {
      new JobSpecStore(flaky, dir).writeOnce(stored.toStored());
      LeaseKeeper lease = new LeaseKeeper(JobLease.builder().setFileSystem(flaky).setJobDir(dir)
          .optHolder("driver-a").build(), dir, Duration.ofMinutes(10), new Object());
      JobSpecFile file = new JobSpecFile(flaky, dir, amended, stored.toStored());
      file.writeOnce(lease);
      lease.acquire(1);
      flaky.refuse(true); // the start's next write fails, and so does giving the lease up (a NameNode in safe mode)
      org.assertj.core.api.Assertions.assertThatThrownBy(lease::abandon).hasMessageContaining("safe mode");
      flaky.refuse(false);

      file.writeOnce(lease); // the start's retry: no LeaseHeldException, no wait for the ttl
      assertThat(file.amendmentPending()).isTrue();
      LeaseKeeper other = new LeaseKeeper(JobLease.builder().setFileSystem(flaky.plain()).setJobDir(dir)
          .optHolder("driver-a").build(), dir, Duration.ofMinutes(10), new Object());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JobSpecFile(flaky.plain(), dir, amended,
          stored.toStored()).writeOnce(other)).as("another driver, though of the same holder id, still waits")
          .isInstanceOf(io.epochal.job.LeaseHeldException.class);
    }
  }
}
