package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;

/**
 * Makes {@code local-cluster[N,C,MB]} work from a plain JVM (a test, the launcher) without a Spark
 * distribution.
 *
 * <p>In that mode Spark's in-process standalone workers start each executor as a new JVM whose
 * classpath is {@code <spark home>/jars/*}. What Spark reads to find that home, and how this class
 * satisfies it without environment variables (which a running JVM cannot set):
 *
 * <ul>
 *   <li>The worker takes {@code SPARK_HOME} from the environment, or the system property
 *       {@code spark.test.home} when the system property {@code spark.testing} is set. The
 *       {@code spark.home} conf key is not read for this. {@link #withSparkHome} sets both system
 *       properties while the context starts (the workers read them once, when constructed) and
 *       restores them afterwards.
 *   <li>The executor launcher takes the jars from {@code <home>/jars} and needs the Scala version:
 *       from {@code SPARK_SCALA_VERSION} in the executor environment ({@code spark.executorEnv.*}
 *       feeds it) or the process environment, or else it looks for
 *       {@code <home>/launcher/target/scala-2.13}. {@link #prepare} creates that folder and
 *       {@link #configure} sets {@code spark.executorEnv.SPARK_SCALA_VERSION}.
 *   <li>{@link #prepare} links every jar of the current classpath into {@code <home>/jars}; class
 *       directories (a module's {@code target/classes}) cannot go there, so they are passed with
 *       {@code spark.executor.extraClassPath}.
 *   <li>Executors need the same {@code --add-opens} flags as the driver on Java 17, and
 *       {@code -Dai.djl.offline=true}: set with {@code spark.executor.extraJavaOptions}, with the
 *       driver's {@code java.io.tmpdir} when that is the launcher's per-run directory.
 * </ul>
 */
public final class LocalClusterSupport {

  /** JVM flags Spark needs on Java 17 (the parent pom's {@code spark.java.opens}). */
  public static final String JAVA_OPENS = String.join(" ",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
      "-Djdk.reflect.useDirectMethodHandle=false",
      "-Dio.netty.tryReflectionSetAccessible=true");

  /** Further executor JVM flags: offline DJL, IPv4 loopback. */
  public static final String EXECUTOR_FLAGS = "-Dai.djl.offline=true -Djava.net.preferIPv4Stack=true";

  /** The kernel's transparent huge page mode, e.g. {@code always [madvise] never}. */
  private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

  private static final Object SYSTEM_PROPERTIES = new Object();

  private final Path home;
  private final List<String> classDirectories;
  private final int linkedJars;

  private LocalClusterSupport(Path home, List<String> classDirectories, int linkedJars) {
    this.home = home;
    this.classDirectories = List.copyOf(classDirectories);
    this.linkedJars = linkedJars;
  }

  /**
   * Prepares {@code home} (created if missing) as a Spark home for this JVM's classpath.
   *
   * @throws UncheckedIOException naming the folder if it cannot be written
   */
  public static LocalClusterSupport prepare(Path home) {
    return prepare(home, currentClassPath());
  }

