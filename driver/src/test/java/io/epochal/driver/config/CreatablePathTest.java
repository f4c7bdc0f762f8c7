package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreatablePathTest {

  private static final Configuration CONF = new Configuration();

  @TempDir
  Path tmp;

  private static org.apache.hadoop.fs.Path hadoop(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  @Test
  void aDirectoryUnderAFileIsRefusedNamingTheKeyAndTheFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("rows.csv"), "f0,label\n");

    assertThatThrownBy(() -> CreatablePath.requireDirectory("job.dir", hadoop(file.resolve("job/sub")), CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("job.dir " + hadoop(file.resolve("job/sub")) + " cannot be created: "
            + hadoop(file) + " is a file")
        .hasMessageContaining("give a directory path whose parents are directories");
    assertThatThrownBy(() -> CreatablePath.requireDirectory("--work-dir", hadoop(file), CONF))
        .hasMessageContaining("--work-dir " + hadoop(file) + " is a file");
  }

  @Test
  void aNewDirectoryUnderDirectoriesOrAnExistingDirectoryIsAccepted() throws Exception {
    Files.createDirectories(tmp.resolve("jobs"));
    assertThatCode(() -> CreatablePath.requireDirectory("job.dir", hadoop(tmp.resolve("jobs/a/b")), CONF))
        .doesNotThrowAnyException();
    assertThatCode(() -> CreatablePath.requireDirectory("job.dir", hadoop(tmp.resolve("jobs")), CONF))
        .doesNotThrowAnyException();
  }

  private static org.apache.hadoop.fs.Path dir(Path p) {
    return new org.apache.hadoop.fs.Path("file://" + p);
  }

  @Test
  void anOutputInsideAJobsTrainingOrHeldOutDataIsRefusedNamingTheKeyAndTheJob() throws Exception {
    Path job = Files.createDirectories(tmp.resolve("jobs/a"));
    Path train = Files.createDirectories(tmp.resolve("data/train"));
    Path held = Files.createDirectories(tmp.resolve("data/validation"));
    new io.epochal.job.JobSpecStore(org.apache.hadoop.fs.FileSystem.getLocal(CONF), dir(job)).writeOnce(
        io.epochal.job.JobSpec.of("id-1", "a", io.epochal.params.HyperParameters.builder()
            .put(JobKeys.DATA_PATH, train.toUri().toString())
            .put(JobKeys.DATA_VALIDATION_PATH, held.toUri().toString()).build()));
    org.apache.hadoop.fs.Path checkpoint = dir(job.resolve("checkpoints/epoch-000001"));

    assertThatThrownBy(() -> CreatablePath.refuseInsideJobData("--out", dir(held.resolve("m.onnx")), checkpoint,
        CONF)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--out file://" + held.resolve("m.onnx") + " is inside the data of the job file://" + job
            + " (its data.validation_path)");
    assertThatThrownBy(() -> CreatablePath.refuseInsideJobData("--output", dir(train), dir(job), CONF))
        .hasMessageContaining("--output file://" + train + " is the data of the job file://" + job
            + " (its data.path)");
    assertThatCode(() -> CreatablePath.refuseInsideJobData("--output", dir(tmp.resolve("data/preds")),
        dir(job), CONF)).doesNotThrowAnyException();
    assertThatCode(() -> CreatablePath.refuseInsideJobData("--output", dir(train.resolve("x")),
        dir(tmp.resolve("no-job/model.onnx")), CONF)).as("no job: nothing to compare").doesNotThrowAnyException();
  }
}
