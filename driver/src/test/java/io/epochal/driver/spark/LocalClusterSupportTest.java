package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterSupportTest {

  @Test
  void homeLinksClasspathJarsAndPassesClassFolders(@TempDir Path dir) throws Exception {
    LocalClusterSupport support = LocalClusterSupport.prepare(dir.resolve("home"));
    assertThat(support.linkedJars()).isGreaterThan(50);
    try (var jars = Files.list(dir.resolve("home/jars"))) {
      assertThat(jars.filter(p -> p.getFileName().toString().startsWith("spark-core_2.13")).count())
          .isEqualTo(1);
    }
    assertThat(support.classDirectories()).anyMatch(d -> d.endsWith("driver/target/classes"));
    assertThat(support.configure(new org.apache.spark.SparkConf(false))
        .get("spark.executor.extraJavaOptions")).contains("--add-opens=java.base/java.nio=ALL-UNNAMED")
        .contains("-Dai.djl.offline=true");
    support.delete();
    assertThat(dir.resolve("home")).doesNotExist();
    assertThat(support.classDirectories().get(0)).satisfies(d -> assertThat(Path.of(d)).exists());
  }

  @Test
  void executorsOnALocalClusterShareTheLaunchersPerRunTemporaryDirectoryAheadOfTheUsersOptions(@TempDir Path dir) {
    LocalClusterSupport support = LocalClusterSupport.prepare(dir.resolve("home"));
    Path runTmp = dir.resolve("epochal-run-4242-Qw3rTy");
    String opts = support.configure(new org.apache.spark.SparkConf(false)
        .set("spark.executor.extraJavaOptions", "-Dmine=1"), runTmp).get("spark.executor.extraJavaOptions");
    assertThat(opts).contains("-Djava.io.tmpdir=" + runTmp + " -Dmine=1").endsWith("-Dmine=1");
    // a chaos child driver's own directory inside the per-run one
    Path child = runTmp.resolve("epochal-child-17");
    assertThat(support.configure(new org.apache.spark.SparkConf(false), child)
        .get("spark.executor.extraJavaOptions")).contains("-Djava.io.tmpdir=" + child);
    // outside the launcher (a test, an IDE) the executors keep Java's default
    assertThat(support.configure(new org.apache.spark.SparkConf(false), dir)
        .get("spark.executor.extraJavaOptions")).doesNotContain("java.io.tmpdir");
    assertThat(support.configure(new org.apache.spark.SparkConf(false), dir.resolve("epochal-run-x"))
        .get("spark.executor.extraJavaOptions")).doesNotContain("java.io.tmpdir");
    support.delete();
  }

  @Test
  void aRunDirectoryWithABlankInItsPathIsOneExecutorOption(@TempDir Path dir) {
    LocalClusterSupport support = LocalClusterSupport.prepare(dir.resolve("home"));
    Path runTmp = dir.resolve("a b").resolve("epochal-run-4242-Qw3rTy");
    String opts = support.configure(new org.apache.spark.SparkConf(false), runTmp).get("spark.executor.extraJavaOptions");
    assertThat(scala.jdk.javaapi.CollectionConverters.asJava(org.apache.spark.util.Utils.splitCommandString(opts)))
        .contains("-Djava.io.tmpdir=" + runTmp);
    support.delete();
  }

  @Test
  void executorsUseTransparentHugePagesOnlyWhereTheKernelOffersThem(@TempDir Path dir) throws Exception {
    Path mode = dir.resolve("enabled");
    Files.writeString(mode, "always [madvise] never\n");
    assertThat(LocalClusterSupport.hugePagesFlag(mode)).isEqualTo("-XX:+UseTransparentHugePages");
    Files.writeString(mode, "[always] madvise never\n");
    assertThat(LocalClusterSupport.hugePagesFlag(mode)).isEqualTo("-XX:+UseTransparentHugePages");
    Files.writeString(mode, "always madvise [never]\n");
    assertThat(LocalClusterSupport.hugePagesFlag(mode)).isEmpty();
    assertThat(LocalClusterSupport.hugePagesFlag(dir.resolve("missing"))).isEmpty();
  }

  @Test
  void tasksRunInSeparateExecutorJvms() {
    long driverPid = ProcessHandle.current().pid();
    Path home;
    // a user's executor options are merged with the cluster's, not put in their place
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local-cluster[2,1,1024]")
        .optAppName("local-cluster-test").optConf("spark.executor.extraJavaOptions", "-Depochal.test.mine=1").build()) {
      spark.awaitExecutors(2, Duration.ofSeconds(90));
      home = Path.of(spark.jsc().getConf().get("spark.home"));
      assertThat(home.resolve("jars")).isDirectory();
      List<Long> pids = spark.jsc().parallelize(List.of(0, 1), 2).map(i -> {
        Thread.sleep(300);
        return ProcessHandle.current().pid();
      }).collect();
      assertThat(pids).hasSize(2).doesNotContain(driverPid);
      assertThat(pids.get(0)).isNotEqualTo(pids.get(1));
      List<String> properties = spark.jsc().parallelize(List.of(0, 1), 2)
          .map(i -> System.getProperty("epochal.test.mine") + " " + System.getProperty("ai.djl.offline")).collect();
      assertThat(properties).as("the user's option and the cluster's in every executor").containsOnly("1 true");
      assertThat(System.getProperty("spark.testing")).isNull();
    }
    assertThat(home).doesNotExist();
  }
}
