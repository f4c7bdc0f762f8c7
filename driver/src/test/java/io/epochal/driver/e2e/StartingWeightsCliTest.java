package io.epochal.driver.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.testing.CliRun;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that starts from weights of its own ({@code init.weights}) through the {@code epochal}
 * command: the dry run, training from another job's checkpoint, the digest every checkpoint
 * records, a resume that no longer needs the weights, and weights that do not fit refused before
 * anything is written.
 */
class StartingWeightsCliTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  private static StateDict model(Path checkpoint) throws Exception {
    return SafetensorsReader.read(checkpoint.resolve("model.safetensors")).tensors();
  }

  private static String manifestField(Path checkpoint, String field) throws Exception {
    return new ObjectMapper().readTree(checkpoint.resolve("manifest.json").toFile()).path(field).asText(null);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void aJobStartsFromTheWeightsItNamesRecordsTheirDigestAndResumesWithoutThem() throws Exception {
    String data = tmp.resolve("data").toString();
    assertThat(CliRun.of("gen-data", data, "--rows", "256", "--features", "12", "--classes", "3", "--seed", "5",
        "--master", MASTER).code).isZero();
    Path first = tmp.resolve("first");
    Map<String, String> keys = E2eFixtures.jobKeys(first.toString(), data);
    keys.put("train.epochs", "1");
    CliRun pretrained = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("first.properties"), keys).toString(),
        "--master", MASTER);
    assertThat(pretrained.code).as("%s", pretrained).isZero();
    Path source = first.resolve("checkpoints/epoch-000001");
    Path copied = Files.copy(source.resolve("model.safetensors"), tmp.resolve("pretrained.safetensors"));

    // a second job starts from that checkpoint's weights; with SGD at rate 0 its epoch leaves them as they were
    Path second = tmp.resolve("second");
    keys = E2eFixtures.jobKeys(second.toString(), data);
    keys.put("train.epochs", "1");
    keys.put("optimizer.name", "sgd");
    keys.put("optimizer.lr", "0");
    keys.put("init.weights", source.toString());
    String file = E2eFixtures.writeJobFile(tmp.resolve("second.properties"), keys).toString();
    CliRun dry = CliRun.of("train", file, "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    String digest = sha256(source.resolve("model.safetensors"));
    assertThat(dry.err).containsPattern("  starting weights \\(init\\.weights\\): (\\d+) of the model's \\1 "
        + "tensors from "
        + "file://" + source + " \\(sha256 " + digest + "\\); they fit the model");
    assertThat(dry.out).contains("init.weights=file://" + source);
    assertThat(second).doesNotExist();

    CliRun trained = CliRun.of("train", file, "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isZero();
    assertThat(trained.err + trained.out).contains("starting weights (init.weights): ");
    Path epoch1 = second.resolve("checkpoints/epoch-000001");
    assertThat(model(epoch1)).isEqualTo(model(source));
    assertThat(manifestField(epoch1, "init_sha256")).isEqualTo(digest)
        .isEqualTo(io.epochal.checkpoint.CheckpointManifest.parse(Files.readAllBytes(source.resolve("manifest.json")),
            "manifest.json").file("model.safetensors").orElseThrow().sha256());
    assertThat(manifestField(source, "init_sha256")).isNull(); // the first job started from seeded weights
    CliRun inspected = CliRun.of("inspect", epoch1.toString());
    assertThat(inspected.out)
        .contains("init sha256:  " + digest + " (the weights training started from, init.weights)");

    // its only checkpoint gone, a run starts at epoch 1 again and reads the weights again
    Path aside = Files.move(epoch1, tmp.resolve("epoch-000001-aside"));
    CliRun again = CliRun.of("resume", second.toString(), "--master", MASTER);
    assertThat(again.code).as("%s", again).isZero();
    assertThat(again.err + again.out).contains("starting weights (init.weights): ");
    assertThat(model(epoch1)).isEqualTo(model(aside)).isEqualTo(model(source));
    assertThat(manifestField(epoch1, "init_sha256")).isEqualTo(digest);

    // the weights are gone: a resume continues from the checkpoint, which carries their digest on
    Files.delete(source.resolve("model.safetensors"));
    Path again2 = Files.move(epoch1, tmp.resolve("epoch-000001-again"));
    CliRun missing = CliRun.of("resume", second.toString(), "--master", MASTER);
    assertThat(missing.code).as("%s", missing).isEqualTo(4);
    assertThat(missing.err).contains("init.weights = file://" + source + ": the directory holds neither "
        + "model.safetensors nor model.safetensors.index.json; the job has no verified checkpoint, so its first epoch "
        + "starts from these weights: put back the ones it was created with");
    Files.move(again2, epoch1);
    CliRun resumed = CliRun.of("resume", second.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.err + resumed.out).doesNotContain("starting weights");
    assertThat(manifestField(second.resolve("checkpoints/epoch-000002"), "init_sha256")).isEqualTo(digest);

    // a frozen first layer stays as the weights had it, with no optimizer state, through a resume
    Path frozen = tmp.resolve("frozen");
    keys = E2eFixtures.jobKeys(frozen.toString(), data);
    keys.put("train.epochs", "1");
    keys.put("init.weights", copied.toString());
    keys.put("train.freeze", "layers.0.*");
    CliRun tuned = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("frozen.properties"), keys).toString(),
        "--master", MASTER);
    assertThat(tuned.code).as("%s", tuned).isZero();
    CliRun resumedFrozen = CliRun.of("resume", frozen.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(resumedFrozen.code).as("%s", resumedFrozen).isZero();
    assertThat(resumedFrozen.out).as("continued from epoch 1").contains("2 of 2 epochs done (1 in this run, 1 "
        + "before it)");
    CliRun verified = CliRun.of("verify", frozen.toString(), "--all");
    assertThat(verified.code).as("%s", verified).isZero();
    assertThat(CliRun.of("status", frozen.toString()).out)
        .contains("weights:     started from file://" + copied + " (sha256 " + sha256(copied) + "; init.weights)")
        .contains("frozen:      layers.0.* (not trained; train.freeze)");
    StateDict start = SafetensorsReader.read(copied).tensors();
    for (int epoch = 1; epoch <= 2; epoch++) {
      Path checkpoint = frozen.resolve("checkpoints/epoch-00000" + epoch);
      StateDict tunedState = model(checkpoint);
      assertThat(tunedState.require("layers.0.weight")).isEqualTo(start.require("layers.0.weight"));
      assertThat(tunedState.require("layers.0.bias")).isEqualTo(start.require("layers.0.bias"));
      assertThat(tunedState.require("layers.3.weight")).isNotEqualTo(start.require("layers.3.weight"));
      assertThat(SafetensorsReader.read(checkpoint.resolve("optimizer.safetensors")).tensors().names())
          .isNotEmpty().noneMatch(n -> n.startsWith("layers.0."));
    }

    // weights of another shape are refused naming the tensor, and nothing is written
    Path third = tmp.resolve("third");
    keys = E2eFixtures.jobKeys(third.toString(), data);
    keys.put("model.hidden", "8");
    keys.put("init.weights", copied.toString());
    String unfit = E2eFixtures.writeJobFile(tmp.resolve("third.properties"), keys).toString();
    CliRun refused = CliRun.of("train", unfit, "--master", MASTER);
    assertThat(refused.code).as("%s", refused).isEqualTo(2);
    assertThat(refused.err).containsPattern("init\\.weights = file://" + copied + ": \\d+ tensor\\(s\\) do not fit "
        + "model mlp v1: 'layers\\.0\\.weight' is F32\\[16, 12\\] but the model's is F32\\[8, 12\\]")
        .contains("(nothing was written to file://" + third + ")");
    assertThat(third.resolve("job.json")).doesNotExist();

    // a DistributedDataParallel state dict's prefix: named, then stripped when asked
    StateDict.Builder prefixed = StateDict.builder();
    model(epoch1).forEach(e -> prefixed.put("module." + e.getKey(), e.getValue()));
    Path ddp = tmp.resolve("ddp.safetensors");
    try (OutputStream out = Files.newOutputStream(ddp)) {
      SafetensorsWriter.write(prefixed.build(), out);
    }
    keys = E2eFixtures.jobKeys(tmp.resolve("fourth").toString(), data);
    keys.put("init.weights", ddp.toString());
    String ddpFile = E2eFixtures.writeJobFile(tmp.resolve("fourth.properties"), keys).toString();
    CliRun unstripped = CliRun.of("train", ddpFile, "--dry-run", "--master", MASTER);
    assertThat(unstripped.code).as("%s", unstripped).isEqualTo(2);
    assertThat(unstripped.err).contains("The file's names carry the prefix 'module.' that the model's do not: set "
        + "init.strip_prefix=module.");
    CliRun stripped = CliRun.of("train", ddpFile, "--dry-run", "--set", "init.strip_prefix=module.", "--master",
        MASTER);
    assertThat(stripped.code).as("%s", stripped).isZero();
    assertThat(stripped.err).contains("tensors from file://" + ddp + " (sha256 " + sha256(ddp) + "); they fit");
  }
}
