package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * A driver started from a class path gives a {@code spark://} master's executors the
 * application's jars, which they cannot load Epochal from otherwise; spark-submit's own jars, and
 * every other master, are left as they are.
 */
class ApplicationJarsTest {

  private static final String LISTED = String.join(File.pathSeparator, "/app/epochal-driver.jar", "/app/classes",
      "/m2/api-0.36.0.jar", "/app/epochal-driver.jar", " /m2/pytorch-native-cpu.jar ");

  @Test
  void aStandaloneMastersExecutorsGetTheListedJarsWithoutFoldersOrRepeats() {
    SparkConf conf = new SparkConf(false);
    assertThat(ApplicationJars.configure(SparkMaster.parse("spark://nn:7077"), conf, LISTED, "AVX2"))
        .containsExactly("/app/epochal-driver.jar", "/m2/api-0.36.0.jar", "/m2/pytorch-native-cpu.jar");
    assertThat(conf.get("spark.jars")).isEqualTo("/app/epochal-driver.jar,/m2/api-0.36.0.jar,/m2/pytorch-native-cpu.jar");
    assertThat(conf.get("spark.executorEnv.ONEDNN_MAX_CPU_ISA")).isEqualTo("AVX2");
  }

  @Test
  void jarsTheUserNamedAreFetchedBesideTheApplicationsAndTheirEngineSettingIsKept() {
    SparkConf conf = new SparkConf(false).set("spark.jars", "file:/apps/udfs.jar, /m2/api-0.36.0.jar")
        .set("spark.executorEnv.ONEDNN_MAX_CPU_ISA", "AVX512_CORE");
    assertThat(ApplicationJars.configure(SparkMaster.parse("spark://nn:7077"), conf, LISTED, "AVX2"))
        .containsExactly("/app/epochal-driver.jar", "/m2/api-0.36.0.jar", "/m2/pytorch-native-cpu.jar");
    assertThat(conf.get("spark.jars")).isEqualTo("file:/apps/udfs.jar,/m2/api-0.36.0.jar,/app/epochal-driver.jar,"
        + "/m2/pytorch-native-cpu.jar");
    assertThat(conf.get("spark.executorEnv.ONEDNN_MAX_CPU_ISA")).isEqualTo("AVX512_CORE");
  }

  @Test
  void aDriverSparkSubmitStartedKeepsItsApplicationJarAlone() {
    SparkConf conf = new SparkConf(false).set("spark.jars", "file:/apps/epochal-app.jar");
    assertThat(ApplicationJars.configure(SparkMaster.parse("spark://nn:7077"), conf, null, null)).isEmpty();
    assertThat(conf.get("spark.jars")).isEqualTo("file:/apps/epochal-app.jar");
  }

  @Test
  void otherMastersAndADriverWithoutTheListAreLeftAlone() {
    for (String master : new String[] {"local[2]", "local-cluster[2,1,1024]"}) {
      SparkConf conf = new SparkConf(false);
      assertThat(ApplicationJars.configure(SparkMaster.parse(master), conf, LISTED, "AVX2")).as(master).isEmpty();
      assertThat(conf.contains("spark.jars")).as(master).isFalse();
      assertThat(conf.contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA")).as(master).isFalse();
    }
    SparkConf conf = new SparkConf(false);
    assertThat(ApplicationJars.configure(SparkMaster.parse("spark://nn:7077"), conf, null, null)).isEmpty();
    assertThat(conf.contains("spark.jars")).isFalse();
    assertThat(conf.contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA")).isFalse();
  }
}
