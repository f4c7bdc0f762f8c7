package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.CliRun;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class weights ({@code loss.class_weights}) through the {@code epochal} command on Spark: refused when they do not
 * fit the model before anything is written, part of what a job trains, the weighted held-out loss recorded and
 * reproduced by {@code evaluate}, and shown by {@code status}.
 */
class ClassWeightsCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  private static StateDict model(Path job, int epoch) throws Exception {
    return SafetensorsReader.read(job.resolve("checkpoints/epoch-00000" + epoch + "/model.safetensors")).tensors();
  }

  private static Map<String, Double> metrics(Path job, int epoch) throws Exception {
    Map<String, Double> metrics = new java.util.LinkedHashMap<>();
    new com.fasterxml.jackson.databind.ObjectMapper().readTree(job.resolve("checkpoints/epoch-00000" + epoch
        + "/manifest.json").toFile()).get("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(),
        e.getValue().asDouble()));
    return metrics;
  }

  @Test
  void classWeightsAreCheckedTrainedOnEvaluatedAndKeptByAResume() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    CliRun rows = CliRun.of("gen-data", train, "--rows", "300", "--features", "12", "--classes", "3",
        "--class-shares", "0.7,0.2,0.1", "--seed", "4", "--master", MASTER);
    assertThat(rows.out).contains("wrote 300 rows (12 features, 3 classes in shares 0.7,0.2,0.1, seed 4)");
    assertThat(CliRun.of("gen-data", heldOut, "--rows", "90", "--first-row", "300", "--features", "12", "--classes",
        "3", "--class-shares", "0.7,0.2,0.1", "--seed", "4", "--master", MASTER).code).isZero();
    CliRun twoShares = CliRun.of("gen-data", tmp.resolve("two-shares").toString(), "--classes", "3", "--class-shares",
        "0.5,0.5", "--master", MASTER);
    assertThat(twoShares.code).isEqualTo(2);
    assertThat(twoShares.err).contains("2 class shares for 3 classes; give one per class, class 0 first");

    Map<String, String> twoWeights = E2eFixtures.jobKeys(tmp.resolve("two").toString(), train);
    twoWeights.put("loss.class_weights", "4,1");
    CliRun refused = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("two.properties"), twoWeights).toString(),
        "--master", MASTER);
    assertThat(refused.code).as("%s", refused).isEqualTo(2);
    assertThat(refused.err).contains("loss.class_weights = 4,1 (from " + tmp.resolve("two.properties"))
        .contains(") gives 2 class weights but model mlp v1 predicts 3 classes: give one weight per class, class 0 "
        + "first");
    assertThat(tmp.resolve("two/job.json")).doesNotExist();

    Path job = tmp.resolve("weighted");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.put("train.epochs", "1");
    keys.put("data.validation_path", heldOut);
    keys.put("loss.class_weights", "4,1,0.5");
    String file = E2eFixtures.writeJobFile(tmp.resolve("weighted.properties"), keys).toString();
    CliRun dry = CliRun.of("train", file, "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    java.util.regex.Matcher classes = java.util.regex.Pattern.compile("  classes: 0: (\\d+) rows \\([0-9.]+%\\), 1: "
        + "(\\d+) rows \\([0-9.]+%\\), 2: (\\d+) rows \\([0-9.]+%\\); loss.class_weights=([0-9.,]+) would weigh "
        + "them equally \\(rows / \\(classes x the class's rows\\), scikit-learn's compute_class_weight"
        + "\\(\"balanced\"\\)\\); this job's: 4,1,0.5\n").matcher(dry.err);
    assertThat(classes.find()).as("%s", dry.err).isTrue();
    long[] counts = {Long.parseLong(classes.group(1)), Long.parseLong(classes.group(2)),
        Long.parseLong(classes.group(3))};
    assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(300);
    assertThat(counts[0]).as("imbalanced as --class-shares asked").isGreaterThan(counts[1])
        .isGreaterThan(3 * counts[2]);
    assertThat(classes.group(4)).isEqualTo(io.epochal.driver.config.LossKeys.balancedWeights(counts).orElseThrow());
    CliRun trained = CliRun.of("train", file, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    assertThat(Files.readString(job.resolve("job.json"))).contains("\"loss.class_weights\"").contains("\"4,1,0.5\"");

    // the workers train with them: the same job without weights ends elsewhere
    keys.remove("loss.class_weights");
    keys.put("job.dir", tmp.resolve("plain").toString());
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("plain.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    assertThat(model(job, 1)).isNotEqualTo(model(tmp.resolve("plain"), 1));
    assertThat(metrics(job, 1).get("val_loss")).isNotEqualTo(metrics(tmp.resolve("plain"), 1).get("val_loss"));

    // evaluate gives the weighted held-out loss the checkpoint recorded
    CliRun evaluated = CliRun.of("evaluate", job.toString(), "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    double recorded = metrics(job, 1).get("val_loss");
    assertThat(evaluated.out).containsPattern("epoch-000001 +1 +90 +" + java.util.regex.Pattern.quote(
        String.format(Locale.ROOT, "%.6f", recorded)) + " ");
    assertThat(evaluated.err).contains("(loss: softmax_cross_entropy, the mean per row weighted by its class "
        + "(loss.class_weights 4,1,0.5)");

    CliRun changed = CliRun.of("resume", job.toString(), "--epochs", "2", "--set", "loss.class_weights=1,1,1",
        "--master", MASTER);
    assertThat(changed.code).as("%s", changed).isEqualTo(2);
    assertThat(changed.err).contains("loss.class_weights");
    CliRun resumed = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).as("continued from epoch 1").contains("2 of 2 epochs done (1 in this run, 1 before it)");
    // the resume trained epoch 2 with the weights: as one run of the weighted job over 2 epochs does
    keys.put("loss.class_weights", "4,1,0.5");
    keys.put("train.epochs", "2");
    keys.put("job.dir", tmp.resolve("weighted-whole").toString());
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("whole.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    assertThat(model(job, 2)).isEqualTo(model(tmp.resolve("weighted-whole"), 2)).isNotEqualTo(model(job, 1));
    assertThat(metrics(job, 2).get("val_loss")).isEqualTo(metrics(tmp.resolve("weighted-whole"), 2).get("val_loss"));
    assertThat(CliRun.of("status", job.toString()).out)
        .contains("loss:        softmax_cross_entropy, classes 0, 1, ... weighted 4,1,0.5 (loss.class_weights)");
  }
}
