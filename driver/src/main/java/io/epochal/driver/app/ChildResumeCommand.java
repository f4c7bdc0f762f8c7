package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.config.ShellWords;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * The command line of one child resume of {@code resume --all}: this same launcher ({@code java
 * -cp <this classpath> io.epochal.driver.cli.EpochalCli [--master M] [--conf k=v ...] resume
 * <job-dir> [--relocate]}) with the JVM options a driver needs, or a submit template run by {@code
 * /bin/sh -c} with {@link ClusterResume#JOB_DIR_PLACEHOLDER} replaced by the shell-quoted job
 * directory.
 */
final class ChildResumeCommand {

  private final int parallel;
  private final String submitTemplate;
  private final CliOptions options;
  /** The argument file of the Spark conf spark-submit gave this driver, once written. */
  private String argumentFile;

  /** Commands for at most {@code parallel} children at once, through {@code submitTemplate} (null: this launcher). */
  ChildResumeCommand(int parallel, String submitTemplate, CliOptions options) {
    this.parallel = parallel;
    this.submitTemplate = submitTemplate;
    this.options = options;
  }

  /**
   * The command that resumes {@code jobDir}, with {@code --relocate} if {@code relocate} (never
   * with a submit template, which runs one command for every job).
   */
  List<String> command(String jobDir, boolean relocate) {
    checkArgument(!relocate || submitTemplate == null, "--relocate does not go with --submit-template '%s'",
        submitTemplate);
    if (submitTemplate != null) {
      return List.of("/bin/sh", "-c", submitTemplate.replace(ClusterResume.JOB_DIR_PLACEHOLDER,
          ShellWords.location(new Path(jobDir))));
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments();
    boolean fixedHeap = own.stream().anyMatch(a -> a.startsWith("-Xmx"));
    for (String arg : own) {
      if (arg.startsWith("-XX:MaxRAMPercentage=") && !fixedHeap) {
        cmd.add(sharedRamPercentage(arg, parallel));
      } else if (passedOn(arg)) {
        cmd.add(arg);
      }
    }
    if (System.getProperty("spark.submit.deployMode") != null) {
      // spark-submit gave this driver its Spark conf as system properties, not as options of its JVM; they may
      // hold secrets (spark-defaults.conf), so they go in an argument file only this user reads, not in argv
      List<String> submitted = submittedConf(System.getProperties(), own);
      if (!submitted.isEmpty()) {
        cmd.add("@" + argumentFile(submitted));
      }
    }
    cmd.add("-cp");
    cmd.add(classPath(System.getProperty("java.class.path"), applicationJars()));
    cmd.add("io.epochal.driver.cli.EpochalCli");
    if (options.verbose()) {
      cmd.add("--verbose"); // stack traces, as this command prints them
    }
    cmd.add("--master");
    cmd.add(options.master());
    options.sparkConf().forEach((k, v) -> {
      cmd.add("--conf");
      cmd.add(k + "=" + v);
    });
    cmd.add("resume");
    cmd.add(jobDir);
    if (relocate) {
      cmd.add("--relocate");
    }
    return cmd;
  }

  /**
   * The class path of a child: this JVM's {@code own}, and the jar this application was loaded from
   * when it is not on it ({@code spark-submit} loads the application jar through a class loader of its
   * own, and its JVM's class path holds Spark's jars alone).
   */
  static String classPath(String own, List<String> applicationJars) {
    List<String> entries = List.of(own.split(java.io.File.pathSeparator));
    StringBuilder b = new StringBuilder(own);
    applicationJars.stream().filter(jar -> !entries.contains(jar)).distinct()
        .forEach(jar -> b.append(java.io.File.pathSeparator).append(jar));
    return b.toString();
  }

  /**
   * The local jars this application was loaded from: its own, and those of the context class loader
   * ({@code spark-submit}'s {@code --jars} and {@code --packages}: a file system connector, a model's jar).
   */
  private static List<String> applicationJars() {
    List<java.net.URL> urls = new ArrayList<>();
    java.security.CodeSource source = ChildResumeCommand.class.getProtectionDomain().getCodeSource();
    if (source != null) {
      urls.add(source.getLocation());
    }
    if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader) {
      urls.addAll(List.of(loader.getURLs()));
    }
    List<String> jars = new ArrayList<>();
    for (java.net.URL url : urls) {
      try {
        java.nio.file.Path path = java.nio.file.Path.of(url.toURI());
        if (path.toString().endsWith(".jar")) {
          jars.add(path.toString());
        }
      } catch (java.net.URISyntaxException | RuntimeException notLocal) {
        // a jar a child cannot put on its class path (not a local file)
      }
    }
    return jars;
  }

  /**
   * The argument file of {@code args}, written once, readable by this user alone, in {@code java.io.tmpdir}
   * (the run directory under bin/epochal); deleted when this JVM exits.
   */
  private synchronized String argumentFile(List<String> args) {
    if (argumentFile == null) {
      try {
        java.nio.file.Path file = java.nio.file.Files.createTempFile(java.nio.file.Path.of(
            System.getProperty("java.io.tmpdir")), "resume-all-", ".args", java.nio.file.attribute.PosixFilePermissions
            .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        file.toFile().deleteOnExit(); // children read it as they start; it holds the submission's secrets
        java.nio.file.Files.write(file, argumentFileLines(args));
        argumentFile = file.toString();
      } catch (java.io.IOException | UnsupportedOperationException e) {
        throw new IllegalStateException("cannot write the Spark conf spark-submit gave for the resumes to a file in "
            + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
      }
    }
    return argumentFile;
  }

  /** {@code args} as lines of a {@code java @file}: each quoted, its backslashes and quotes escaped. */
  static List<String> argumentFileLines(List<String> args) {
    return args.stream().map(a -> "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList();
  }

  /**
   * The Spark conf a {@code spark-submit} gave this driver as system properties ({@code properties}), as
   * {@code -D} options for a child, those a child takes ({@link #passedOn}) and its JVM options {@code own} do
   * not give already.
   */
  static List<String> submittedConf(java.util.Properties properties, List<String> own) {
    List<String> conf = new ArrayList<>();
    for (String key : new java.util.TreeSet<>(properties.stringPropertyNames())) {
      String option = "-D" + key + "=" + properties.getProperty(key);
      if (sparkConf(option) && own.stream().noneMatch(a -> a.startsWith("-D" + key + "="))) {
        conf.add(option);
      }
    }
    return conf;
  }

  /**
   * Whether this JVM's option {@code arg} is one every child driver needs as well: besides the JVM's
   * and the engine's settings, the application jars a {@code spark://} master's executors fetch
   * from the driver ({@link io.epochal.driver.spark.ApplicationJars}), and the launcher's run
   * directory as {@code java.io.tmpdir}, so that what a child killed with SIGKILL leaves there is
   * swept with it once this driver is gone; and the Spark conf given as system properties ({@code
   * -Dspark.*}, part of {@link CliOptions#effectiveSparkConf}, with which this driver planned) and
   * the Hadoop user, so that a child reaches the file systems this driver listed; the console bin/epochal chose
   * ({@code -Djdk.console}), so that a child whose output is a pipe prints no progress bar into it; and a
   * class-data archive ({@link ChildJvmOptions#classDataSharing}), valid for the children, which run on the
   * same class path; and what a user gives {@code EPOCHAL_JAVA_OPTS} for a driver to work at all: the
   * native library path (Hadoop's native code), the direct memory limit, Kerberos and JAAS settings, and
   * Hadoop's own system properties.
   */
  static boolean passedOn(String arg) {
    return arg.startsWith("--add-opens") || arg.startsWith("-Xmx") || arg.startsWith("-Dai.djl")
        || arg.startsWith("-Djava.library.path=") || arg.startsWith("-XX:MaxDirectMemorySize=")
        || arg.startsWith("-Djava.security.") || arg.startsWith("-Djavax.security.")
        || arg.startsWith("-Dsun.security.krb5.") || arg.startsWith("-Dhadoop.")
        || ChildJvmOptions.classDataSharing(arg)
        || arg.startsWith("-Djava.net") || arg.startsWith("-Dlog4j2") || arg.startsWith("-Djdk.reflect")
        || arg.startsWith("-Dio.netty") || arg.startsWith("-Djava.io.tmpdir=") || sparkConf(arg)
        || arg.startsWith("-DHADOOP_USER_NAME=") || arg.startsWith("-Djdk.console=")
        || arg.startsWith("-D" + io.epochal.driver.spark.ApplicationJars.PROPERTY + "=");
  }

  /**
   * Whether {@code arg} is a Spark conf entry a child takes as this driver's: not how this driver was
   * submitted (a standalone cluster's driver gets {@code spark.submit.*}, {@code spark.driver.supervise},
   * {@code spark.master} and {@code spark.app.*} as {@code -D} options), which would make each child
   * take itself for a submitted, supervised driver; the master is passed as {@code --master}.
   */
  private static boolean sparkConf(String arg) {
    return arg.startsWith("-Dspark.") && !arg.startsWith("-Dspark.submit.") && !arg.startsWith("-Dspark.app.")
        && !arg.startsWith("-Dspark.driver.supervise=") && !arg.startsWith("-Dspark.master=");
  }

  /**
   * The most heap a child driver may take, as this JVM's options give it: this JVM's own {@code
   * maxHeap} with a {@code -Xmx} (each child's too) or without a {@code -XX:MaxRAMPercentage} (the
   * JVM's default for each), else 1/{@code parallel} of it ({@link #sharedRamPercentage}).
   */
  long childHeap() {
    return childHeap(Runtime.getRuntime().maxMemory(), ManagementFactory.getRuntimeMXBean().getInputArguments(),
        parallel);
  }

  /** {@link #childHeap()} of a JVM with heap {@code maxHeap} and options {@code own}. */
  static long childHeap(long maxHeap, List<String> own, int parallel) {
    boolean fixedHeap = own.stream().anyMatch(a -> a.startsWith("-Xmx"));
    boolean shared = !fixedHeap && own.stream().anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage=")
        && !sharedRamPercentage(a, parallel).equals(a));
    return shared ? maxHeap / parallel : maxHeap;
  }

  /**
   * A child's share of the memory this JVM may take ({@code -XX:MaxRAMPercentage=P}, the launcher's
   * default): P / {@code parallel}, so that {@code parallel} drivers at once, each free to grow its
   * heap to its maximum, take no more of the machine than one would. A heap given as {@code -Xmx}
   * is each child's as it is.
   */
  static String sharedRamPercentage(String option, int parallel) {
    try {
      double percent = Double.parseDouble(option.substring(option.indexOf('=') + 1));
      return parallel <= 1 ? option : String.format(Locale.ROOT, "-XX:MaxRAMPercentage=%.1f", percent / parallel);
    } catch (NumberFormatException e) {
      return option;
    }
  }
}
