package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.TrainingConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state a job's first epoch starts from, read from {@code init.weights} ({@link StartingWeights}). */
class StartingWeightsTest {

  @TempDir
  Path tmp;

  /** The weights the job names, at first the model's seeded state. */
  private Path weights;
  private JobSpec spec;
  private TrainingConfig config;
  private StateDict seeded;

  @BeforeEach
  void writeSeededWeights() throws Exception {
    weights = tmp.resolve("pretrained.safetensors");
    spec = spec(weights);
    config = TrainingConfigs.of(spec);
    seeded = StartingWeights.seeded(config);
    write(weights, seeded);
  }

  @Test
  void aRetryBeforeTheFirstCheckpointRefusesStartingWeightsThatChangedSinceTheRunFirstReadThem() throws Exception {
    StartingWeights starting = run(spec, config);
    starting.checkNewJob();
    StartingWeights.Start first = starting.take();
    assertThat(starting.take().initDigest()).as("read again, the same").isEqualTo(first.initDigest());

    write(weights, changed(seeded));

    assertThatThrownBy(starting::take).isInstanceOfSatisfying(TrainingException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("init.weights = ").hasMessageContaining("changed while this run trained from it (sha256 "
            + first.initDigest() + " when first read").hasMessageContaining("put back the ones it was started with");
  }

  @Test
  void aRunInAnotherDriverBeforeTheFirstCheckpointRefusesStartingWeightsOtherThanThoseTheJobFirstTook()
      throws Exception {
    StartingWeights first = run(spec, config);
    first.checkNewJob();
    assertThat(tmp.resolve("job").resolve("init.json")).as("nothing written before the job starts").doesNotExist();
    String digest = first.take().initDigest();
    assertThat(Files.readString(tmp.resolve("job").resolve("init.json"))).contains("\"sha256\" : \"" + digest + "\"")
        .contains("pretrained.safetensors");
    // the driver died before the first checkpoint; a resume in a new driver reads the same weights
    assertThat(run(spec, config).take().initDigest())
        .isEqualTo(digest);

    write(weights, changed(seeded));
    assertThatThrownBy(() -> run(spec, config).take())
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("is not the file this job started from (sha256 " + digest + " recorded in ")
        .hasMessageContaining("init.json when a run first read it").hasMessageContaining("put back the ones it was "
            + "started with, or train the job again in a new job.dir");
    // a dry run compares them with the record as the run does, and writes nothing
    assertThatThrownBy(() -> run(spec, config).read())
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("is not the file this job started from (sha256 " + digest + " recorded in ");
    assertThat(Files.readString(tmp.resolve("job").resolve("init.json"))).contains(digest);
    // a run that creates the job anew (its job.json was lost before a checkpoint) records what it takes
    StartingWeights anew = run(spec, config);
    anew.checkNewJob();
    String other = anew.take().initDigest();
    assertThat(other).isNotEqualTo(digest);
    assertThat(Files.readString(tmp.resolve("job").resolve("init.json"))).contains(other).doesNotContain(digest);
    assertThat(run(spec, config).read().initDigest()).as("the dry run of the weights recorded").isEqualTo(other);
  }

  @Test
  void anEmptyRecordLeftByAWriterStoppedMidCreateIsWrittenOverSoThatLaterRunsCompareAgain() throws Exception {
    Path init = tmp.resolve("job").resolve("init.json");
    Files.createDirectories(init.getParent());
    Files.write(init, new byte[0]);
    assertThat(run(spec, config).read().initDigest()).as("a dry run: an empty record is none").isNotNull();
    assertThat(init).isEmptyFile();

    String digest = run(spec, config).take().initDigest();

    assertThat(Files.readString(init)).contains("\"sha256\" : \"" + digest + "\"");
    write(weights, changed(seeded));
    assertThatThrownBy(() -> run(spec, config).take())
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("is not the file this job started from (sha256 " + digest + " recorded in ");
  }

  @Test
  void aNewJobWhoseStartingWeightsCannotBeReadSaysNothingWasWrittenSoThatItIsTrainedAgainNotResumed()
      throws Exception {
    Configuration conf = new Configuration();
    conf.set("fs." + UnreadableFileSystem.SCHEME + ".impl", UnreadableFileSystem.class.getName());
    conf.setBoolean("fs." + UnreadableFileSystem.SCHEME + ".impl.disable.cache", true);
    JobSpec unreadable = spec(java.net.URI.create(UnreadableFileSystem.SCHEME + "://" + weights.toUri().getPath()),
        conf);

    assertThatThrownBy(() -> new StartingWeights(unreadable, config, conf, TrainingListener.NONE).checkNewJob())
        .isInstanceOfSatisfying(TrainingException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE))
        .hasMessageContaining("cannot read init.weights = " + UnreadableFileSystem.SCHEME + ":")
        .hasMessageContaining("Permission denied")
        // what the failure report takes for a new job without a job.json: "train again", not "resume"
        .hasMessageContaining(TrainingJob.NOTHING_WRITTEN + unreadable.jobDirText() + ")");
    assertThat(tmp.resolve("job")).doesNotExist();
  }

  /** The local file system under the scheme {@value #SCHEME}, whose files are listed but cannot be opened. */
  public static class UnreadableFileSystem extends org.apache.hadoop.fs.RawLocalFileSystem {
    static final String SCHEME = "unreadable";

    @Override
    public java.net.URI getUri() {
      return java.net.URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
      return SCHEME;
    }

    @Override
    public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize)
        throws java.io.IOException {
      throw new java.io.FileNotFoundException(f + " (Permission denied)");
    }
  }

  /** The starting weights of a run of the job {@code spec} (a driver of its own). */
  private static StartingWeights run(JobSpec spec, TrainingConfig config) {
    return new StartingWeights(spec, config, new Configuration(), TrainingListener.NONE);
  }

  /** {@code state} with the first value of its first tensor one more. */
  private static StateDict changed(StateDict state) {
    String name = state.names().iterator().next();
    float[] values = state.get(name).toFloatArray();
    values[0] += 1f;
    java.util.Map<String, Tensor> changed = new java.util.LinkedHashMap<>(state.asMap());
    changed.put(name, Tensor.ofFloats(state.get(name).shape(), values));
    return StateDict.of(changed);
  }

  private static void write(Path file, StateDict state) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(state, out);
    }
  }

  private JobSpec spec(Path weights) throws Exception {
    return spec(weights.toUri(), new Configuration());
  }

  private JobSpec spec(java.net.URI weights, Configuration conf) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.createDirectories(tmp.resolve("data"));
    Files.write(file, List.of("job.name=starting", "job.dir=" + tmp.resolve("job").toUri(),
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features", "data.classes=2", "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "init.weights=" + weights));
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog()).optCheckDataPath(false)
        .optHadoopConf(conf).build().resolve();
  }
}
