package io.epochal.driver.spark;

import java.util.Properties;

/**
 * How the driver's {@code main} ends with an exit code. Everywhere but one place, by {@link System#exit}. In YARN's
 * cluster deploy mode the ApplicationMaster runs {@code main} in a thread of its own and reports the application's
 * final status when it returns: a {@code System.exit} there, even with 0, reaches its shutdown hook first, which marks
 * the application FAILED ("Shutdown hook called before final status was reported") and lets YARN start another
 * attempt. There {@code main} returns for 0 and throws Spark's exception for a user application's exit code
 * otherwise, which the ApplicationMaster reports as FAILED with that code.
 */
public final class ApplicationExit {

  private ApplicationExit() {}

  /** Whether {@code main} runs in YARN's ApplicationMaster, as the system properties Spark sets there say. */
  public static boolean inYarnApplicationMaster(Properties system) {
    return "cluster".equals(system.getProperty("spark.submit.deployMode"))
        && system.getProperty("spark.master", "").startsWith("yarn");
  }

  /**
   * What {@code main} throws in YARN's ApplicationMaster for exit code {@code code} (not 0): the application ends
   * FAILED with that code.
   */
  public static Exception failure(int code) {
    return org.apache.spark.SparkUserAppException.apply(code);
  }

  /**
   * Ends {@code main} with {@code code}: {@link System#exit} unless it runs in YARN's ApplicationMaster, where it
   * returns for 0 and throws {@link #failure} otherwise.
   */
  public static void end(int code) throws Exception {
    if (!inYarnApplicationMaster(System.getProperties())) {
      System.exit(code);
    } else if (code != 0) {
      throw failure(code);
    }
  }
}
