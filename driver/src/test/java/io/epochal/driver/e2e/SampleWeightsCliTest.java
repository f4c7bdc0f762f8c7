package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sample weights ({@code data.weight}) through the {@code epochal} command on Spark: checked before anything is
 * written, trained on (rows of weight 0 teach nothing), not needed by the held-out rows, part of the data a resume
 * compares, and fixed for the job.
 */
class SampleWeightsCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  /**
   * {@code rows} csv rows of 4 Gaussian features whose class is the argmax of the first three; with a weight column
   * {@code w} when {@code weighted}: 0 for class 2, 1 for the others, and {@code badRow} (when not -1) weighs -1.
   */
  private Path csv(String name, int rows, long seed, boolean weighted, int badRow) throws Exception {
    SplittableRandom rng = new SplittableRandom(seed);
    List<String> lines = new ArrayList<>();
    lines.add("x0,x1,x2,x3,label" + (weighted ? ",w" : ""));
    for (int i = 0; i < rows; i++) {
      double[] x = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
      int label = x[0] >= x[1] && x[0] >= x[2] ? 0 : x[1] >= x[2] ? 1 : 2;
      String weight = !weighted ? "" : i == badRow ? ",-1" : label == 2 ? ",0" : ",1";
      lines.add(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%.6f,%d%s", x[0], x[1], x[2], x[3], label, weight));
    }
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    Files.write(dir.resolve("part-0.csv"), lines, StandardCharsets.UTF_8);
    return dir;
  }

  private Map<String, String> keys(String job, Path data, Path heldOut) {
    Map<String, String> k = E2eFixtures.jobKeys(tmp.resolve(job).toString(), data.toString());
    k.put("model.input_dim", "4");
    k.put("data.format", "csv");
    k.put("data.features", "x0..x3");
    k.put("data.validation_path", heldOut.toString());
    return k;
  }

  private CliRun train(String name, Map<String, String> keys, String... more) {
    List<String> args = new ArrayList<>(List.of("train",
        E2eFixtures.writeJobFile(tmp.resolve(name + ".properties"), keys).toString(), "--master", MASTER));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(new String[0]));
  }

  private double metric(String job, int epoch, String name) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve(job).resolve(
        "checkpoints/epoch-00000" + epoch + "/manifest.json").toFile()).get("metrics").get(name).asDouble();
  }

  @Test
  void sampleWeightsAreCheckedTrainedOnComparedByAResumeAndKept() throws Exception {
    Path data = csv("train", 600, 3, true, -1);
    Path heldOut = csv("held-out", 300, 4, false, -1);

    Map<String, String> asLabel = keys("as-label", data, heldOut);
    asLabel.put("data.weight", "label");
    CliRun refused = train("as-label", asLabel);
    assertThat(refused.code).as("%s", refused).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err).contains("data.weight names column 'label', which is the label (data.label): a row's "
        + "weight must come from a column of its own");
    Map<String, String> missing = keys("missing", data, heldOut);
    missing.put("data.weight", "weight");
    CliRun notThere = train("missing", missing, "--dry-run");
    assertThat(notThere.code).as("%s", notThere).isEqualTo(ExitCodes.USAGE);
    assertThat(notThere.err).contains("data.weight").contains("'weight'").contains("x0, x1, x2, x3, label, w");
    assertThat(tmp.resolve("as-label/job.json")).doesNotExist();

    Path bad = csv("bad", 600, 3, true, 7);
    Map<String, String> negative = keys("negative", bad, heldOut);
    negative.put("data.weight", "w");
    CliRun badRow = train("negative", negative, "--dry-run");
    assertThat(badRow.code).as("%s", badRow).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(badRow.err).contains("part-0.csv, row 8 (counted from 1")
        .contains("weight column 'w' holds -1, not a sample weight (a finite number >= 0)");

    Map<String, String> weightedKeys = keys("weighted", data, heldOut);
    weightedKeys.put("data.weight", "w");
    CliRun dry = train("weighted", weightedKeys, "--dry-run");
    assertThat(dry.code).as("%s", dry).isZero();
    long classTwo = Files.readAllLines(data.resolve("part-0.csv")).stream().filter(l -> l.endsWith(",2,0")).count();
    assertThat(dry.err).contains("  weights (data.weight w): " + (600 - classTwo) + " over 600 rows, mean ")
        .contains(", largest 1; " + classTwo + " rows weigh 0 and train nothing\n");
    CliRun weighted = train("weighted", weightedKeys);
    assertThat(weighted.code).as("%s", weighted).isZero();
    CliRun plain = train("plain", keys("plain", data, heldOut));
    assertThat(plain.code).as("%s", plain).isZero();
    assertThat(Files.readString(tmp.resolve("weighted/job.json"))).contains("\"data.weight\"");
    assertThat(Files.readString(tmp.resolve("plain/job.json"))).as("no weights: stored as before they existed")
        .doesNotContain("data.weight");
    // rows of class 2 weigh 0: the weighted model never learns to predict it, so its recall on the held-out rows (all
    // weighed the same) is about 0 and the mean recall of the classes at most about 2/3
    double weightedRecall = metric("weighted", 3, "val_balanced_accuracy");
    double plainRecall = metric("plain", 3, "val_balanced_accuracy");
    assertThat(weightedRecall).as("weighted %s, plain %s", weightedRecall, plainRecall).isLessThan(0.7)
        .isLessThan(plainRecall - 0.15);

    CliRun unweigh = CliRun.of("resume", tmp.resolve("weighted").toString(), "--epochs", "4", "--set",
        "data.weight=", "--master", MASTER);
    assertThat(unweigh.code).as("%s", unweigh).isEqualTo(ExitCodes.USAGE);
    assertThat(unweigh.err).contains("data.weight");
    assertThat(CliRun.of("status", tmp.resolve("weighted").toString()).out)
        .contains("rows:        weighted by column w in the training loss (data.weight; held-out rows count once "
            + "each)");
    assertThat(CliRun.of("status", tmp.resolve("plain").toString()).out).doesNotContain("rows:");
    // one weight changed and nothing else: the data a resume finds is not what the job trained on
    Path file = data.resolve("part-0.csv");
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    int row = lines.get(1).endsWith(",1") ? 1 : 2;
    lines.set(row, lines.get(row).substring(0, lines.get(row).length() - 1) + "2");
    Files.write(file, lines, StandardCharsets.UTF_8);
    CliRun changed = CliRun.of("resume", tmp.resolve("weighted").toString(), "--epochs", "4", "--dry-run",
        "--master", MASTER);
    assertThat(changed.code).as("%s", changed).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(changed.err).contains("but not the same values or order (data_sha256 ");
  }
}
