package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.CheckpointFiles;
import io.epochal.driver.testing.CliRun;
import io.epochal.params.HyperParameters;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that keeps a moving average of its model ({@code train.ema_decay}) through the {@code epochal} command on
 * Spark: the average is checkpointed as {@code ema.safetensors}, follows torch's update from one checkpoint to the
 * next, is what held-out metrics, {@code evaluate} and {@code export} use, and a resume continues it bit for bit.
 */
class EmaCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  private static StateDict file(Path job, int epoch, String name) throws Exception {
    return SafetensorsReader.read(job.resolve("checkpoints/epoch-00000" + epoch + "/" + name)).tensors();
  }

  /** {@code average} is torch's {@code d * before + (1 - d) * model} in float32, the decay and 1 - d rounded once. */
  private static void assertTorchsUpdate(int epoch, double d, StateDict before, StateDict model, StateDict average) {
    for (String name : model.names()) {
      float[] e = before.get(name).toFloatArray();
      float[] p = model.get(name).toFloatArray();
      float[] a = average.get(name).toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertThat(a[i]).as("epoch %s %s[%s]", epoch, name, i).isEqualTo((float) d * e[i] + (float) (1 - d) * p[i]);
      }
    }
  }

  /** A 3-epoch job in {@code job} on the {@code rows} rows of {@code train}: one worker, one step per epoch. */
  private static Map<String, String> oneStepPerEpoch(Path job, String train, int rows) {
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), train);
    keys.put("train.workers", "1");
    keys.put("train.batch_size", Integer.toString(rows));
    keys.put("train.local_steps", "1");
    keys.put("train.epochs", "3");
    return keys;
  }

  private static double metric(Path job, int epoch, String name) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(job.resolve("checkpoints/epoch-00000" + epoch
        + "/manifest.json").toFile()).get("metrics").get(name).asDouble();
  }

  @Test
  void theAverageIsTorchsUpdateAcrossCheckpointsAndIsWhatHeldOutRowsAndExportMeasure() throws Exception {
    String train = tmp.resolve("train").toString();
    String heldOut = tmp.resolve("validation").toString();
    assertThat(CliRun.of("gen-data", train, "--rows", "240", "--features", "12", "--classes", "3", "--seed", "4",
        "--master", MASTER).code).isZero();
    assertThat(CliRun.of("gen-data", heldOut, "--rows", "90", "--first-row", "240", "--features", "12", "--classes",
        "3", "--seed", "4", "--master", MASTER).code).isZero();
    // one worker, one step on all rows per epoch: each checkpoint is one optimizer step after the one before
    Path job = tmp.resolve("ema");
    Map<String, String> keys = oneStepPerEpoch(job, train, 240);
    keys.put("optimizer.lr", "0.05");
    keys.put("train.ema_decay", "0.9");
    keys.put("data.validation_path", heldOut);
    CliRun trained = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("ema.properties"), keys).toString(),
        "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    assertThat(trained.out).as("each epoch's line says whose held-out metrics it shows")
        .containsPattern("epoch 3/3 done in [0-9.]+ s  loss .*  val_loss .* \\(ema weights\\)  checkpointing");

    assertThat(file(job, 1, "ema.safetensors")).as("the job's first step copies the model")
        .isEqualTo(file(job, 1, "model.safetensors"));
    for (int epoch = 2; epoch <= 3; epoch++) {
      StateDict before = file(job, epoch - 1, "ema.safetensors");
      StateDict model = file(job, epoch, "model.safetensors");
      StateDict average = file(job, epoch, "ema.safetensors");
      assertThat(average.names()).containsExactlyElementsOf(model.names());
      assertTorchsUpdate(epoch, 0.9, before, model, average);
      assertThat(average).isNotEqualTo(model);
    }

    // the held-out loss is the average's: evaluate, which uses the average, gives the recorded one
    CliRun evaluated = CliRun.of("evaluate", job.toString(), "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    assertThat(evaluated.err).contains("evaluating epoch-000003's moving average");
    assertThat(evaluated.out).containsPattern("epoch-000003 +3 +90 +" + java.util.regex.Pattern.quote(
        String.format(Locale.ROOT, "%.6f", metric(job, 3, "val_loss"))) + " ");

    CliRun verified = CliRun.of("verify", job.toString());
    assertThat(verified.code).as("%s", verified).isZero();
    assertThat(verified.out).contains("PASS epoch-000003  moving average (ema.safetensors) matches the model's names "
        + "and shapes (4 tensors, decay 0.9)")
        .contains("PASS epoch-000003  moving average's probe output (probe.ema_output) reproduced bit for bit");
    assertThat(CliRun.of("status", job.toString()).out).contains("ema:         decay 0.9, held-out metrics");

    // export writes the average: ONNX Runtime gives the average's output, not the trained weights' recorded one
    Path onnx = tmp.resolve("ema.onnx");
    CliRun exported = CliRun.of("export", job.toString(), "--format", "onnx", "--out", onnx.toString());
    assertThat(exported.code).as("%s", exported).isZero();
    StateDict probe = file(job, 3, "probe.safetensors");
    Tensor input = probe.get("probe.input");
    float[] averageOutput;
    HyperParameters params = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", 12L).put("hidden", List.of(16L)).put("output_dim", 3L).build());
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, params)) {
      model.loadStateDict(file(job, 3, "ema.safetensors"));
      averageOutput = Probe.run(model, input).toFloatArray();
    }
    float[] onnxOutput = CheckpointFiles.onnxOutput(onnx, input);
    float[] trainedOutput = probe.get("probe.output").toFloatArray();
    double fromAverage = 0;
    double fromTrained = 0;
    for (int i = 0; i < onnxOutput.length; i++) {
      fromAverage = Math.max(fromAverage, Math.abs(onnxOutput[i] - averageOutput[i]));
      fromTrained = Math.max(fromTrained, Math.abs(onnxOutput[i] - trainedOutput[i]));
    }
    assertThat(fromAverage).isLessThanOrEqualTo(1e-5);
    assertThat(fromTrained).isGreaterThan(1e-3);
    assertThat(exported.err).contains("exported the moving average (ema.safetensors); --weights trained exports the "
        + "trained weights (model.safetensors)");

    // --weights trained takes model.safetensors instead
    Path trainedOnnx = tmp.resolve("trained.onnx");
    CliRun exportedTrained = CliRun.of("export", job.toString(), "--format", "onnx", "--out", trainedOnnx.toString(),
        "--weights", "trained");
    assertThat(exportedTrained.code).as("%s", exportedTrained).isZero();
    float[] trainedOnnxOutput = CheckpointFiles.onnxOutput(trainedOnnx, input);
    for (int i = 0; i < trainedOnnxOutput.length; i++) {
      assertThat((double) Math.abs(trainedOnnxOutput[i] - trainedOutput[i])).isLessThanOrEqualTo(1e-5);
    }
    CliRun evaluatedTrained = CliRun.of("evaluate", job.toString(), "--weights", "trained", "--master", MASTER);
    assertThat(evaluatedTrained.code).as("%s", evaluatedTrained).isZero();
    assertThat(evaluatedTrained.err).contains("evaluating epoch-000003's trained weights");
    assertThat(evaluatedTrained.out).containsPattern("epoch-000003 +3 +90 +[0-9.]+ ")
        .doesNotContain(String.format(Locale.ROOT, "%.6f", metric(job, 3, "val_loss")));
    CliRun json = CliRun.of("evaluate", job.toString(), "--json", "--master", MASTER);
    assertThat(json.code).as("%s", json).isZero();
    com.fasterxml.jackson.databind.JsonNode evaluatedJson = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(json.out).get("checkpoints").get(0);
    assertThat(evaluatedJson.get("weights").asText()).isEqualTo("ema");
    assertThat(evaluatedJson.get("loss").asDouble()).as("the recorded val_loss, exactly")
        .isEqualTo(metric(job, 3, "val_loss"));
    Path predicted = tmp.resolve("predicted");
    CliRun byAverage = CliRun.of("predict", job.toString(), "--input", heldOut, "--output", predicted.toString(),
        "--master", MASTER);
    assertThat(byAverage.code).as("%s", byAverage).isZero();
    assertThat(byAverage.out + byAverage.err).contains("with mlp v1 (its moving average, ema.safetensors) from ");
    assertThat(predicted.resolve("_EPOCHAL_PREDICTIONS")).content()
        .contains("\"weights\" : \"ema\"");
    // and its scores are the average's forward: the probe's rows, predicted in one batch
    long[] shape = input.shape();
    float[] x = input.toFloatArray();
    List<String> csv = new java.util.ArrayList<>();
    List<String> names = new java.util.ArrayList<>();
    for (int j = 0; j < shape[1]; j++) {
      names.add("f" + j);
    }
    csv.add(String.join(",", names));
    for (int i = 0; i < shape[0]; i++) {
      List<String> row = new java.util.ArrayList<>();
      for (int j = 0; j < shape[1]; j++) {
        row.add(Float.toString(x[(int) (i * shape[1] + j)]));
      }
      csv.add(String.join(",", row));
    }
    Path probeRows = Files.write(tmp.resolve("probe-rows.csv"), csv);
    Path probePredicted = tmp.resolve("probe-predicted");
    CliRun scored = CliRun.of("predict", job.toString(), "--input", probeRows.toString(), "--features",
        String.join(",", names), "--output", probePredicted.toString(), "--output-format", "csv", "--batch-size",
        Long.toString(shape[0]), "--master", "local[1]");
    assertThat(scored.code).as("%s", scored).isZero();
    List<String> lines = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> parts = Files.list(probePredicted)) {
      for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
        List<String> all = Files.readAllLines(part);
        lines.add(all.get(0));
        lines.addAll(all.subList(1, all.size()).stream().map(l -> "\u0000" + l).toList());
      }
    }
    List<String> header = List.of(lines.get(0).split(","));
    List<String[]> rows = lines.stream().filter(l -> l.startsWith("\u0000")).map(l -> l.substring(1).split(","))
        .toList();
    assertThat(rows).hasSize((int) shape[0]);
    int classes = averageOutput.length / (int) shape[0];
    for (String[] r : rows) {
      int i = Integer.parseInt(r[header.indexOf("row_id")]);
      for (int k = 0; k < classes; k++) {
        assertThat((double) Float.parseFloat(r[header.indexOf("score_" + k)])).as("row %s score %s", i, k)
            .isCloseTo(averageOutput[i * classes + k], org.assertj.core.api.Assertions.within(1e-6));
      }
    }
    CliRun onnxWeights = CliRun.of("predict", onnx.toString(), "--input", heldOut, "--features", "features",
        "--weights", "ema", "--master", MASTER);
    assertThat(onnxWeights.code).as("%s", onnxWeights).isEqualTo(2);
    assertThat(onnxWeights.err).contains("--weights ema chooses the weights of a checkpoint, but ")
        .contains(" is an ONNX file (it holds the weights it was exported with); leave --weights out");
    CliRun unknown = CliRun.of("evaluate", job.toString(), "--weights", "best", "--master", MASTER);
    assertThat(unknown.code).isEqualTo(2);
    assertThat(unknown.err).contains("--weights 'best' is not supported; use trained (model.safetensors) or ema");
  }

  @Test
  void aWarmingUpAverageBlendsEachUpdateWithTorchsWarmUpDecayAndAResumeContinuesIt() throws Exception {
    String train = tmp.resolve("train").toString();
    assertThat(CliRun.of("gen-data", train, "--rows", "120", "--features", "12", "--classes", "3", "--seed", "5",
        "--master", MASTER).code).isZero();
    // one worker, one step on all rows per epoch: the k-th checkpoint's average is the k-th update
    Path whole = tmp.resolve("warm");
    Map<String, String> keys = oneStepPerEpoch(whole, train, 120);
    keys.put("train.ema_decay", "0.999");
    keys.put("train.ema_warmup", "true");
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("warm.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    assertThat(file(whole, 1, "ema.safetensors")).isEqualTo(file(whole, 1, "model.safetensors"));
    // torch: d = min(0.999, 1 - (1 + n) ** -(2 / 3)) for n = 1, 2 updates before; d * ema + (1 - d) * p, float32
    double[] torchDecays = {0.3700394750525634, 0.5192501432308638};
    for (int epoch = 2; epoch <= 3; epoch++) {
      double d = torchDecays[epoch - 2];
      StateDict before = file(whole, epoch - 1, "ema.safetensors");
      StateDict model = file(whole, epoch, "model.safetensors");
      assertTorchsUpdate(epoch, d, before, model, file(whole, epoch, "ema.safetensors"));
    }
    assertThat(CliRun.of("status", whole.toString()).out)
        .contains("ema:         decay 0.999, warming up (power 0.666667, gamma 1), held-out metrics");

    Path parts = tmp.resolve("warm-parts");
    keys.put("job.dir", parts.toString());
    keys.put("train.epochs", "2");
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("warm-parts.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    CliRun resumed = CliRun.of("resume", parts.toString(), "--epochs", "3", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).as("continued from epoch 2").contains("3 of 3 epochs done (1 in this run, 2 before it)");
    assertThat(file(parts, 3, "ema.safetensors")).isEqualTo(file(whole, 3, "ema.safetensors"));
    CliRun cooled = CliRun.of("resume", parts.toString(), "--epochs", "4", "--set", "train.ema_warmup=false",
        "--master", MASTER);
    assertThat(cooled.code).as("a resume keeps the warm-up, as every training key").isEqualTo(2);
    assertThat(cooled.err).contains("train.ema_warmup");
  }

  @Test
  void aResumeContinuesTheAverageBitForBitAndTheAverageLeavesTrainingAsItIs() throws Exception {
    String train = tmp.resolve("train").toString();
    assertThat(CliRun.of("gen-data", train, "--rows", "200", "--features", "12", "--classes", "3", "--seed", "6",
        "--master", MASTER).code).isZero();
    Path whole = tmp.resolve("whole");
    Map<String, String> keys = E2eFixtures.jobKeys(whole.toString(), train);
    keys.put("train.ema_decay", "0.95");
    CliRun uninterrupted = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("whole.properties"), keys)
        .toString(), "--master", MASTER);
    assertThat(uninterrupted.code).as("%s", uninterrupted).isZero();

    Path parts = tmp.resolve("parts");
    keys.put("job.dir", parts.toString());
    keys.put("train.epochs", "2");
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("parts.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    CliRun changed = CliRun.of("resume", parts.toString(), "--epochs", "3", "--set", "train.ema_decay=0.5",
        "--master", MASTER);
    assertThat(changed.code).as("%s", changed).isEqualTo(2);
    assertThat(changed.err).contains("train.ema_decay");
    CliRun resumed = CliRun.of("resume", parts.toString(), "--epochs", "3", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).as("continued from epoch 2").contains("3 of 3 epochs done (1 in this run, 2 before it)");
    for (String name : List.of("model.safetensors", "optimizer.safetensors", "ema.safetensors")) {
      assertThat(file(parts, 3, name)).as(name).isEqualTo(file(whole, 3, name));
    }
    assertThat(file(whole, 3, "ema.safetensors")).isNotEqualTo(file(whole, 3, "model.safetensors"));

    // keeping the average does not change what is trained
    Path plain = tmp.resolve("plain");
    keys.put("job.dir", plain.toString());
    keys.put("train.epochs", "3");
    keys.remove("train.ema_decay");
    assertThat(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("plain.properties"), keys).toString(),
        "--master", MASTER).code).isZero();
    assertThat(file(plain, 3, "model.safetensors")).isEqualTo(file(whole, 3, "model.safetensors"));
    assertThat(file(plain, 3, "optimizer.safetensors")).isEqualTo(file(whole, 3, "optimizer.safetensors"));
    assertThat(plain.resolve("checkpoints/epoch-000003/ema.safetensors")).doesNotExist();
    // an average that is not the one its checkpoint recorded, its manifest rewritten to match: caught
    Path checkpoint = whole.resolve("checkpoints/epoch-000003");
    java.nio.file.Files.copy(whole.resolve("checkpoints/epoch-000002/ema.safetensors"),
        checkpoint.resolve("ema.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CheckpointFiles.relist(checkpoint, "ema.safetensors");
    CliRun verified = CliRun.of("verify", whole.toString());
    assertThat(verified.code).as("%s", verified).isEqualTo(1);
    assertThat(verified.out).contains("FAIL epoch-000003  moving average's probe output (probe.ema_output) "
        + "reproduced bit for bit");
    CliRun continued = CliRun.of("resume", whole.toString(), "--epochs", "4", "--master", MASTER);
    assertThat(continued.code).as("%s", continued).isEqualTo(1);
    assertThat(continued.err).contains("does not reproduce its moving average");
    CliRun exported = CliRun.of("export", whole.toString(), "--format", "onnx", "--out",
        tmp.resolve("swapped.onnx").toString());
    assertThat(exported.code).as("%s", exported).isEqualTo(1);
    assertThat(exported.err).contains("'s moving average (ema.safetensors) does not reproduce the output recorded "
        + "for it when it was saved");

    CliRun noAverage = CliRun.of("predict", plain.toString(), "--input", train, "--weights", "ema", "--master",
        MASTER);
    assertThat(noAverage.code).as("%s", noAverage).isEqualTo(2);
    assertThat(noAverage.err).contains("--weights ema: checkpoint ").contains(" holds no moving average (its job has "
        + "no train.ema_decay); leave --weights out for its trained weights");

    // a checkpoint of an averaging job saved without its average: export does not serve the trained weights instead
    CheckpointFiles.unlist(checkpoint, "ema.safetensors");
    CliRun withoutAverage = CliRun.of("export", whole.toString(), "--format", "onnx", "--out",
        tmp.resolve("without-average.onnx").toString());
    assertThat(withoutAverage.code).as("%s", withoutAverage).isEqualTo(1);
    assertThat(withoutAverage.err).contains("it holds no moving average (ema.safetensors) but the job keeps one");
    // an earlier epoch's weights with the probe output recorded for them, relisted: only probe_sha256 tells
    Path last = plain.resolve("checkpoints/epoch-000003");
    for (String name : List.of("model.safetensors", io.epochal.checkpoint.CheckpointStore.PROBE_FILE)) {
      java.nio.file.Files.copy(plain.resolve("checkpoints/epoch-000002").resolve(name), last.resolve(name),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      CheckpointFiles.relist(last, name);
    }
    for (String command : List.of("export", "predict")) {
      CliRun older = command.equals("export") ? CliRun.of("export", plain.toString(), "--format", "onnx", "--out",
          tmp.resolve("older.onnx").toString()) : CliRun.of("predict", plain.toString(), "--input", train,
          "--master", MASTER);
      assertThat(older.code).as("%s", older).isEqualTo(1);
      assertThat(older.err).as(command).contains("is not what was saved").contains("but the manifest's probe_sha256");
    }
  }
}
