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

  private ManifestJson() {}

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
    try {
      return MAPPER.writeValueAsBytes(root);
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
          "manifest is not valid JSON: " + e.getOriginalMessage(), e);
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
    checkVersion(version, epoch, file);
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
      JsonNode probe = root.get("probe_sha256");
      if (probe != null) {
        if (!probe.isTextual()) {
          throw f.bad("field 'probe_sha256' is not a string");
        }
        b.optProbeDigest(probe.textValue());
      }
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException | DateTimeParseException e) {
      throw new ManifestFormatException(epoch, file, "manifest has an invalid value: " + e.getMessage(), e);
    }
  }

  private static void checkVersion(String version, long epoch, String file) throws ManifestFormatException {
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
      throw new ManifestFormatException(epoch, file, "manifest format_version " + version
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
