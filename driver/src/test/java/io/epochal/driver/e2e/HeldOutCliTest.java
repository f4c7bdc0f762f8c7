package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out rows through the {@code epochal} command: gen-data, the dry run, train, evaluate, status, resume. */
class HeldOutCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  /** The metrics epoch {@code epoch}'s manifest records. */
  private static Map<String, Double> metrics(Path job, int epoch) throws Exception {
    JsonNode m = new ObjectMapper().readTree(job.resolve(String.format(Locale.ROOT,
        "checkpoints/epoch-%06d/manifest.json", epoch)).toFile()).get("metrics");
    Map<String, Double> metrics = new java.util.HashMap<>();
    m.fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().doubleValue()));
    return metrics;
  }

  /** 256 rows of 12 features and 3 classes to train on, and the next 64 held out, from {@code seed}. */
  private static void generate(String train, String heldOut, int seed) {
    assertThat(CliRun.of("gen-data", train, "--rows", "256", "--features", "12", "--classes", "3", "--seed",
        Integer.toString(seed), "--master", MASTER).code).isZero();
    assertThat(CliRun.of("gen-data", heldOut, "--rows", "64", "--first-row", "256", "--features", "12", "--classes",
        "3", "--seed", Integer.toString(seed), "--master", MASTER).code).isZero();
  }

  /** A loss as the commands print one: six decimals, or three significant digits below 1e-3. */
  private static String lossText(double loss) {
    return String.format(Locale.ROOT, Math.abs(loss) >= 1e-3 ? "%.6f" : "%.3e", loss);
  }

  @Test
  void heldOutRowsAreGeneratedCheckedEvaluatedListedAndSwitchedOffByAResume() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    CliRun rows = CliRun.of("gen-data", train, "--rows", "600", "--features", "12", "--classes", "3", "--seed", "9",
        "--master", MASTER);
    CliRun more = CliRun.of("gen-data", heldOut, "--rows", "150", "--first-row", "600", "--features", "12",
        "--classes", "3", "--seed", "9", "--master", MASTER);
    assertThat(rows.code).as("%s", rows).isZero();
    assertThat(more.out).contains("wrote 150 rows, 600 to 749 (12 features, 3 classes, seed 9)");
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.put("train.epochs", "2");
    keys.put("data.validation_path", heldOut);
    keys.put("checkpoint.best_metric", "val_accuracy");
    keys.put("checkpoint.best_mode", "max");
    String file = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys).toString();

    CliRun dry = CliRun.of("train", file, "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("  held-out rows: 150 rows of file://" + heldOut + " fit the model; every epoch is "
        + "evaluated on them (val_loss, val_accuracy, val_balanced_accuracy, val_f1, val_auc, val_ap)");
    assertThat(dry.out).contains("data.validation_path=file://" + heldOut);

    CliRun trained = CliRun.of("train", file, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    assertThat(trained.out).containsPattern("epoch 1/2 done in [0-9.]+ s  loss [0-9.]+  accuracy [01]\\.[0-9]{4}  "
        + "val_loss [0-9.e-]+  "
        + "val_accuracy [01]\\.[0-9]{4}  val_balanced_accuracy [01]\\.[0-9]{4}  val_f1 [01]\\.[0-9]{4}  "
        + "val_auc [01]\\.[0-9]{4}  val_ap [01]\\.[0-9]{4}  "
        + "checkpointing");

    // evaluate: every checkpoint on the held-out rows gives the loss and accuracy it recorded
    CliRun evaluated = CliRun.of("evaluate", job.toString(), "--input", heldOut, "--all", "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    assertThat(evaluated.out).containsPattern("CHECKPOINT +EPOCH +ROWS +LOSS +ACCURACY +BAL_ACC +F1 +AUC +AP +TIME");
    for (int epoch = 1; epoch <= 2; epoch++) {
      Map<String, Double> recorded = metrics(job, epoch);
      assertThat(evaluated.out).containsPattern(String.format(Locale.ROOT, "epoch-00000%d +%d +150 +%s +%.4f +%.4f "
          + "+%.4f +%.4f +%.4f +[0-9.]+ s", epoch, epoch, java.util.regex.Pattern.quote(lossText(recorded.get(
          "val_loss"))), recorded.get("val_accuracy"), recorded.get("val_balanced_accuracy"), recorded.get("val_f1"),
          recorded.get("val_auc"), recorded.get("val_ap")));
    }
    assertThat(evaluated.err).contains("2 checkpoints evaluated on 150 rows of file://" + heldOut);
    CliRun byDefault = CliRun.of("evaluate", job.toString(), "--master", MASTER);
    assertThat(byDefault.code).as("%s", byDefault).isZero();
    assertThat(byDefault.err).contains("no --input: evaluating on the held-out rows the job was evaluated on, file://"
        + heldOut + " (data.validation_path)");
    assertThat(byDefault.out).containsPattern(String.format(Locale.ROOT, "epoch-000002 +2 +150 +%s ",
        java.util.regex.Pattern.quote(lossText(metrics(job, 2).get("val_loss")))));
    // per class, one against the rest: the mean of the three classes' areas and precisions is what epoch 2 recorded
    JsonNode perClass = new ObjectMapper().readTree(CliRun.of("evaluate", job.toString(), "--json", "--per-class",
        "--master", MASTER).out).at("/checkpoints/0/classes");
    assertThat(perClass.size()).isEqualTo(3);
    double areas = 0;
    double precisions = 0;
    for (JsonNode c : perClass) {
      areas += c.get("auc").asDouble();
      precisions += c.get("ap").asDouble();
    }
    assertThat(areas / 3).isEqualTo(metrics(job, 2).get("val_auc"));
    assertThat(precisions / 3).isEqualTo(metrics(job, 2).get("val_ap"));
    assertThat(CliRun.of("evaluate", job.toString(), "--per-class", "--master", MASTER).out)
        .containsPattern("CLASS +ROWS +PREDICTED +PRECISION +RECALL +F1 +AUC +AP\n +0 +[0-9]+ +[0-9]+ +[01]\\.[0-9]{4} "
            + "+[01]\\.[0-9]{4} +[01]\\.[0-9]{4} +[01]\\.[0-9]{4} +[01]\\.[0-9]{4}\n");
    Path moved = Files.move(Path.of(heldOut), tmp.resolve("moved"));
    CliRun gone = CliRun.of("evaluate", job.toString(), "--master", MASTER);
    Files.move(moved, Path.of(heldOut));
    assertThat(gone.code).as("%s", gone).isEqualTo(2);
    assertThat(gone.err).contains("--input is not given, and the held-out rows the job was evaluated on cannot be "
        + "used: data.validation_path file://" + heldOut + " does not exist; give --input <labelled rows>");
    // a copy of the job whose first checkpoint is damaged: listed as such, the other evaluated, exit 1
    Path copy = tmp.resolve("copy");
    try (java.util.stream.Stream<Path> files = Files.walk(job)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, copy.resolve(job.relativize(f).toString()));
      }
    }
    Path weights = copy.resolve("checkpoints/epoch-000001/model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length - 1] ^= 1;
    Files.write(weights, bytes);
    CliRun damaged = CliRun.of("evaluate", copy.toString(), "--input", heldOut, "--all", "--master", MASTER);
    assertThat(damaged.code).as("%s", damaged).isEqualTo(1);
    assertThat(damaged.out).containsPattern("epoch-000001 +1 +- +- +- +- +- +- +- +DAMAGED")
        .containsPattern("epoch-000002 +2 +150 +[0-9.e-]+ +[01]\\.[0-9]{4} +[01]\\.[0-9]{4} +[01]\\.[0-9]{4} "
            + "+[01]\\.[0-9]{4} +[01]\\.[0-9]{4} +[0-9.]+ s");
    assertThat(damaged.err).contains("not evaluated: checkpoint of epoch 1", "1 checkpoint was not evaluated");
    CliRun asJson = CliRun.of("evaluate", copy.toString(), "--input", heldOut, "--all", "--json", "--master", MASTER);
    assertThat(asJson.code).as("%s", asJson).isEqualTo(1);
    JsonNode doc = new ObjectMapper().readTree(asJson.out);
    assertThat(doc.get("ok").asBoolean()).isFalse();
    assertThat(doc.get("rows").asLong()).isEqualTo(150);
    assertThat(doc.get("loss_name").asText()).isEqualTo("softmax_cross_entropy");
    assertThat(doc.at("/checkpoints/0/status").asText()).isEqualTo("damaged");
    assertThat(doc.at("/checkpoints/0/reason").asText()).contains("model.safetensors");
    assertThat(doc.at("/checkpoints/1/status").asText()).isEqualTo("evaluated");
    assertThat(doc.at("/checkpoints/1/checkpoint").asText()).isEqualTo("file://" + copy + "/checkpoints/epoch-000002");
    assertThat(doc.at("/checkpoints/1/loss").asDouble()).as("exact").isEqualTo(metrics(job, 2).get("val_loss"));
    assertThat(doc.at("/checkpoints/1/accuracy").asDouble()).isEqualTo(metrics(job, 2).get("val_accuracy"));
    try (java.util.stream.Stream<Path> files = Files.walk(copy)) { // not a job of the root listed below
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    CliRun wrongLabel = CliRun.of("evaluate", job.toString(), "--input", heldOut, "--label", "y", "--master", MASTER);
    assertThat(wrongLabel.code).as("%s", wrongLabel).isEqualTo(4);
    assertThat(wrongLabel.err).contains("--label names column 'y', which is not in parquet data file://" + heldOut)
        .doesNotContain("data.label");
    CliRun oneCheckpoint = CliRun.of("evaluate", job.resolve("checkpoints/epoch-000001").toString(), "--all",
        "--input", heldOut);
    assertThat(oneCheckpoint.code).isEqualTo(2);
    assertThat(oneCheckpoint.err).contains("--all evaluates every checkpoint of a job, but file://" + job
        + "/checkpoints/epoch-000001 is one checkpoint: give its job directory file://" + job);
    // with --json a failure before any checkpoint is evaluated is a document too, said on standard error as well
    CliRun wrongLabelJson = CliRun.of("evaluate", job.toString(), "--input", heldOut, "--label", "y", "--json",
        "--master", MASTER);
    assertThat(wrongLabelJson.code).as("%s", wrongLabelJson).isEqualTo(4);
    JsonNode failed = new ObjectMapper().readTree(wrongLabelJson.out);
    assertThat(failed.get("ok").asBoolean()).isFalse();
    assertThat(failed.get("input").asText()).isEqualTo("file://" + heldOut);
    assertThat(failed.get("error").asText()).contains("--label names column 'y'");
    assertThat(failed.get("checkpoints")).isEmpty();
    assertThat(wrongLabelJson.err).contains("--label names column 'y'");
    for (String[] args : List.of(new String[] {job.resolve("checkpoints/epoch-000001").toString(), "--all"},
        new String[] {job.toString(), "--input", "hdfs://name node/rows"}, new String[] {"hdfs://name node/job"})) {
      List<String> line = new java.util.ArrayList<>(List.of("evaluate", "--json"));
      line.addAll(List.of(args));
      CliRun refused = CliRun.of(line.toArray(String[]::new));
      assertThat(refused.code).as("%s", refused).isEqualTo(2);
      JsonNode doc2 = new ObjectMapper().readTree(refused.out);
      assertThat(doc2.get("ok").asBoolean()).isFalse();
      assertThat(doc2.get("error").asText()).isNotBlank();
      assertThat(refused.err).contains(doc2.get("error").asText());
    }

    CliRun root = CliRun.of("status", tmp.toString());
    assertThat(root.out).as("%s", root).containsPattern("JOB +STATE +EPOCH +TRAIN_LOSS +VAL_LOSS +LAST_CHECKPOINT +LEASE")
        .containsPattern("\njob +COMPLETED +2/2 +[0-9.e-]+ +[0-9.e-]+ +20[0-9-]+T[0-9:]+Z +free since ");

    String narrow = tmp.resolve("narrow").toString();
    assertThat(CliRun.of("gen-data", narrow, "--rows", "40", "--features", "10", "--classes", "3", "--seed", "9",
        "--master", MASTER).code).isZero();
    String jobJson = Files.readString(job.resolve("job.json"));
    CliRun unfit = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=" + narrow,
        "--master", MASTER);
    assertThat(unfit.code).as("%s", unfit).isEqualTo(4);
    assertThat(unfit.err).contains("data.validation_path file://" + narrow + ": ")
        .contains("its rows have 10 features (data.features) but model mlp v1 takes 12");
    assertThat(Files.readString(job.resolve("job.json"))).as("job.json after a refused amendment")
        .isEqualTo(jobJson);
    // the same rows given to the finished job without more epochs: nothing trains, and still refused (its dry run
    // says so, reading the held-out rows as the run does)
    CliRun unfitOnlyDry = CliRun.of("resume", job.toString(), "--set", "data.validation_path=" + narrow,
        "--dry-run", "--master", MASTER);
    assertThat(unfitOnlyDry.code).as("%s", unfitOnlyDry).isEqualTo(4);
    assertThat(unfitOnlyDry.err).contains("its rows have 10 features (data.features) but model mlp v1 takes 12");
    CliRun unfitOnly = CliRun.of("resume", job.toString(), "--set", "data.validation_path=" + narrow,
        "--master", MASTER);
    assertThat(unfitOnly.code).as("%s", unfitOnly).isEqualTo(4);
    assertThat(unfitOnly.err).contains("its rows have 10 features (data.features) but model mlp v1 takes 12");
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);
    // rows with a label the model has no output for: the stored job's data.bad_rows cannot change, the rows can
    String wide = tmp.resolve("wide-labels").toString();
    assertThat(CliRun.of("gen-data", wide, "--rows", "40", "--features", "12", "--classes", "9", "--seed", "9",
        "--master", MASTER).code).isZero();
    CliRun badRows = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=" + wide,
        "--master", MASTER);
    assertThat(badRows.code).as("%s", badRows).isEqualTo(4);
    assertThat(badRows.err).contains("data.validation_path file://" + wide + ": ", "fix the rows: a stored job's "
        + "data.bad_rows cannot change").doesNotContain("set data.bad_rows=skip").doesNotContain("or data.bad_rows");
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);

    CliRun unranked = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=",
        "--set", "checkpoint.keep_best=1", "--master", MASTER);
    assertThat(unranked.code).as("%s", unranked).isEqualTo(2);
    assertThat(unranked.err).contains("data.validation_path = '' (from --set data.validation_path) leaves no held-out "
        + "rows, but checkpoint.keep_best = 1 ranks checkpoints by val_accuracy, which only they give");
    CliRun resumed = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=",
        "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).containsPattern("epoch 3/3 done in [0-9.]+ s  loss [0-9.e-]+  accuracy [01]\\.[0-9]{4}  "
        + "checkpointing")
        .doesNotContain("val_loss");
    CliRun none = CliRun.of("evaluate", job.toString());
    assertThat(none.code).as("%s", none).isEqualTo(2);
    assertThat(none.err).contains("--input is not given, and ").contains(" was trained without held-out rows "
        + "(data.validation_path is not in its manifest; a resume may have removed it after older checkpoints were "
        + "evaluated on some): give --input <labelled rows> to evaluate on");
    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).containsPattern("CHECKPOINT +EPOCH +STEP +TRAIN_LOSS +TRAIN_ACCURACY +VAL_LOSS +VAL_ACCURACY "
        + "+VAL_BALANCED_ACCURACY +VAL_F1 +VAL_AUC +VAL_AP +CREATED")
        .containsPattern("epoch-000002 +2 +[0-9]+ +[0-9.e-]+ +[01]\\.[0-9]{4} +[0-9.e-]+ +[01]\\.[0-9]{4} "
            + "+[01]\\.[0-9]{4} ")
        .containsPattern("epoch-000003 +3 +[0-9]+ +[0-9.e-]+ +[01]\\.[0-9]{4} +- +- +- ");
    // the newest checkpoint of the root's only job has no held-out loss: no such column
    assertThat(CliRun.of("status", tmp.toString()).out).containsPattern("JOB +STATE +EPOCH +TRAIN_LOSS +LAST_CHECKPOINT")
        .containsPattern("\njob +COMPLETED +3/3 +[0-9.e-]+ +20[0-9-]+T[0-9:]+Z +free since ");
  }

  @Test
  void aRegressionShowsItsHeldOutErrorsAndR2InTheEpochLineStatusAndEvaluateAndRanksByR2() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    generate(train, heldOut, 4);
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.put("train.epochs", "2");
    keys.put("loss", "mse"); // the class index as a numeric target
    keys.put("model.output_dim", "1");
    keys.put("data.validation_path", heldOut);
    keys.put("checkpoint.best_metric", "val_r2");
    keys.put("checkpoint.best_mode", "max");
    keys.put("checkpoint.keep_best", "1");
    String file = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys).toString();

    CliRun dry = CliRun.of("train", file, "--dry-run", "--master", MASTER);
    assertThat(dry.err).as("%s", dry)
        .contains("every epoch is evaluated on them (val_loss, val_mae, val_rmse, val_r2)");
    CliRun trained = CliRun.of("train", file, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    Map<String, Double> last = metrics(job, 2);
    assertThat(trained.out).containsPattern("epoch 2/2 done in [0-9.]+ s  loss [0-9.e-]+  mae [0-9.e-]+  "
        + "val_loss [0-9.e-]+  val_mae [0-9.e-]+  val_rmse [0-9.e-]+  val_r2 "
        + java.util.regex.Pattern.quote(String.format(Locale.ROOT, "%.4f", last.get("val_r2"))) + "  checkpointing");
    assertThat(last.get("val_rmse")).as("the root of mse's loss").isCloseTo(Math.sqrt(last.get("val_loss")),
        org.assertj.core.data.Offset.offset(1e-6));
    assertThat(last.get("val_r2")).isLessThan(1.0);

    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).as("%s", status).containsPattern("CHECKPOINT +EPOCH +STEP +TRAIN_LOSS +TRAIN_MAE +VAL_LOSS "
        + "+VAL_MAE +VAL_RMSE +VAL_R2 +CREATED")
        .containsPattern(String.format(Locale.ROOT, "epoch-000002 +2 .* %s +%.4f +20",
        java.util.regex.Pattern.quote(lossText(last.get("val_rmse"))), last.get("val_r2")));

    CliRun evaluated = CliRun.of("evaluate", job.toString(), "--all", "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    assertThat(evaluated.out).containsPattern("CHECKPOINT +EPOCH +ROWS +LOSS +MAE +RMSE +R2 +TIME");
    for (int epoch = 1; epoch <= 2; epoch++) {
      Map<String, Double> recorded = metrics(job, epoch);
      assertThat(evaluated.out).containsPattern(String.format(Locale.ROOT, "epoch-00000%d +%d +64 +%s +%s +%s +%.4f "
          + "+[0-9.]+ s", epoch, epoch, java.util.regex.Pattern.quote(lossText(recorded.get("val_loss"))),
          java.util.regex.Pattern.quote(lossText(recorded.get("val_mae"))),
          java.util.regex.Pattern.quote(lossText(recorded.get("val_rmse"))), recorded.get("val_r2")));
    }
    // checkpoints/best ranks by val_r2, the highest first
    double r1 = metrics(job, 1).get("val_r2");
    assertThat(r1).as("the epochs differ in R2").isNotEqualTo(last.get("val_r2"));
    CliRun best = CliRun.of("evaluate", job.resolve("checkpoints").resolve("best").toString(), "--master", MASTER);
    assertThat(best.err).as("%s", best).contains("the best checkpoint by val_r2 (max): epoch "
        + (last.get("val_r2") > r1 ? 2 : 1));
    CliRun asJson = CliRun.of("evaluate", job.toString(), "--json", "--master", MASTER);
    JsonNode doc = new ObjectMapper().readTree(asJson.out);
    assertThat(doc.at("/checkpoints/0/rmse").asDouble()).as("exact").isEqualTo(last.get("val_rmse"));
    assertThat(doc.at("/checkpoints/0/r2").asDouble()).as("exact").isEqualTo(last.get("val_r2"));
  }

  @Test
  void aTwoClassJobShowsItsHeldOutAreaUnderTheRocCurveEverywhereItsMetricsAre() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    assertThat(CliRun.of("gen-data", train, "--rows", "256", "--features", "12", "--classes", "2", "--seed", "6",
        "--separation", "0.6", "--master", MASTER).code).isZero();
    assertThat(CliRun.of("gen-data", heldOut, "--rows", "64", "--first-row", "256", "--features", "12", "--classes",
        "2", "--seed", "6", "--separation", "0.6", "--master", MASTER).code).isZero();
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.putAll(Map.of("train.epochs", "2", "model.output_dim", "2", "data.classes", "2", "data.validation_path",
        heldOut, "checkpoint.best_metric", "val_auc", "checkpoint.best_mode", "max", "optimizer.lr", "0.003"));
    String file = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys).toString();
    assertThat(CliRun.of("train", file, "--dry-run", "--master", MASTER).err)
        .contains("every epoch is evaluated on them (val_loss, val_accuracy, val_balanced_accuracy, val_f1, val_auc, "
            + "val_ap)");

    CliRun trained = CliRun.of("train", file, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    Map<String, Double> last = metrics(job, 2);
    assertThat(last.get("val_auc")).isBetween(0.5, 0.9999); // neither chance nor every pair ordered
    assertThat(trained.out).containsPattern("epoch 2/2 done in [0-9.]+ s  loss [0-9.e-]+  accuracy [0-9.]+  "
        + "val_loss [0-9.e-]+  val_accuracy [0-9.]+  " + java.util.regex.Pattern.quote(String.format(Locale.ROOT,
            "val_balanced_accuracy %.4f  ", last.get("val_balanced_accuracy")))
        + java.util.regex.Pattern.quote(String.format(Locale.ROOT, "val_f1 %.4f  val_auc %.4f  val_ap %.4f",
            last.get("val_f1"), last.get("val_auc"), last.get("val_ap"))) + "  checkpointing");
    assertThat(CliRun.of("status", job.toString()).out).containsPattern("CHECKPOINT +EPOCH +STEP +TRAIN_LOSS "
        + "+TRAIN_ACCURACY +VAL_LOSS +VAL_ACCURACY +VAL_BALANCED_ACCURACY +VAL_F1 +VAL_AUC +VAL_AP +CREATED")
        .containsPattern(String.format(Locale.ROOT, "epoch-000002 +2 .* %.4f +%.4f +%.4f +%.4f +20",
            last.get("val_balanced_accuracy"), last.get("val_f1"), last.get("val_auc"), last.get("val_ap")));

    CliRun evaluated = CliRun.of("evaluate", job.toString(), "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    assertThat(evaluated.out).containsPattern("CHECKPOINT +EPOCH +ROWS +LOSS +ACCURACY +BAL_ACC +F1 +AUC +AP +TIME")
        .containsPattern(String.format(Locale.ROOT, "epoch-000002 +2 +64 +%s +%.4f +%.4f +%.4f +%.4f +%.4f +[0-9.]+ s",
            java.util.regex.Pattern.quote(lossText(last.get("val_loss"))), last.get("val_accuracy"),
            last.get("val_balanced_accuracy"), last.get("val_f1"), last.get("val_auc"), last.get("val_ap")));
    JsonNode doc = new ObjectMapper().readTree(CliRun.of("evaluate", job.toString(), "--json", "--master", MASTER)
        .out);
    assertThat(doc.at("/checkpoints/0/auc").asDouble()).as("exact").isEqualTo(last.get("val_auc"));
    assertThat(doc.at("/checkpoints/0/ap").asDouble()).as("exact").isEqualTo(last.get("val_ap"));
    assertThat(doc.at("/checkpoints/0/f1").asDouble()).as("exact").isEqualTo(last.get("val_f1"));
    assertThat(doc.at("/checkpoints/0/classes").isMissingNode()).as("only with --per-class").isTrue();

    // per class: the rows of both classes, and the F1s whose mean is the recorded macro F1
    CliRun perClass = CliRun.of("evaluate", job.toString(), "--per-class", "--master", MASTER);
    assertThat(perClass.out).contains("epoch-000002 per class (64 rows):")
        .containsPattern("CLASS +ROWS +PREDICTED +PRECISION +RECALL +F1\n +0 +[0-9]+ +[0-9]+ +[01]\\.[0-9]{4} "
            + "+[01]\\.[0-9]{4} +[01]\\.[0-9]{4}\n +1 +[0-9]+ ");
    JsonNode classes = new ObjectMapper().readTree(CliRun.of("evaluate", job.toString(), "--json", "--per-class",
        "--master", MASTER).out).at("/checkpoints/0/classes");
    assertThat(classes.size()).isEqualTo(2);
    assertThat(classes.get(0).get("rows").asLong() + classes.get(1).get("rows").asLong()).isEqualTo(64);
    assertThat((classes.get(0).get("right").asLong() + classes.get(1).get("right").asLong()) / 64.0)
        .isEqualTo(last.get("val_accuracy"));
    assertThat((classes.get(0).get("f1").asDouble() + classes.get(1).get("f1").asDouble()) / 2)
        .isEqualTo(last.get("val_f1"));
    assertThat((classes.get(0).get("recall").asDouble() + classes.get(1).get("recall").asDouble()) / 2)
        .as("the mean recall").isEqualTo(last.get("val_balanced_accuracy"));
    List<String> csv = CliRun.of("history", job.toString(), "--csv").out.lines().toList();
    assertThat(csv.get(0)).startsWith("epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,val_f1,val_auc,"
        + "val_ap,val_balanced_accuracy,");
    assertThat(Double.parseDouble(csv.get(2).split(",")[7])).isEqualTo(last.get("val_auc"));
  }

  @Test
  void aPlateauScheduleMonitoringTheHeldOutLossStepsOnItAndKeepsItsRowsThroughResumes() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    generate(train, heldOut, 5);
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.put("train.epochs", "2");
    keys.put("schedule.name", "plateau");
    keys.put("schedule.monitor", "val_loss");
    keys.put("schedule.patience", "0");
    keys.put("schedule.threshold", "0.99"); // no held-out loss falls below 1 % of its best: lowered after epoch 2
    String file = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys).toString();

    CliRun unmonitored = CliRun.of("train", file, "--master", MASTER);
    assertThat(unmonitored.code).as("%s", unmonitored).isEqualTo(2);
    assertThat(unmonitored.err).contains("schedule.monitor = 'val_loss' (from " + file + ") is recorded only for a "
        + "job evaluated on held-out rows: set data.validation_path to them, or monitor train_loss");
    assertThat(job).doesNotExist();

    CliRun trained = CliRun.of("train", file, "--set", "data.validation_path=" + heldOut, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    assertThat(trained.out).contains("epoch 2: val_loss did not improve for 1 epoch (best ")
        .contains("more than schedule.patience = 0: learning rate 0.01 -> 0.001");
    JsonNode first = new ObjectMapper().readTree(job.resolve("checkpoints/epoch-000001/manifest.json").toFile());
    assertThat(first.get("lr_schedule").get("schedule.plateau.best").doubleValue())
        .as("the best is epoch 1's held-out loss").isEqualTo(metrics(job, 1).get("val_loss"));

    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).as("%s", status).containsPattern("\nnext rate: +0\\.001 at step [0-9]+ \\(schedule plateau "
        + "on val_loss: lowered 1 time, best [0-9.e-]+, 0 epochs without improvement \\(schedule.patience = 0\\)\\)\n")
        .containsPattern("CHECKPOINT +EPOCH +STEP +TRAIN_LOSS +TRAIN_ACCURACY +VAL_LOSS +VAL_ACCURACY "
            + "+VAL_BALANCED_ACCURACY +VAL_F1 +VAL_AUC +VAL_AP +NEXT_LR +CREATED")
        .containsPattern("epoch-000001 +1 .* 0\\.0100 +20[0-9-]+T").containsPattern("epoch-000002 +2 .* 0\\.00100 +20");

    CliRun dry = CliRun.of("resume", job.toString(), "--epochs", "3", "--dry-run", "--master", MASTER);
    assertThat(dry.err).as("%s", dry).contains("  trains epoch 3 of 3, after epoch 2\n  learning rate: 0.001 at step ");

    String jobJson = Files.readString(job.resolve("job.json"));
    CliRun without = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=",
        "--master", MASTER);
    assertThat(without.code).as("%s", without).isEqualTo(2);
    assertThat(without.err).contains("data.validation_path = '' (from --set data.validation_path) leaves no held-out "
        + "rows, but schedule 'plateau' lowers the learning rate by val_loss, which only they give: keep them: a "
        + "resume cannot change schedule.monitor, which decides the learning rate");
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);

    String otherRows = tmp.resolve("other-moved-validation").toString();
    assertThat(CliRun.of("gen-data", otherRows, "--rows", "64", "--first-row", "512", "--features", "12", "--classes",
        "3", "--seed", "5", "--master", MASTER).code).isZero();
    for (String[] setting : List.of(new String[] {"--set", "data.validation_path=" + otherRows},
        new String[] {"--conf", "spark.epochal.data.validation_path=" + otherRows})) {
      CliRun changed = CliRun.of("resume", job.toString(), "--epochs", "3", setting[0], setting[1], "--dry-run",
          "--master", MASTER);
      assertThat(changed.code).as("other rows: %s", changed).isEqualTo(4);
      assertThat(changed.err).contains("the held-out rows of data.validation_path ", " are not those checkpoint ",
          "schedule plateau sets the learning rate by their val_loss, so a resume on them would not train as the job "
          + "did");
    }
    for (boolean dryRun : new boolean[] {true, false}) { // the COMPLETED job, with nothing to train
      CliRun completedOther = dryRun ? CliRun.of("resume", job.toString(), "--set", "data.validation_path="
          + otherRows, "--dry-run", "--master", MASTER) : CliRun.of("resume", job.toString(), "--set",
          "data.validation_path=" + otherRows, "--master", MASTER);
      assertThat(completedOther.code).as("other rows, nothing to train: %s", completedOther).isEqualTo(4);
      assertThat(completedOther.err).contains(" are not those checkpoint ", "schedule plateau sets the learning rate");
    }
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);
    CliRun same = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=" + heldOut,
        "--dry-run", "--master", MASTER);
    assertThat(same.code).as("the same rows, however written: %s", same).isZero();
    java.nio.file.Path moved = tmp.resolve("moved-validation");
    try (java.util.stream.Stream<java.nio.file.Path> files = Files.walk(java.nio.file.Path.of(heldOut))) {
      for (java.nio.file.Path f : files.toList()) {
        Files.copy(f, moved.resolve(java.nio.file.Path.of(heldOut).relativize(f).toString()));
      }
    }
    CliRun withData = CliRun.of("resume", job.toString(), "--epochs", "3", "--data", train, "--set",
        "data.validation_path=" + moved, "--dry-run", "--master", MASTER);
    assertThat(withData.code).as("rows moved with the job's data: %s", withData).isZero();
    CliRun movedAlone = CliRun.of("resume", job.toString(), "--epochs", "3", "--set", "data.validation_path=" + moved,
        "--dry-run", "--master", MASTER);
    assertThat(movedAlone.code).as("the same rows moved: %s", movedAlone).isZero();
    for (boolean dryRun : new boolean[] {true, false}) {
      List<String> args = new java.util.ArrayList<>(List.of("resume", job.toString(), "--epochs", "3", "--data", train,
          "--set", "data.validation_path=" + otherRows, "--master", MASTER));
      if (dryRun) {
        args.add("--dry-run");
      }
      CliRun moveOther = CliRun.of(args.toArray(String[]::new));
      assertThat(moveOther.code).as("other rows given as the moved ones: %s", moveOther).isEqualTo(4);
      assertThat(moveOther.err).contains("the held-out rows of data.validation_path ", " are not those checkpoint ",
          "epoch-000002 measured its val_ metrics on (held_out_sha256 ", "schedule plateau sets the learning rate by "
          + "their val_loss, so a resume on them would not train as the job did");
    }
    assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);
  }
}
