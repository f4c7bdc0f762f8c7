package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the child drivers of {@code resume --all} are started with. The resumes {@code --parallel N}
 * runs at once share the memory one driver may take: each driver's heap may grow to its maximum,
 * and N drivers at the launcher's 40 % of the machine each would ask the machine for more than it
 * has. And each gets what the launcher gave this driver that a driver needs.
 */
class ChildResumeCommandTest {

  @Test
  void parallelResumesShareTheLaunchersShareOfMemoryAndAFixedHeapStaysEachOnes() {
    assertThat(ChildResumeCommand.sharedRamPercentage("-XX:MaxRAMPercentage=40", 4)).isEqualTo("-XX:MaxRAMPercentage=10.0");
    assertThat(ChildResumeCommand.sharedRamPercentage("-XX:MaxRAMPercentage=40", 3)).isEqualTo("-XX:MaxRAMPercentage=13.3");
    assertThat(ChildResumeCommand.sharedRamPercentage("-XX:MaxRAMPercentage=40", 1)).isEqualTo("-XX:MaxRAMPercentage=40");
    assertThat(ChildResumeCommand.sharedRamPercentage("-XX:MaxRAMPercentage=forty", 2)).isEqualTo("-XX:MaxRAMPercentage=forty");
  }

  @Test
  void theHeapAChildDriverGetsIsItsShareOfTheLaunchersUnlessAnXmxFixesIt() {
    long heap = 4L << 30;
    assertThat(ChildResumeCommand.childHeap(heap, List.of("-XX:MaxRAMPercentage=40"), 4)).isEqualTo(1L << 30);
    assertThat(ChildResumeCommand.childHeap(heap, List.of("-XX:MaxRAMPercentage=40", "-Xmx4g"), 4)).isEqualTo(heap);
    assertThat(ChildResumeCommand.childHeap(heap, List.of("-XX:MaxRAMPercentage=40"), 1)).isEqualTo(heap);
    assertThat(ChildResumeCommand.childHeap(heap, List.of("-Dspark.master=local[2]"), 4))
        .as("no percentage: the JVM's default, each child's as the launcher's").isEqualTo(heap);
  }

  @Test
  void childDriversGetTheApplicationJarsAndTheRunDirectoryOfTheLauncher() {
    assertThat(ChildResumeCommand.passedOn("-Depochal.application.jars=/opt/epochal/epochal-app.jar"))
        .as("a spark:// master's executors fetch them from each child driver").isTrue();
    assertThat(ChildResumeCommand.passedOn("-Djava.io.tmpdir=/tmp/epochal-run-41-abc")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dai.djl.offline=true")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Djdk.console=java.base")).as("no progress bar into a pipe").isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dsome.other=1")).isFalse();
    // what a driver needs to work at all, given through EPOCHAL_JAVA_OPTS
    assertThat(ChildResumeCommand.passedOn("-Djava.library.path=/opt/hadoop/lib/native")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-XX:MaxDirectMemorySize=4g")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Djava.security.krb5.conf=/etc/krb5.conf")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Djava.security.auth.login.config=/etc/jaas.conf")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dsun.security.krb5.debug=true")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dhadoop.home.dir=/opt/hadoop")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-XX:+UseG1GC")).isFalse();
  }

  @Test
  void childDriversMapTheLaunchersClassDataArchiveButNeverWriteOne() {
    assertThat(ChildResumeCommand.passedOn("-XX:SharedArchiveFile=/opt/epochal/classes.jsa"))
        .as("the children run on the launcher's class path, for which it was written").isTrue();
    assertThat(ChildResumeCommand.passedOn("-Xshare:auto")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Xlog:cds*=off")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-XX:ArchiveClassesAtExit=/tmp/classes.jsa"))
        .as("every child would write the same file").isFalse();
  }

  @Test
  void childDriversSeeTheSparkConfAndHadoopUserTheLaunchersJvmOptionsGave() {
    // EPOCHAL_JAVA_OPTS='-Dspark.hadoop.dfs.nameservices=mycluster ...': the parent plans with them
    assertThat(ChildResumeCommand.passedOn("-Dspark.hadoop.dfs.nameservices=mycluster")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dspark.epochal.checkpoint.keep_last=2")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-DHADOOP_USER_NAME=etl")).isTrue();
    assertThat(ChildResumeCommand.passedOn("-Dsparkling=1")).isFalse();
    // how this driver was submitted is not the children's: they would take themselves for supervised drivers
    for (String submitted : List.of("-Dspark.driver.supervise=true", "-Dspark.submit.deployMode=cluster",
        "-Dspark.master=spark://m:7077", "-Dspark.app.name=resume-all")) {
      assertThat(ChildResumeCommand.passedOn(submitted)).as(submitted).isFalse();
    }
  }

  @Test
  void underSparkSubmitChildDriversGetTheApplicationJarAndTheSubmittedSparkConf() {
    String sparkJars = "/opt/spark/conf/:/opt/spark/jars/*";
    assertThat(ChildResumeCommand.classPath(sparkJars, List.of("/home/u/epochal-app.jar", "/home/u/hadoop-aws.jar",
        "/home/u/epochal-app.jar"))).isEqualTo(sparkJars + ":/home/u/epochal-app.jar:/home/u/hadoop-aws.jar");
    assertThat(ChildResumeCommand.classPath("/a.jar:/b.jar", List.of("/b.jar"))).isEqualTo("/a.jar:/b.jar");
    assertThat(ChildResumeCommand.classPath("/a.jar", List.of())).isEqualTo("/a.jar");
    // secrets stay out of the children's argv: an argument file, quoted as java reads it
    assertThat(ChildResumeCommand.argumentFileLines(List.of("-Dspark.hadoop.fs.s3a.secret.key=a b\\c\"d")))
        .containsExactly("\"-Dspark.hadoop.fs.s3a.secret.key=a b\\\\c\\\"d\"");

    java.util.Properties submitted = new java.util.Properties();
    submitted.setProperty("spark.jars", "file:/home/u/epochal-app.jar");
    submitted.setProperty("spark.executor.memory", "4g");
    submitted.setProperty("spark.submit.deployMode", "client");
    submitted.setProperty("spark.master", "yarn");
    submitted.setProperty("spark.app.name", "resume-all");
    submitted.setProperty("java.version", "17");
    assertThat(ChildResumeCommand.submittedConf(submitted, List.of("-Dspark.executor.memory=2g")))
        .as("the submission's own, the JVM's option kept as it is").containsExactly(
            "-Dspark.jars=file:/home/u/epochal-app.jar");
  }

  @Test
  void childDriversPrintStackTracesWhenTheLauncherDoes() {
    io.epochal.driver.cli.CliOptions verbose = io.epochal.driver.cli.CliOptions.builder().optVerbose(true).build();
    assertThat(new ChildResumeCommand(1, null, verbose).command("file:/jobs/a", false))
        .containsSubsequence("io.epochal.driver.cli.EpochalCli", "--verbose", "--master", "resume", "file:/jobs/a");
    assertThat(new ChildResumeCommand(1, null, io.epochal.driver.cli.CliOptions.builder().build())
        .command("file:/jobs/a", false)).doesNotContain("--verbose");
  }
}
