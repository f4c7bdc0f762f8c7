package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Resolves a {@link JobSpec} from its sources, merged in this order (a later source wins): the
 * job file (Java properties), Spark conf entries {@code spark.epochal.<key>}, and command-line
 * overrides ({@code --set key=value}). Everything is validated before anything starts or is
 * written: unknown keys (with the nearest valid key), types, ranges, the model, optimizer and
 * schedule against the {@link ModelCatalog}, and that {@code data.path} exists. {@code job.dir}
 * and {@code data.path} are qualified into absolute URIs ({@code /data/x} becomes
 * {@code file:///data/x} on the local default file system).
 *
 * <p>Build with {@link #builder()}; every setting is optional. Without a catalog the model's,
 * optimizer's and schedule's keys are kept as text, unchecked (for early checks of the rest).
 */
public final class JobSpecResolver {

  private final ModelCatalog catalog;
  private final Path jobFile;
  private final Map<String, String> sparkConf;
  private final Map<String, String> overrides;
  /** The option that gave an override, where it is not {@code --set} (a shorthand such as {@code --epochs}). */
  private final Map<String, String> overrideOptions;
  private final Configuration hadoopConf;
  private final boolean checkDataPath;

  private JobSpecResolver(Builder b) {
    this.catalog = b.catalog;
    this.jobFile = b.jobFile;
    this.sparkConf = Map.copyOf(b.sparkConf);
    this.overrides = Map.copyOf(b.overrides);
    this.overrideOptions = Map.copyOf(b.overrideOptions);
    this.hadoopConf = b.hadoopConf == null ? new Configuration() : b.hadoopConf;
    this.checkDataPath = b.checkDataPath;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Merges, validates and qualifies the sources.
   *
   * @throws ConfigException naming the first key in error and its fix
   */
  public JobSpec resolve() {
    Map<String, SpecValidator.Sourced> raw = new LinkedHashMap<>();
    List<ConfigException> twice = new ArrayList<>();
    if (jobFile != null) {
      JobFileReader.read(jobFile, twice).forEach((k, v) -> raw.put(k, SpecValidator.Sourced.text(v, jobFile.toString())));
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(sparkConf).entrySet()) {
      if (e.getKey().startsWith(JobKeys.SPARK_CONF_PREFIX)) {
        String key = e.getKey().substring(JobKeys.SPARK_CONF_PREFIX.length());
        raw.put(key, SpecValidator.Sourced.text(e.getValue().trim(), "Spark conf " + e.getKey()));
      }
    }
    new java.util.TreeMap<>(overrides).forEach((k, v) ->
        raw.put(k.trim(), SpecValidator.Sourced.text(v.trim(), overrideOptions.getOrDefault(k, "--set " + k.trim()))));
    HyperParameters values;
    try {
      values = new SpecValidator(catalog).validate(raw);
    } catch (ConfigException e) {
      List<ConfigException> all = new ArrayList<>(twice);
      // a value with a trailing comment, or that swallowed the next line, is said once, as such, not
      // again as a value of the wrong kind; nor is the swallowed key said to be missing
      java.util.Set<String> said = new java.util.HashSet<>();
      java.util.Set<String> swallowed = new java.util.HashSet<>();
      for (ConfigException c : twice) {
        java.util.Optional<String> lost = JobFileReader.swallowedKey(c);
        if (JobFileReader.isTrailingComment(c) || lost.isPresent()) {
          said.add(c.key());
        }
        lost.ifPresent(swallowed::add);
      }
      e.problems().stream().filter(p -> said.stream().noneMatch(k -> p.startsWith(k + " = '"))
          && swallowed.stream().noneMatch(k -> p.startsWith("missing required key '" + k + "'")))
          .forEach(p -> all.add(new ConfigException(e.key(), p)));
      java.util.Optional<ConfigException> noData = checkDataPath ? missingData(raw) : java.util.Optional.empty();
      noData.ifPresent(all::add); // said with the others, not only once they are fixed
      throw twice.isEmpty() && noData.isEmpty() ? e : ConfigException.of(all);
    }
    if (!twice.isEmpty()) {
      throw ConfigException.of(twice);
    }
    HyperParameters.Builder qualifying = HyperParameters.builder().putAll(values)
        .put(JobKeys.JOB_DIR, qualify(JobKeys.JOB_DIR, values.getString(JobKeys.JOB_DIR)))
        .put(JobKeys.DATA_PATH, qualify(JobKeys.DATA_PATH, values.getString(JobKeys.DATA_PATH)));
    String heldOut = values.contains(JobKeys.DATA_VALIDATION_PATH) ? values.getString(JobKeys.DATA_VALIDATION_PATH) : "";
    if (!heldOut.isBlank()) {
      // a relative path means the same rows to every later resume, whatever its working directory
      qualifying.put(JobKeys.DATA_VALIDATION_PATH, qualify(JobKeys.DATA_VALIDATION_PATH, heldOut.trim()));
    }
    String init = values.contains(FineTuning.WEIGHTS) ? values.getString(FineTuning.WEIGHTS) : "";
    if (!init.isBlank()) { // read again by a retry before the first checkpoint, maybe from another directory
      qualifying.put(FineTuning.WEIGHTS, qualify(FineTuning.WEIGHTS, init.trim()));
    }
    HyperParameters qualified = qualifying.build();
    JobSpec spec = JobSpec.of(qualified, raw.containsKey(JobKeys.DATA_ROW_ORDER));
    spec.jobDir();
    if (checkDataPath) {
      refuseRelocated(spec);
    }
    if (checkDataPath && !dataMovedByAResume(spec)) {
      boolean stored = holdsAJob(spec);
      try {
        DataPathCheck.check(spec, hadoopConf, !stored);
      } catch (ConfigException e) {
        if (!stored || !JobKeys.DATA_PATH.equals(e.key()) || !e.getMessage().contains("' does not exist")) {
          throw e;
        }
        // the job's checkpoints were trained on that data: no other data continues it
        throw new ConfigException(e.key(), e.getMessage() + " (job " + spec.jobDirText() + " exists and trained on it: "
            + "if its data moved, continue it with bin/epochal resume " + ShellWords.quote(spec.jobDirText())
            + " --data <its new location>)", e);
      }
    }
    return spec;
  }

  /**
   * Refuses a spec whose job directory holds no job but the {@link RelocationNote} of one a resume
   * moved away: its command, run again, would start a new job there (said before any data check,
   * since the data may have moved with the job).
   */
  private void refuseRelocated(JobSpec spec) {
    java.util.Optional<RelocationNote> moved;
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
    try {
      org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(hadoopConf);
      moved = fs.exists(io.epochal.job.JobPaths.jobSpec(dir)) ? java.util.Optional.empty()
          : RelocationNote.read(fs, dir);
    } catch (IOException | RuntimeException unreadable) {
      return; // the run reports an unreachable job.dir
    }
    if (moved.isPresent()) {
      throw new ConfigException(JobKeys.JOB_DIR, "job.dir " + ShellWords.location(dir) + " holds no job: "
          + moved.get().refusal(dir));
    }
  }

  /** Whether {@code spec}'s job directory holds a job ({@code job.json}); false when that cannot be read. */
  private boolean holdsAJob(JobSpec spec) {
    try {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
      return dir.getFileSystem(hadoopConf).exists(io.epochal.job.JobPaths.jobSpec(dir));
    } catch (IOException | RuntimeException unreadable) {
      return false; // the data check says what is wrong
    }
  }

  /**
   * Whether {@code spec}'s data path is gone and its job directory's {@code job.json} names other
   * data: a resume's {@code --data} moved the job there, and the command that started the job, run
   * again, continues with that data (the launcher checks it, or refuses the difference).
   */
  private boolean dataMovedByAResume(JobSpec spec) {
    try {
      org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path(spec.dataPath());
      if (data.getFileSystem(hadoopConf).exists(data)) {
        return false;
      }
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(spec.jobDir());
      Object stored = new io.epochal.job.JobSpecStore(dir.getFileSystem(hadoopConf), dir).read()
          .map(j -> j.getHyperParameters().asMap().get(JobKeys.DATA_PATH)).orElse(null);
      return stored != null && !new org.apache.hadoop.fs.Path(stored.toString()).equals(data);
    } catch (IOException | RuntimeException unreadable) {
      return false; // the data check says what is wrong
    }
  }

  /**
   * A data path that does not exist, for a spec with other mistakes: said with them. Nothing when
   * the path exists, cannot be read or qualified (the full check says why once the spec is right),
   * or the job directory holds a job (a resume may have moved its data).
   */
  private java.util.Optional<ConfigException> missingData(Map<String, SpecValidator.Sourced> raw) {
    SpecValidator.Sourced given = raw.get(JobKeys.DATA_PATH);
    SpecValidator.Sourced job = raw.get(JobKeys.JOB_DIR);
    if (given == null || !(given.value instanceof String text) || text.isBlank() || text.matches(".*[*?\\[{].*")) {
      return java.util.Optional.empty();
    }
    try {
      org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path(qualify(JobKeys.DATA_PATH, text));
      if (data.getFileSystem(hadoopConf).exists(data)) {
        return java.util.Optional.empty();
      }
      if (job != null && job.value instanceof String dir && !dir.isBlank()) {
        org.apache.hadoop.fs.Path jobDir = new org.apache.hadoop.fs.Path(qualify(JobKeys.JOB_DIR, dir));
        if (jobDir.getFileSystem(hadoopConf).exists(io.epochal.job.JobPaths.jobSpec(jobDir))) {
          return java.util.Optional.empty();
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ConfigException(JobKeys.DATA_PATH, "data.path = '" + text + "' does not exist"
        + " (set in " + given.source + "); point data.path at existing data (or generate some with 'epochal "
        + "gen-data')"));
  }

  private String qualify(String key, String text) {
    return qualify(key, text, hadoopConf);
  }

  /**
   * {@code text} as a fully qualified Hadoop URI (a relative or scheme-less path on the default file
   * system of {@code hadoopConf}).
   *
   * @throws ConfigException naming {@code key} if it is not a usable Hadoop URI
   */
  public static String qualify(String key, String text, Configuration hadoopConf) {
    String writeItAs = "write it as file:///abs/path or hdfs://host:port/path";
    if (text.equals("~") || text.startsWith("~/")) { // no shell expands it here: it would be a directory named ~
      throw new ConfigException(key, key + " = '" + text + "': '~' is not expanded in a job file or --set (it would "
          + "be a directory named ~ under the working directory); give the home directory's path, as "
          + System.getProperty("user.home") + text.substring(1));
    }
    if (text.length() >= 2 && (text.charAt(0) == '"' || text.charAt(0) == '\'')
        && text.charAt(text.length() - 1) == text.charAt(0)) { // a shell's quoting, which a job file keeps
      throw new ConfigException(key, key + " = " + text + " is wrapped in quotes, which a job file keeps as part of "
          + "the value (it would be a directory named " + text.charAt(0) + "... under the working directory): "
          + "remove them, as in " + key + "=" + text.substring(1, text.length() - 1));
    }
    org.apache.hadoop.fs.Path path;
    try {
      path = new org.apache.hadoop.fs.Path(text);
    } catch (RuntimeException e) {
      throw new ConfigException(key, key + " = '" + text + "' is not a usable Hadoop URI: " + e.getMessage() + "; "
          + writeItAs, e);
    }
    try {
      return locationText(path.getFileSystem(hadoopConf).makeQualified(path));
    } catch (IOException | RuntimeException e) {
      String scheme = path.toUri().getScheme();
      String what = String.valueOf(e); // Hadoop's refusal of a scheme, or its connector class not found
      boolean noConnector = scheme != null && (what.contains("No FileSystem for scheme")
          || what.contains("ClassNotFoundException"));
      throw new ConfigException(key, key + " = '" + text + "' is not a usable Hadoop URI: " + e.getMessage() + "; "
          + (noConnector ? "no file system for " + scheme + ":// is on the classpath: add its connector's jars "
          + "(hadoop-aws and the AWS SDK for s3a://, gcs-connector for gs://) with EPOCHAL_CLASSPATH=<jars> before "
          + "bin/epochal, or --jars / --packages with spark-submit, or " + writeItAs : writeItAs), e);
    }
  }


  /**
   * A qualified location as job files and {@code job.json} hold it: {@code scheme://authority/path}
   * with the path as written (a space stays a space; Hadoop's {@code Path(String)} reads it back),
   * and {@code file:///path} for the local file system however the path was given (relative or
   * absolute), so one place has one text. Text that is not a Hadoop path is returned as it is.
   */
  public static String locationText(String location) {
    if (location == null) {
      return null;
    }
    try {
      return locationText(new org.apache.hadoop.fs.Path(location));
    } catch (RuntimeException notAPath) {
      return location;
    }
  }

  /**
   * {@link #locationText(String)} of a Hadoop path, qualified or not: the form every message of
   * Epochal shows a location in.
   */
  public static String locationText(org.apache.hadoop.fs.Path qualified) {
    URI u = qualified.toUri();
    StringBuilder b = new StringBuilder();
    if (u.getScheme() != null) {
      b.append(u.getScheme()).append(':');
      if (u.getAuthority() != null || "file".equals(u.getScheme())) {
        b.append("//").append(u.getAuthority() == null ? "" : u.getAuthority());
      }
    }
    return b.append(u.getPath()).toString();
  }

  /** Builds a {@link JobSpecResolver}. */
  public static final class Builder {
    private ModelCatalog catalog;
    private Path jobFile;
    private final Map<String, String> sparkConf = new LinkedHashMap<>();
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final Map<String, String> overrideOptions = new LinkedHashMap<>();
    private Configuration hadoopConf;
    private boolean checkDataPath = true;

    private Builder() {}

    /** The catalog that validates model, optimizer and schedule (without one they are not checked). */
    public Builder optCatalog(ModelCatalog catalog) {
      this.catalog = checkNotNull(catalog, "catalog");
      return this;
    }

    /** The job file (Java properties), the lowest-precedence source. */
    public Builder optJobFile(Path jobFile) {
      this.jobFile = checkNotNull(jobFile, "jobFile");
      return this;
    }

    /** Spark conf entries; only {@code spark.epochal.<key>} entries are used. */
    public Builder optSparkConf(Map<String, String> conf) {
      sparkConf.putAll(checkNotNull(conf, "conf"));
      return this;
    }

    /** One command-line override, the highest-precedence source. */
    public Builder optOverride(String key, String value) {
      checkArgument(key != null && !key.isBlank(), "override key must not be empty (value %s)", value);
      overrides.put(key, checkNotNull(value, "value of override %s", key));
      return this;
    }

    /**
     * One command-line override given by {@code option} (a shorthand such as {@code --epochs}), which
     * messages about its value name instead of {@code --set key}.
     */
    public Builder optOverride(String key, String value, String option) {
      optOverride(key, value);
      overrideOptions.put(key, checkNotNull(option, "option of override %s", key));
      return this;
    }

    /** Command-line overrides. */
    public Builder optOverrides(Map<String, String> values) {
      values.forEach(this::optOverride);
      return this;
    }

    /** The Hadoop configuration used to qualify and check paths (default: a new one). */
    public Builder optHadoopConf(Configuration conf) {
      this.hadoopConf = checkNotNull(conf, "conf");
      return this;
    }

    /** Whether to check that {@code data.path} exists (default true). */
    public Builder optCheckDataPath(boolean check) {
      this.checkDataPath = check;
      return this;
    }

    /** The resolver. */
    public JobSpecResolver build() {
      return new JobSpecResolver(this);
    }
  }
}
