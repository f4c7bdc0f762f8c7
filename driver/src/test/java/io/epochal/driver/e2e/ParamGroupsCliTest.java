package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.CliRun;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter groups ({@code train.lr_scale}, {@code train.no_weight_decay}) and parameters frozen for some epochs
 * ({@code train.freeze_epochs}) through the {@code epochal} command on Spark: they reach every worker and a resume,
 * they are part of what a job trains, and {@code status} shows them.
 */
class ParamGroupsCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  private static StateDict model(Path job, int epoch) throws Exception {
    return SafetensorsReader.read(job.resolve("checkpoints/epoch-00000" + epoch + "/model.safetensors")).tensors();
  }

  private static StateDict optimizer(Path job, int epoch) throws Exception {
    return SafetensorsReader.read(job.resolve("checkpoints/epoch-00000" + epoch + "/optimizer.safetensors")).tensors();
  }

  /** An AdamW job whose first layer is frozen for its first epoch, then trained at a tenth of the rate. */
  private Map<String, String> backbone(String job, String data, int epochs) {
    Map<String, String> keys = adamw(job, data, "0.01");
    keys.put("train.freeze", "layers.0.*");
    keys.put("train.freeze_epochs", "1");
    keys.put("train.lr_scale", "layers.0.*:0.1");
    keys.put("train.epochs", Integer.toString(epochs));
    return keys;
  }

  private String data() {
    String data = tmp.resolve("data").toString();
    assertThat(CliRun.of("gen-data", data, "--rows", "256", "--features", "12", "--classes", "3", "--seed", "5",
        "--master", MASTER).code).isZero();
    return data;
  }

  private Map<String, String> adamw(String job, String data, String lr) {
    Map<String, String> keys = E2eFixtures.jobKeys(tmp.resolve(job).toString(), data);
    keys.put("optimizer.name", "adamw");
    keys.put("optimizer.lr", lr);
    keys.put("optimizer.weight_decay", "0.1");
    keys.put("train.no_weight_decay", "*.bias");
    return keys;
  }

  @Test
  void aScaleOfOneHalfForEveryParameterTrainsAsHalfTheRateToTheBitThroughAResume() throws Exception {
    String data = data();
    Map<String, String> halved = adamw("halved", data, "0.02");
    halved.put("train.lr_scale", "*:0.5");
    halved.put("train.epochs", "1");
    String file = E2eFixtures.writeJobFile(tmp.resolve("halved.properties"), halved).toString();
    CliRun dry = CliRun.of("train", file, "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("  parameter groups (train.lr_scale, train.no_weight_decay): layers.0.weight, "
        + "layers.0.bias, layers.3.weight, layers.3.bias at 0.5 times the scheduled rate; not decayed: layers.0.bias, "
        + "layers.3.bias");
    CliRun first = CliRun.of("train", file, "--master", MASTER);
    assertThat(first.code).as("%s", first).isZero();
    Path job = tmp.resolve("halved");
    assertThat(Files.readString(job.resolve("job.json"))).contains("\"train.lr_scale\"").contains("\"*:0.5\"")
        .contains("\"train.no_weight_decay\"");

    CliRun changed = CliRun.of("resume", job.toString(), "--epochs", "2", "--set", "train.lr_scale=*:0.25",
        "--master", MASTER);
    assertThat(changed.code).as("%s", changed).isEqualTo(2);
    assertThat(changed.err).contains("train.lr_scale");
    CliRun resumed = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).as("continued from epoch 1").contains("2 of 2 epochs done (1 in this run, 1 before it)");

    Map<String, String> slower = adamw("slower", data, "0.01");
    slower.put("train.epochs", "2");
    CliRun plain = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("slower.properties"), slower).toString(),
        "--master", MASTER);
    assertThat(plain.code).as("%s", plain).isZero();
    // 0.02 * 0.5 is 0.01 exactly, so every step of every worker takes the same rate in both jobs
    assertThat(model(job, 1)).isEqualTo(model(tmp.resolve("slower"), 1));
    assertThat(model(job, 2)).isEqualTo(model(tmp.resolve("slower"), 2)).isNotEqualTo(model(job, 1));

    assertThat(CliRun.of("status", job.toString()).out)
        .contains("lr scales:   *:0.5 (times the scheduled rate; the next step's: * 0.01; train.lr_scale)")
        .contains("no decay:    *.bias (not decayed; train.no_weight_decay)");
  }

  @Test
  void aBackboneFrozenForAnEpochTrainsAfterItAtItsScaleAcrossAResume() throws Exception {
    String data = data();
    Map<String, String> keys = backbone("straight", data, 2);
    CliRun straight = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("straight.properties"), keys).toString(),
        "--master", MASTER);
    assertThat(straight.code).as("%s", straight).isZero();
    assertThat(straight.err + straight.out).contains("epoch 2: layers.0.*, frozen in the first epoch "
        + "(train.freeze_epochs), train from this epoch on, their optimizer state starting fresh");
    Path job = tmp.resolve("straight");
    // no gradient in epoch 1 (no optimizer state), trained in epoch 2 from its first step
    assertThat(optimizer(job, 1).names()).isNotEmpty().noneMatch(n -> n.startsWith("layers.0."));
    assertThat(model(job, 2).require("layers.0.weight")).isNotEqualTo(model(job, 1).require("layers.0.weight"));
    assertThat(optimizer(job, 2).require("layers.0.weight.step").floatValue())
        .isLessThan(optimizer(job, 2).require("layers.3.weight.step").floatValue());

    // stopped after the frozen epoch and resumed across the boundary: the same bits
    keys = backbone("stopped", data, 1);
    Path stopped = tmp.resolve("stopped");
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("stopped.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    CliRun resumed = CliRun.of("resume", stopped.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).as("continued from epoch 1").contains("2 of 2 epochs done (1 in this run, 1 before it)");
    assertThat(model(stopped, 2)).isEqualTo(model(job, 2));
    assertThat(optimizer(stopped, 2)).isEqualTo(optimizer(job, 2));
    assertThat(CliRun.of("verify", stopped.toString(), "--all").code).isZero();
    assertThat(CliRun.of("status", stopped.toString()).out).contains("frozen:      layers.0.* (not trained in epoch 1, "
        + "trained from epoch 2 on; train.freeze, train.freeze_epochs)");
  }
}
