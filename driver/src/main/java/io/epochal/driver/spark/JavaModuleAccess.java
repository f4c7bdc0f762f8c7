package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Checks that the driver's JVM opens the JDK packages Spark reaches into on Java 17 ({@code
 * --add-opens java.base/java.nio=ALL-UNNAMED}, ...), before Spark starts. Spark's launcher gives
 * them to a driver it starts in client mode and to every executor, but not to every driver it
 * starts elsewhere: a standalone cluster's driver submitted in cluster mode through the master's
 * RPC gateway ({@code spark-submit --master spark://... --deploy-mode cluster} while the master's
 * REST server is off, Spark's default) gets none, and fails later in whatever first needs one (a
 * broadcast, reading the data) with an {@code InaccessibleObjectException} that names neither the
 * flag nor where to give it.
 */
public final class JavaModuleAccess {

  private static final String ADD_OPENS = "--add-opens=";

  private JavaModuleAccess() {}

  /**
   * Refuses this JVM when it lacks one of Spark's {@code --add-opens} flags for {@code java.base},
   * which Spark's core needs in every job; the others it lists (Kerberos') matter only to a cluster
   * that uses them, and are left to it.
   *
   * @throws IllegalArgumentException naming each missing flag and where to give them
   */
  public static void check() {
    Module sparks = org.apache.spark.SparkContext.class.getModule();
    List<String> missing = missingOpens(List.of(JavaModuleOptions.defaultModuleOptionArray()),
        (module, pkg) -> !module.equals("java.base")
            || ModuleLayer.boot().findModule(module).map(m -> m.isOpen(pkg, sparks)).orElse(true));
    refusal(missing).ifPresent(message -> {
      throw new IllegalArgumentException(message);
    });
  }

  /**
   * The {@code --add-opens=module/package=ALL-UNNAMED} entries of {@code options} whose package
   * {@code isOpen} says is not open (given the module's and the package's names), in their order.
   */
  static List<String> missingOpens(List<String> options, BiPredicate<String, String> isOpen) {
    checkNotNull(options, "options");
    List<String> missing = new ArrayList<>();
    for (String option : options) {
      if (!option.startsWith(ADD_OPENS)) {
        continue; // the system properties among Spark's options are for its executors' JVMs alone
      }
      String target = option.substring(ADD_OPENS.length()); // java.base/java.nio=ALL-UNNAMED
      int slash = target.indexOf('/');
      int equals = target.indexOf('=', slash + 1);
      if (slash <= 0 || equals <= slash + 1) {
        continue;
      }
      if (!isOpen.test(target.substring(0, slash), target.substring(slash + 1, equals))) {
        missing.add(option);
      }
    }
    return missing;
  }

  /** What to say of a driver JVM that lacks the {@code missing} flags; empty when none is missing. */
  static Optional<String> refusal(List<String> missing) {
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    String flags = String.join(" ", missing);
    return Optional.of("this driver's JVM was started without " + (missing.size() == 1 ? "the flag" : missing.size()
        + " of the flags") + " Spark needs on Java 17 (" + flags + "), and Spark would fail without them once it "
        + "runs (InaccessibleObjectException). A standalone cluster's driver submitted with --deploy-mode cluster "
        + "gets none from Spark: give them with --conf spark.driver.extraJavaOptions='" + flags
        + " -Dai.djl.offline=true' (or in spark-defaults.conf: conf/spark-defaults.conf.template); a JVM of your "
        + "own needs them on its command line");
  }
}
