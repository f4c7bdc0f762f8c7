package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSpecResolverTest {

  @TempDir
  Path tmp;

  private Path jobFile;
  private Path data;

  @BeforeEach
  void writeJobFile() throws IOException {
    jobFile = SpecFixtures.writeJobFile(tmp);
    data = tmp.resolve("data");
  }

  private JobSpecResolver.Builder resolver() {
    return JobSpecResolver.builder().optCatalog(new TestModelCatalog()).optJobFile(jobFile);
  }

  /** A resolver of the quickstart's job file with the built-in models, its data not looked for. */
  private static JobSpecResolver.Builder quickstart() {
    return JobSpecResolver.builder().optCatalog(new io.epochal.driver.app.RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false);
  }

  private static ConfigException errorOf(JobSpecResolver.Builder b) {
    return SpecFixtures.errorOf(b);
  }

  @Test
  void jobFileResolvesToTypedSpecWithDefaultsAndQualifiedPaths() {
    JobSpec spec = resolver().build().resolve();
    assertThat(spec.jobName()).isEqualTo("test");
    assertThat(spec.jobDir().toString()).isEqualTo("file://" + tmp.resolve("job"));
    assertThat(spec.dataPath().getScheme()).isEqualTo("file");
    assertThat(spec.epochs()).isEqualTo(1);
    assertThat(spec.workers()).isEqualTo(2);
    assertThat(spec.threadsPerWorker()).isEqualTo(1);
    assertThat(spec.modelParams()).isEqualTo(HyperParameters.builder().put("inputs", 8L).put("classes", 3L)
        .put("hidden", List.of(64L, 64L)).put("activation", "relu").put("dropout", 0.0).build());
    assertThat(spec.optimizerParams().getDouble("lr")).isEqualTo(0.1);
    assertThat(spec.optimizerParams().getDouble("momentum")).isEqualTo(0.0);
    assertThat(spec.scheduleName()).isEqualTo("constant");
    assertThat(spec.scheduleParams()).isEqualTo(HyperParameters.empty());
    assertThat(spec.dataFeatures()).containsExactly("features");
    assertThat(spec.classification()).isTrue();
    assertThat(spec.skipBadRows()).isFalse();
  }

  @Test
  void aHomeDirectoryTildeIsRefusedNamingTheKeyNotTakenAsADirectoryNamedTilde() {
    ConfigException e = errorOf(resolver().optOverrides(java.util.Map.of("job.dir", "~/epj")));
    assertThat(e.key()).isEqualTo("job.dir");
    assertThat(e.getMessage()).contains("job.dir = '~/epj': '~' is not expanded in a job file or --set",
        System.getProperty("user.home") + "/epj");
    assertThat(errorOf(resolver().optOverrides(java.util.Map.of("data.path", "~"))).key()).isEqualTo("data.path");
    assertThat(tmp.resolve("~")).doesNotExist();
  }

  @Test
  void aPathWrappedInQuotesInAJobFileIsRefusedNotTakenAsADirectoryNamedWithTheQuotes() throws Exception {
    assertThat(errorOf(resolver().optOverrides(java.util.Map.of("data.path", "'/data/x'"))).key())
        .isEqualTo("data.path");
    java.nio.file.Files.writeString(jobFile, java.nio.file.Files.readString(jobFile).replaceFirst("(?m)^job\\.dir=.*$",
        "job.dir=\"" + tmp.resolve("q2") + "\""));
    ConfigException e = errorOf(resolver());
    assertThat(e.key()).isEqualTo("job.dir");
    assertThat(e.getMessage()).contains("job.dir = \"" + tmp.resolve("q2") + "\" is wrapped in quotes, which a job "
        + "file keeps as part of the value").contains("remove them, as in job.dir=" + tmp.resolve("q2"));
  }

  @Test
  void aNewJobReadsRowsByFileNameAndAJobStoredWithoutTheKeyKeepsSparksReadOrder() {
    JobSpec spec = resolver().build().resolve();
    assertThat(spec.rowsByFileName()).isTrue();
    assertThat(spec.toHyperParameters().getString("data.row_order")).isEqualTo("file_name");
    assertThat(JobSpec.fromHyperParameters(spec.toHyperParameters()).rowsByFileName()).isTrue();

    HyperParameters.Builder old = HyperParameters.builder();
    spec.toHyperParameters().asMap().forEach((k, v) -> {
      if (!k.equals("data.row_order")) {
        old.put(k, v);
      }
    });
    JobSpec stored = JobSpec.fromHyperParameters(old.build());
    assertThat(stored.rowsByFileName()).isFalse();
    assertThat(stored.toHyperParameters().contains("data.row_order")).as("compared key by key with job.json")
        .isFalse();
    assertThat(spec.withStoredRowOrder().toHyperParameters()).isEqualTo(stored.toHyperParameters());

    JobSpec explicit = resolver().optOverride("data.row_order", "spark_read").build().resolve();
    assertThat(explicit.rowsByFileName()).isFalse();
    assertThat(errorOf(resolver().optOverride("data.row_order", "name"))).hasMessageContaining("file_name");
  }

  @Test
  void gradientClippingReachesTheWorkersAndNoClippingIsStoredAsNoKey() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.clipGradNorm()).isZero();
    assertThat(none.toHyperParameters().contains("train.clip_grad_norm")).as("job.json as before the key existed")
        .isFalse();
    assertThat(resolver().optOverride("train.clip_grad_norm", "0").build().resolve().toHyperParameters())
        .isEqualTo(none.toHyperParameters());
    assertThat(io.epochal.driver.train.TrainingConfigs.of(none).clipGradNorm()).isZero();

    JobSpec clipped = resolver().optOverride("train.clip_grad_norm", "1.5").build().resolve();
    assertThat(clipped.toHyperParameters().getDouble("train.clip_grad_norm")).isEqualTo(1.5);
    assertThat(JobSpec.fromHyperParameters(clipped.toHyperParameters())).isEqualTo(clipped);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(clipped).clipGradNorm()).isEqualTo(1.5);
    assertThat(errorOf(resolver().optOverride("train.clip_grad_norm", "-1")))
        .hasMessageContaining("train.clip_grad_norm = '-1' (from --set train.clip_grad_norm) is out of range");
  }

  @Test
  void aRetentionCountBeyondAnIntKeepsAsManyAsAnIntCountsInsteadOfFailingEveryRetention() {
    // "keep them all": such a job (and every checkpoint's manifest) holds the count as it was given
    JobSpec all = resolver().optOverride("checkpoint.keep_last", "99999999999").optOverride("checkpoint.keep_every",
        "99999999999").build().resolve();
    assertThat(all.keepLast()).isEqualTo(Integer.MAX_VALUE);
    assertThat(all.keepEvery()).isEqualTo(Integer.MAX_VALUE);
    assertThat(all.toHyperParameters().getLong("checkpoint.keep_last")).isEqualTo(99999999999L);
    assertThat(JobSpec.fromHyperParameters(all.toHyperParameters(), null).keepLast()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void rmsPropIsAnOptimizerWhoseKeysAreCheckedAndWhosePyTorchNamesAreAnsweredWithTheKeys() {
    java.util.function.Supplier<JobSpecResolver.Builder> real = JobSpecResolverTest::quickstart;
    JobSpec spec = real.get().optOverride("optimizer.name", "rmsprop").optOverride("optimizer.centered", "true")
        .build().resolve();
    assertThat(spec.toHyperParameters().getDouble("optimizer.lr")).as("the quickstart's rate").isEqualTo(0.003);
    assertThat(spec.toHyperParameters().getDouble("optimizer.alpha")).isEqualTo(0.99);
    assertThat(spec.toHyperParameters().getBoolean("optimizer.centered")).isTrue();
    assertThat(errorOf(real.get().optOverride("optimizer.name", "rmsprop").optOverride("optimizer.beta1", "0.9")))
        .hasMessageContaining("optimizer.beta1").hasMessageContaining("not of optimizer rmsprop");
    assertThat(errorOf(real.get().optOverride("optimizer.alpha", "0.9")))
        .hasMessageContaining("optimizer rmsprop, not of optimizer adam");
    assertThat(errorOf(resolver().optOverride("alpha", "0.9"))).hasMessageContaining("write optimizer.alpha");
    assertThat(errorOf(resolver().optOverride("centered", "true"))).hasMessageContaining("write optimizer.centered");
  }

  @Test
  void huberAndL1AreRegressionLossesAndTheHuberDeltaIsStoredOnlyWhenItIsNotTorchsDefault() {
    java.util.function.Supplier<JobSpecResolver.Builder> regression = () -> resolver().optOverride("loss", "huber");
    JobSpec torchs = regression.get().build().resolve();
    assertThat(torchs.lossConfig().huberDelta()).isEqualTo(1.0);
    assertThat(torchs.classification()).isFalse();
    assertThat(torchs.toHyperParameters().contains("loss.huber_delta")).isFalse();
    assertThat(regression.get().optOverride("loss.huber_delta", "1").build().resolve().toHyperParameters())
        .isEqualTo(torchs.toHyperParameters());
    JobSpec half = regression.get().optOverride("loss.huber_delta", "0.5").build().resolve();
    assertThat(half.toHyperParameters().getDouble("loss.huber_delta")).isEqualTo(0.5);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(half).lossConfig().huberDelta()).isEqualTo(0.5);
    assertThat(errorOf(regression.get().optOverride("loss.huber_delta", "0"))).hasMessageContaining("out of range");
    assertThat(errorOf(resolver().optOverride("loss", "l1").optOverride("loss.huber_delta", "2")))
        .hasMessageContaining("loss.huber_delta = 2.0 (from --set "
        + "loss.huber_delta) is read only by loss huber, but loss = l1: remove it, or set loss=huber");
    assertThat(errorOf(resolver().optOverride("loss", "l1").optOverride("checkpoint.best_metric", "train_accuracy")
        .optOverride("checkpoint.best_mode", "max"))).hasMessageContaining("not loss=l1");
    assertThat(errorOf(regression.get().optOverride("loss.label_smoothing", "0.1")))
        .hasMessageContaining("loss = huber has none");
    assertThat(errorOf(resolver().optOverride("delta", "0.5"))).hasMessageContaining("loss.huber_delta");
  }

  @Test
  void aScheduleSteppedPerEpochStoresItsIntervalAndTheDefaultIsStoredAsBeforeTheKeyExisted() {
    java.util.function.Supplier<JobSpecResolver.Builder> real = JobSpecResolverTest::quickstart;
    JobSpec perEpoch = real.get().optOverride("schedule.name", "multistep").optOverride("schedule.milestones", "2")
        .optOverride("schedule.interval", "epoch").build().resolve();
    assertThat(perEpoch.toHyperParameters().getString("schedule.interval")).isEqualTo("epoch");
    assertThat(JobSpec.fromHyperParameters(perEpoch.toHyperParameters(),
        new io.epochal.driver.app.RegistryModelCatalog())).isEqualTo(perEpoch);
    assertThat(real.get().optOverride("schedule.interval", "step").build().resolve().toHyperParameters()
        .contains("schedule.interval")).isFalse();
    assertThat(errorOf(real.get().optOverride("schedule.interval", "batch"))).hasMessageContaining(
        "schedule.interval");
    assertThat(errorOf(real.get().optOverride("interval", "epoch"))).hasMessageContaining("schedule.interval=epoch");
  }

  @Test
  void smoothL1IsARegressionLossWhoseBetaIsStoredOnlyWhenItIsNotTorchsDefault() {
    java.util.function.Supplier<JobSpecResolver.Builder> smooth = () -> resolver().optOverride("loss", "smooth_l1");
    JobSpec torchs = smooth.get().build().resolve();
    assertThat(torchs.lossConfig().smoothL1Beta()).isEqualTo(1.0);
    assertThat(torchs.classification()).isFalse();
    assertThat(torchs.toHyperParameters().contains("loss.smooth_l1_beta")).isFalse();
    JobSpec two = smooth.get().optOverride("loss.smooth_l1_beta", "2").build().resolve();
    assertThat(two.toHyperParameters().getDouble("loss.smooth_l1_beta")).isEqualTo(2.0);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(two).lossConfig().smoothL1Beta()).isEqualTo(2.0);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(two).newLoss().toString()).isEqualTo("smooth_l1(beta 2.0)");
    assertThat(errorOf(smooth.get().optOverride("loss.smooth_l1_beta", "0"))).hasMessageContaining("out of range")
        .hasMessageEndingWith("; torch's SmoothL1Loss(beta=0) is L1Loss, here loss=l1");
    assertThat(errorOf(smooth.get().optOverride("loss.smooth_l1_beta", "-1"))).as("no hint for other values")
        .hasMessageContaining("out of range").hasMessageNotContaining("L1Loss");
    assertThat(errorOf(resolver().optOverride("optimizer.lr", "-1"))).as("no hint for other keys")
        .hasMessageNotContaining("L1Loss");
    assertThat(errorOf(resolver().optOverride("loss", "huber").optOverride("loss.smooth_l1_beta", "2")))
        .hasMessageContaining("loss.smooth_l1_beta = 2.0 (from --set loss.smooth_l1_beta) is read only by loss "
            + "smooth_l1, but loss = huber: remove it, or set loss=smooth_l1");
    assertThat(errorOf(resolver().optOverride("loss.beta", "0.5"))).hasMessageContaining("loss.smooth_l1_beta");
  }

  @Test
  void cosineRestartsIsAScheduleWhoseOwnKeysAreStoredOnlyForItsJobsAndWhosePyTorchNamesAreAnswered() {
    java.util.function.Supplier<JobSpecResolver.Builder> real = JobSpecResolverTest::quickstart;
    JobSpec restarts = real.get().optOverride("schedule.name", "cosine_restarts")
        .optOverride("schedule.restart_steps", "100").build().resolve();
    assertThat(restarts.toHyperParameters().getLong("schedule.restart_steps")).isEqualTo(100L);
    assertThat(restarts.toHyperParameters().getLong("schedule.restart_mult")).isEqualTo(1L);
    JobSpec constant = real.get().build().resolve();
    assertThat(constant.toHyperParameters().contains("schedule.restart_steps")).isFalse();
    assertThat(constant.toHyperParameters().contains("schedule.restart_mult")).isFalse();
    assertThat(errorOf(real.get().optOverride("schedule.name", "cosine_restarts")))
        .hasMessageContaining("schedule.restart_steps");
    assertThat(errorOf(real.get().optOverride("schedule.restart_steps", "100")))
        .hasMessageContaining("cosine_restarts");
    assertThat(errorOf(real.get().optOverride("T_0", "100"))).hasMessageContaining("schedule.restart_steps");
    assertThat(errorOf(real.get().optOverride("schedule.T_mult", "2"))).hasMessageContaining("schedule.restart_mult");
  }

  @Test
  void clippingByValueReachesTheWorkersIsStoredOnlyWhenSetAndNotTogetherWithClippingByNorm() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.clipGradValue()).isZero();
    assertThat(none.toHyperParameters().contains("train.clip_grad_value")).isFalse();
    assertThat(resolver().optOverride("train.clip_grad_value", "0").build().resolve().toHyperParameters())
        .isEqualTo(none.toHyperParameters());
    JobSpec clipped = resolver().optOverride("train.clip_grad_value", "0.5").build().resolve();
    assertThat(clipped.toHyperParameters().getDouble("train.clip_grad_value")).isEqualTo(0.5);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(clipped).clipGradValue()).isEqualTo(0.5);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(none).clipGradValue()).isZero();
    assertThat(errorOf(resolver().optOverride("train.clip_grad_value", "0.5").optOverride("train.clip_grad_norm",
        "1"))).hasMessageContaining("train.clip_grad_value = 0.5 and train.clip_grad_norm = 1.0 clip the same "
        + "gradients two ways; set one of them (the other to 0)");
    assertThat(errorOf(resolver().optOverride("train.clip_grad_value", "-1"))).hasMessageContaining("out of range");
    assertThat(errorOf(resolver().optOverride("gradient_clip_algorithm", "value")))
        .hasMessageContaining("by value train.clip_grad_value");
    assertThat(errorOf(resolver().optOverride("clip_value", "1"))).hasMessageContaining("train.clip_grad_value");
  }

  @Test
  void gradientAccumulationReachesTheWorkersAndOneBatchPerStepIsStoredAsNoKey() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.accumulateGradBatches()).isOne();
    assertThat(none.toHyperParameters().contains("train.accumulate_grad_batches")).as("job.json as before the key")
        .isFalse();
    assertThat(resolver().optOverride("train.accumulate_grad_batches", "1").build().resolve().toHyperParameters())
        .isEqualTo(none.toHyperParameters());
    assertThat(io.epochal.driver.train.TrainingConfigs.of(none).batchPlan().samplesPerStep())
        .isEqualTo(none.batchSize());

    JobSpec four = resolver().optOverride("train.accumulate_grad_batches", "4").build().resolve();
    assertThat(four.toHyperParameters().getLong("train.accumulate_grad_batches")).isEqualTo(4L);
    assertThat(JobSpec.fromHyperParameters(four.toHyperParameters())).isEqualTo(four);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(four).accumulateGradBatches()).isEqualTo(4);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(four).batchPlan().samplesPerStep())
        .isEqualTo(4 * four.batchSize());
    assertThat(errorOf(resolver().optOverride("train.accumulate_grad_batches", "0")))
        .hasMessageContaining("train.accumulate_grad_batches = '0' (from --set train.accumulate_grad_batches) is out "
            + "of range");
    assertThat(errorOf(resolver().optOverride("gradient_accumulation_steps", "4")))
        .hasMessageContaining("batches accumulated per optimizer step are train.accumulate_grad_batches");
    assertThat(errorOf(resolver().optOverride("accumulate_grad_batches", "4")))
        .hasMessageContaining("write train.accumulate_grad_batches");
  }

  @Test
  void labelSmoothingReachesTheWorkersIsStoredOnlyWhenOnAndOnlyForClassification() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.lossConfig().labelSmoothing()).isZero();
    assertThat(none.toHyperParameters().contains("loss.label_smoothing")).as("job.json as before the key existed")
        .isFalse();
    JobSpec smoothed = resolver().optOverride("loss.label_smoothing", "0.1").build().resolve();
    assertThat(smoothed.toHyperParameters().getDouble("loss.label_smoothing")).isEqualTo(0.1);
    assertThat(JobSpec.fromHyperParameters(smoothed.toHyperParameters())).isEqualTo(smoothed);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(smoothed).lossConfig().labelSmoothing()).isEqualTo(0.1);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(none)).isNotEqualTo(
        io.epochal.driver.train.TrainingConfigs.of(smoothed));
    assertThat(errorOf(resolver().optOverride("loss.label_smoothing", "1.5")))
        .hasMessageContaining("loss.label_smoothing = '1.5' (from --set loss.label_smoothing) is out of range");
    ConfigException regression = errorOf(resolver().optOverride("loss", "mse")
        .optOverride("model.classes", "1").optOverride("loss.label_smoothing", "0.1"));
    assertThat(regression.key()).isEqualTo("loss.label_smoothing");
    assertThat(regression).hasMessageContaining("loss.label_smoothing = 0.1 (from --set loss.label_smoothing) smooths "
        + "class labels, but loss = mse has none (only softmax_cross_entropy does)");
    assertThat(errorOf(resolver().optOverride("label_smoothing", "0.1")))
        .hasMessageContaining("write loss.label_smoothing");
  }

  @Test
  void earlyStoppingIsStoredOnlyWhenOnAndWaitsForAMetricACheckpointRecords() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.earlyStop().patience()).isZero();
    assertThat(none.toHyperParameters().contains("early_stop.patience")).isFalse();
    assertThat(none.toHyperParameters().contains("early_stop.min_delta")).isFalse();
    JobSpec on = resolver().optOverride("early_stop.patience", "3").optOverride("early_stop.min_delta", "0.01")
        .build().resolve();
    assertThat(on.toHyperParameters().getLong("early_stop.patience")).isEqualTo(3);
    assertThat(on.earlyStop().minDelta()).isEqualTo(0.01);
    assertThat(JobSpec.fromHyperParameters(on.toHyperParameters())).isEqualTo(on);
    assertThat(errorOf(resolver().optOverride("early_stop.patience", "3").optOverride("checkpoint.best_metric",
        "val_loss"))).hasMessageContaining("checkpoint.best_metric = 'val_loss' (from --set checkpoint.best_metric) "
        + "is recorded only for a job evaluated on held-out rows");
    assertThat(errorOf(resolver().optOverride("early_stop.patience", "-1")))
        .hasMessageContaining("early_stop.patience = '-1' (from --set early_stop.patience) is out of range");
  }

  @Test
  void aResumeThatMakesAStoredMetricRankOrStopIsCheckedAsATrainWouldBeAndAnEmptyMetricIsRefused() {
    java.util.function.Supplier<JobSpecResolver.Builder> real = JobSpecResolverTest::quickstart;
    // accepted at train: nothing reads the metric yet
    HyperParameters stored = real.get().optOverride("checkpoint.best_metric", "train_accuracy")
        .optOverride("checkpoint.keep_best", "0").build().resolve().toHyperParameters();
    java.util.function.Function<Map<String, String>, ConfigException> resume = sets -> org.assertj.core.api
        .Assertions.catchThrowableOfType(ConfigException.class, () -> JobSpec.fromHyperParameters(stored, sets,
            k -> "--set " + k, new io.epochal.driver.app.RegistryModelCatalog()));
    assertThat(resume.apply(Map.of("checkpoint.keep_best", "1"))).as("ranking by it with mode min")
        .hasMessageContaining("checkpoint.best_mode = min makes the lowest the best, which checkpoint.keep_best = 1 "
            + "ranks checkpoints by: set checkpoint.best_mode=max");
    assertThat(resume.apply(Map.of("early_stop.patience", "3"))).as("stopping by it with mode min")
        .hasMessageContaining("set checkpoint.best_mode=max");
    assertThat(resume.apply(Map.of("checkpoint.keep_best", "1", "checkpoint.best_mode", "max"))).isNull();
    assertThat(resume.apply(Map.of("checkpoint.keep_last", "2"))).as("a key that does not read it").isNull();
    HyperParameters timed = real.get().optOverride("checkpoint.best_metric", "samples_per_second")
        .optOverride("checkpoint.keep_best", "0").build().resolve().toHyperParameters();
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
        () -> JobSpec.fromHyperParameters(timed, Map.of("early_stop.patience", "2"), k -> "--set " + k, null)))
        .hasMessageContaining("is the speed of the machines");

    assertThat(errorOf(real.get().optOverride("early_stop.patience", "3").optOverride("checkpoint.keep_best", "0")
        .optOverride("checkpoint.best_metric", "")))
        .hasMessageContaining("checkpoint.best_metric = '' (from --set checkpoint.best_metric) names no metric, but "
            + "early_stop.patience = 3 stops the job early by it");
    assertThat(errorOf(real.get().optOverride("schedule.name", "plateau").optOverride("schedule.monitor", "")))
        .hasMessageContaining("schedule.monitor = '' (from --set schedule.monitor) names no metric, but schedule "
            + "'plateau' lowers the learning rate by it");
    assertThat(real.get().optOverride("checkpoint.best_metric", "").optOverride("checkpoint.keep_best", "0").build()
        .resolve()).as("read by nothing").isNotNull();
  }

  @Test
  void onlyAPlateauJobStoresThePlateauKeysAndAnotherSchedulesJobIsToldWhichScheduleReadsThem() {
    java.util.function.Supplier<JobSpecResolver.Builder> real = JobSpecResolverTest::quickstart;
    JobSpec constant = real.get().build().resolve();
    for (String key : io.epochal.worker.schedule.LrSchedules.PLATEAU_KEYS) {
      assertThat(constant.toHyperParameters().contains("schedule." + key)).as("job.json as before plateau: %s", key)
          .isFalse();
    }
    JobSpec plateau = real.get().optOverride("schedule.name", "plateau").optOverride("schedule.patience", "2")
        .build().resolve();
    HyperParameters stored = plateau.toHyperParameters();
    assertThat(stored.getLong("schedule.patience")).isEqualTo(2);
    assertThat(stored.getDouble("schedule.factor")).as("torch's default").isEqualTo(0.1);
    assertThat(stored.getString("schedule.monitor")).isEqualTo("train_loss");
    assertThat(JobSpec.fromHyperParameters(stored, new io.epochal.driver.app.RegistryModelCatalog()))
        .isEqualTo(plateau);

    ConfigException other = errorOf(real.get().optOverride("schedule.name", "cosine")
        .optOverride("schedule.total_steps", "10").optOverride("schedule.patience", "2"));
    assertThat(other).hasMessage("schedule.patience (set in --set schedule.patience) is not read by schedule.name = "
        + "'cosine'; only plateau reads it: remove it, or set schedule.name=plateau");
    assertThat(real.get().optOverride("schedule.patience", "10").build().resolve().toHyperParameters())
        .as("its default, as a plateau job's job.json lists it: changes nothing, and is not stored")
        .isEqualTo(constant.toHyperParameters());
    assertThat(errorOf(real.get().optOverride("schedule.name", "plateau").optOverride("schedule.monitor", "val_los")))
        .hasMessageContaining("schedule.monitor = 'val_los' (from --set schedule.monitor) is not a metric a "
            + "checkpoint records; did you mean 'val_loss'?");
    assertThat(errorOf(real.get().optOverride("schedule.name", "plateau").optOverride("schedule.factor", "1")))
        .hasMessageContaining("schedule.factor");
    assertThat(errorOf(real.get().optOverride("schedule.name", "plateau").optOverride("schedule.monitor",
        "train_accuracy"))).hasMessageContaining("schedule.monitor = 'train_accuracy' (from --set schedule.monitor) "
        + "is better when larger, but schedule.mode = min makes the lowest the best, which schedule 'plateau' lowers "
        + "the learning rate by: set schedule.mode=max");
    assertThat(real.get().optOverride("schedule.name", "plateau").optOverride("schedule.monitor", "train_accuracy")
        .optOverride("schedule.mode", "max").build().resolve().scheduleParams().getString("mode")).isEqualTo("max");
    assertThat(errorOf(real.get().optOverride("checkpoint.keep_best", "1").optOverride("checkpoint.best_metric",
        "train_accuracy"))).hasMessageContaining("set checkpoint.best_mode=max");

    assertThat(constant.toHyperParameters().contains("schedule.milestones")).isFalse();
    JobSpec multistep = real.get().optOverride("schedule.name", "multistep").optOverride("schedule.milestones",
        "100, 250").build().resolve();
    assertThat(multistep.toHyperParameters().getList("schedule.milestones", Long.class)).containsExactly(100L, 250L);
    assertThat(io.epochal.driver.train.TrainingConfigs.of(multistep).scheduleParams().getList("milestones",
        Long.class)).containsExactly(100L, 250L);
    assertThat(errorOf(real.get().optOverride("schedule.name", "multistep")))
        .hasMessageContaining("schedule.milestones").hasMessageContaining("needs milestones");
    assertThat(errorOf(real.get().optOverride("schedule.name", "multistep").optOverride("schedule.milestones",
        "250,100"))).hasMessageContaining("schedule.milestones").hasMessageContaining("increasing order");
    assertThat(errorOf(real.get().optOverride("schedule.milestones", "100"))).hasMessage("schedule.milestones (set "
        + "in --set schedule.milestones) is not read by schedule.name = 'constant'; only multistep reads it: remove "
        + "it, or set schedule.name=multistep");
  }

  @Test
  void sparkConfOverridesFileAndSetOverridesSparkConf() {
    assertThat(resolver().build().resolve().epochs()).isEqualTo(1);
    Map<String, String> conf = Map.of("spark.epochal.train.epochs", "2", "spark.epochal.train.workers", "3",
        "spark.executor.memory", "1g");
    JobSpec fromConf = resolver().optSparkConf(conf).build().resolve();
    assertThat(fromConf.epochs()).isEqualTo(2);
    assertThat(fromConf.workers()).isEqualTo(3);
    JobSpec fromSet = resolver().optSparkConf(conf).optOverride("train.epochs", "5").build().resolve();
    assertThat(fromSet.epochs()).isEqualTo(5);
    assertThat(fromSet.workers()).isEqualTo(3);
    assertThat(fromSet.optimizerParams().getDouble("lr")).isEqualTo(0.1);
  }

  @Test
  void aJobFileStartingWithAUtf8ByteOrderMarkAndCrlfLinesReadsAsWithout() throws IOException {
    String text = String.join("\r\n", Files.readAllLines(jobFile)) + "\r\n";
    Files.writeString(jobFile, "\uFEFF" + text, StandardCharsets.UTF_8);
    JobSpec spec = resolver().build().resolve();
    assertThat(spec.jobName()).isEqualTo("test");
    assertThat(spec.dataFeatures()).containsExactly("features");
  }

  @Test
  void aJobDirectorysJobJsonGivenAsTheJobFileIsRefusedInOneLineNamingResume() throws IOException {
    Path dir = Files.createDirectories(jobFile.getParent().resolve("a job"));
    Path json = dir.resolve("job.json");
    Files.writeString(json, "\n  {\n  \"format_version\" : 1,\n  \"keys\" : {\"job.name\" : \"x\"}\n}\n");
    ConfigException e = errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog()).optJobFile(json));
    assertThat(e.key()).isEqualTo("job file");
    assertThat(e).hasMessageContaining("is JSON, a job directory's job.json: to continue that job, run bin/epochal "
        + "resume '" + dir.toAbsolutePath() + "'").hasMessageContaining("train takes a .properties job file")
        .hasMessageNotContaining("unknown key");
    Path other = jobFile.getParent().resolve("spec.json");
    Files.writeString(other, "{\"job.name\": \"x\"}");
    assertThat(errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog()).optJobFile(other)))
        .hasMessageContaining("is JSON; train takes a .properties job file").hasMessageNotContaining("resume");
  }

  @Test
  void aJobDirOnAFileSystemWhoseConnectorIsNotOnTheClasspathNamesHowToAddIt() {
    ConfigException e = errorOf(resolver().optOverride("job.dir", "s3a://bucket/jobs/mnist"));
    assertThat(e.key()).isEqualTo("job.dir");
    assertThat(e).hasMessageContaining("no file system for s3a:// is on the classpath")
        .hasMessageContaining("hadoop-aws").hasMessageContaining("EPOCHAL_CLASSPATH=<jars> before bin/epochal")
        .hasMessageContaining("--jars / --packages with spark-submit");
  }

  @Test
  void theLabelColumnAmongTheFeatureColumnsIsRefused() {
    ConfigException e = errorOf(resolver().optOverride("data.features", "f0, label"));
    assertThat(e.key()).isEqualTo("data.features");
    assertThat(e).hasMessageContaining("data.features names the label column 'label' (data.label; from --set "
        + "data.features)").hasMessageContaining("remove it from data.features");
    assertThat(resolver().optOverride("data.features", "f0,label").optOverride("data.label", "y").build().resolve()
        .dataFeatures()).containsExactly("f0", "label");
  }

  @Test
  void aKeyOfAnotherOptimizerNamesTheOptimizersThatReadIt() {
    ConfigException e = errorOf(resolver().optOverride("optimizer.beta1", "0.8"));
    assertThat(e.key()).isEqualTo("optimizer.beta1");
    assertThat(e).hasMessageContaining("key 'optimizer.beta1' (from --set optimizer.beta1) is a hyperparameter of "
        + "optimizer adam, adamw, not of optimizer sgd (optimizer.name); set optimizer.name to one of adam, adamw")
        .hasMessageNotContaining("did you mean");
  }

  @Test
  void unknownKeyIsRefusedWithTheNearestValidKey() {
    ConfigException e = errorOf(resolver().optOverride("train.epoch", "3"));
    assertThat(e.key()).isEqualTo("train.epoch");
    assertThat(e).hasMessageContaining("unknown key 'train.epoch' (from --set train.epoch)")
        .hasMessageContaining("did you mean 'train.epochs'?");
  }

  @Test
  void unknownModelHyperparameterSuggestsTheModelsKey() {
    ConfigException e = errorOf(resolver().optOverride("model.hiden", "32"));
    assertThat(e.key()).isEqualTo("model.hiden");
    assertThat(e).hasMessageContaining("did you mean 'model.hidden'?").hasMessageContaining("model mlp v1 declares");
    assertThat(errorOf(resolver().optSparkConf(Map.of("spark.epochal.optimizer.momentun", "0.9"))))
        .hasMessageContaining("(from Spark conf spark.epochal.optimizer.momentun)")
        .hasMessageContaining("did you mean 'optimizer.momentum'?");
  }

  @Test
  void theLastEpochAJobMayHaveIsOneAManifestRecordsAndTheOneAfterIsRefused() {
    assertThatCode(() -> io.epochal.checkpoint.CheckpointManifest.builder().setEpoch(JobKeys.MAX_EPOCHS))
        .doesNotThrowAnyException();
    assertThat(errorOf(resolver().optOverride("train.epochs", Long.toString(JobKeys.MAX_EPOCHS + 1))))
        .hasMessageContaining("train.epochs = '1000000' (from --set train.epochs) is out of range; give an integer "
            + "in [1, 999999]");
    assertThat(errorOf(resolver().optOverride("train.epochs", "0"))).as("no hint below the range")
        .hasMessageContaining("is out of range").hasMessageNotContaining("--epochs");
    // a job stored with the limit of earlier builds: says how to resume it; a patience that long is not an epoch
    HyperParameters hp = resolver().build().resolve().toHyperParameters();
    assertThatThrownBy(() -> JobSpec.fromHyperParameters(hp.with(HyperParameters.builder().put("train.epochs",
        1_000_000L).build()))).hasMessageContaining("(from stored job spec) is out of range")
        .hasMessageContaining("is resumed with --epochs 999999 or fewer");
    assertThatCode(() -> JobSpec.fromHyperParameters(hp.with(HyperParameters.builder().put("early_stop.patience",
        1_000_000L).build()))).doesNotThrowAnyException();
  }

  @Test
  void wrongTypeNamesKeyValueAndExpectedType() {
    ConfigException e = errorOf(resolver().optOverride("train.epochs", "ten"));
    assertThat(e.key()).isEqualTo("train.epochs");
    assertThat(e).hasMessage("train.epochs = 'ten' (from --set train.epochs) is not an integer; "
        + "give an integer in [1, 999999]");
    assertThat(errorOf(resolver().optOverride("model.hidden", "64,x")))
        .hasMessageContaining("model.hidden = '64,x'").hasMessageContaining("is not a list of integers");
    assertThat(errorOf(resolver().optOverride("optimizer.lr", "1e400")))
        .hasMessageContaining("optimizer.lr = '1e400' (from --set optimizer.lr) is not a finite number");
  }

  @Test
  void outOfRangeAndDisallowedValuesNameTheRange() {
    assertThat(errorOf(resolver().optOverride("train.workers", "0")))
        .hasMessageContaining("train.workers = '0' (from --set train.workers) is out of range; give an integer in [1, 4096]");
    assertThat(errorOf(resolver().optOverride("model.dropout", "1.5")))
        .hasMessageContaining("model.dropout = '1.5'").hasMessageContaining("[0.0, 0.9]")
        .hasMessageContaining("model mlp v1");
    ConfigException e = errorOf(resolver().optOverride("optimizer.name", "lamb"));
    assertThat(e.key()).isEqualTo("optimizer.name");
    assertThat(e).hasMessageContaining("is not allowed; give one of sgd, adam, adamw");
    ConfigException onlyTheName = errorOf(resolver().optOverride("optimizer.name", "lamb")
        .optOverride("optimizer.momentum", "0.9"));
    assertThat(onlyTheName.problems()).as("an unknown optimizer's keys are not checked against another's")
        .singleElement().asString().contains("optimizer.name = 'lamb'");
    assertThat(errorOf(resolver().optOverride("optimizer.name", "adamm")))
        .hasMessageContaining("optimizer.name = 'adamm' (from --set optimizer.name) is not allowed (did you mean 'adam'?); give one of");
    assertThat(errorOf(resolver().optOverride("data.format", "avro"))).hasMessageContaining("one of parquet, csv, json");
  }

  @Test
  void sparkConfKeysInAJobAreAnsweredWithWhereTheyGoNotWithRemoveIt() {
    assertThat(errorOf(resolver().optOverride("spark.epochal.train.epochs", "5"))).hasMessageContaining(
        "a job file names a job key without Spark's prefix: write 'train.epochs'").hasMessageNotContaining("remove it");
    assertThat(errorOf(resolver().optOverride("spark.executor.memory", "4g"))).hasMessageContaining(
        "Spark and Hadoop settings are not job keys: give them to the command as --conf spark.executor.memory=<value>");
  }

  @Test
  void pytorchsNamesForJobKeysAreAnsweredWithTheKeyMeantNotWithRemoveIt() {
    ConfigException lr = errorOf(resolver().optOverride("lr", "0.01"));
    assertThat(lr).hasMessageContaining("unknown key 'lr' (from --set lr); the learning rate is optimizer.lr")
        .hasMessageNotContaining("remove it");
    assertThat(errorOf(resolver().optOverride("model.lr", "0.01")))
        .hasMessageContaining("unknown key 'model.lr' (from --set model.lr); the learning rate is optimizer.lr");
    assertThat(errorOf(resolver().optOverride("optimizer.betas", "0.9,0.999")))
        .hasMessageContaining("give optimizer.beta1 and optimizer.beta2, one number each");
    assertThat(errorOf(resolver().optOverride("schedule.T_max", "100")))
        .hasMessageContaining("cosine's length is schedule.total_steps (in optimizer steps, or epochs with "
            + "schedule.interval=epoch)");
    assertThat(errorOf(resolver().optOverride("epochs", "3"))).hasMessageContaining("write train.epochs");
    assertThat(errorOf(resolver().optOverride("gradient_clip_val", "1"))).hasMessageContaining("unknown key "
        + "'gradient_clip_val' (from --set gradient_clip_val); the largest total gradient norm is "
        + "train.clip_grad_norm");
    assertThat(errorOf(resolver().optOverride("max_norm", "1"))).hasMessageContaining("train.clip_grad_norm");
    assertThat(errorOf(resolver().optOverride("schedule.end_factor", "0.1")))
        .hasMessageContaining("a linear decay ends at the rate schedule.min_lr");
    assertThat(errorOf(resolver().optOverride("Optimizer.LR", "0.2")))
        .hasMessageContaining("unknown key 'Optimizer.LR' (from --set Optimizer.LR); keys are lower case: write "
            + "'optimizer.lr'");
  }

  @Test
  void lightningsCheckpointAndEarlyStoppingNamesAreAnsweredWithTheKeyMeantNotWithANearSpelling() {
    // near spellings of these are other keys: every_n_minutes for every_n_train_steps, model.name for mode
    Map<String, String> meant = Map.of(
        "checkpoint.every_n_train_steps", "checkpoint.every_n_rounds",
        "train.lr", "optimizer.lr",
        "mode", "checkpoint.best_mode",
        "early_stop.metric", "early_stop.monitor",
        "data.val_path", "data.validation_path",
        "monitor", "checkpoint.best_metric",
        "patience", "early_stop.patience",
        "save_top_k", "checkpoint.keep_best",
        "checkpoint.monitor", "checkpoint.best_metric",
        "train.learning_rate", "optimizer.lr");
    meant.forEach((given, key) -> assertThat(errorOf(resolver().optOverride(given, "1")))
        .as(given).hasMessageContaining("unknown key '" + given + "' (from --set " + given + "); ")
        .hasMessageContaining(key).hasMessageNotContaining("did you mean").hasMessageNotContaining("remove it"));
  }

  @Test
  void aModelKeyInCapitalsIsAnsweredWithItsLowerCaseSpellingInOneStep() {
    assertThat(errorOf(resolver().optOverride("MODEL.DROPOUT", "0.1")))
        .hasMessageContaining("unknown key 'MODEL.DROPOUT' (from --set MODEL.DROPOUT); keys are lower case: write "
            + "'model.dropout'");
    assertThat(errorOf(resolver().optOverride("Model.Hidden", "8")))
        .hasMessageContaining("keys are lower case: write 'model.hidden'");
    assertThat(errorOf(resolver().optOverride("model.Hidden", "8")))
        .hasMessageContaining("unknown key 'model.Hidden' (from --set model.Hidden); keys are lower case: write "
            + "'model.hidden'");
    assertThat(errorOf(resolver().optOverride("MODEL.DROPOUTS", "0.1")))
        .as("a key the model does not declare in any spelling is not called a matter of case")
        .hasMessageNotContaining("keys are lower case").hasMessageContaining("declares no model.dropouts");
  }

  @Test
  void unregisteredModelOrVersionIsRefused() {
    ConfigException e = errorOf(resolver().optOverride("model.name", "mpl"));
    assertThat(e.key()).isEqualTo("model.name");
    assertThat(e).hasMessageContaining("model.name = 'mpl' (from --set model.name) is not a registered model")
        .hasMessageContaining("did you mean 'mlp'?").hasMessageContaining("[linear, mlp]");
    ConfigException v = errorOf(resolver().optOverride("model.version", "7"));
    assertThat(v.key()).isEqualTo("model.version");
    assertThat(v).hasMessageContaining("model.version = 7 (from --set model.version) is not registered for model "
        + "'mlp' (registered: [1, 2]): a new job may use one of those; a job trained with v7 keeps it, so put the jar "
        + "that registers mlp v7 on the class path");
    assertThat(errorOf(resolver().optOverride("schedule.name", "cosin"))).hasMessageContaining("did you mean 'cosine'?")
        .hasMessageContaining("schedule.name = 'cosin' (from --set schedule.name) is not a registered schedule");
  }

  @Test
  void aModelVersionThatIsNoNumberIsTheOnlyProblemNotAlsoTheDefaultVersionStandingInForIt() {
    TestModelCatalog all = new TestModelCatalog();
    ModelCatalog onlyV2 = new ModelCatalog() { // a jar that registers mlp at version 2 only
      @Override
      public java.util.Set<String> modelNames() {
        return all.modelNames();
      }

      @Override
      public java.util.Optional<io.epochal.params.ParamSpecs> model(String name, long version) {
        return name.equals("mlp") && version != 2 ? java.util.Optional.empty() : all.model(name, version);
      }

      @Override
      public java.util.Set<Long> versions(String name) {
        return name.equals("mlp") ? java.util.Set.of(2L) : all.versions(name);
      }

      @Override
      public java.util.Optional<io.epochal.params.ParamSpecs> optimizer(String name) {
        return all.optimizer(name);
      }

      @Override
      public java.util.Set<String> scheduleNames() {
        return all.scheduleNames();
      }

      @Override
      public java.util.Optional<io.epochal.params.ParamSpecs> schedule(String name) {
        return all.schedule(name);
      }
    };
    assertThat(JobSpecResolver.builder().optCatalog(onlyV2).optJobFile(jobFile).optOverride("model.version", "2")
        .build().resolve().toHyperParameters().getLong("model.version")).isEqualTo(2L);

    ConfigException e = errorOf(JobSpecResolver.builder().optCatalog(onlyV2).optJobFile(jobFile)
        .optOverride("model.version", "v2"));

    assertThat(e.problems()).as("one problem, of the value given").hasSize(1);
    assertThat(e).hasMessageContaining("model.version").hasMessageContaining("'v2'")
        .hasMessageNotContaining("model.version = 1").hasMessageNotContaining("mlp v1");
  }

  @Test
  void aMissingDataPathDoesNotHideTheModelsAndOptimizersMistakes() {
    ConfigException all = errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog())
        .optOverrides(Map.of("job.name", "x", "job.dir", "/tmp/x", "model.name", "mlp", "model.inputs", "8",
            "model.classes", "3", "model.hiden", "3", "optimizer.name", "sgd", "optimizer.lr", "-3",
            "data.features", "f")));
    assertThat(String.join("\n", all.problems())).contains("missing required key 'data.path'",
        "model.hiden", "optimizer.lr");
  }

  @Test
  void missingRequiredKeysAreNamed() {
    assertThat(errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog())).key()).isEqualTo("job.name");
    ConfigException all = errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog())
        .optOverrides(Map.of("job.name", "x", "train.epochs", "0")));
    assertThat(all.problems()).as("every missing key and other mistake at once").hasSize(5);
    assertThat(String.join("\n", all.problems())).contains("missing required key 'job.dir'",
        "missing required key 'model.name'", "missing required key 'data.path'",
        "missing required key 'data.features'", "train.epochs").doesNotContain("job.name");
    ConfigException e = errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog())
        .optOverrides(Map.of("job.name", "x", "job.dir", "/tmp/x", "model.name", "linear", "data.path", data.toString(),
            "data.features", "f")));
    assertThat(e.key()).isEqualTo("model.inputs");
    assertThat(e).hasMessageContaining("missing required key 'model.inputs' (integer, [1, inf]): Input features.")
        .hasMessageContaining("--set model.inputs=<value>");
    ConfigException unknown = errorOf(resolver().optOverride("model.name", "linear"));
    assertThat(unknown.key()).isEqualTo("model.classes");
    assertThat(unknown).hasMessageContaining("unknown key 'model.classes'")
        .hasMessageContaining("remove it (model linear v1 declares [model.inputs, model.outputs])");
  }

  @Test
  void blankNameFeaturesOrRankingMetricAreRefusedNamingTheKey() {
    assertThat(errorOf(resolver().optOverride("job.name", " ")).key()).isEqualTo("job.name");
    ConfigException features = errorOf(resolver().optOverride("data.features", ""));
    assertThat(features.key()).isEqualTo("data.features");
    assertThat(features.getMessage()).contains("data.features is empty").contains("--set data.features=");
    assertThat(errorOf(resolver().optOverride("checkpoint.keep_best", "2").optOverride("checkpoint.best_metric", ""))
        .key()).isEqualTo("checkpoint.best_metric");
    assertThat(resolver().optOverride("checkpoint.best_metric", "").build().resolve().bestMetric()).isEmpty();
    assertThat(tmp.resolve("job")).doesNotExist();
  }

  @Test
  void trainingAccuracyRanksClassificationCheckpointsOnly() {
    assertThat(resolver().optOverride("checkpoint.best_metric", "train_accuracy").optOverride("checkpoint.best_mode",
        "max").build().resolve().bestMetric()).isEqualTo("train_accuracy");
    ConfigException regression = errorOf(resolver().optOverride("checkpoint.best_metric", "train_accuracy")
        .optOverride("loss", "mse").optOverride("model.output_dim", "1"));
    assertThat(regression.key()).isEqualTo("checkpoint.best_metric");
    assertThat(regression).hasMessageContaining("checkpoint.best_metric = 'train_accuracy'")
        .hasMessageContaining("is recorded only for classification (loss=softmax_cross_entropy), not loss=mse");
    assertThat(errorOf(resolver().optOverride("checkpoint.best_metric", "train_acuracy")))
        .hasMessageContaining("did you mean 'train_accuracy'?");
  }

  @Test
  void aGlobAsDataPathIsToldToBeADirectoryNotThatItDoesNotExist() {
    ConfigException e = errorOf(resolver().optOverride("data.path", data.resolve("*.csv").toString()));
    assertThat(e.key()).isEqualTo("data.path");
    assertThat(e).hasMessageContaining("*.csv' is a pattern, and data.path names one directory or file, not a glob")
        .hasMessageNotContaining("does not exist");
  }

  @Test
  void missingDataPathIsSaidWithTheSpecsOtherMistakesNotOnlyOnceTheyAreFixed() {
    ConfigException e = errorOf(resolver().optOverride("data.path", tmp.resolve("nowhere").toString())
        .optOverride("optimizer.lr", "-1").optOverride("train.epoch", "3"));
    assertThat(e.problems()).hasSize(3);
    assertThat(e).hasMessageContaining("optimizer.lr").hasMessageContaining("train.epoch")
        .hasMessageContaining("data.path = '" + tmp.resolve("nowhere") + "' does not exist (set in --set data.path)");
    // existing data, or a job directory that holds a job (its data may have moved with a resume): not said
    assertThat(errorOf(resolver().optOverride("optimizer.lr", "-1")).problems()).hasSize(1);
    assertThat(errorOf(resolver().optOverride("optimizer.lr", "-1").optOverride("data.path", data.resolve("*.csv")
        .toString())).problems()).hasSize(1);
  }

  @Test
  void anExistingJobWhoseDataIsGoneIsToldToResumeWithTheDatasNewLocationNotToGenerateData() throws IOException {
    String nowhere = tmp.resolve("nowhere").toString();
    JobSpec spec = resolver().optOverride("data.path", nowhere).optCheckDataPath(false).build().resolve();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
    new io.epochal.job.JobSpecStore(dir.getFileSystem(new org.apache.hadoop.conf.Configuration()), dir)
        .writeOnce(spec.toStored());

    ConfigException e = errorOf(resolver().optOverride("data.path", nowhere));
    assertThat(e.key()).isEqualTo("data.path");
    assertThat(e).hasMessageContaining("does not exist").hasMessageContaining("job " + spec.jobDirText()
        + " exists and trained on it: if its data moved, continue it with bin/epochal resume")
        .hasMessageContaining("--data <its new location>").hasMessageNotContaining("gen-data");
  }

  @Test
  void missingDataPathIsRefusedBeforeAnythingStarts() {
    ConfigException e = errorOf(resolver().optOverride("data.path", tmp.resolve("nowhere").toString()));
    assertThat(e.key()).isEqualTo("data.path");
    assertThat(e).hasMessageContaining("does not exist").hasMessageContaining("epochal gen-data");
    assertThat(resolver().optOverride("data.path", tmp.resolve("nowhere").toString()).optCheckDataPath(false)
        .build().resolve().dataPath().getPath()).endsWith("nowhere");
    assertThat(errorOf(resolver().optOverride("data.path", "nosuchscheme://x/y")).key()).isEqualTo("data.path");
    assertThat(tmp.resolve("job")).doesNotExist();
  }

  @Test
  void unreadableJobFileIsAConfigError() {
    ConfigException e = errorOf(JobSpecResolver.builder().optCatalog(new TestModelCatalog())
        .optJobFile(tmp.resolve("missing.properties")));
    assertThat(e).hasMessageContaining("missing.properties does not exist");
  }

  @Test
  void hyperParametersRoundTripThroughJson() {
    JobSpec spec = resolver().optOverride("schedule.name", "step").optOverride("schedule.gamma", "0.5").build().resolve();
    HyperParameters hp = spec.toHyperParameters();
    assertThat(hp.getLong("train.epochs")).isEqualTo(1L);
    assertThat(hp.getDouble("schedule.gamma")).isEqualTo(0.5);
    assertThat(JobSpec.fromHyperParameters(hp)).isEqualTo(spec);
    assertThat(JobSpec.fromHyperParameters(hp, new TestModelCatalog())).isEqualTo(spec);
    assertThat(JobSpec.fromHyperParameters(HyperParameters.fromJson(hp.toJson()), new TestModelCatalog()))
        .isEqualTo(spec).hasSameHashCodeAs(spec);
    assertThat(spec.scheduleParams().getLong("step_epochs")).isEqualTo(10L);
  }

  @Test
  void featureColumnsGivenWithBlanksAreTheSameSpecAsWithoutButAStoredSpecKeepsItsText() {
    JobSpec spaced = resolver().optOverride("data.features", " f0, f1 ,f2,").build().resolve();
    JobSpec plain = resolver().optOverride("data.features", "f0,f1,f2").build().resolve();
    assertThat(spaced).isEqualTo(plain);
    assertThat(spaced.toHyperParameters().getString("data.features")).isEqualTo("f0,f1,f2");

    HyperParameters stored = plain.toHyperParameters().with(HyperParameters.builder().put("data.features", "f0, f1,f2")
        .build());
    assertThat(JobSpec.fromHyperParameters(stored).toHyperParameters().getString("data.features"))
        .as("a job stored with blanks resumes with the spec its checkpoints hold").isEqualTo("f0, f1,f2");
  }

  @Test
  void storedSpecWithWrongTypeOrUnknownKeyIsRefused() {
    HyperParameters hp = resolver().build().resolve().toHyperParameters();
    assertThatThrownBy(() -> JobSpec.fromHyperParameters(hp.with(HyperParameters.builder().put("train.epochs", "3")
        .build()))).isInstanceOf(ConfigException.class).hasMessageContaining("train.epochs = '3' (from stored job spec)");
    assertThatThrownBy(() -> JobSpec.fromHyperParameters(hp.with(HyperParameters.builder().put("trian.epochs", 3L)
        .build()))).isInstanceOf(ConfigException.class).hasMessageContaining("did you mean 'train.epochs'?");
  }

  @Test
  void shippedQuickstartIsValidAgainstTheRealRegistry() {
    JobSpec spec = JobSpecResolver.builder().optCatalog(new io.epochal.driver.app.RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false).build().resolve();
    assertThat(spec.modelName()).isEqualTo("mlp");
    assertThat(spec.epochs()).isEqualTo(3);
    assertThat(spec.workers()).isEqualTo(2);
  }

  @Test
  void referenceDocIsUpToDate() throws IOException {
    Path doc = Path.of("..", "conf", "REFERENCE.md");
    assertThat(doc).exists();
    assertThat(Files.readString(doc, StandardCharsets.UTF_8))
        .as("conf/REFERENCE.md is stale; regenerate it with "
            + "java -cp <classpath> io.epochal.driver.config.ReferenceDoc conf/REFERENCE.md")
        .isEqualTo(ReferenceDoc.markdown());
    for (var s : JobKeys.specs().all()) {
      assertThat(ReferenceDoc.markdown()).contains("| `" + s.name() + "` | " + s.type().displayName());
    }
  }
}
