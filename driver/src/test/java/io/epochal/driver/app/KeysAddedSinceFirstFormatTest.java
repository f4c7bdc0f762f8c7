package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import io.epochal.job.JobSpecStore;
import io.epochal.params.HyperParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose {@code job.json} was written before an operational key with a stored default existed
 * ({@link JobKeys#ADDED_SINCE_FIRST_FORMAT}; the checked-in job of format 1.0 lacks {@code
 * retry.storage_wait_ms}) reads as holding the default and resumes as it is stored.
 */
class KeysAddedSinceFirstFormatTest {

  @TempDir
  Path tmp;

  private static io.epochal.job.JobSpec stored(Path job) throws Exception {
    return new JobSpecStore(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(job.toUri()))
        .read().orElseThrow();
  }

  @Test
  void aJobStoredBeforeTheKeysExistedReadsAsItIsStoredWithTheirDefaults() throws Exception {
    io.epochal.job.JobSpec stored = stored(FormatFixture.copyJob(tmp.resolve("job")));
    assertThat(stored.getHyperParameters().contains(JobKeys.RETRY_STORAGE_WAIT_MS)).isFalse();

    JobSpec spec = JobSpec.fromHyperParameters(stored.getHyperParameters(), new RegistryModelCatalog());
    assertThat(stored.diff(spec.toStored())).as("the stored spec, nothing added").isEmpty();
    assertThat(spec.retryStorageWaitMs()).isEqualTo(JobKeys.specs().get(JobKeys.RETRY_STORAGE_WAIT_MS)
        .defaultValue());

    // a value given anew is the job's change to store
    JobSpec set = JobSpec.fromHyperParameters(stored.getHyperParameters(), Map.of(JobKeys.RETRY_STORAGE_WAIT_MS,
        "600000"), k -> "--set " + k, new RegistryModelCatalog());
    assertThat(stored.diff(set.toStored())).containsExactly("retry.storage_wait_ms: <unset> -> 600000");
    assertThat(set.retryStorageWaitMs()).isEqualTo(600_000L);

    // a job stored since, with the default written out, keeps it
    HyperParameters written = HyperParameters.builder().putAll(stored.getHyperParameters())
        .put(JobKeys.RETRY_STORAGE_WAIT_MS, 300_000L).build();
    assertThat(JobSpec.fromHyperParameters(written, new RegistryModelCatalog()).toHyperParameters())
        .isEqualTo(written);
  }

  @Test
  void aFinishedJobStoredBeforeTheKeysExistedIsResumedWithItsJobJsonAsItWas() throws Exception {
    Path job = FormatFixture.copyJob(tmp.resolve("job"));
    // as written where it is, not moved (its data is gone: every epoch is committed, none is read)
    Files.writeString(job.resolve("job.json"), Files.readString(job.resolve("job.json")).replace(
        "\"file:///tmp/exp_fx/job\"", "\"file://" + job.toAbsolutePath() + "\""));
    String before = Files.readString(job.resolve("job.json"));
    assertThat(before).contains(job.toAbsolutePath().toString()).doesNotContain(JobKeys.RETRY_STORAGE_WAIT_MS);
    CliRun dry = CliRun.of("resume", job.toString(), "--dry-run", "--master", "local[1]");
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("job.json stays as it is");
    CliRun resume = CliRun.of("resume", job.toString(), "--master", "local[1]");
    assertThat(resume.code).as("%s", resume).isZero();
    assertThat(resume.out + resume.err).doesNotContain("already holds a different job spec")
        .contains("nothing to train");
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(before);
  }
}
