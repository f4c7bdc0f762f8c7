package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The self-describing record of one checkpoint ({@code manifest.json}): format version, job, epoch, global step,
 * model name and version, typed hyperparameters, metrics, learning-rate schedule state, random state, component
 * versions, creation time, every file with its size and SHA-256, the digests of the probe output, the data, the
 * starting weights and the held-out rows, and (from format 1.1) the manifest's own SHA-256, which {@link #parse}
 * checks. Immutable; build with {@link #builder()}, serialize with {@link #toJson()} and parse with {@link
 * #parse(byte[], String)}.
 */
public final class CheckpointManifest {

  /** The format version this code writes. */
  public static final String FORMAT_VERSION = "1.1";

  /** The file name of a manifest inside a checkpoint directory. */
  public static final String FILE_NAME = "manifest.json";

  /** The most bytes a manifest file may have; a reader refuses a larger one before it reads it. */
  public static final long MAX_BYTES = 16L << 20;

  /** What {@link #digests} records the SHA-256 of. */
  private static final String PROBE = "probe", DATA = "data", INIT = "init", HELD_OUT = "held-out";

  private final String formatVersion;
  private final String jobId;
  private final long epoch;
  private final long globalStep;
  private final String modelName;
  private final String modelVersion;
  private final HyperParameters hyperParameters;
  private final Map<String, Double> metrics;
  private final HyperParameters learningRateSchedule;
  private final HyperParameters randomState;
  private final Map<String, String> versions;
  private final Instant createdAt;
  private final List<ManifestFile> files;
  /** The recorded SHA-256 digests, by what they are of: probe, data, init, held-out. */
  private final Map<String, String> digests;

  private CheckpointManifest(Builder b) {
    this.formatVersion = b.formatVersion;
    this.jobId = b.jobId;
    this.epoch = b.epoch;
    this.globalStep = b.globalStep;
    this.modelName = b.modelName;
    this.modelVersion = b.modelVersion;
    this.hyperParameters = b.hyperParameters;
    this.metrics = Collections.unmodifiableMap(new TreeMap<>(b.metrics));
    this.learningRateSchedule = b.learningRateSchedule;
    this.randomState = b.randomState;
    this.versions = Collections.unmodifiableMap(new TreeMap<>(b.versions));
    this.createdAt = b.createdAt;
    this.files = List.copyOf(b.files.values());
    this.digests = Map.copyOf(b.digests);
  }

  /** A new builder; job id, epoch and model are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this manifest's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.formatVersion = formatVersion;
    b.jobId = jobId;
    b.epoch = epoch;
    b.globalStep = globalStep;
    b.modelName = modelName;
    b.modelVersion = modelVersion;
    b.hyperParameters = hyperParameters;
    b.metrics.putAll(metrics);
    b.learningRateSchedule = learningRateSchedule;
    b.randomState = randomState;
    b.versions.putAll(versions);
    b.createdAt = createdAt;
    files.forEach(f -> b.files.put(f.name(), f));
    b.digests.putAll(digests);
    return b;
  }

  /** A copy listing {@code files} instead of this manifest's files. */
  public CheckpointManifest withFiles(List<ManifestFile> files) {
    Builder b = toBuilder();
    b.files.clear();
    return b.optFiles(files).build();
  }

  /** The compact JSON form, UTF-8. */
  public byte[] toJson() {
    return ManifestJson.write(this);
  }

  /**
   * Parses a manifest.
   *
   * @param file the manifest's path, named in messages
   * @throws ManifestFormatException if it is not valid JSON, lacks or mistypes a field, or has a
   *     newer major format version
   */
  public static CheckpointManifest parse(byte[] json, String file) throws ManifestFormatException {
    return ManifestJson.read(json, file);
  }

  /** The format version, {@code MAJOR.MINOR}. */
  public String formatVersion() {
    return formatVersion;
  }

  /** The job this checkpoint belongs to. */
  public String jobId() {
    return jobId;
  }

  /** The epoch that ended with this state (0-based or 1-based as the job defines). */
  public long epoch() {
    return epoch;
  }

  /** Optimizer steps taken since the start of training. */
  public long globalStep() {
    return globalStep;
  }

  /** The model's registry name. */
  public String modelName() {
    return modelName;
  }

  /** The model's registry version. */
  public String modelVersion() {
    return modelVersion;
  }

  /** Every hyperparameter, typed. */
  public HyperParameters hyperParameters() {
    return hyperParameters;
  }

  /** Metrics at the end of the epoch (e.g. {@code train_loss}), sorted by name. */
  public Map<String, Double> metrics() {
    return metrics;
  }

  /** The learning-rate schedule's state. */
  public HyperParameters learningRateSchedule() {
    return learningRateSchedule;
  }

  /** The random state needed to continue identically (seed, epoch, round...). */
  public HyperParameters randomState() {
    return randomState;
  }

  /** Component versions (epochal, djl, engine, engine_native, java, spark, hadoop), sorted. */
  public Map<String, String> versions() {
    return versions;
  }

  /** When the checkpoint was created (millisecond precision). */
  public Instant createdAt() {
    return createdAt;
  }

  /** Every data file with its size and SHA-256, in commit order. */
  public List<ManifestFile> files() {
    return files;
  }

  /** The bytes of all the files this manifest lists (the data files: the manifest lists no manifest). */
  public long dataBytes() {
    return files.stream().mapToLong(ManifestFile::size).sum();
  }

  /** The entry of the file named {@code name}, if listed. */
  public Optional<ManifestFile> file(String name) {
    return files.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /** SHA-256 hex of the probe output tensor bytes, if the caller recorded one. */
  public Optional<String> probeDigest() {
    return Optional.ofNullable(digests.get(PROBE));
  }

  /** SHA-256 hex of the training data, as its caller defines it, if recorded: a resume compares it. */
  public Optional<String> dataDigest() {
    return Optional.ofNullable(digests.get(DATA));
  }

  /** SHA-256 hex of the weights training started from instead of a seeded initialisation, if any. */
  public Optional<String> initDigest() {
    return Optional.ofNullable(digests.get(INIT));
  }

  /** SHA-256 hex of the held-out rows the metrics' {@code val_} values were measured on, if recorded. */
  public Optional<String> heldOutDigest() {
    return Optional.ofNullable(digests.get(HELD_OUT));
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CheckpointManifest)) {
      return false;
    }
    CheckpointManifest m = (CheckpointManifest) o;
    return epoch == m.epoch && globalStep == m.globalStep && formatVersion.equals(m.formatVersion)
        && jobId.equals(m.jobId) && modelName.equals(m.modelName) && modelVersion.equals(m.modelVersion)
        && hyperParameters.equals(m.hyperParameters) && metrics.equals(m.metrics)
        && learningRateSchedule.equals(m.learningRateSchedule) && randomState.equals(m.randomState)
        && versions.equals(m.versions) && createdAt.equals(m.createdAt) && files.equals(m.files)
        && digests.equals(m.digests);
  }

  @Override
  public int hashCode() {
    return Objects.hash(formatVersion, jobId, epoch, globalStep, modelName, modelVersion, hyperParameters,
        metrics, learningRateSchedule, randomState, versions, createdAt, files, digests);
  }

  @Override
  public String toString() {
    return "CheckpointManifest{job=" + jobId + ", epoch=" + epoch + ", globalStep=" + globalStep
        + ", model=" + modelName + " " + modelVersion + ", format=" + formatVersion + ", metrics=" + metrics
        + ", files=" + files.size() + ", createdAt=" + createdAt + "}";
  }

  /** Builds a {@link CheckpointManifest}: {@code set*} values are required, {@code opt*} optional. */
  public static final class Builder {
    private String formatVersion = FORMAT_VERSION;
    private String jobId;
    private long epoch = -1;
    private long globalStep;
    private String modelName;
    private String modelVersion;
    private HyperParameters hyperParameters = HyperParameters.empty();
    private final Map<String, Double> metrics = new TreeMap<>();
    private HyperParameters learningRateSchedule = HyperParameters.empty();
    private HyperParameters randomState = HyperParameters.empty();
    private final Map<String, String> versions = new TreeMap<>();
    private Instant createdAt;
    private final Map<String, ManifestFile> files = new java.util.LinkedHashMap<>(); // by name, in order
    private final Map<String, String> digests = new TreeMap<>();

    private Builder() {}

    /** The job id (required, non-empty). */
    public Builder setJobId(String jobId) {
      checkNotNull(jobId, "jobId");
      checkArgument(!jobId.isBlank(), "jobId must not be blank");
      this.jobId = jobId;
      return this;
    }

    /** The epoch (required, >= 0). */
    public Builder setEpoch(long epoch) {
      checkArgument(epoch >= 0 && epoch <= 999_999, "epoch must be in [0, 999999], got %s", epoch);
      this.epoch = epoch;
      return this;
    }

    /** The model's registry name and version (required). */
    public Builder setModel(String name, String version) {
      checkArgument(name != null && !name.isBlank(), "model name must not be blank, got '%s'", name);
      checkArgument(version != null && !version.isBlank(), "model version must not be blank, got '%s'", version);
      this.modelName = name;
      this.modelVersion = version;
      return this;
    }

    /** The global step (default 0). */
    public Builder optGlobalStep(long globalStep) {
      checkArgument(globalStep >= 0, "globalStep must be >= 0, got %s", globalStep);
      this.globalStep = globalStep;
      return this;
    }

    /** Every hyperparameter of the job. */
    public Builder optHyperParameters(HyperParameters hp) {
      this.hyperParameters = checkNotNull(hp, "hyperParameters");
      return this;
    }

    /** Adds a metric; the value must be finite (JSON cannot hold NaN or infinity). */
    public Builder optMetric(String name, double value) {
      checkNotNull(name, "metric name");
      checkArgument(Double.isFinite(value), "metric '%s' = %s is not finite; a checkpoint records"
          + " finite metrics only", name, value);
      metrics.put(name, value);
      return this;
    }

    /** Adds every metric of {@code values}. */
    public Builder optMetrics(Map<String, Double> values) {
      values.forEach(this::optMetric);
      return this;
    }

    /** The learning-rate schedule state. */
    public Builder optLearningRateSchedule(HyperParameters state) {
      this.learningRateSchedule = checkNotNull(state, "learningRateSchedule");
      return this;
    }

    /** The random state (seed, epoch, round...). */
    public Builder optRandomState(HyperParameters state) {
      this.randomState = checkNotNull(state, "randomState");
      return this;
    }

    /** Adds a component version, e.g. {@code djl -> 0.36.0}. */
    public Builder optVersion(String component, String version) {
      checkNotNull(component, "component");
      checkNotNull(version, "version of '%s'", component);
      versions.put(component, version);
      return this;
    }

    /** Adds every entry of {@code componentVersions}. */
    public Builder optVersions(Map<String, String> componentVersions) {
      componentVersions.forEach(this::optVersion);
      return this;
    }

    /** The creation time (default: now); kept to millisecond precision. */
    public Builder optCreatedAt(Instant createdAt) {
      this.createdAt = checkNotNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
      return this;
    }

    /** Appends file entries; names must be unique. */
    public Builder optFiles(List<ManifestFile> entries) {
      entries.forEach(this::addFile);
      return this;
    }

    /** Appends one file entry. */
    public Builder addFile(ManifestFile file) {
      checkNotNull(file, "file");
      checkArgument(files.putIfAbsent(file.name(), file) == null, "manifest lists file '%s' twice", file.name());
      return this;
    }

    /** SHA-256 hex of the probe output tensor bytes. */
    public Builder optProbeDigest(String sha256Hex) {
      return digest(PROBE, sha256Hex);
    }

    /** SHA-256 hex of the training data (see {@link CheckpointManifest#dataDigest()}). */
    public Builder optDataDigest(String sha256Hex) {
      return digest(DATA, sha256Hex);
    }

    /** SHA-256 hex of the weights training started from (see {@link CheckpointManifest#initDigest()}). */
    public Builder optInitDigest(String sha256Hex) {
      return digest(INIT, sha256Hex);
    }

    /** SHA-256 hex of the held-out rows (see {@link CheckpointManifest#heldOutDigest()}). */
    public Builder optHeldOutDigest(String sha256Hex) {
      return digest(HELD_OUT, sha256Hex);
    }

    private Builder digest(String what, String sha256Hex) {
      checkArgument(ManifestFile.isSha256Hex(sha256Hex), "%s digest must be 64 hex digits (SHA-256), got '%s'",
          what, sha256Hex);
      digests.put(what, sha256Hex.toLowerCase(java.util.Locale.ROOT));
      return this;
    }

    Builder setFormatVersion(String version) {
      this.formatVersion = version;
      return this;
    }

    /** The manifest; an IllegalStateException names a missing required value. */
    public CheckpointManifest build() {
      com.google.common.base.Preconditions.checkState(jobId != null, "manifest needs setJobId(...)");
      com.google.common.base.Preconditions.checkState(epoch >= 0, "manifest needs setEpoch(...)");
      com.google.common.base.Preconditions.checkState(modelName != null, "manifest needs setModel(name, version)");
      if (createdAt == null) {
        createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      }
      return new CheckpointManifest(this);
    }
  }
}
