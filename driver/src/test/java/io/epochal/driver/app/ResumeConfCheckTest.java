package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import io.epochal.params.HyperParameters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumeConfCheckTest {

  private static final org.apache.hadoop.conf.Configuration CONF = new org.apache.hadoop.conf.Configuration();

  private static final HyperParameters STORED = HyperParameters.builder().put("optimizer.lr", 0.0001)
      .put("job.dir", "hdfs://nn:8020/jobs/a").put("data.path", "file:/data/x")
      .put("train.epochs", 5L).put("model.hidden", List.of(64L, 64L)).put("model.name", "mlp")
      .put("train.shuffle", true).build();

  @Test
  void entriesThatAgreeWithTheJobAreAcceptedWhateverTheirSpelling() {
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.optimizer.lr", "1e-4",
        "spark.epochal.train.epochs", "5", "spark.epochal.model.hidden", "64, 64", "spark.epochal.model.name", "mlp",
        "spark.epochal.train.shuffle", "TRUE", "spark.executor.memory", "4g", "spark.epochal.job.dir",
        "hdfs://NN/jobs/a/", "spark.epochal.data.path", "/data/x"), STORED, "/jobs/a", CONF))
        .doesNotThrowAnyException();
  }

  @Test
  void anotherSchedulesKeyAtItsDefaultWhichTrainDroppedIsAcceptedAndAnotherValueIsNot() {
    // schedule.patience=10 (plateau's default) with a cosine job: train dropped it, the same line resumes it
    HyperParameters cosine = HyperParameters.builder().putAll(STORED).put("schedule.name", "cosine").build();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.schedule.patience", " 10",
        "spark.epochal.schedule.milestones", ""), cosine, "/jobs/a", CONF)).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.schedule.patience", "3"), cosine, "/jobs/a",
        CONF)).isInstanceOf(ConfigException.class).hasMessageContaining("schedule.patience");
  }

  @Test
  void aFeatureRangeAgreesWithTheColumnsItNamesAsTheJobStoredThem() {
    HyperParameters stored = HyperParameters.builder().putAll(STORED).put("data.features", "f0,f1,f2,f3").build();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.data.features", "f0..f3"), stored, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.data.features", "f0..3"), stored, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.data.features", "f0..f4"), stored,
        "/jobs/a", CONF)).isInstanceOf(ConfigException.class).hasMessageContaining("data.features: f0,f1,f2,f3 -> f0..f4");
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.data.features", "f3..f0"), stored,
        "/jobs/a", CONF)).as("a range that counts down is not the job's columns").isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.features: f0,f1,f2,f3 -> f3..f0");
  }

  @Test
  void entriesThatDifferFromTheJobAreRefusedWithEveryDifference() {
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.optimizer.lr", "0.5",
        "spark.epochal.model.hidden", "64", "spark.epochal.data.bad_rows", "skip", "spark.epochal.data.path",
        "/data/y"), STORED, "/jobs/a", CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("job.json of /jobs/a")
        .hasMessageContaining("optimizer.lr: 1.0E-4 -> 0.5")
        .hasMessageContaining("model.hidden: [64, 64] -> 64")
        .hasMessageContaining("data.bad_rows: (not set) -> skip")
        .hasMessageContaining("data.path: file:/data/x -> /data/y")
        .hasMessageContaining("start a new job directory");
  }

  @Test
  void anEntryRestatingWhatAFlagAmendsGivesWayToTheFlagAndAThirdValueIsRefusedNamingBoth() {
    HyperParameters amended = HyperParameters.builder().putAll(STORED).put("train.epochs", 8L)
        .put("data.path", "file:/data/moved").build();
    // the spark-submit line that started the job: train.epochs=5 and the old data.path, as stored
    Map<String, String> launch = Map.of("spark.epochal.train.epochs", "5", "spark.epochal.data.path", "/data/x",
        "spark.epochal.optimizer.lr", "1e-4", "spark.executor.memory", "4g");
    Map<String, String> kept = ResumeConfCheck.withoutRestated(launch, STORED, amended, CONF);
    assertThat(kept).containsOnlyKeys("spark.epochal.optimizer.lr", "spark.executor.memory");
    assertThatCode(() -> ResumeConfCheck.check(kept, amended, "/jobs/a", CONF)).doesNotThrowAnyException();

    Map<String, String> third = ResumeConfCheck.withoutRestated(Map.of("spark.epochal.train.epochs", "6"), STORED,
        amended, CONF);
    assertThatThrownBy(() -> ResumeConfCheck.check(third, amended, "/jobs/a", CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("with --epochs, --data or --relocate applied")
        .hasMessageContaining("(job -> Spark conf): train.epochs: 8 -> 6")
        .hasMessageContaining("train.epochs with --epochs, data.path with --data");
  }

  @Test
  void retentionRetryAndLeaseEntriesThatDifferAreReturnedToAmendTheJobNotRefused() {
    assertThat(ResumeConfCheck.check(Map.of("spark.epochal.checkpoint.keep_last", "2",
        "spark.epochal.retry.max_attempts", "5", "spark.epochal.optimizer.lr", "1e-4"), STORED, "/jobs/a", CONF))
        .containsExactly(Map.entry("checkpoint.keep_last", "2"), Map.entry("retry.max_attempts", "5"));
    assertThat(ResumeConfCheck.check(Map.of("spark.epochal.early_stop.patience", "4",
        "spark.epochal.early_stop.min_delta", "0"), STORED, "/jobs/a", CONF)).as("no min_delta restates the job's")
        .containsExactly(Map.entry("early_stop.patience", "4"));
  }

  @Test
  void aKeyTheJobDoesNotHaveIsRefusedWithTheNearestOne() {
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.checkpoint.keeplast", "2",
        "spark.epochal.optimizer.lrr", "0.1"), STORED, "/jobs/a", CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown job keys in the Spark conf, not a key of /jobs/a")
        .hasMessageContaining("spark.epochal.checkpoint.keeplast (did you mean spark.epochal.checkpoint.keep_last?)")
        .hasMessageContaining("spark.epochal.optimizer.lrr (did you mean spark.epochal.optimizer.lr?)");
  }

  @Test
  void placementEntriesAreThisRunsOwnAndNeverCompared() {
    assertThat(ResumeConfCheck.check(Map.of("spark.epochal.train.device", "cpu"), STORED, "/jobs/a", CONF)).isEmpty();
    assertThat(ResumeConfCheck.placement(Map.of("spark.epochal.train.device", "cpu", "spark.epochal.optimizer.lr",
        "1"))).containsExactly(Map.entry("train.device", "cpu"));
  }

  @Test
  void aKeyResumeSetCannotChangeSaysWhatDoes() {
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("train.epochs", "9", STORED, CONF))
        .hasMessageContaining("a resume sets it with --epochs (give --epochs 9 instead of this --set)");
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("data.path", "/d", STORED, CONF))
        .hasMessageContaining("a resume moves the job's data with --data (give --data /d instead of this --set)");
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("optimzer.lr", "0.1", STORED, CONF))
        .hasMessageContaining("unknown key 'optimzer.lr'; did you mean 'optimizer.lr'?");
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("optimizer.lr", "0.1", STORED, CONF))
        .hasMessageContaining("resume --set optimizer.lr (optimizer.lr: 1.0E-4 -> 0.1): ")
        .hasMessageContaining("part of what the job trains");
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("", "3", STORED, CONF))
        .hasMessageContaining("takes KEY=VALUE, got '=3'");
  }

  @Test
  void aKeyGivenWithoutItsPrefixIsAnsweredWithTheFullKey() {
    HyperParameters stored = HyperParameters.builder().putAll(STORED).put("checkpoint.keep_every", 0L).build();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("keep_every", "2", stored, CONF))
        .hasMessage("resume --set: unknown key 'keep_every'; did you mean 'checkpoint.keep_every'?");
  }

  @Test
  void aKeyOfTheJobsOwnScheduleStoredAsAbsentIsPartOfWhatItTrainsNotAnotherSchedulesOrUnknown() {
    HyperParameters cosine = HyperParameters.builder().putAll(STORED).put("schedule.name", "cosine")
        .put("schedule.total_steps", 100L).build(); // no schedule.interval: step, its default, stored as absent
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("schedule.interval", "epoch", cosine, CONF))
        .isInstanceOf(ConfigException.class).hasMessageContaining("part of what the job trains")
        .hasMessageNotContaining("reads it, and this job trains");
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.schedule.interval", "epoch"), cosine,
        "/jobs/a", CONF)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("schedule.interval: (not set) -> epoch").hasMessageNotContaining("unknown job key");
  }

  @Test
  void aKeyOfAnotherOptimizerThanTheJobsSaysWhichOneReadsItNotTheNearestName() {
    HyperParameters adam = HyperParameters.builder().putAll(STORED).put("optimizer.name", "adam")
        .put("optimizer.beta1", 0.9).build();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("optimizer.momentum", "0.9", adam, CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessage("resume --set optimizer.momentum: only optimizer.name=rmsprop or optimizer.name=sgd reads it, "
            + "and this job trains with optimizer.name=adam, which a resume cannot change (train another job.dir for "
            + "that)");
  }

  @Test
  void aTrainingKeyRepeatingTheJobsOwnValueIsAcceptedAsNoChange() {
    Object lr = STORED.asMap().get("optimizer.lr");
    assertThat(lr).isNotNull();
    assertThat(ResumeConfCheck.checkSettable("optimizer.lr", String.valueOf(lr), STORED, CONF)).isTrue();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("optimizer.lr", "0.123456", STORED, CONF))
        .hasMessageContaining("part of what the job trains");
    assertThat(ResumeConfCheck.checkSettable("checkpoint.keep_last", "3", STORED, CONF)).as("a key it changes")
        .isFalse();
  }

  @Test
  void aPlaceRepeatingTheJobsOwnAsItWasGivenIsAcceptedAsNoChangeAndAnotherRefused() {
    // stored qualified, as the job's start wrote it; given again as a script gives it, a plain path
    HyperParameters weights = HyperParameters.builder().putAll(STORED)
        .put("init.weights", "file:///models/base.safetensors").build();
    assertThat(ResumeConfCheck.checkSettable("init.weights", "/models/base.safetensors", weights, CONF)).isTrue();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("init.weights", "/models/other.safetensors", weights,
        CONF)).hasMessageContaining("part of what the job trains");
  }

  @Test
  void aSeedIsTheJobsOwnOnlyWhenItIsThatNumberNotANeighbourThatRoundsToTheSameDouble() {
    HyperParameters stored = HyperParameters.builder().putAll(STORED).put("job.seed", 9007199254740993L).build();
    ResumeConfCheck.checkSettable("job.seed", "9007199254740993", stored, CONF);
    ResumeConfCheck.checkSettable("job.seed", "9_007_199_254_740_993", stored, CONF);
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("job.seed", "9007199254740992", stored, CONF))
        .hasMessageContaining("part of what the job trains");
    assertThat(ResumeConfCheck.same(5L, "5.0")).as("a whole number written as a decimal").isTrue();
  }

  @Test
  void noClippingRestatesAJobStoredWithoutTheKeyAndAnyOtherLimitIsRefused() {
    assertThat(STORED.contains("train.clip_grad_norm")).isFalse();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.clip_grad_norm", "0"), STORED, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    ResumeConfCheck.checkSettable("train.clip_grad_norm", "0.0", STORED, CONF);
    assertThat(ResumeConfCheck.restatesAbsentKey("train.clip_grad_norm", "0", STORED)).isTrue();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.clip_grad_norm", "1"), STORED,
        "/jobs/a", CONF)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.clip_grad_norm: (not set) -> 1");

    HyperParameters clipped = HyperParameters.builder().putAll(STORED).put("train.clip_grad_norm", 1.0).build();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.clip_grad_norm", "1"), clipped, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    assertThat(ResumeConfCheck.restatesAbsentKey("train.clip_grad_norm", "0", clipped)).isFalse();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.clip_grad_norm", "0"), clipped,
        "/jobs/a", CONF)).hasMessageContaining("train.clip_grad_norm: 1.0 -> 0");
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("train.clip_grad_norm", "2", clipped, CONF))
        .hasMessageContaining("part of what the job trains");
  }

  @Test
  void oneBatchPerStepRestatesAJobStoredWithoutAccumulationAndAnotherCountIsRefused() {
    assertThat(ResumeConfCheck.restatesAbsentKey("train.accumulate_grad_batches", "1", STORED)).isTrue();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.accumulate_grad_batches", "1"), STORED,
        "/jobs/a", CONF)).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.accumulate_grad_batches", "4"),
        STORED, "/jobs/a", CONF)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.accumulate_grad_batches: (not set) -> 4");
    HyperParameters four = HyperParameters.builder().putAll(STORED).put("train.accumulate_grad_batches", 4L).build();
    assertThat(ResumeConfCheck.restatesAbsentKey("train.accumulate_grad_batches", "1", four)).isFalse();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("train.accumulate_grad_batches", "2", four, CONF))
        .hasMessageContaining("part of what the job trains");
    assertThat(ResumeConfCheck.restatesAbsentKey("train.clip_grad_value", "0", STORED)).isTrue();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.train.clip_grad_value", "1"), STORED,
        "/jobs/a", CONF)).hasMessageContaining("train.clip_grad_value: (not set) -> 1");
  }

  @Test
  void noLabelSmoothingRestatesAJobStoredWithoutItAndASmoothingOrAPlateauKeyIsPartOfWhatTheJobTrains() {
    assertThat(STORED.contains("loss.label_smoothing")).isFalse();
    assertThat(ResumeConfCheck.restatesAbsentKey("loss.label_smoothing", "0.0", STORED)).isTrue();
    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.loss.label_smoothing", "0"), STORED, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.loss.label_smoothing", "0.1"), STORED,
        "/jobs/a", CONF)).hasMessageContaining("loss.label_smoothing: (not set) -> 0.1");
    HyperParameters plateau = HyperParameters.builder().putAll(STORED).put("schedule.name", "plateau")
        .put("schedule.patience", 2L).build();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("schedule.patience", "5", plateau, CONF))
        .hasMessageContaining("part of what the job trains");
  }

  @Test
  void sparksReadOrderRestatesTheOrderOfAJobStoredWithoutTheKeyAndFileNameChangesIt() {
    assertThat(STORED.contains("data.row_order")).isFalse();
    ResumeConfCheck.checkSettable("data.row_order", "spark_read", STORED, CONF);
    assertThat(ResumeConfCheck.restatesAbsentKey("data.row_order", " spark_read", STORED)).isTrue();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("data.row_order", "file_name", STORED, CONF))
        .hasMessageContaining("part of what the job trains");
  }

  @Test
  void locationsAreComparedAsPlacesNotAsText() {
    assertThat(JobLocations.samePlace("hdfs://nn/jobs/a", "hdfs://NN:8020/jobs/a/", CONF)).isTrue();
    assertThat(JobLocations.samePlace("/tmp/x", "file:///tmp/x", CONF)).isTrue();
    assertThat(JobLocations.samePlace("tmp/x", java.nio.file.Path.of("tmp/x").toAbsolutePath().toUri().toString(),
        CONF)).isTrue();
    assertThat(JobLocations.samePlace("hdfs://nn:8020/jobs/a", "hdfs://nn:9000/jobs/a", CONF)).isFalse();
    // names that no resolver answers (.invalid): two hosts told apart without asking a nameserver
    assertThat(JobLocations.samePlace("hdfs://nn.invalid/jobs/a", "hdfs://other.invalid/jobs/a", CONF)).isFalse();
    assertThat(JobLocations.samePlace("/jobs/a", "/jobs/a-copy", CONF)).isFalse();
    assertThat(JobLocations.samePlace("abfs://a@acct.dfs.core.windows.net/jobs/x",
        "abfs://b@acct.dfs.core.windows.net/jobs/x", CONF)).as("two containers of one account").isFalse();
    assertThat(JobLocations.samePlace("abfs://a@ACCT.dfs.core.windows.net/jobs/x/",
        "abfs://a@acct.dfs.core.windows.net/jobs/x", CONF)).isTrue();
    assertThat(JobLocations.samePlace("hdfs://alice@nn/jobs/a", "hdfs://nn:8020/jobs/a", CONF))
        .as("HDFS takes no container from the user part").isTrue();
  }

  @Test
  void aHostSpelledByItsAddressOrItsNameIsTheSamePlace() {
    assertThat(JobLocations.samePlace("hdfs://localhost:41060/jobs/al", "hdfs://127.0.0.1:41060/jobs/al", CONF))
        .as("the names resolve to a common address").isTrue();
    assertThat(JobLocations.samePlace("hdfs://localhost:41060/jobs/al", "hdfs://127.0.0.1:41061/jobs/al", CONF))
        .as("another port").isFalse();
    assertThat(JobLocations.samePlace("hdfs://localhost:41060/jobs/al", "hdfs://127.0.0.1:41060/jobs/b", CONF))
        .as("another path").isFalse();
    assertThat(JobLocations.samePlace("hdfs://localhost:41060/jobs/al", "hdfs://no-such-namenode.invalid:41060/jobs/al",
        CONF)).as("a name that does not resolve").isFalse();
  }

  @Test
  void aLocalDirectoryReachedThroughASymbolicLinkIsTheSamePlace(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path real = java.nio.file.Files.createDirectories(tmp.resolve("disk/jobs/a"));
    java.nio.file.Path link = java.nio.file.Files.createSymbolicLink(tmp.resolve("jobs"), tmp.resolve("disk/jobs"));
    java.nio.file.Files.createDirectories(tmp.resolve("disk/jobs/b"));

    assertThat(JobLocations.samePlace(link.resolve("a").toString(), real.toUri().toString(), CONF)).isTrue();
    assertThat(JobLocations.samePlace(link.resolve("b").toString(), real.toString(), CONF)).isFalse();
    assertThat(JobLocations.samePlace(link.resolve("missing").toString(), tmp.resolve("disk/jobs/missing").toString(),
        CONF)).as("not provably the same when neither exists").isFalse();
  }

  @Test
  void aNameNodeAddressOfAConfiguredNameserviceIsThatNameservice() {
    org.apache.hadoop.conf.Configuration ha = new org.apache.hadoop.conf.Configuration(false);
    ha.set("dfs.ha.namenodes.prod", "nn1,nn2");
    ha.set("dfs.namenode.rpc-address.prod.nn1", "nn1.example.com:8020");
    ha.set("dfs.namenode.rpc-address.prod.nn2", "nn2.example.com:9000");
    ha.set("dfs.namenode.rpc-address.single", "solo.example.com");
    ha.set("dfs.nameservices", "prod, single, broken");
    ha.set("dfs.namenode.rpc-address.broken", "bad host:80 80");
    assertThat(JobLocations.samePlace("hdfs://prod/jobs/a", "hdfs://NN1.example.com/jobs/a", ha)).isTrue();
    assertThat(JobLocations.samePlace("hdfs://PROD/jobs/a", "hdfs://nn2.example.com:9000/jobs/a/", ha)).isTrue();
    assertThat(JobLocations.samePlace("hdfs://single/jobs/a", "hdfs://solo.example.com:8020/jobs/a", ha)).isTrue();
    assertThat(JobLocations.samePlace("hdfs://prod/jobs/a", "hdfs://nn2.example.com:8020/jobs/a", ha)).isFalse();
    assertThat(JobLocations.samePlace("hdfs://prod/jobs/a", "hdfs://single/jobs/a", ha)).isFalse();
    assertThat(JobLocations.samePlace("hdfs://prod/jobs/a", "hdfs://prod/jobs/b", ha)).isFalse();
    assertThat(JobLocations.samePlace("hdfs://nn1.example.com/jobs/a", "hdfs://nn1.example.com/jobs/a", CONF))
        .isTrue();
  }

  @Test
  void theLineThatStartedAJobAgreesWithTheTidiedFormTheJobStored(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path weights = java.nio.file.Files.createFile(tmp.resolve("start.safetensors"));
    java.nio.file.Path heldOut = java.nio.file.Files.createDirectory(tmp.resolve("val"));
    HyperParameters stored = HyperParameters.builder().putAll(STORED).put("data.features", "f0,f1,f2")
        .put("init.weights", "file://" + weights).put("data.validation_path", "file://" + heldOut).build();

    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.init.weights", weights.toString(),
        "spark.epochal.data.validation_path", "file:" + heldOut + "/", "spark.epochal.data.features", "f0, f1 ,f2"),
        stored, "/jobs/a", CONF)).doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.init.weights", tmp + "/other.safetensors"),
        stored, "/jobs/a", CONF)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("init.weights: file://" + weights + " -> " + tmp + "/other.safetensors");
    assertThatThrownBy(() -> ResumeConfCheck.check(Map.of("spark.epochal.data.features", "f0, f2"), stored,
        "/jobs/a", CONF)).isInstanceOf(ConfigException.class).hasMessageContaining("data.features: f0,f1,f2 -> f0, f2");
  }

  @Test
  void aScheduleKeyRestatedAtTheDefaultTheJobStoresAsNoKeyIsTheJobsOwnNotUnknown() {
    HyperParameters stored = HyperParameters.builder().putAll(STORED).put("schedule.name", "cosine")
        .put("schedule.t_max", 5L).build();

    assertThatCode(() -> ResumeConfCheck.check(Map.of("spark.epochal.schedule.interval", "step"), stored, "/jobs/a",
        CONF)).doesNotThrowAnyException();
    assertThatCode(() -> ResumeConfCheck.checkSettable("schedule.interval", "step", stored, CONF))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> ResumeConfCheck.checkSettable("schedule.interval", "epoch", stored, CONF))
        .isInstanceOf(ConfigException.class);
  }
}
