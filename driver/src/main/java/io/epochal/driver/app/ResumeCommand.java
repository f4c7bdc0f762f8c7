package io.epochal.driver.app;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.ShellWords;
import java.util.List;
import org.apache.hadoop.fs.Path;

/** The command a user runs to continue a job, as its driver was launched. */
final class ResumeCommand {

  private ResumeCommand() {}

  /** The exact command that resumes {@code spec}'s job with the same master and Spark conf. */
  static String of(JobSpec spec, CliOptions options) {
    return of(new Path(spec.jobDir()), options);
  }

  /**
   * The exact command that resumes the job in {@code jobDir} with the same master and Spark conf:
   * {@code bin/epochal ...}, or, in a driver that {@code spark-submit} started (it sets {@code
   * spark.submit.deployMode}), the same submission with {@code resume <dir>} as the application's
   * arguments, since its user has the application jar and no {@code bin/epochal}.
   */
  static String of(Path jobDir, CliOptions options) {
    if (System.getProperty("spark.submit.deployMode") != null) {
      return submitted(jobDir, options, jvmArguments());
    }
    StringBuilder b = new StringBuilder("bin/epochal");
    if (!CliOptions.DEFAULT_MASTER.equals(options.master())) {
      b.append(" --master ").append(ShellWords.quote(options.master()));
    }
    // printed in messages and logs: a secret's value is left out, as Spark's logs leave it out
    options.sparkConf().forEach((k, v) -> b.append(" --conf ").append(ShellWords.quote(redacted(k + "=" + v))));
    return b.append(" resume ").append(ShellWords.location(jobDir)).toString();
  }

  /**
   * As {@link #of(JobSpec, CliOptions)}, without the job keys given as Spark conf ({@code spark.epochal.<key>},
   * placement keys kept), in {@code options} and in a submission's arguments: the command that continues a job as
   * it is stored, which a resume would refuse with a changed one.
   */
  static String withoutJobKeys(JobSpec spec, CliOptions options) {
    java.util.function.Predicate<String> jobKey = entry -> {
      String key = entry.split("=", 2)[0].strip();
      return key.startsWith(io.epochal.driver.config.JobKeys.SPARK_CONF_PREFIX) && !io.epochal.driver.config.JobKeys
          .isPlacement(key.substring(io.epochal.driver.config.JobKeys.SPARK_CONF_PREFIX.length()));
    };
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();
    options.sparkConf().forEach((k, v) -> {
      if (!jobKey.test(k)) {
        conf.put(k, v);
      }
    });
    CliOptions kept = CliOptions.builder().optMaster(options.master()).optVerbose(options.verbose())
        .optSparkConf(conf).build();
    Path dir = new Path(spec.jobDir());
    return System.getProperty("spark.submit.deployMode") != null
        ? submitted(dir, kept, withoutConf(jvmArguments(), jobKey)) : of(dir, kept);
  }

  /** {@code args} without the {@code --conf}/{@code -c} entries {@code dropped} matches. */
  static List<String> withoutConf(List<String> args, java.util.function.Predicate<String> dropped) {
    List<String> kept = new java.util.ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if ((arg.equals("--conf") || arg.equals("-c")) && i + 1 < args.size() && dropped.test(args.get(i + 1))) {
        i++;
      } else if (!((arg.startsWith("--conf=") || arg.startsWith("-c=")) && dropped.test(arg.substring(
          arg.indexOf('=') + 1)))) {
        kept.add(arg);
      }
    }
    return kept;
  }

  /**
   * The submission that started this driver, {@code jvm} its JVM's arguments, with {@code resume
   * <dir>} as the application's arguments. A driver in client mode runs in the JVM {@code
   * spark-submit} started, whose arguments after {@code SparkSubmit} are the submission's own:
   * they are given as they were (a Spark conf entry whose key names a secret, a password, a token
   * or an access key with its value left out, as Spark's logs redact it). A driver in cluster mode
   * runs elsewhere and knows its submission only by its conf: its options are left to its user.
   */
  static String submitted(Path jobDir, CliOptions options, List<String> jvm) {
    StringBuilder b = new StringBuilder("spark-submit");
    int at = jvm.indexOf(SPARK_SUBMIT);
    String jar = null;
    for (int i = at < 0 ? jvm.size() : at + 1; i < jvm.size(); i++) {
      String arg = jvm.get(i);
      if (!arg.startsWith("-")) {
        jar = arg; // the application jar: what follows is the application's arguments, replaced below
        break;
      }
      if (arg.startsWith("--conf=") || arg.startsWith("-c=")) { // one word: the entry after the option's '='
        int eq = arg.indexOf('=');
        b.append(' ').append(ShellWords.quote(arg.substring(0, eq + 1) + redacted(arg.substring(eq + 1))));
      } else if (SUBMIT_FLAGS.contains(arg) || arg.contains("=")) {
        b.append(' ').append(ShellWords.quote(redacted(arg)));
      } else if (i + 1 < jvm.size()) {
        String value = jvm.get(++i);
        b.append(' ').append(arg).append(' ').append(ShellWords.quote(arg.equals("--conf") || arg.equals("-c")
            ? redacted(value) : value));
      }
    }
    if (jar == null) {
      b.append(" <the submission's options> --class ").append(io.epochal.driver.cli.EpochalCli.class.getName())
          .append(' ').append(applicationJar());
    } else {
      b.append(' ').append(ShellWords.quote(jar));
    }
    options.sparkConf().forEach((k, v) -> b.append(" --conf ").append(ShellWords.quote(redacted(k + "=" + v))));
    return b.append(" resume ").append(ShellWords.location(jobDir)).toString();
  }

  private static final String SPARK_SUBMIT = "org.apache.spark.deploy.SparkSubmit";
  /** spark-submit's options that take no value. */
  private static final java.util.Set<String> SUBMIT_FLAGS = java.util.Set.of("--verbose", "-v", "--supervise",
      "--help", "-h", "--version");
  /** Spark's default {@code spark.redaction.regex}. */
  private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
      "(?i)secret|password|token|access[.]?key");

  /** A {@code key=value} entry (or any argument) with the value left out when the key names a secret. */
  static String redacted(String entry) {
    int eq = entry.indexOf('=');
    return eq > 0 && SECRET.matcher(entry.substring(0, eq)).find() ? entry.substring(0, eq + 1) + "<redacted>"
        : entry;
  }

  /** This JVM's arguments, from {@code /proc} where there is one (whole, however long the class path). */
  private static List<String> jvmArguments() {
    try {
      byte[] raw = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/cmdline"));
      return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    } catch (java.io.IOException | RuntimeException e) {
      return ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
    }
  }

  /**
   * The application jar's file name as its user knows it: the jar this class was loaded from, or
   * {@code epochal-app.jar} where that is not a jar or is a cluster manager's copy ({@code __app__.jar}).
   */
  static String applicationJar() {
    try {
      java.security.CodeSource source = ResumeCommand.class.getProtectionDomain().getCodeSource();
      String name = source == null ? "" : java.nio.file.Path.of(source.getLocation().toURI()).getFileName().toString();
      return name.endsWith(".jar") && !name.startsWith("__") ? name : "epochal-app.jar";
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "epochal-app.jar";
    }
  }
}
