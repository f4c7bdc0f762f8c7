package io.epochal.driver.cli;

import io.epochal.driver.config.ConfigException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A subcommand that takes one location (a job directory or a checkpoint, any Hadoop URI or a local
 * path) and hands it, qualified, to the {@link TrainingLauncher}.
 */
abstract class LauncherCommand implements Callable<Integer> {

  @ParentCommand
  EpochalCli cli;

  @Spec
  CommandSpec spec;

  /** The location given; each command declares its parameter with what it takes ({@link #location(String)}). */
  String location;

  /** Sets the location; a command declares it as its {@code URI} parameter, saying what it takes. */
  void location(String uri) {
    this.location = uri;
  }

  /** How a command's {@code URI} parameter ends its description. */
  static final String URI_FORMS = ": a Hadoop URI or a local path.";

  /** The {@code URI} of a command that reads a checkpoint (inspect, export, predict). */
  static final String JOB_OR_CHECKPOINT = "A job directory (its newest checkpoint) or one checkpoint directory, "
      + "epoch-NNNNNN" + URI_FORMS;

  @Override
  public final Integer call() throws Exception {
    URI uri;
    try {
      uri = qualify(location, cli.options());
    } catch (ConfigException e) {
      unusableLocation(e);
      throw e;
    }
    if (!readsJobKeys()) {
      List<String> ignored = cli.options().sparkConf().keySet().stream()
          .filter(k -> k.startsWith(io.epochal.driver.config.JobKeys.SPARK_CONF_PREFIX)).sorted().toList();
      if (!ignored.isEmpty()) {
        spec.commandLine().getErr().println("epochal: warning: " + spec.name() + " reads no job keys; ignoring --conf "
            + String.join(", ", ignored) + " (job keys go to train, or to resume as amendments)");
      }
    }
    if (cli.launcher() == null) {
      spec.commandLine().getErr().println("epochal: " + spec.name() + " is not available: no training launcher "
          + "is installed in this build (META-INF/services/io.epochal.driver.cli.TrainingLauncher)");
      return ExitCodes.INTERNAL;
    }
    return run(cli.launcher(), uri, cli.options());
  }

  /** Whether the command reads job keys given as {@code --conf spark.epochal.<key>} (resume does). */
  boolean readsJobKeys() {
    return false;
  }

  /** Called before the failure of a location that cannot be used is reported; does nothing here. */
  void unusableLocation(ConfigException e) {}

  /**
   * Prints a {@code --json} command's document for a location it cannot use: {@code target}, {@code ok: false} when
   * its documents carry {@code ok}, the {@code error} and the empty arrays {@code lists}.
   */
  void printUnusable(ConfigException e, boolean withOk, String... lists) {
    com.fasterxml.jackson.databind.node.ObjectNode root = new com.fasterxml.jackson.databind.ObjectMapper()
        .createObjectNode();
    root.put("target", location);
    if (withOk) {
      root.put("ok", false);
    }
    root.put("error", e.getMessage());
    for (String list : lists) {
      root.putArray(list);
    }
    spec.commandLine().getOut().println(root);
  }

  /** Puts {@code key} = {@code value} into {@code keys} when the option was given ({@code value} not null). */
  static void put(java.util.Map<String, String> keys, String key, String value) {
    if (value != null) {
      keys.put(key, value);
    }
  }

  /** Runs the subcommand on the qualified {@code uri}. */
  abstract int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception;

  /**
   * {@code text} as an absolute URI on its (or the default) Hadoop file system, resolved with the
   * Hadoop configuration the command was given ({@code --conf spark.hadoop.*}: an HA nameservice,
   * another default file system).
   */
  static URI qualify(String text, CliOptions options) {
    return qualify(text, options, "URI");
  }

  /** As {@link #qualify(String, CliOptions)} for the value of option {@code option} ({@code --input}), which a refusal names. */
  static URI qualify(String text, CliOptions options, String option) {
    if (text.equals("~") || text.startsWith("~/")) { // quoted, or after '=': no shell expanded it
      throw new ConfigException(option, (option.startsWith("--") ? option + " " : "") + "'" + text + "': '~' is not "
          + "expanded here (quoted, or after '='); give " + System.getProperty("user.home") + text.substring(1));
    }
    try {
      Path p = new Path(text);
      URI given = p.toUri();
      if (given.getRawAuthority() != null && given.getHost() == null && given.getRawAuthority().matches(".*:\\d+\\D.*")) {
        // hdfs://nn:8020jobs/x: Java's URI finds no host in "nn:8020jobs", and Hadoop then says "no host"
        throw new IllegalArgumentException("its authority '" + given.getRawAuthority() + "' is no host:port (a '/' "
            + "missing after the port?)");
      }
      Configuration conf = options.hadoopConfiguration();
      return p.getFileSystem(conf).makeQualified(p).toUri();
    } catch (java.io.IOException | RuntimeException e) {
      throw new ConfigException(option, (option.startsWith("--") ? option + " " : "") + "'" + text + "' is not a "
          + "usable location: " + e.getMessage() + "; give a local path or a URI such as hdfs://host:8020/"
          + (option.equals("URI") ? "jobs/x" : "path/x"));
    }
  }
}
