package io.epochal.driver.cli;

import io.epochal.driver.config.ModelCatalog;
import io.epochal.driver.spark.ApplicationExit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code epochal} command. {@link #main} exits with the code {@link #execute} returns; tests
 * call {@link #execute(PrintWriter, PrintWriter, String...)} in-process. Configuration and usage
 * errors print one line naming the key and the fix and return {@link ExitCodes#USAGE}, without a
 * stack trace ({@code --verbose} adds it).
 */
@Command(name = "epochal", mixinStandardHelpOptions = true, versionProvider = EpochalCli.Version.class,
    description = "Distributed training on Spark with a complete checkpoint after every epoch.",
    subcommands = {TrainCommand.class, ResumeCommand.class, StatusCommand.class, HistoryCommand.class,
        InspectCommand.class,
        GenDataCommand.class, VerifyCommand.class, ExportCommand.class, PredictCommand.class,
        EvaluateCommand.class, ChaosCommand.class,
        CommandLine.HelpCommand.class},
    footerHeading = "%nExit codes:%n",
    footer = {"  0   ok", "  1   training or verification failed; status or resume --all found a job",
        "      it cannot read",
        "  2   usage or configuration error (nothing started, trained or moved);",
        "      or executors that cannot train the job (DEVICE_UNAVAILABLE,",
        "      EXECUTORS_FAILING: the job is marked FAILED, its checkpoints kept)",
        "  3   the job's lease is held by another driver", "  4   bad input data (data.bad_rows=fail)",
        "  5   the store could not be read or written", "  70  internal error",
        "  52  Spark ended the JVM: a thread ran out of memory (the job is marked",
        "      FAILED, DRIVER_OUT_OF_MEMORY when the heap was seen running out)",
        "  130 Ctrl-C, 143 SIGTERM: the job is marked FAILED (INTERRUPTED; COMPLETED",
        "      when its final checkpoint is published), its checkpoints are kept,",
        "      and resume continues it"})
public final class EpochalCli implements Callable<Integer> {

  @Option(names = "--master", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "Spark master of the commands that run Spark (train, resume, predict, evaluate, gen-data, "
          + "and chaos for its child drivers; the others ignore it; default: spark.master if set, else local[*]; "
          + "for chaos local[2], or local-cluster[2,1,1024] with --executor-kills), e.g. local[2], "
          + "local-cluster[2,1,1024], spark://host:7077; yarn and k8s:// through a Spark distribution's "
          + "spark-submit.", parameterConsumer = KeyValues.Once.class)
  String master;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Log Spark at INFO and print stack traces (otherwise Spark logs at WARN).")
  boolean verbose;

  @Option(names = "--conf", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
      description = "A Spark conf entry; spark.epochal.<key> entries also set job keys, spark.hadoop.<key> entries "
          + "Hadoop configuration keys (also for commands that run without Spark). Repeatable; a key given "
          + "two values is refused.", parameterConsumer = KeyValues.Appender.class)
  List<String> conf = new ArrayList<>();

  @Spec
  CommandSpec spec;

  private final TrainingLauncher launcher;
  private final ModelCatalog catalog;

  /** The command with the launcher and catalog found by {@link ServiceLoader} (either may be absent). */
  public EpochalCli() {
    this(ServiceLoader.load(TrainingLauncher.class).findFirst().orElse(null),
        ServiceLoader.load(ModelCatalog.class).findFirst().orElse(null));
  }

  /** The command with the given launcher and catalog (either may be null if not available). */
  public EpochalCli(TrainingLauncher launcher, ModelCatalog catalog) {
    this.launcher = launcher;
    this.catalog = catalog;
  }

  /** Set once the command has returned its exit code: a shutdown after it is the normal exit. */
  private static final AtomicBoolean RETURNED = new AtomicBoolean();
  /** Set by whichever of the command and the last shutdown hook says first that a signal stopped it. */
  private static final AtomicBoolean STOP_SAID = new AtomicBoolean();
  /** Spark conf keys that set up the driver's JVM before it starts, and where to give them instead. */
  private static final java.util.Map<String, String> DRIVER_JVM_KEYS = java.util.Map.of(
      "spark.driver.extraJavaOptions", "with EPOCHAL_JAVA_OPTS before bin/epochal (it replaces the default "
          + "-XX:MaxRAMPercentage=40: give that or an -Xmx too), or spark-submit's --driver-java-options before the "
          + "application jar",
      "spark.driver.defaultJavaOptions", "with EPOCHAL_JAVA_OPTS before bin/epochal (it replaces the default "
          + "-XX:MaxRAMPercentage=40: give that or an -Xmx too), or spark-submit's --driver-java-options before the "
          + "application jar",
      "spark.driver.extraClassPath", "with EPOCHAL_CLASSPATH before bin/epochal, or spark-submit's "
          + "--driver-class-path before the application jar",
      "spark.driver.extraLibraryPath", "with EPOCHAL_JAVA_OPTS=\"-XX:MaxRAMPercentage=40 -Djava.library.path=...\" "
          + "before bin/epochal (it replaces the default JVM options), or spark-submit's --driver-library-path before "
          + "the application jar");

  /** Whether the command running is one that trains a job (train, resume of one job). */
  private static final AtomicBoolean TRAINS = new AtomicBoolean();

  /**
   * Runs the command and exits the JVM with its exit code; in YARN's ApplicationMaster (cluster deploy mode) it
   * returns, or throws for a code other than 0, as that runner reports it ({@link ApplicationExit}).
   */
  public static void main(String[] args) throws Exception {
    // first of the hooks Hadoop's manager runs (Spark's and the file systems' among them)
    ShutdownHookManager.get().addShutdownHook(SparkLogging::quietForShutdown, Integer.MAX_VALUE);
    // last of them: a signal that stops the JVM before the command can say so (while Spark starts, say)
    ShutdownHookManager.get().addShutdownHook(EpochalCli::sayStoppedUnlessSaid, 1);
    // after that: the launcher's per-run temporary directory, once Spark has deleted its own
    RunDirectory.deleteAtExit();
    int code;
    try {
      code = new EpochalCli().execute(args);
    } catch (RuntimeException | Error e) { // not a command's exception (finding the launcher; an Error): no signal's
      RETURNED.set(true);
      System.err.println("epochal: internal error: " + e);
      SupervisedExit.failureRepeatsOnRestart(); // a defect, or an engine that does not load: every start meets it
      SupervisedExit.tellParent(ExitCodes.INTERNAL, System.getenv(), System.err);
      ApplicationExit.end(SupervisedExit.exitCode(ExitCodes.INTERNAL, System.getProperties(), System.err));
      return;
    }
    RETURNED.set(true);
    SupervisedExit.tellParent(code, System.getenv(), System.err);
    ApplicationExit.end(SupervisedExit.exitCode(code, System.getProperties(), System.err));
  }

  /**
   * Whether the caller is the first to say that a signal stopped the command: it then prints
   * {@link #STOPPED}, and nothing else will. Called by the command's failure reports and by the last
   * shutdown hook, so the line is printed once.
   */
  public static boolean firstToSayStopped() {
    return STOP_SAID.compareAndSet(false, true);
  }

  /** In a shutdown that a signal began: says so on standard error, unless the command did. */
  private static void sayStoppedUnlessSaid() {
    if (!RETURNED.get() && firstToSayStopped()) {
      System.err.println("epochal: " + (TRAINS.get() ? STOPPED_BEFORE_TRAINING : STOPPED));
      System.err.flush();
    }
  }

  /** Runs the command on standard output and error; returns the exit code. */
  public int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command writing to {@code out} and {@code err}; returns the exit code. */
  public int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cmd = new CommandLine(this);
    cmd.setOut(out).setErr(err);
    // every subcommand lists -V, --version (mixinStandardHelpOptions): it prints the same version
    cmd.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Version()));
    cmd.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("epochal: " + usageMessage(ex));
      ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
          + " --help'.");
      return ExitCodes.USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, c, parsed) -> handle(ex, c.getErr()));
    cmd.setExecutionStrategy(parsed -> {
      SparkLogging.apply(verbose);
      CommandLine.ParseResult last = parsed.asCommandLineList().size() > 1 ? parsed.subcommand() : parsed;
      String name = last.commandSpec().name();
      TRAINS.set(name.equals("train") || name.equals("resume") && !last.hasMatchedOption("--all"));
      try {
        return new CommandLine.RunLast().execute(parsed);
      } catch (OutOfMemoryError e) {
        return CommandFailure.outOfMemory(e, last.commandSpec().commandLine().getErr(), verbose);
      }
    });
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Picocli's message, except for a KEY=VALUE option given something else, which it words badly. */
  static String usageMessage(CommandLine.ParameterException ex) {
    if (ex.getArgSpec() instanceof CommandLine.Model.OptionSpec option && "KEY=VALUE".equals(option.paramLabel())
        && ex.getValue() != null && !ex.getValue().contains("=")) {
      return "option '" + option.longestName() + "' takes KEY=VALUE, got '" + ex.getValue() + "'";
    }
    if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && ex.getCommandLine().getParent() == null
        && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
      String word = unmatched.getUnmatched().get(0);
      java.util.Set<String> commands = ex.getCommandLine().getSubcommands().keySet();
      String near = io.epochal.params.ParamSpecs.nearest(word, commands);
      return "unknown command '" + word + "'" + (near == null ? "" : "; did you mean '" + near + "'?")
          + " (commands: " + String.join(", ", commands) + ")";
    }
    if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
        && unmatched.getUnmatched().get(0).startsWith("--")) {
      String word = unmatched.getUnmatched().get(0).split("=", 2)[0];
      String near = nearestOption(ex.getCommandLine(), word);
      if (near != null) {
        return "unknown option '" + word + "'; did you mean '" + near + "'?";
      }
    }
    if (ex instanceof CommandLine.MissingParameterException) {
      // picocli checks required options before it reports what it did not know: an unknown option
      // given for a required one (--output for --out) is the mistake to name
      java.util.Optional<String> unknown = ex.getCommandLine().getUnmatchedArguments().stream()
          .filter(w -> w.startsWith("--")).map(w -> w.split("=", 2)[0]).findFirst();
      if (unknown.isPresent()) {
        String near = nearestOption(ex.getCommandLine(), unknown.get());
        return "unknown option '" + unknown.get() + "'" + (near == null ? "" : "; did you mean '" + near + "'?")
            + " (" + ex.getMessage() + ")";
      }
    }
    return ex.getMessage();
  }

  /**
   * The option of {@code commandLine} or its parents meant by {@code word}: the nearest by spelling,
   * else one that the word extends or abbreviates ({@code --output} for {@code --out}); or null.
   */
  private static String nearestOption(CommandLine commandLine, String word) {
    java.util.Set<String> options = new java.util.TreeSet<>();
    for (CommandLine c = commandLine; c != null; c = c.getParent()) {
      c.getCommandSpec().options().forEach(o -> options.add(o.longestName()));
    }
    String near = io.epochal.params.ParamSpecs.nearest(word, List.copyOf(options));
    return near != null ? near : options.stream().filter(o -> o.length() > 3 && word.length() > 3
        && (word.startsWith(o) || o.startsWith(word))).findFirst().orElse(null);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** The global options as given. */
  CliOptions options() {
    String m = master != null ? master : System.getProperty("spark.master", CliOptions.DEFAULT_MASTER);
    java.util.Map<String, String> sparkConf = new java.util.LinkedHashMap<>(KeyValues.parse("--conf", conf));
    // the master that runs, as the launcher reads it: every setup for a master (the driver's address, the
    // application jar, local-cluster's executors) follows it, not --master's or the default
    String confMaster = sparkConf.remove("spark.master");
    if (confMaster != null) {
      if (master != null && !master.equals(confMaster)) {
        throw new IllegalArgumentException("--master " + master + " and --conf spark.master=" + confMaster + " name "
            + "two masters: give one, with --master");
      }
      m = confMaster;
    }
    sparkConf.keySet().forEach(k -> refuseMisspelledJobPrefix(k, "--conf "));
    sparkConf.keySet().forEach(EpochalCli::refuseNonSparkKey);
    // what spark-submit passes (its --conf, spark-defaults.conf) arrives as system properties, read as the job's
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark.")).sorted()
        .forEach(k -> refuseMisspelledJobPrefix(k, "Spark conf entry (spark-submit --conf, spark-defaults.conf) "));
    if (sparkConf.containsKey("spark.driver.memory")) {
      throw new IllegalArgumentException("--conf spark.driver.memory=" + sparkConf.get("spark.driver.memory")
          + " would change nothing: this JVM is the driver and already runs with its heap; give the heap with "
          + "EPOCHAL_JAVA_OPTS=-Xmx" + sparkConf.get("spark.driver.memory") + " before bin/epochal, or spark-submit's "
          + "--driver-memory before the application jar");
    }
    for (String key : DRIVER_JVM_KEYS.keySet()) {
      if (sparkConf.containsKey(key)) {
        throw new IllegalArgumentException("--conf " + key + "=" + sparkConf.get(key) + " would change nothing: this "
            + "JVM is the driver and was started without it; give it " + DRIVER_JVM_KEYS.get(key));
      }
    }
    return CliOptions.builder().optMaster(m).optVerbose(verbose).optSparkConf(sparkConf).build();
  }

  /**
   * Refuses a Spark conf key whose second part is a misspelling of {@code epochal}: Spark ignores
   * keys it does not know, so {@code spark.epochl.optimizer.lr} would change nothing without a word.
   */
  private static void refuseMisspelledJobPrefix(String key, String given) {
    String stripped = key.substring(key.startsWith("spark.") ? "spark.".length() : 0);
    if (isJobKey(stripped) && key.startsWith("spark.")) { // spark.optimizer.lr: no Spark key, ignored
      throw new IllegalArgumentException(given + key + ": did you mean spark.epochal." + stripped + "? (a job key "
          + "is given as spark.epochal.<key>, or as --set " + stripped + "=<value>; Spark ignores keys it does not "
          + "know, so this one would change nothing)");
    }
    String job = key.startsWith("epochal.") ? key.substring("epochal.".length()) : key;
    String meant = key.startsWith("spark.") || isJobKey(job) ? job : io.epochal.params.ParamSpecs.nearest(job,
        io.epochal.driver.config.JobKeys.specs().all().stream().map(io.epochal.params.ParamSpec::name).toList());
    if (!key.startsWith("spark.") && meant != null) { // the job reads spark.epochal.* only: it would not see it
      throw new IllegalArgumentException(given + key + " would not reach the job, which reads its keys from "
          + "--set or --conf spark.epochal.<key>: give --set " + meant + "=<value>, or --conf spark.epochal." + meant);
    }
    String[] parts = key.split("\\.", 3);
    if (parts.length == 3 && parts[0].equals("spark") && !parts[1].equals("epochal")
        && io.epochal.params.ParamSpecs.nearest(parts[1], List.of("epochal")) != null) {
      throw new IllegalArgumentException(given + key + ": did you mean spark.epochal." + parts[2] + "? (a job "
          + "key is given as spark.epochal.<key>; Spark ignores keys it does not know, so this one would change "
          + "nothing)");
    }
  }

  /**
   * Refuses a {@code --conf} key that is no Spark conf key ({@code spark.*}): Spark's session would
   * hand {@code --conf fs.s3a.endpoint=...} to its data reads only, not to the checkpoint store nor to
   * the commands that run without Spark (spark-submit drops such keys altogether); a Hadoop key
   * reaches them all as {@code spark.hadoop.<key>}.
   */
  private static void refuseNonSparkKey(String key) {
    if (!key.startsWith("spark.")) {
      throw new IllegalArgumentException("--conf " + key + " is no Spark conf key (those start with 'spark.'): Spark "
          + "would hand it to its data reads only, not to the checkpoint store nor to the commands that run without "
          + "Spark; give a Hadoop configuration key as --conf spark.hadoop." + key + "=<value>");
    }
  }

  private static boolean isJobKey(String key) {
    return io.epochal.driver.config.JobKeys.specs().get(key) != null || io.epochal.driver.config.JobKeys.isPrefixed(key)
        || io.epochal.driver.config.JobKeys.isPlacement(key);
  }

  /** The launcher, or null when none is installed. */
  TrainingLauncher launcher() {
    return launcher;
  }

  /** The model catalog, or null when none is installed. */
  ModelCatalog catalog() {
    return catalog;
  }

  /**
   * What a command says when it failed because a signal stopped Spark or a file system under it:
   * its own failure is only a consequence.
   */
  public static final String STOPPED = "stopped: the JVM is shutting down (SIGINT, SIGTERM or an exit); a training "
      + "job that had started says above how it ended, and keeps every checkpoint it committed; any other command "
      + "stopped before it finished: run it again";

  /**
   * {@link #STOPPED} for a command that trains a job: a run whose training had begun says how its
   * job ended itself, so when nothing did, the stop came before.
   */
  static final String STOPPED_BEFORE_TRAINING = "stopped: the JVM is shutting down (SIGINT, SIGTERM or an exit) before "
      + "training began; run the command again";

  /** Maps an exception from a command to a message and an exit code ({@link CommandFailure}). */
  int handle(Exception ex, PrintWriter err) {
    return CommandFailure.report(ex, err, verbose, TRAINS.get());
  }

  /** Reports the version of the application jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"epochal " + io.epochal.driver.config.EpochalVersion.get()};
    }
  }
}
