package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.CliOptions;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command a failure or a stop names to continue a job is the one its user can run. */
class ResumeCommandTest {

  private static final String DEPLOY_MODE = "spark.submit.deployMode";

  @AfterEach
  void notSubmitted() {
    System.clearProperty(DEPLOY_MODE);
  }

  @Test
  void aDriverTheEpochalCommandStartedIsContinuedByItWithItsMasterAndConf() {
    CliOptions options = CliOptions.builder().optMaster("local[2]")
        .optSparkConf(Map.of("spark.hadoop.dfs.replication", "2")).build();
    assertThat(ResumeCommand.of(new Path("hdfs://nn:8020/jobs/a"), options)).isEqualTo("bin/epochal --master "
        + "'local[2]' --conf spark.hadoop.dfs.replication=2 resume hdfs://nn:8020/jobs/a");
    CliOptions secret = CliOptions.builder().optSparkConf(Map.of("spark.hadoop.fs.s3a.secret.key", "abc123")).build();
    assertThat(ResumeCommand.of(new Path("s3a://b/jobs/a"), secret)).as("printed in messages and logs")
        .contains("--conf 'spark.hadoop.fs.s3a.secret.key=<redacted>'").doesNotContain("abc123");
  }

  @Test
  void aClientModeDriverNamesItsOwnSubmissionWithResumeAsTheApplicationsArgumentsAndNoSecret() {
    java.util.List<String> jvm = java.util.List.of("/usr/bin/java", "-Xmx2g", "-cp", "/opt/spark/jars/*",
        "org.apache.spark.deploy.SparkSubmit", "--master", "local-cluster[2,1,1024]", "--conf",
        "spark.epochal.train.epochs=3", "--conf", "spark.hadoop.fs.s3a.secret.key=abc", "--verbose",
        "--driver-memory=2g", "--class", "io.epochal.driver.cli.EpochalCli", "/home/u/epochal app.jar", "train",
        "job.properties", "--set", "train.epochs=3");
    CliOptions options = CliOptions.builder().optSparkConf(Map.of("spark.hadoop.dfs.replication", "2")).build();

    assertThat(ResumeCommand.submitted(new Path("hdfs://nn:8020/jobs/a"), options, jvm)).isEqualTo("spark-submit "
        + "--master 'local-cluster[2,1,1024]' --conf spark.epochal.train.epochs=3 --conf "
        + "'spark.hadoop.fs.s3a.secret.key=<redacted>' --verbose --driver-memory=2g --class "
        + "io.epochal.driver.cli.EpochalCli '/home/u/epochal app.jar' --conf spark.hadoop.dfs.replication=2 resume "
        + "hdfs://nn:8020/jobs/a");
  }

  @Test
  void aSecretGivenAsOneConfWordIsLeftOutOfTheSubmission() {
    java.util.List<String> jvm = java.util.List.of("/usr/bin/java", "org.apache.spark.deploy.SparkSubmit",
        "--conf=spark.hadoop.fs.s3a.secret.key=abc", "-c=spark.x.password=p4ss", "--conf=spark.app.name=n", "app.jar",
        "train", "job.properties");
    assertThat(ResumeCommand.submitted(new Path("/jobs/a"), CliOptions.builder().build(), jvm))
        .isEqualTo("spark-submit '--conf=spark.hadoop.fs.s3a.secret.key=<redacted>' '-c=spark.x.password=<redacted>' "
            + "--conf=spark.app.name=n app.jar resume /jobs/a");
  }

  @Test
  void aDriverSparkSubmitStartedIsContinuedByTheSameSubmissionWithResumeAsItsArguments() {
    System.setProperty(DEPLOY_MODE, "cluster");
    CliOptions options = CliOptions.builder().optMaster("yarn").build();
    assertThat(ResumeCommand.of(new Path("hdfs://nn:8020/jobs/a"), options)).isEqualTo("spark-submit <the "
        + "submission's options> --class io.epochal.driver.cli.EpochalCli epochal-app.jar resume hdfs://nn:8020/jobs/a");
  }

  @Test
  void aSubmissionsJobKeysAreLeftOutOfTheCommandThatContinuesTheJobAsStoredButItsPlacementKeysKept() {
    java.util.function.Predicate<String> jobKey = e -> e.startsWith("spark.epochal.optimizer.");
    assertThat(ResumeCommand.withoutConf(java.util.List.of("--master", "yarn", "--conf",
        "spark.epochal.optimizer.lr=0.05", "-c", "spark.executor.memory=4g", "--conf=spark.epochal.optimizer.eps=1",
        "--conf", "spark.epochal.train.device=gpu", "app.jar"), jobKey)).containsExactly("--master", "yarn", "-c",
        "spark.executor.memory=4g", "--conf", "spark.epochal.train.device=gpu", "app.jar");
  }
}
