package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** How {@code main} ends where YARN's ApplicationMaster runs it: {@link ApplicationExit}. */
class ApplicationExitTest {

  private static Properties of(String... keysAndValues) {
    Properties p = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return p;
  }

  @Test
  void onlyYarnsClusterDeployModeRunsMainInTheApplicationMaster() {
    assertThat(ApplicationExit.inYarnApplicationMaster(of("spark.master", "yarn", "spark.submit.deployMode",
        "cluster"))).isTrue();
    assertThat(ApplicationExit.inYarnApplicationMaster(of("spark.master", "yarn", "spark.submit.deployMode",
        "client"))).isFalse();
    assertThat(ApplicationExit.inYarnApplicationMaster(of("spark.master", "spark://m:7077",
        "spark.submit.deployMode", "cluster"))).as("the standalone master's cluster mode exits").isFalse();
    assertThat(ApplicationExit.inYarnApplicationMaster(of())).isFalse();
  }

  @Test
  void aFailureThereIsSparksUserApplicationExitWithItsCode() {
    assertThat(ApplicationExit.failure(4)).isInstanceOfSatisfying(org.apache.spark.SparkUserAppException.class,
        e -> assertThat(e.exitCode()).isEqualTo(4));
  }
}
