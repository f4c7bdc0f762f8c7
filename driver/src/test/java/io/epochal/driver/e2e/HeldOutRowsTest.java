package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.CLASSES;
import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.LabelledRowsEvaluator;
import io.epochal.driver.train.TrainingConfigs;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingListener;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.EvaluationResult;
import io.epochal.worker.round.LocalEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out rows ({@code data.validation_path}) evaluated after every epoch, on {@code local[2]}. */
class HeldOutRowsTest {

  private static final int TRAIN_ROWS = 512;
  private static final int HELD_OUT_ROWS = 200;
  private static EpochalSpark spark;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("e2e-held-out").build();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.close();
    }
  }

  /** Rows {@code first .. first + rows - 1} of seed 5's sequence (the same classes), in {@code tmp/name}. */
  private DataGenerator generator(int rows, long first) {
    return generator(rows, first, CLASSES);
  }

  /** As the other, of {@code classes} classes. */
  private DataGenerator generator(int rows, long first, int classes) {
    return DataGenerator.builder().optRows(rows).optFirstRow(first).optFeatures(FEATURES).optClasses(classes)
        .optSeed(5).build();
  }

  private String write(String name, int rows, long first) {
    return write(name, rows, first, CLASSES);
  }

  private String write(String name, int rows, long first, int classes) {
    String uri = tmp.resolve(name).toUri().toString();
    generator(rows, first, classes).write(spark.session(), uri, false);
    return uri;
  }

  /** The held-out rows, read back in order as one shard. */
  private DataShard heldOutShard() {
    return heldOutShard(CLASSES);
  }

  /** The held-out rows of {@code classes} classes, read back in order as one shard. */
  private DataShard heldOutShard(int classes) {
    List<Row> rows = generator(HELD_OUT_ROWS, TRAIN_ROWS, classes).generate(spark.session()).collectAsList();
    float[] x = new float[rows.size() * FEATURES];
    float[] y = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      List<Float> features = rows.get(i).getList(0);
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = features.get(f);
      }
      y[i] = rows.get(i).getInt(1);
    }
    return new DataShard(0, rows.size(), new long[] {FEATURES}, 1, x, y);
  }

  private Map<String, String> keys(String job, String data) {
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve(job).toString(), data);
    keys.put("optimizer.lr", "0.003"); // slow enough that the held-out rows are not all right after one epoch
    return keys;
  }

  @Test
  void aRegressionsCheckpointsRecordTheHeldOutErrorsAndR2WhichMayRankThem() throws Exception {
    String data = write("train-regression", TRAIN_ROWS, 0);
    String heldOut = write("validation-regression", HELD_OUT_ROWS, TRAIN_ROWS);
    Configuration conf = new Configuration();
    Map<String, String> keys = keys("regression", data);
    keys.put("data.validation_path", heldOut);
    keys.put("loss", "mse"); // the class index as a numeric target
    keys.put("model.output_dim", "1");
    keys.put("train.epochs", "1");
    keys.put("checkpoint.best_metric", "val_mae");
    JobSpec spec = E2eFixtures.resolve(tmp, keys, conf);
    TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      LoadedCheckpoint c = E2eFixtures.assertVerified(store, 1);
      Map<String, Double> metrics = c.manifest().metrics();
      EvaluationResult expected = LocalEvaluation.run(TrainingConfigs.of(spec), c.model(), heldOutShard());
      assertThat(metrics.get("val_mae")).isCloseTo(expected.meanAbsoluteError(),
          within(1e-12 * expected.meanAbsoluteError()));
      assertThat(metrics.get("val_rmse")).isCloseTo(expected.rootMeanSquaredError(),
          within(1e-12 * expected.rootMeanSquaredError()));
      assertThat(metrics.get("val_r2")).isCloseTo(expected.r2(), within(1e-12 * Math.abs(expected.r2())))
          .isLessThan(1.0);
      assertThat(metrics).doesNotContainKey("val_accuracy").containsKey("train_mae");
    }
    Map<String, String> classification = keys("accuracy-ranked", data);
    classification.put("data.validation_path", heldOut);
    classification.put("checkpoint.best_metric", "val_mae");
    classification.put("checkpoint.keep_best", "1");
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, classification, conf)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_metric = 'val_mae'").hasMessageContaining("recorded only for a "
            + "regression loss");
    classification.put("checkpoint.best_metric", "train_mae");
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, classification, conf)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_metric = 'train_mae'").hasMessageContaining("recorded only for a "
            + "regression loss (mse, l1, huber, smooth_l1), not loss=softmax_cross_entropy: rank by train_loss");
    classification.put("checkpoint.best_metric", "val_r2");
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, classification, conf)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_metric = 'val_r2'").hasMessageContaining("recorded only for a "
            + "regression loss");
    Map<String, String> r2Lowest = keys("r2-lowest", data);
    r2Lowest.putAll(java.util.Map.of("data.validation_path", heldOut, "loss", "mse", "model.output_dim", "1",
        "checkpoint.best_metric", "val_r2", "checkpoint.keep_best", "1"));
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, r2Lowest, conf)).as("R2 is better when larger")
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_mode = min makes the lowest the best")
        .hasMessageContaining("set checkpoint.best_mode=max");
    r2Lowest.put("checkpoint.best_mode", "max");
    assertThat(E2eFixtures.resolve(tmp, r2Lowest, conf).bestMetric()).isEqualTo("val_r2");
  }

  @Test
  void aTwoClassJobsCheckpointsRecordTheHeldOutAreaUnderTheRocCurveWhichMayRankThem() throws Exception {
    String data = write("train-binary", TRAIN_ROWS, 0, 2);
    String heldOut = write("validation-binary", HELD_OUT_ROWS, TRAIN_ROWS, 2);
    Configuration conf = new Configuration();
    Map<String, String> keys = keys("binary", data);
    keys.putAll(Map.of("data.validation_path", heldOut, "data.classes", "2", "model.output_dim", "2",
        "train.epochs", "1", "checkpoint.best_metric", "val_auc", "checkpoint.best_mode", "max",
        "checkpoint.keep_best", "1"));
    JobSpec spec = E2eFixtures.resolve(tmp, keys, conf);
    TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      LoadedCheckpoint c = E2eFixtures.assertVerified(store, 1);
      EvaluationResult expected = LocalEvaluation.run(TrainingConfigs.of(spec), c.model(), heldOutShard(2));
      assertThat(c.manifest().metrics().get("val_auc")).as("the two workers' rows together, exactly")
          .isEqualTo(expected.areaUnderRoc()).isBetween(0.5, 0.9999);
      assertThat(c.manifest().metrics().get("val_ap")).isEqualTo(expected.averagePrecision()).isBetween(0.5, 0.9999);
      assertThat(c.manifest().metrics()).containsKey("val_accuracy");
      assertThat(c.manifest().metrics().get("val_f1")).isEqualTo(expected.macroF1());
    }
    keys.put("checkpoint.best_mode", "min");
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, keys, conf)).as("an area is better when larger")
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_mode = min makes the lowest the best");
    Map<String, String> three = keys("three-classes", data);
    three.putAll(Map.of("data.validation_path", heldOut, "checkpoint.best_metric", "val_auc", "checkpoint.best_mode",
        "max", "checkpoint.keep_best", "1"));
    assertThat(E2eFixtures.resolve(tmp, three, conf).bestMetric()).as("one class against the rest")
        .isEqualTo("val_auc");
    three.put("model.output_dim", "101"); // the model's scores decide, not the classes the labels are checked against
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, three, conf)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("checkpoint.best_metric = 'val_auc'").hasMessageContaining("recorded only for up to "
            + "100 classes, not the 101 outputs of model mlp v1");
    three.putAll(Map.of("loss", "mse", "model.output_dim", "1", "data.classes", "0"));
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, three, conf)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("recorded only for classification (loss=softmax_cross_entropy), not loss=mse");
  }

  @Test
  void everyCheckpointRecordsTheHeldOutLossAndAccuracyOfItsOwnStateAndTrainsTheSameTensors() throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    String heldOut = write("validation", HELD_OUT_ROWS, TRAIN_ROWS);
    Configuration conf = new Configuration();
    Map<String, String> withHeldOut = keys("job", data);
    withHeldOut.put("data.validation_path", heldOut);
    JobSpec spec = E2eFixtures.resolve(tmp, withHeldOut, conf);
    Map<Integer, EvaluationResult> said = new TreeMap<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void validated(int epoch, int epochs, EvaluationResult held, long millis) {
        said.put(epoch, held);
      }
    };

    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
    TrainingOutcome plain = TrainingJob.builder().setSpec(E2eFixtures.resolve(tmp, keys("plain", data), conf))
        .setSpark(spark).build().run();

    assertThat(outcome.state()).as("evaluating changes nothing the job trains").isEqualTo(plain.state());
    assertThat(said).containsOnlyKeys(1, 2, 3);
    DataShard rows = heldOutShard();
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf);
        LabelledRowsEvaluator evaluate = LabelledRowsEvaluator.load(spec, spark, "--input", TrainingListener.NONE)) {
      for (int epoch = 1; epoch <= 3; epoch++) {
        LoadedCheckpoint c = E2eFixtures.assertVerified(store, epoch);
        Map<String, Double> metrics = c.manifest().metrics();
        // the checkpoint's own state on all the held-out rows as one shard, evaluated here
        EvaluationResult expected = LocalEvaluation.run(TrainingConfigs.of(spec), c.model(), rows);
        assertThat(metrics.get("val_rows")).isEqualTo(HELD_OUT_ROWS);
        assertThat(metrics.get("val_loss")).isCloseTo(expected.meanLoss(), within(1e-5 * expected.meanLoss()))
            .isEqualTo(said.get(epoch).meanLoss());
        assertThat(metrics.get("val_accuracy")).isEqualTo(expected.accuracy()).isEqualTo(said.get(epoch).accuracy());
        // three classes, one against the rest: the two workers' rows ranked together, exactly
        assertThat(metrics.get("val_auc")).isEqualTo(expected.areaUnderRoc()).isBetween(0.5, 0.99999);
        assertThat(metrics.get("val_ap")).isEqualTo(expected.averagePrecision()).isBetween(0.3, 0.99999);
        // what 'epochal evaluate' computes from the checkpoint alone: the same shards, the same bits
        EvaluationResult again = evaluate.evaluate(c.model(), "epoch " + epoch);
        assertThat(again.meanLoss()).as("epoch %s evaluated again", epoch).isEqualTo(metrics.get("val_loss"));
        assertThat(again.accuracy()).isEqualTo(metrics.get("val_accuracy"));
        assertThat(again.areaUnderRoc()).isEqualTo(metrics.get("val_auc"));
      }
      assertThat(said.get(3).meanLoss()).isLessThan(said.get(1).meanLoss());
    }
  }

  @Test
  void anEpochsTrainingAccuracyIsThatOfTheStateItsStepStartedFrom() throws Exception {
    // one worker taking one step per epoch on all its rows, no dropout: the output a step trains on is
    // the evaluation-mode output of the state before it, the previous epoch's checkpoint
    String data = write("train", TRAIN_ROWS, 0);
    Map<String, String> k = keys("job", data);
    k.put("train.workers", "1");
    k.put("train.batch_size", Integer.toString(TRAIN_ROWS));
    k.put("train.local_steps", "1");
    k.put("optimizer.lr", "0.05");
    Configuration conf = new Configuration();
    JobSpec spec = E2eFixtures.resolve(tmp, k, conf);
    Map<Integer, Double> said = new TreeMap<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void trainAccuracy(int epoch, int epochs, double accuracy) {
        said.put(epoch, accuracy);
      }
    };

    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();

    JobSpec onTrainingRows = JobSpec.fromHyperParameters(spec.toHyperParameters(),
        Map.of("data.validation_path", data), key -> key, null);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf);
        LabelledRowsEvaluator evaluate = LabelledRowsEvaluator.load(onTrainingRows, spark, "--input",
            TrainingListener.NONE)) {
      assertThat(said).containsOnlyKeys(1, 2, 3);
      for (int epoch = 1; epoch <= 3; epoch++) {
        assertThat(store.load(epoch).manifest().metrics().get("train_accuracy")).isEqualTo(said.get(epoch));
      }
      for (int epoch = 2; epoch <= 3; epoch++) {
        EvaluationResult before = evaluate.evaluate(store.load(epoch - 1).model(), "epoch " + (epoch - 1));
        assertThat(said.get(epoch)).as("epoch %s", epoch).isEqualTo(before.accuracy());
      }
      assertThat(said.get(3)).isGreaterThan(said.get(1));
    }
  }

  @Test
  void keepBestByHeldOutLossKeepsTheNewestAndTheLowestOne() throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    Map<String, String> k = keys("job", data);
    k.put("data.validation_path", write("validation", HELD_OUT_ROWS, TRAIN_ROWS));
    k.put("optimizer.lr", "0.2"); // large steps: the held-out loss need not fall every epoch
    k.put("train.epochs", "4");
    k.put("checkpoint.keep_last", "1");
    k.put("checkpoint.keep_best", "1");
    k.put("checkpoint.best_metric", "val_loss");
    Configuration conf = new Configuration();
    JobSpec spec = E2eFixtures.resolve(tmp, k, conf);
    Map<Integer, Double> losses = new TreeMap<>();
    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(new TrainingListener() {
      @Override
      public void validated(int epoch, int epochs, EvaluationResult held, long millis) {
        losses.put(epoch, held.meanLoss());
      }
    }).build().run();

    long best = losses.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertThat(best).as("an earlier epoch than the last has the lowest held-out loss %s, so that keep_best keeps "
        + "what keep_last does not", losses).isLessThan(4);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactlyElementsOf(
          new java.util.TreeSet<>(List.of(best, 4L)));
    }
  }

  /** Trains {@code spec} until round 1 of epoch 2 ends, where its driver stops; epoch 1 is committed. */
  private void trainUntilEpochTwo(JobSpec spec) {
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(new TrainingListener() {
      @Override
      public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
        if (epoch == 2) {
          throw new IllegalStateException("the driver stops inside epoch 2");
        }
      }
    }).build().run()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void heldOutRowsThatChangedSinceTheCheckpointAreSaidOnResumeAndRefusedWhereThePlateauScheduleFollowsThem()
      throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    String heldOut = write("validation", HELD_OUT_ROWS, TRAIN_ROWS);
    Map<String, String> k = keys("job", data);
    k.put("data.validation_path", heldOut);
    k.put("train.epochs", "2");
    Configuration conf = new Configuration();
    JobSpec spec = E2eFixtures.resolve(tmp, k, conf);
    trainUntilEpochTwo(spec);
    try (CheckpointStore store = E2eFixtures.store(spec.jobDir().toString(), conf)) {
      assertThat(store.load(1).manifest().heldOutDigest()).as("recorded with the val_ metrics").isPresent();
    }
    generator(HELD_OUT_ROWS, TRAIN_ROWS + 1000).write(spark.session(), heldOut, true); // other rows, same place
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();

    TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    }).build().run();

    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("the held-out rows of data.validation_path ",
        " are not those checkpoint ", "epoch-000001 measured its val_ metrics on (held_out_sha256 ",
        "the val_ metrics of the epochs after this resume measure other rows than those before it"));

    // where schedule plateau sets the rate by the held-out loss, the rows decide what is trained: refused
    Map<String, String> plateau = keys("plateau-job", data);
    plateau.put("data.validation_path", heldOut);
    plateau.put("train.epochs", "2");
    plateau.put("schedule.name", "plateau");
    plateau.put("schedule.monitor", "val_loss");
    JobSpec followed = E2eFixtures.resolve(tmp, plateau, conf);
    trainUntilEpochTwo(followed);
    generator(HELD_OUT_ROWS, TRAIN_ROWS).write(spark.session(), heldOut, true);

    assertThatThrownBy(() -> TrainingJob.builder().setSpec(followed).setSpark(spark).build().run())
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("are not those checkpoint ")
        .hasMessageContaining("schedule plateau sets the learning rate by their val_loss")
        .hasMessageContaining("restore the rows it was evaluated on and resume");
  }

  @Test
  void heldOutRowsThatDoNotFitTheModelFailANewJobBeforeAnythingIsWritten() throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    String narrow = tmp.resolve("narrow").toUri().toString();
    DataGenerator.builder().optRows(50).optFeatures(FEATURES - 2).optClasses(CLASSES).optSeed(5).build()
        .write(spark.session(), narrow, false);
    Map<String, String> k = keys("job", data);
    k.put("data.validation_path", narrow);
    JobSpec spec = E2eFixtures.resolve(tmp, k, new Configuration());

    assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run())
        .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason()).isEqualTo(FailureReason.BAD_INPUT))
        .hasMessageContaining("data.validation_path file://" + tmp.resolve("narrow") + ": ")
        .hasMessageContaining("its rows have 10 features (data.features) but model mlp v1 takes 12")
        .hasMessageContaining("nothing was written to");
    assertThat(Files.exists(tmp.resolve("job"))).isFalse();
  }

  @Test
  void heldOutRowsInAnotherFormatOrLayoutAreToldToMatchTheTrainingRowsNotToChangeTheJobsKeys() throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    String columns = tmp.resolve("held-columns").toUri().toString();
    DataGenerator.builder().optRows(50).optFirstRow(TRAIN_ROWS).optFeatures(FEATURES).optClasses(CLASSES).optSeed(5)
        .optArrayLayout(false).build().write(spark.session(), columns, false);
    String csv = tmp.resolve("held-csv").toUri().toString();
    DataGenerator.builder().optRows(50).optFirstRow(TRAIN_ROWS).optFeatures(FEATURES).optClasses(CLASSES).optSeed(5)
        .optArrayLayout(false).optFormat("csv").build().write(spark.session(), csv, false);
    for (String held : List.of(columns, csv)) {
      Map<String, String> k = keys("job", data);
      k.put("data.validation_path", held);
      JobSpec spec = E2eFixtures.resolve(tmp, k, new Configuration());
      assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run())
          .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason())
              .isEqualTo(FailureReason.BAD_INPUT))
          .hasMessageContaining("data.validation_path " + held.replaceAll("/$", ""))
          .hasMessageMatching("(?s).*(held-out rows need the training rows' columns \\(data.features names them "
              + "for both\\): give them that column|held-out rows are read as the training rows are "
              + "\\(data.format=parquet\\): give them as parquet files).*")
          .hasMessageNotContaining("set data.features").hasMessageNotContaining("set data.format");
    }
  }

  @Test
  void heldOutRowsInsideTheTrainingDataOrMissingAreRefusedNamingTheKey() throws Exception {
    String data = write("train", TRAIN_ROWS, 0);
    Map<String, String> inside = keys("job", data);
    inside.put("data.validation_path", Files.createDirectories(tmp.resolve("train").resolve("held")).toString());
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, inside, new Configuration()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("data.validation_path"))
        .hasMessageContaining("is inside data.path").hasMessageContaining("all of whose files are trained on");
    // one Spark skips, as data.path's listing does: not trained on
    Map<String, String> skipped = keys("job", data);
    skipped.put("data.validation_path", Files.createDirectories(tmp.resolve("train").resolve("_held")).toString());
    assertThat(E2eFixtures.resolve(tmp, skipped, new Configuration()).validationPathText()).isPresent();
    // held-out rows beside data.path in a directory named _*, which their read skips: not evaluated
    Map<String, String> beside = keys("job-beside", write("rows/_train", 64, 0));
    beside.put("data.validation_path", tmp.resolve("rows").toString());
    assertThat(E2eFixtures.resolve(tmp, beside, new Configuration()).validationPathText()).isPresent();
    Map<String, String> holding = keys("job-holding", write("more/train", 64, 0));
    holding.put("data.validation_path", tmp.resolve("more").toString());
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, holding, new Configuration()))
        .hasMessageContaining("holds data.path");
    Map<String, String> itself = keys("job", data);
    itself.put("data.validation_path", data);
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, itself, new Configuration()))
        .hasMessageContaining("is data.path itself");
    Map<String, String> missing = keys("job", data);
    missing.put("data.validation_path", tmp.resolve("nowhere").toString());
    assertThatThrownBy(() -> E2eFixtures.resolve(tmp, missing, new Configuration()))
        .hasMessageContaining("data.validation_path = 'file://" + tmp.resolve("nowhere")).hasMessageContaining("does not exist");
  }

  @Test
  void generatedRowsFromAFirstRowAreTheRowsOfALongerOutputFromThatRowOn() {
    List<Row> all = generator(300, 0).generate(spark.session()).collectAsList();
    List<Row> tail = generator(100, 200).generate(spark.session()).collectAsList();

    assertThat(tail).containsExactlyElementsOf(all.subList(200, 300));
  }
}
