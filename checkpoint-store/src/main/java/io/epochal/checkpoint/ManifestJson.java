package io.epochal.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;

/** The JSON form of {@link CheckpointManifest}: writing, and parsing with typed errors. */
final class ManifestJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(SerializationFeature.INDENT_OUTPUT)
      // a manifest is one JSON object: anything after it is damage, not a second manifest
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** The manifest's own SHA-256, the last field; required from format 1.1. */
  static final String SELF_DIGEST = "manifest_sha256";
  /** The placeholder the digest is computed over: the manifest as written, with 64 zeros in its place. */
  private static final String UNSEALED = "0".repeat(64);

  private ManifestJson() {}

  /**
   * {@code unsealed} with its {@link #SELF_DIGEST} placeholder (the last 64 zeros) replaced by the
   * SHA-256 of {@code unsealed} itself. The data files are checked against the manifest; this
   * checks the manifest, whose epoch, step, schedule and random state no other check covers (on a
   * file system without checksums, such as the local one, a flipped digit would resume silently
   * from the wrong step).
   */
  private static byte[] seal(byte[] unsealed) {
    int at = lastIndexOf(unsealed, UNSEALED.getBytes(StandardCharsets.US_ASCII));
    byte[] hex = Sha256.hex(Sha256.newDigest().digest(unsealed)).getBytes(StandardCharsets.US_ASCII);
    byte[] sealed = unsealed.clone();
    System.arraycopy(hex, 0, sealed, at, hex.length);
    return sealed;
  }

  /** Whether {@code json} hashes to {@code digest} with {@code digest}'s last occurrence as the placeholder. */
  private static boolean sealedWith(byte[] json, String digest) {
    int at = lastIndexOf(json, digest.getBytes(StandardCharsets.US_ASCII));
    if (at < 0) {
      return false;
    }
    byte[] unsealed = json.clone();
    System.arraycopy(UNSEALED.getBytes(StandardCharsets.US_ASCII), 0, unsealed, at, UNSEALED.length());
    return Sha256.hex(Sha256.newDigest().digest(unsealed)).equals(digest);
  }

  private static int lastIndexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = haystack.length - needle.length; i >= 0; i--) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static byte[] write(CheckpointManifest m) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format_version", m.formatVersion());
    root.put("job_id", m.jobId());
    root.put("epoch", m.epoch());
    root.put("global_step", m.globalStep());
    ObjectNode model = root.putObject("model");
    model.put("name", m.modelName());
    model.put("version", m.modelVersion());
    root.set("hyperparameters", m.hyperParameters().toJson());
    ObjectNode metrics = root.putObject("metrics");
    m.metrics().forEach(metrics::put);
    root.set("lr_schedule", m.learningRateSchedule().toJson());
    root.set("random_state", m.randomState().toJson());
    ObjectNode versions = root.putObject("versions");
    m.versions().forEach(versions::put);
    root.put("created_at", m.createdAt().toString());
    ArrayNode files = root.putArray("files");
    for (ManifestFile f : m.files()) {
      ObjectNode n = files.addObject();
      n.put("name", f.name());
      n.put("size", f.size());
      n.put("sha256", f.sha256());
    }
    m.probeDigest().ifPresent(d -> root.put("probe_sha256", d));
    m.dataDigest().ifPresent(d -> root.put("data_sha256", d));
    m.initDigest().ifPresent(d -> root.put("init_sha256", d));
    m.heldOutDigest().ifPresent(d -> root.put("held_out_sha256", d));
    root.put(SELF_DIGEST, UNSEALED);
    try {
      return seal(MAPPER.writeValueAsBytes(root));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("manifest of epoch " + m.epoch() + " cannot be serialized", e);
    }
  }

  static CheckpointManifest read(byte[] json, String file) throws ManifestFormatException {
    return read(json, file, CheckpointException.UNKNOWN_EPOCH);
  }

  /** Parses, naming {@code knownEpoch} (the directory's) in errors when it is known. */
  static CheckpointManifest read(byte[] json, String file, long knownEpoch) throws ManifestFormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ManifestFormatException(knownEpoch, file,
          "manifest is not valid JSON: " + io.epochal.job.JobFileFormatException.describe(e), e);
    } catch (IOException e) {
      throw new ManifestFormatException(knownEpoch, file,
          "manifest cannot be read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ManifestFormatException(knownEpoch, file, "manifest is not a JSON object");
    }
    long epoch = knownEpoch != CheckpointException.UNKNOWN_EPOCH ? knownEpoch
        : root.path("epoch").canConvertToLong() ? root.path("epoch").longValue()
        : CheckpointException.UNKNOWN_EPOCH;
    Fields f = new Fields(epoch, file);
    String version = f.text(root, "format_version");
    try {
      checkVersion(version, epoch, file);
    } catch (NewerFormatException newer) {
      checkSealOfNewer(root, json, f);
      throw newer;
    }
    try {
      CheckpointManifest.Builder b = CheckpointManifest.builder()
          .setFormatVersion(version)
          .setJobId(f.text(root, "job_id"))
          .setEpoch(f.integer(root, "epoch"))
          .optGlobalStep(f.integer(root, "global_step"));
      JsonNode model = f.object(root, "model");
      b.setModel(f.text(model, "name"), f.text(model, "version"));
      b.optHyperParameters(HyperParameters.fromJson(f.object(root, "hyperparameters")));
      for (Iterator<Map.Entry<String, JsonNode>> it = f.object(root, "metrics").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNumber()) {
          throw f.bad("metric '" + e.getKey() + "' is not a number: " + e.getValue());
        }
        b.optMetric(e.getKey(), e.getValue().doubleValue());
      }
      b.optLearningRateSchedule(HyperParameters.fromJson(f.object(root, "lr_schedule")));
      b.optRandomState(HyperParameters.fromJson(f.object(root, "random_state")));
      for (Iterator<Map.Entry<String, JsonNode>> it = f.object(root, "versions").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw f.bad("version of '" + e.getKey() + "' is not a string: " + e.getValue());
        }
        b.optVersion(e.getKey(), e.getValue().textValue());
      }
      b.optCreatedAt(Instant.parse(f.text(root, "created_at")));
      JsonNode files = root.get("files");
      if (files == null || !files.isArray()) {
        throw f.bad("field 'files' is missing or not an array");
      }
      for (JsonNode n : files) {
        if (!n.isObject()) {
          throw f.bad("an entry of 'files' is not an object: " + n);
        }
        b.addFile(new ManifestFile(f.text(n, "name"), f.integer(n, "size"), f.text(n, "sha256")));
      }
      optionalText(root, "probe_sha256", f).ifPresent(b::optProbeDigest);
      optionalText(root, "data_sha256", f).ifPresent(b::optDataDigest);
      optionalText(root, "init_sha256", f).ifPresent(b::optInitDigest);
      optionalText(root, "held_out_sha256", f).ifPresent(b::optHeldOutDigest);
      CheckpointManifest m = b.build();
      checkSeal(root, json, version, f);
      return m;
    } catch (IllegalArgumentException | IllegalStateException | DateTimeParseException e) {
      throw new ManifestFormatException(epoch, file, "manifest has an invalid value: " + e.getMessage(), e);
    }
  }

  /** Optional string field {@code name} of {@code root}; refused when present but not a string. */
  private static java.util.Optional<String> optionalText(JsonNode root, String name, Fields f)
      throws ManifestFormatException {
    JsonNode n = root.get(name);
    if (n != null && !n.isTextual()) {
      throw f.bad("field '" + name + "' is not a string");
    }
    return n == null ? java.util.Optional.empty() : java.util.Optional.of(n.textValue());
  }

  /**
   * Checks the manifest's own digest, after its fields (whose errors are more specific): present
   * from format 1.1 on, and checked whenever present.
   */
  private static void checkSeal(JsonNode root, byte[] json, String version, Fields f)
      throws ManifestFormatException {
    JsonNode self = root.get(SELF_DIGEST);
    if (self == null) {
      if (!before11(version)) {
        throw f.bad("field '" + SELF_DIGEST + "' is missing; format " + version + " requires it");
      }
      return;
    }
    if (!self.isTextual() || !ManifestFile.isSha256Hex(self.textValue())) {
      throw f.bad("field '" + SELF_DIGEST + "' is not 64 hex digits: " + self);
    }
    if (!sealedWith(json, self.textValue())) {
      throw f.bad("the manifest's own SHA-256 (" + SELF_DIGEST + ") does not match its content: it was changed or"
          + " damaged after it was written");
    }
  }

  /**
   * Checks the own digest of a manifest whose format version reads newer: a flipped bit in {@code
   * format_version} is damage (the store falls back to an older checkpoint), not a newer format
   * (which refuses the job). Every later format keeps this digest, computed the same way, so a
   * manifest without one (a format 1.0 manifest whose version was damaged) is damaged too.
   */
  private static void checkSealOfNewer(JsonNode root, byte[] json, Fields f) throws ManifestFormatException {
    JsonNode self = root.get(SELF_DIGEST);
    if (self == null || !self.isTextual() || !ManifestFile.isSha256Hex(self.textValue())) {
      // said without the version's key, which verify takes for a newer format's refusal
      throw f.bad("it has no own SHA-256 (" + SELF_DIGEST + "), which every format from 1.1 on keeps, yet its "
          + "version reads newer than this build's: a format 1.0 manifest whose version was damaged");
    }
    if (!sealedWith(json, self.textValue())) {
      throw f.bad("the manifest's own SHA-256 (" + SELF_DIGEST + ") does not match its content: it was changed or"
          + " damaged after it was written");
    }
  }

  /** Whether {@code version} (major.minor) is older than 1.1, the first with the self digest. */
  static boolean before11(String version) {
    String[] parts = version.split("\\.");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return major < 1 || (major == 1 && minor < 1);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void checkVersion(String version, long epoch, String file) throws ManifestFormatException {
    if (!version.matches("\\d{1,9}\\.\\d{1,9}")) {
      throw new ManifestFormatException(epoch, file, "format_version '" + version + "' is not MAJOR.MINOR");
    }
    int dot = version.indexOf('.');
    int major;
    try {
      major = Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
    } catch (NumberFormatException e) {
      throw new ManifestFormatException(epoch, file,
          "format_version '" + version + "' is not MAJOR.MINOR", e);
    }
    int supported = Integer.parseInt(CheckpointManifest.FORMAT_VERSION.split("\\.")[0]);
    if (major > supported) {
      throw new NewerFormatException(epoch, file, "manifest format_version " + version
          + " is newer than the supported " + CheckpointManifest.FORMAT_VERSION
          + "; read it with a newer Epochal");
    }
    if (major < 1) {
      throw new ManifestFormatException(epoch, file, "format_version '" + version + "' is not supported");
    }
  }

  /** Typed field access that fails with the field named. */
  private static final class Fields {
    private final long epoch;
    private final String file;

    Fields(long epoch, String file) {
      this.epoch = epoch;
      this.file = file;
    }

    ManifestFormatException bad(String message) {
      return new ManifestFormatException(epoch, file, message);
    }

    String text(JsonNode parent, String key) throws ManifestFormatException {
      JsonNode n = parent.get(key);
      if (n == null || !n.isTextual()) {
        throw bad("field '" + key + "' is missing or not a string");
      }
      return n.textValue();
    }

    long integer(JsonNode parent, String key) throws ManifestFormatException {
      JsonNode n = parent.get(key);
      if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
        throw bad("field '" + key + "' is missing or not an integer");
      }
      return n.longValue();
    }

    JsonNode object(JsonNode parent, String key) throws ManifestFormatException {
      JsonNode n = parent.get(key);
      if (n == null || !n.isObject()) {
        throw bad("field '" + key + "' is missing or not an object");
      }
      return n;
    }
  }
}