  /**
   * Prepares {@code home} as a Spark home for {@code classPath} (jar files and class folders).
   *
   * @throws UncheckedIOException naming the folder if it cannot be written
   */
  public static LocalClusterSupport prepare(Path home, List<String> classPath) {
    checkNotNull(home, "home");
    checkNotNull(classPath, "classPath");
    Path jars = home.resolve("jars");
    List<String> dirs = new ArrayList<>();
    Set<String> usedNames = new HashSet<>();
    int linked = 0;
    try {
      Files.createDirectories(jars);
      Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
      for (String entry : new LinkedHashSet<>(classPath)) {
        Path p = Paths.get(entry).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
          dirs.add(p.toString());
        } else if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar")
            && !p.getFileName().toString().startsWith("surefire")) {
          String name = p.getFileName().toString();
          for (int i = 1; !usedNames.add(name); i++) {
            name = i + "-" + p.getFileName();
          }
          try {
            Files.createSymbolicLink(jars.resolve(name), p);
          } catch (FileAlreadyExistsException e) {
            // prepared before with the same classpath: keep the link
          }
          linked++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the local-cluster Spark home " + home
          + "; pass a writable folder", e);
    }
    checkArgument(linked > 0, "the classpath %s holds no jar; local-cluster needs Spark's jars", classPath);
    return new LocalClusterSupport(home, dirs, linked);
  }

  /**
   * This JVM's classpath: {@code java.class.path}, or surefire's {@code surefire.test.class.path}
   * when the former is a single manifest-only booter jar.
   */
  public static List<String> currentClassPath() {
    String cp = System.getProperty("java.class.path", "");
    String surefire = System.getProperty("surefire.test.class.path");
    if (surefire != null && !surefire.isEmpty() && !cp.contains(File.pathSeparator)) {
      cp = surefire;
    }
    List<String> out = new ArrayList<>();
    for (String e : cp.split(File.pathSeparator)) {
      if (!e.isBlank()) {
        out.add(e);
      }
    }
    return out;
  }

  /** The prepared Spark home. */
  public Path home() {
    return home;
  }

  /** Class folders passed as {@code spark.executor.extraClassPath}. */
  public List<String> classDirectories() {
    return classDirectories;
  }

  /** Jars linked into {@code <home>/jars}. */
  public int linkedJars() {
    return linkedJars;
  }

  /** Sets the executor classpath, JVM flags and environment on {@code conf}; returns it. */
  public SparkConf configure(SparkConf conf) {
    return configure(conf, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * {@link #configure(SparkConf)} for a driver whose {@code java.io.tmpdir} is {@code driverTmpdir}:
   * when that is (or lies in) the launcher's per-run directory {@code epochal-run-<pid>-<random>}, the
   * executors get it too, ahead of the user's own options, so the native libraries they unpack
   * (lz4, snappy) go where the next launch's cleanup finds them if an executor is killed with
   * SIGKILL, which runs no hook to delete them.
   */
  SparkConf configure(SparkConf conf, Path driverTmpdir) {
    List<String> extra = new ArrayList<>(classDirectories);
    String userCp = conf.get("spark.executor.extraClassPath", "");
    if (!userCp.isEmpty()) {
      extra.add(userCp);
    }
    if (!extra.isEmpty()) {
      conf.set("spark.executor.extraClassPath", String.join(File.pathSeparator, extra));
    }
    String userOpts = conf.get("spark.executor.extraJavaOptions", "");
    conf.set("spark.executor.extraJavaOptions", (JAVA_OPENS + " " + EXECUTOR_FLAGS + " " + hugePagesFlag(THP_MODE)
        + " " + (inRunDirectory(driverTmpdir) ? quoted("-Djava.io.tmpdir=" + driverTmpdir) + " " : "") + userOpts)
        .trim());
    conf.set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
    conf.set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    conf.set("spark.home", home.toString());
    return conf;
  }

  /**
   * {@code option} as one word of {@code spark.executor.extraJavaOptions}, which Spark splits at
   * blanks outside quotes: in double quotes when it holds a blank or a quote (a TMPDIR with a space).
   */
  static String quoted(String option) {
    if (!option.matches(".*[\\s'\"\\\\].*")) {
      return option;
    }
    return "\"" + option.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** A launcher's per-run temporary directory: {@code epochal-run-<pid>-<random>} ({@code bin/lib/run-tmp.sh}). */
  private static final java.util.regex.Pattern RUN_DIRECTORY =
      java.util.regex.Pattern.compile("epochal-run-(\\d+)(-[A-Za-z0-9]+)?");

  /**
   * The process id in {@code name} when it names a launcher's per-run temporary directory
   * ({@code epochal-run-<pid>-<random>}, or {@code epochal-run-<pid>} as earlier launchers named it).
   */
  public static java.util.OptionalLong runDirectoryPid(String name) {
    java.util.regex.Matcher m = RUN_DIRECTORY.matcher(name);
    return m.matches() && m.group(1).length() < 19 ? java.util.OptionalLong.of(Long.parseLong(m.group(1)))
        : java.util.OptionalLong.empty();
  }

  /** Whether {@code dir} is, or lies in, a launcher's per-run temporary directory. */
  static boolean inRunDirectory(Path dir) {
    for (Path p = dir.toAbsolutePath().normalize(); p != null && p.getFileName() != null; p = p.getParent()) {
      if (runDirectoryPid(p.getFileName().toString()).isPresent()) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code -XX:+UseTransparentHugePages} when the kernel offers transparent huge pages to programs
   * that ask ({@code [madvise]} or {@code [always]} in {@code mode}), else empty. Training allocates
   * short-lived objects at every step; on 4 KiB pages each heap page the collector hands out fresh
   * costs a page fault (on virtual machines a costly one), and a worker's round time then swings by
   * a fifth with the collector's rhythm. The launcher {@code bin/epochal} does the same for its own JVM.
   */
  static String hugePagesFlag(Path mode) {
    try {
      String m = Files.readString(mode);
      return m.contains("[always]") || m.contains("[madvise]") ? "-XX:+UseTransparentHugePages" : "";
    } catch (IOException | RuntimeException e) {
      return ""; // no such file (not Linux, or no THP support): the JVM's default pages
    }
  }

  /**
   * Runs {@code start} (which creates the SparkContext) with the system properties that make
   * Spark's in-process workers use {@link #home()}, then restores them. Serialized across threads.
   */
  public <T> T withSparkHome(Supplier<T> start) {
    synchronized (SYSTEM_PROPERTIES) {
      String testing = System.getProperty("spark.testing");
      String testHome = System.getProperty("spark.test.home");
      System.setProperty("spark.testing", "true");
      System.setProperty("spark.test.home", home.toString());
      try {
        return start.get();
      } finally {
        restore("spark.testing", testing);
        restore("spark.test.home", testHome);
      }
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  /**
   * Deletes the prepared home (links, executor work folders), never following links.
   *
   * @throws UncheckedIOException naming the folder if it cannot be deleted
   */
  public void delete() {
    if (!Files.exists(home, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(home)) {
      List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the local-cluster Spark home " + home, e);
    }
  }

  @Override
  public String toString() {
    return "LocalClusterSupport[home " + home + ", " + linkedJars + " jars, class folders "
        + classDirectories + "]";
  }
}
