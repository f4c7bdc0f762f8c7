package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointManifestTest {

  private static CheckpointManifest full() {
    return TestCheckpoints.manifest(7).withFiles(List.of(
        new ManifestFile("model.safetensors", 1234, "0123456789abcdef".repeat(4)),
        new ManifestFile("optimizer.safetensors", 0, "FEDCBA9876543210".repeat(4))));
  }

  @Test
  void jsonRoundTripKeepsEveryFieldAndItsType() throws Exception {
    CheckpointManifest m = full();
    CheckpointManifest back = CheckpointManifest.parse(m.toJson(), "manifest.json");
    assertThat(back).isEqualTo(m).hasSameHashCodeAs(m);
    assertThat(back.hyperParameters().get("lr")).isEqualTo(0.1);
    assertThat(back.hyperParameters().get("batch_size")).isEqualTo(64L);
    assertThat(back.hyperParameters().getList("hidden", Long.class)).containsExactly(256L, 128L);
    assertThat(back.randomState().getLong("seed")).isEqualTo(1234L);
    assertThat(back.versions()).containsKeys("epochal", "djl", "engine", "engine_native", "java", "spark", "hadoop");
    assertThat(back.files().get(1).sha256()).isEqualTo("fedcba9876543210".repeat(4));
    assertThat(back.probeDigest()).contains("ab".repeat(32));
    assertThat(back.dataDigest()).contains("cd".repeat(32));
    assertThat(back.formatVersion()).isEqualTo("1.1");
    String json = new String(m.toJson(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"format_version\" : \"1.1\"").contains("\"global_step\" : 700")
        .contains("\"created_at\" : \"2026-01-02T03:04:05.678Z\"").containsPattern("\"manifest_sha256\" : \"[0-9a-f]{64}\"");
  }

  @Test
  void initDigestIsWrittenOnlyWhenRecordedAndReadBackExactly() throws Exception {
    CheckpointManifest none = full();
    assertThat(new String(none.toJson(), StandardCharsets.UTF_8)).doesNotContain("init_sha256");
    assertThat(CheckpointManifest.parse(none.toJson(), "m.json").initDigest()).isEmpty();
    CheckpointManifest m = none.toBuilder().optInitDigest("EF".repeat(32)).build();
    CheckpointManifest back = CheckpointManifest.parse(m.toJson(), "m.json");
    assertThat(back).isEqualTo(m).isNotEqualTo(none);
    assertThat(back.initDigest()).contains("ef".repeat(32));
    assertThat(new String(m.toJson(), StandardCharsets.UTF_8)).contains("\"init_sha256\" : \"" + "ef".repeat(32));
    assertThatThrownBy(() -> CheckpointManifest.builder().optInitDigest("ef"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init digest");
  }

  @Test
  void heldOutDigestIsWrittenOnlyWhenRecordedAndReadBackApartFromTheOthers() throws Exception {
    CheckpointManifest none = full();
    assertThat(new String(none.toJson(), StandardCharsets.UTF_8)).doesNotContain("held_out_sha256");
    assertThat(CheckpointManifest.parse(none.toJson(), "m.json").heldOutDigest()).isEmpty();
    CheckpointManifest m = none.toBuilder().optHeldOutDigest("AB".repeat(32)).build();
    CheckpointManifest back = CheckpointManifest.parse(m.toJson(), "m.json");
    assertThat(back).isEqualTo(m).isNotEqualTo(none);
    assertThat(back.heldOutDigest()).contains("ab".repeat(32));
    assertThat(back.dataDigest()).isEqualTo(none.dataDigest()).isNotEqualTo(back.heldOutDigest());
    assertThat(new String(m.toJson(), StandardCharsets.UTF_8)).contains("\"held_out_sha256\" : \"" + "ab".repeat(32));
    assertThatThrownBy(() -> CheckpointManifest.builder().optHeldOutDigest("ab"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("held-out digest");
  }

  @Test
  void aNonStringInitDigestIsRefusedNamingTheField() {
    String json = new String(full().toJson(), StandardCharsets.UTF_8)
        .replace("\"data_sha256\"", "\"init_sha256\" : 7,\n  \"data_sha256\"");
    assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "/x/manifest.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("init_sha256");
  }

  @Test
  void newerMajorFormatVersionIsRefusedNamingBothVersions() {
    String json = new String(full().toBuilder().setFormatVersion("2.0").build().toJson(), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "/x/manifest.json"))
        .isInstanceOf(ManifestFormatException.class)
        .hasMessageContaining("/x/manifest.json").hasMessageContaining("2.0")
        .hasMessageContaining("supported 1.1").hasMessageContaining("epoch 7");
  }

  @Test
  void aFlippedBitInTheFormatVersionIsDamageNotANewerFormat() {
    String json = new String(full().toJson(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"format_version\" : \"1.1\"");
    assertEachFlippedMajorIsDamage(json, ".1", "does not match its content");
  }

  @Test
  void aFlippedBitInTheFormatVersionOfAManifestWithoutItsOwnDigestIsDamageNotANewerFormat() {
    // format 1.0 kept no digest of its own: its version damaged reads newer, yet no newer format lacks the digest
    String json = new String(full().toJson(), StandardCharsets.UTF_8)
        .replaceFirst(",?\\s*\"manifest_sha256\" : \"[0-9a-f]{64}\"", "");
    assertThat(json).doesNotContain("manifest_sha256");
    assertEachFlippedMajorIsDamage(json, ".0", "/jobs/a/manifest.json", "no own SHA-256");
  }

  /**
   * {@code json}, a format 1.1 manifest, with its major version's '1' (0x31) flipped by one bit to a newer one
   * (minor {@code minor}): damage whose message says {@code said}, not a newer format.
   */
  private static void assertEachFlippedMajorIsDamage(String json, String minor, String... said) {
    for (String major : new String[] {"9", "3", "5"}) {
      byte[] flipped = json.replace("\"format_version\" : \"1.1\"", "\"format_version\" : \"" + major + minor
          + "\"").getBytes(StandardCharsets.UTF_8);
      org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> refused = assertThatThrownBy(
          () -> CheckpointManifest.parse(flipped, "/jobs/a/manifest.json")).as(major)
          .isInstanceOf(ManifestFormatException.class).isNotInstanceOf(NewerFormatException.class);
      for (String part : said) {
        refused.hasMessageContaining(part);
      }
    }
  }

  @Test
  void aFormatVersionBelowMajor1IsRefusedAsNotSupported() {
    String json = new String(full().toBuilder().setFormatVersion("0.9").build().toJson(), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "/x/manifest.json"))
        .isInstanceOf(ManifestFormatException.class).isNotInstanceOf(NewerFormatException.class)
        .hasMessageContaining("/x/manifest.json").hasMessageContaining("format_version '0.9'")
        .hasMessageContaining("is not supported");
  }

  @Test
  void aFormatVersionThatIsNotMajorDotMinorIsRefused() {
    for (String bad : new String[] {"1.1.1", "1", "1.x", "v1.1", ""}) {
      String json = new String(full().toBuilder().setFormatVersion(bad).build().toJson(), StandardCharsets.UTF_8);
      assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "m.json"))
          .as(bad).isInstanceOf(ManifestFormatException.class).isNotInstanceOf(NewerFormatException.class)
          .hasMessageContaining("is not MAJOR.MINOR");
    }
  }

  @Test
  void newerMinorFormatVersionIsRead() throws Exception {
    byte[] json = full().toBuilder().setFormatVersion("1.3").build().toJson();
    assertThat(CheckpointManifest.parse(json, "m").formatVersion()).isEqualTo("1.3");
  }

  @Test
  void aManifestChangedAfterItWasWrittenIsRefusedByItsOwnDigest() {
    // a digit of the global step flipped: every field is still valid, only the digest tells
    String json = new String(full().toJson(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"global_step\" : 700");
    byte[] flipped = json.replace("\"global_step\" : 700", "\"global_step\" : 701").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CheckpointManifest.parse(flipped, "/jobs/a/manifest.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("/jobs/a/manifest.json")
        .hasMessageContaining("own SHA-256 (manifest_sha256) does not match its content");
  }

  @Test
  void aDigestIsRequiredFromFormat11AndAManifestOfFormat10IsReadWithoutOne() throws Exception {
    String json = new String(full().toJson(), StandardCharsets.UTF_8);
    String withoutDigest = json.replaceAll(",\\s*\"manifest_sha256\" : \"[0-9a-f]{64}\"", "");
    assertThat(withoutDigest).doesNotContain("manifest_sha256");
    assertThatThrownBy(() -> CheckpointManifest.parse(withoutDigest.getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("'manifest_sha256' is missing");
    String oldFormat = withoutDigest.replace("\"format_version\" : \"1.1\"", "\"format_version\" : \"1.0\"");
    assertThat(CheckpointManifest.parse(oldFormat.getBytes(StandardCharsets.UTF_8), "m.json").globalStep())
        .isEqualTo(700);
  }

  @Test
  void garbageIsACheckedExceptionNamingTheFile() {
    assertThatThrownBy(() -> CheckpointManifest.parse("not json at all".getBytes(), "/jobs/a/manifest.json"))
        .isInstanceOf(ManifestFormatException.class)
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("/jobs/a/manifest.json").hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> CheckpointManifest.parse("[]".getBytes(), "m.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("not a JSON object");
  }

  @Test
  void aTruncatedManifestSaysWhereWithoutTheParsersSourceDump() {
    String json = new String(full().toJson(), StandardCharsets.UTF_8);
    byte[] truncated = json.substring(0, json.length() / 2).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CheckpointManifest.parse(truncated, "/jobs/a/manifest.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("not valid JSON")
        .hasMessageContaining("(line ").hasMessageNotContaining("REDACTED").hasMessageNotContaining("Source:");
  }

  @Test
  void anythingAfterTheManifestObjectIsDamage() {
    byte[] json = (new String(full().toJson(), StandardCharsets.UTF_8) + "\n{\"epoch\": 7} garbage")
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CheckpointManifest.parse(json, "/jobs/a/manifest.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("/jobs/a/manifest.json");
  }

  @Test
  void aFileNameThatIsNotAPlainNameIsAFormatErrorNotACrash() {
    // one flipped bit turns "model-00002-of-00004" into "model-0000:-of-00004", which a Hadoop
    // Path reads as a URI with a scheme
    String json = new String(full().toJson(), StandardCharsets.UTF_8)
        .replace("\"model.safetensors\"", "\"model:safetensors\"");
    assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("'model:safetensors'");
    for (String bad : new String[] {"", ".", "..", ".hidden", "a/b", "a b"}) {
      assertThatThrownBy(() -> new ManifestFile(bad, 1, "0".repeat(64))).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plain file name");
    }
  }

  @Test
  void missingOrMistypedFieldIsNamed() {
    String json = new String(full().toJson(), StandardCharsets.UTF_8).replace("\"job_id\"", "\"jobid\"");
    assertThatThrownBy(() -> CheckpointManifest.parse(json.getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("'job_id'");
    String badSha = new String(full().toJson(), StandardCharsets.UTF_8).replace("0123456789abcdef", "zz");
    assertThatThrownBy(() -> CheckpointManifest.parse(badSha.getBytes(StandardCharsets.UTF_8), "m.json"))
        .isInstanceOf(ManifestFormatException.class).hasMessageContaining("sha256 of manifest file 'model.safetensors'");
  }

  @Test
  void builderRefusesMissingAndInvalidValuesNamingThem() {
    assertThatThrownBy(() -> CheckpointManifest.builder().setEpoch(1).setModel("m", "1").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("setJobId");
    assertThatThrownBy(() -> CheckpointManifest.builder().optMetric("train_loss", Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train_loss");
    assertThatThrownBy(() -> CheckpointManifest.builder().optDataDigest("abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data digest");
    assertThatThrownBy(() -> CheckpointManifest.builder().optProbeDigest("abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probe digest");
    assertThatThrownBy(() -> full().toBuilder().addFile(new ManifestFile("model.safetensors", 1, "0".repeat(64))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
  }

  @Test
  void contentRefusesAManifestThatAlreadyListsFiles() {
    assertThatThrownBy(() -> CheckpointContent.builder().setManifest(full()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not list files");
  }
}
