package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.job.JobSpecStore;
import io.epochal.params.HyperParameters;
import io.epochal.params.ValueChange;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExistingJobTest {

  @TempDir
  java.nio.file.Path tmp;

  private JobSpec resolve(Map<String, String> overrides) throws Exception {
    java.nio.file.Path data = Files.createDirectories(tmp.resolve("data"));
    java.nio.file.Path file = tmp.resolve("job.properties");
    Files.write(file, List.of("job.name=amended", "job.dir=" + tmp.resolve("job"), "model.name=mlp",
        "model.input_dim=8", "model.output_dim=3", "optimizer.name=sgd", "optimizer.lr=0.1", "train.epochs=4",
        "data.path=" + data.toUri(), "data.features=features"), StandardCharsets.UTF_8);
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optJobFile(file).optOverrides(overrides)
        .build().resolve();
  }

  @Test
  void aSpecThatSetsAnAmendableKeyToNoneIsToldTheResumeThatSetsIt() throws Exception {
    JobSpec spec = resolve(Map.of()); // no early_stop.patience: 0, not stored
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = ExistingJob.reportMismatch(new PrintStream(err, true, StandardCharsets.UTF_8),
        new Path(new Path(spec.jobDir()), "job.json"), List.of("early_stop.patience: 3 -> <unset>"), spec,
        new Configuration(),
        io.epochal.driver.cli.CliOptions.builder().build());

    assertThat(code).isEqualTo(io.epochal.driver.cli.ExitCodes.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("these keys can change on the existing job; to "
        + "continue it with them, run: bin/epochal resume " + spec.jobDir() + " --set early_stop.patience=0");
  }

  @Test
  void startingWeightsAndHeldOutRowsGivenAnotherWayAreTheStoredPlacesNotAChange() throws Exception {
    java.nio.file.Path real = Files.createDirectories(tmp.resolve("real"));
    Files.createDirectories(real.resolve("held-out"));
    Files.write(real.resolve("w.safetensors"), new byte[0]); // the spec names it; this check reads no weights
    java.nio.file.Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    JobSpec started = resolve(Map.of("init.weights", real.resolve("w.safetensors").toUri().toString(),
        "data.validation_path", real.resolve("held-out").toUri().toString()));
    JobSpec again = resolve(Map.of("init.weights", link.resolve("w.safetensors").toString(),
        "data.validation_path", link.resolve("held-out").toString()));
    assertThat(again.toStored()).as("written another way").isNotEqualTo(started.toStored());

    JobSpec same = ExistingJob.asStored(again, Optional.of(started.toStored()), new Configuration(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(started.toStored().diff(same.toStored())).isEmpty();
  }

  /** The job.json of {@code spec} naming job.dir {@code named}, written into {@code dir}. */
  private static void storeNaming(JobSpec spec, java.nio.file.Path named, java.nio.file.Path dir) throws Exception {
    io.epochal.job.JobSpec stored = spec.toStored();
    new JobSpecStore(FileSystem.getLocal(new Configuration()), new Path(dir.toUri())).writeOnce(io.epochal.job.JobSpec
        .of(stored.getJobId(), stored.getJobName(), HyperParameters.builder().putAll(stored.getHyperParameters())
            .put("job.dir", named.toUri().toString()).build()));
  }

  @Test
  void aJobDirectoryMovedHereByHandIsOfferedTheResumeWithRelocateAndACopyNone() throws Exception {
    JobSpec spec = resolve(Map.of());
    java.nio.file.Path job = tmp.resolve("job");
    java.nio.file.Path original = tmp.resolve("original");
    storeNaming(spec, original, job); // moved here from original, which no longer holds it
    List<String> moved = List.of("job.dir: " + original.toUri() + " -> " + spec.jobDir());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(err, true, StandardCharsets.UTF_8), new Path(new Path(spec.jobDir()),
        "job.json"), moved, spec, new Configuration(), io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("to continue it unchanged, run: bin/epochal resume "
        + spec.jobDir() + " --relocate");

    storeNaming(spec, original, original); // a copy: the original holds the job still
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(copy, true, StandardCharsets.UTF_8), new Path(new Path(spec.jobDir()),
        "job.json"), moved, spec, new Configuration(), io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(copy.toString(StandardCharsets.UTF_8)).contains("a resume of this directory is refused: ")
        .doesNotContain("run: bin/epochal resume");

    // an original that cannot be checked (here: no file system for its scheme): both cases said, neither chosen
    List<String> unknown = List.of("job.dir: unreachable://nn/jobs/original -> " + spec.jobDir());
    java.nio.file.Files.delete(job.resolve("job.json"));
    io.epochal.job.JobSpec stored = spec.toStored();
    new JobSpecStore(FileSystem.getLocal(new Configuration()), new Path(job.toUri())).writeOnce(io.epochal.job.JobSpec
        .of(stored.getJobId(), stored.getJobName(), HyperParameters.builder().putAll(stored.getHyperParameters())
            .put("job.dir", "unreachable://nn/jobs/original").build()));
    ByteArrayOutputStream unchecked = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(unchecked, true, StandardCharsets.UTF_8), new Path(new Path(
        spec.jobDir()), "job.json"), unknown, spec, new Configuration(), io.epochal.driver.cli.CliOptions.builder()
        .build());
    assertThat(unchecked.toString(StandardCharsets.UTF_8)).contains("which cannot be checked now: if the job "
        + "directory was moved here, resume it with ").contains("; if this is a copy, resume the job at "
        + "unreachable://nn/jobs/original").doesNotContain("run: bin/epochal resume");
  }

  @Test
  void aChangedDataPathIsOfferedAsTheSameRowsMovedAndAMissingOneNotAtAll() throws Exception {
    JobSpec spec = resolve(Map.of());
    List<String> moved = List.of("data.path: file:/data/elsewhere -> " + spec.dataPathText());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(err, true, StandardCharsets.UTF_8), new Path(new Path(spec.jobDir()),
        "job.json"), moved, spec, new Configuration(), io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(" --data " + spec.dataPathText() + " (--data takes the "
        + "same rows moved there: a resume refuses other rows");

    org.apache.commons.io.FileUtils.deleteDirectory(tmp.resolve("data").toFile()); // a typo in the job file
    ByteArrayOutputStream typo = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(typo, true, StandardCharsets.UTF_8), new Path(new Path(spec.jobDir()),
        "job.json"), moved, spec, new Configuration(), io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(typo.toString(StandardCharsets.UTF_8)).contains("data.path " + spec.dataPathText() + " does not "
        + "exist").contains("to continue it unchanged, run: bin/epochal resume ").doesNotContain("--data");
  }

  @Test
  void otherHeldOutRowsOfAPlateauJobAreOfferedOnlyAsTheSameRowsMoved() throws Exception {
    java.nio.file.Path held = Files.createDirectories(tmp.resolve("held-out"));
    JobSpec plateau = resolve(Map.of("schedule.name", "plateau", "schedule.monitor", "val_loss",
        "data.validation_path", held.toUri().toString()));
    List<String> moved = List.of("data.validation_path: file:/data/elsewhere -> " + held.toUri());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(err, true, StandardCharsets.UTF_8), new Path(new Path(
        plateau.jobDir()), "job.json"), moved, plateau, new Configuration(),
        io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(" --set data.validation_path=")
        .contains("(data.validation_path takes the same held-out rows moved there: schedule plateau sets the "
            + "learning rate by their val_loss, so a resume refuses other rows");

    JobSpec step = resolve(Map.of("data.validation_path", held.toUri().toString()));
    ByteArrayOutputStream others = new ByteArrayOutputStream();
    ExistingJob.reportMismatch(new PrintStream(others, true, StandardCharsets.UTF_8), new Path(new Path(
        step.jobDir()), "job.json"), moved, step, new Configuration(),
        io.epochal.driver.cli.CliOptions.builder().build());
    assertThat(others.toString(StandardCharsets.UTF_8)).as("a job that does not schedule by them takes others")
        .contains(" --set data.validation_path=").doesNotContain("same held-out rows");
  }

  /** Stores {@code amended} as the job.json of {@code started}'s job, with the AMENDED event of {@code change}. */
  private static io.epochal.job.JobSpec storeAmended(JobSpec started, HyperParameters amended, ValueChange change)
      throws Exception {
    io.epochal.job.JobSpec stored = io.epochal.job.JobSpec.of(started.toStored().getJobId(),
        started.toStored().getJobName(), amended);
    Path dir = new Path(started.jobDir());
    FileSystem fs = dir.getFileSystem(new Configuration());
    new JobSpecStore(fs, dir).writeOnce(stored);
    try (JobEventLog.Writer w = new JobEventLog(fs, dir).openAttempt(2)) {
      w.append(JobEvent.builder(JobEventType.AMENDED, Instant.parse("2026-01-01T00:00:00Z"), 2).optEpoch(1)
          .optMessage(change.toString()).optChanges(List.of(change)).build());
    }
    return stored;
  }

  @Test
  void theSpecThatStartedAJobContinuesItWhenAResumeAmendedAKeyToNone() throws Exception {
    JobSpec started = resolve(Map.of("early_stop.patience", "3"));
    assertThat(started.toHyperParameters().contains("early_stop.patience")).isTrue();
    // a resume's --set early_stop.patience=0 (no early stopping), which the job stores as no key
    HyperParameters amended = HyperParameters.builder().putAll(started.toStored().getHyperParameters())
        .remove("early_stop.patience").build();
    io.epochal.job.JobSpec stored = storeAmended(started, amended, ValueChange.of("early_stop.patience", 3L, null));
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    JobSpec continued = ExistingJob.asStored(started, Optional.of(stored), new Configuration(),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(stored.diff(continued.toStored())).as("continues the job as amended, not refused").isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("the job continues as amended: "
        + "early_stop.patience=(not set) (this spec: 3)");
    JobSpec other = resolve(Map.of("early_stop.patience", "5"));
    assertThat(stored.diff(ExistingJob.asStored(other, Optional.of(stored), new Configuration(),
        new PrintStream(err, true, StandardCharsets.UTF_8)).toStored())).as("a value no resume amended away")
        .containsExactly("early_stop.patience: <unset> -> 5");
  }

  @Test
  void theSpecThatStartedAJobStoredBeforeAKeyExistedContinuesItWhenAResumeSetThatKey() throws Exception {
    JobSpec started = resolve(Map.of());
    // stored before retry.storage_wait_ms existed, then given it by a resume's --set
    HyperParameters before = HyperParameters.builder().putAll(started.toStored().getHyperParameters())
        .remove("retry.storage_wait_ms").build();
    HyperParameters amended = HyperParameters.builder().putAll(before).put("retry.storage_wait_ms", 600_000L).build();
    io.epochal.job.JobSpec stored = storeAmended(started, amended, ValueChange.of("retry.storage_wait_ms", null,
        600_000L));
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    JobSpec continued = ExistingJob.asStored(started, Optional.of(stored), new Configuration(),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(stored.diff(continued.toStored())).as("continues the job as amended, not refused").isEmpty();
    assertThat(continued.retryStorageWaitMs()).isEqualTo(600_000L);
    JobSpec other = resolve(Map.of("retry.storage_wait_ms", "1000"));
    assertThat(stored.diff(ExistingJob.asStored(other, Optional.of(stored), new Configuration(),
        new PrintStream(err, true, StandardCharsets.UTF_8)).toStored())).as("a value no resume amended away")
        .containsExactly("retry.storage_wait_ms: 600000 -> 1000");
  }
}
