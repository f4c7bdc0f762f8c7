package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar submitted to a Spark standalone master in cluster mode with {@code
 * --supervise}, the master's own automatic recovery: a driver killed with SIGKILL is started again
 * by its worker and finishes the job from its newest checkpoint, bit-identical to the same job run
 * uninterrupted by a client-mode driver started from a class path (as {@code bin/epochal} starts
 * one, its executors fetching the application's jars from it). A supervised driver whose failure
 * every new start would repeat exits 0 ({@code SupervisedExitTest}), which the worker does not
 * restart. Runs in the {@code integration-test} phase, after {@code package} built the jar.
 */
class StandaloneSuperviseIT {

  private static final Duration DRIVER_TIMEOUT = Duration.ofMinutes(4);

  @TempDir
  Path tmp;

  @Test
  void aSupervisedDriverKilledMidJobIsStartedAgainAndFinishesTheJobBitIdentical() throws Exception {
    Path appJar = Paths.get(System.getProperty("epochal.test.app.jar"));
    assertThat(appJar).as("the application jar; build it with 'mvn package'").isRegularFile();
    List<String> sparkClasspath = ChildJvm.classpathFromFile(Paths.get(System.getProperty(
        "epochal.test.spark.classpath")));
    Path data = writeCsv(Files.createDirectories(tmp.resolve("data")));
    Path killed = spec("killed", data, 4);
    try (StandaloneCluster cluster = StandaloneCluster.start(sparkClasspath, tmp.resolve("cluster"), 3)) {
      JobDirWatch job = new JobDirWatch(tmp.resolve("job-killed"));
      cluster.submitSupervised("killed", appJar, List.of("--conf", "spark.driver.extraJavaOptions=-Dai.djl.offline=true "
          + cluster.driverTmpDir("killed") + " " + String.join(" ", ChildJvm.sparkJavaOpens())), "train",
          killed.toString());
      Path driverDir = cluster.awaitDriverDir(killed.toString(), DRIVER_TIMEOUT);
      long deadline = System.nanoTime() + DRIVER_TIMEOUT.toNanos();
      while (!Files.exists(job.manifest(2))) {
        assertThat(System.nanoTime()).as("epoch 2 committed; driver:\n%s", StandaloneCluster.tail(
            driverDir.resolve("stderr"), 40)).isLessThan(deadline);
        Thread.sleep(20);
      }
      ProcessHandle driver = cluster.driverProcess(killed.toString()).orElseThrow(() -> new AssertionError(
          "no running driver of " + killed));
      assertThat(driver.destroyForcibly()).isTrue();
      driver.onExit().get();

      cluster.awaitDriverFinished(driverDir, DRIVER_TIMEOUT);
      assertThat(StandaloneCluster.launches(driverDir)).as("started again once after SIGKILL").isEqualTo(2);
      assertThat(Files.readString(driverDir.resolve("stdout"), StandardCharsets.UTF_8))
          .containsPattern("4 of 4 epochs done \\([1-2] in this run, [2-3] before it\\)");
      assertThat(job.status()).hasValueSatisfying(s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
      assertThat(job.assertStoreListsOnlyPublishedCheckpoints()).contains(4L);
      job.assertEveryCheckpointVerifies();

      // the same job uninterrupted, from a driver started as bin/epochal starts one (a class path, not
      // spark-submit), whose executors on the cluster fetch the application's jars from it
      JobDirWatch reference = new JobDirWatch(tmp.resolve("reference"));
      cluster.runFromClasspath("reference", appJar, DRIVER_TIMEOUT, "train", killed.toString(), "--job-dir",
          reference.dir().toString()).assertOk();
      BitIdentical.assertSameTrainingState(reference.load(4), job.load(4));
    }
  }

  private Path spec(String name, Path data, int epochs) throws Exception {
    Path spec = tmp.resolve(name + ".properties");
    Files.write(spec, List.of("job.name=" + name, "job.dir=" + tmp.resolve("job-" + name), "job.seed=7",
        "model.name=mlp", "model.input_dim=8", "model.hidden=16", "model.output_dim=3", "train.epochs=" + epochs,
        "train.workers=2", "train.batch_size=32", "train.local_steps=4", "lease.ttl_ms=6000",
        "retry.backoff_ms=200", "data.path=" + data, "data.format=csv", "data.features=f0..f7",
        "data.classes=3"), StandardCharsets.UTF_8);
    return spec;
  }

  /** 1024 rows of 8 features and a label of 3 classes that depends on them. */
  private static Path writeCsv(Path dir) throws Exception {
    Random random = new Random(11);
    List<String> lines = new ArrayList<>();
    lines.add("f0,f1,f2,f3,f4,f5,f6,f7,label");
    for (int row = 0; row < 1024; row++) {
      StringBuilder line = new StringBuilder();
      double sum = 0;
      for (int f = 0; f < 8; f++) {
        double v = random.nextGaussian();
        sum += f % 2 == 0 ? v : -v;
        line.append(String.format(java.util.Locale.ROOT, "%.5f", v)).append(',');
      }
      lines.add(line.append(sum < -1 ? 0 : sum < 1 ? 1 : 2).toString());
    }
    Files.write(dir.resolve("part-00000.csv"), lines, StandardCharsets.UTF_8);
    return dir;
  }
}
