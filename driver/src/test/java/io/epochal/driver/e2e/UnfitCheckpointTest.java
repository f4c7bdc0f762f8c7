package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.CLASSES;
import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint whose files match its manifest but whose tensors do not fit (a tensor renamed and
 * the manifest written again to match): {@code verify}, the resume's dry run and the resume itself
 * name the checkpoint, the file's tensors and what to do, and the resume stops without retrying;
 * moved out of {@code checkpoints/}, the job continues after the checkpoint before it.
 */
class UnfitCheckpointTest {

  private static final String MASTER = "local[2]";

  @TempDir
  Path tmp;

  @Test
  void anOptimizerTensorThatFitsNoParameterStopsVerifyTheDryRunAndTheResumeNamingItAndTheFix() throws Exception {
    String data = tmp.resolve("data").toString();
    CliRun gen = CliRun.of("gen-data", data, "--rows", "256", "--features", Integer.toString(FEATURES),
        "--classes", Integer.toString(CLASSES), "--seed", "3", "--master", MASTER);
    assertThat(gen.code).as("%s", gen).isZero();
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), data);
    keys.put("train.epochs", "2");
    Path jobFile = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys);
    CliRun train = CliRun.of("train", jobFile.toString(), "--master", MASTER);
    assertThat(train.code).as("%s", train).isZero();
    Path newest = job.resolve("checkpoints/epoch-000002");
    String renamed = renameFirstTensorAndResign(newest, "optimizer.safetensors");

    CliRun verify = CliRun.of("verify", job.toString());
    assertThat(verify.code).as("%s", verify).isEqualTo(ExitCodes.FAILED);
    assertThat(verify.out).contains("PASS epoch-000002  every file's size and SHA-256 match the manifest")
        .contains("FAIL epoch-000002  optimizer state fits optimizer").contains(renamed)
        .contains("a resume picks epoch-000002, the newest checkpoint whose files are intact, and stops");

    CliRun preview = CliRun.of("resume", job.toString(), "--epochs", "3", "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isEqualTo(ExitCodes.FAILED);
    assertThat(preview.err).contains("but the resume would stop: checkpoint ").contains("epoch-000002 cannot be "
        + "continued: its optimizer tensors do not fit optimizer").contains(renamed)
        .contains("move it aside by renaming it to ").containsPattern("checkpoints/_damaged-epoch-000002-\\d{13} "
            + "\\(no resume reads it there; verify and inspect do\\)");
    java.util.regex.Matcher advised = java.util.regex.Pattern.compile("_damaged-epoch-000002-\\d{13}")
        .matcher(preview.err);
    assertThat(advised.find()).isTrue();

    CliRun resume = CliRun.of("resume", job.toString(), "--epochs", "3", "--master", MASTER);
    assertThat(resume.code).as("%s", resume).isEqualTo(ExitCodes.FAILED);
    assertThat(resume.err).contains("epoch-000002 cannot be continued").contains(renamed)
        .contains("not retried").doesNotContain("attempt 1 failed").doesNotContain("TASK_FAILED");

    Path aside = job.resolve("checkpoints").resolve(advised.group()); // as advised
    Files.move(newest, aside);
    CliRun verifyAside = CliRun.of("verify", aside.toString());
    assertThat(verifyAside.out).as("%s", verifyAside).contains("FAIL " + advised.group() + "  optimizer state fits "
        + "optimizer");
    CliRun after = CliRun.of("resume", job.toString(), "--epochs", "3", "--master", MASTER);
    assertThat(after.code).as("%s", after).isZero();
    assertThat(after.out).contains("checkpoints: ");
    assertThat(after.out).as("continued after epoch 1, the checkpoint before the unfit one")
        .contains("3 of 3 epochs done (2 in this run, 1 before it)");
    assertThat(job.resolve("checkpoints/epoch-000003/manifest.json")).exists();

    // the newest damaged (a hash shows it), the one a resume would pick unfit (only its tensors show it)
    Path model3 = job.resolve("checkpoints/epoch-000003/model.safetensors");
    byte[] bytes = Files.readAllBytes(model3);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(model3, bytes);
    renameFirstTensorAndResign(job.resolve("checkpoints/epoch-000002"), "optimizer.safetensors"); // trained again
    CliRun both = CliRun.of("verify", job.toString());
    assertThat(both.code).as("%s", both).isEqualTo(ExitCodes.FAILED);
    assertThat(both.out).contains("FAIL epoch-000003  every file's size and SHA-256 match the manifest")
        .contains("a resume picks epoch-000002, the newest checkpoint whose files are intact, and stops on a check "
            + "it fails ('bin/epochal verify --all' lists it)");

    // the job file that started the job (train.epochs=2) continues it as its resume amended it (3), as a
    // supervised restart would, and stops on the unfit checkpoint as that resume does
    CliRun restartPreview = CliRun.of("train", jobFile.toString(), "--dry-run", "--master", MASTER);
    assertThat(restartPreview.out).as("the spec the run trains: %s", restartPreview).contains("train.epochs=3")
        .doesNotContain("train.epochs=2");
    assertThat(restartPreview.err).contains("the job continues as amended: train.epochs=3 (this spec: 2)");
    CliRun restarted = CliRun.of("train", jobFile.toString(), "--master", MASTER);
    assertThat(restarted.code).as("%s", restarted).isEqualTo(ExitCodes.FAILED);
    assertThat(restarted.err).contains("the job continues as amended: train.epochs=3 (this spec: 2)")
        .contains("epoch-000002 cannot be continued").doesNotContain("already holds a different job spec");
  }

  /**
   * Renames the first tensor of {@code file} in {@code checkpoint} (its last letter, so the header
   * keeps its length) and writes the manifest again with the file's new SHA-256; returns the new
   * name.
   */
  private static String renameFirstTensorAndResign(Path checkpoint, String file) throws Exception {
    Path path = checkpoint.resolve(file);
    byte[] bytes = Files.readAllBytes(path);
    int headerLength = Math.toIntExact(ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
    String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
    JsonNode tensors = new ObjectMapper().readTree(header);
    Iterator<String> names = tensors.fieldNames();
    String name = names.next();
    if (name.equals("__metadata__")) {
      name = names.next();
    }
    String renamed = name.substring(0, name.length() - 1) + (name.endsWith("X") ? "Y" : "X");
    byte[] changed = header.replace("\"" + name + "\"", "\"" + renamed + "\"").getBytes(StandardCharsets.UTF_8);
    System.arraycopy(changed, 0, bytes, 8, headerLength);
    Files.write(path, bytes);

    io.epochal.driver.testing.CheckpointFiles.relist(checkpoint, file);
    return renamed;
  }
}
