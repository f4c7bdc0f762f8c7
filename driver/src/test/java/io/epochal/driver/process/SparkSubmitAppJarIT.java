package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar ({@code target/epochal-app.jar}) as a user runs it: through
 * {@code org.apache.spark.deploy.SparkSubmit} (what {@code spark-submit} starts) in its own JVM
 * whose class path holds Spark's jars only, the provided-scope list the build writes to
 * {@code target/spark-classpath.txt}. Everything else (Epochal, DJL and PyTorch, picocli, Guava,
 * Gson) must come from the application jar. Runs in the {@code integration-test} phase, after
 * {@code package} built the jar.
 */
class SparkSubmitAppJarIT {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

  @TempDir
  Path tmp;

  private static Path appJar;
  private static List<String> sparkClasspath;

  @BeforeAll
  static void findTheBuild() {
    appJar = Paths.get(property("epochal.test.app.jar"));
    assertThat(appJar).as("the application jar; build it with 'mvn package'").isRegularFile();
    sparkClasspath = ChildJvm.classpathFromFile(Paths.get(property("epochal.test.spark.classpath")));
  }

  @Test
  void sparkClasspathHoldsSparkButNoneOfWhatTheAppJarBrings() {
    assertThat(sparkClasspath).anyMatch(e -> fileName(e).startsWith("spark-core_"))
        .anyMatch(e -> fileName(e).startsWith("spark-sql_")).anyMatch(e -> fileName(e).startsWith("scala-library-"))
        .anyMatch(e -> fileName(e).startsWith("hadoop-client-api-"));
    assertThat(sparkClasspath).as("Spark's class path must not carry what the application jar brings")
        .noneMatch(e -> fileName(e).contains("epochal") || Files.isDirectory(Paths.get(e))) // not the repo's path
        .noneMatch(e -> fileName(e).startsWith("pytorch-") || fileName(e).startsWith("api-0.")
            || fileName(e).startsWith("picocli-") || fileName(e).startsWith("jna-"));
    assertThat(sparkClasspath).as("nor what a user adds to predict from .onnx files (--packages)")
        .noneMatch(e -> fileName(e).startsWith("onnxruntime-"));
  }

  @Test
  void appJarHoldsTheApplicationWithRelocatedGuavaAndGsonButNotSparkScalaOrHadoop() throws IOException {
    try (JarFile jar = new JarFile(appJar.toFile())) {
      Attributes main = jar.getManifest().getMainAttributes();
      assertThat(main.getValue("Main-Class")).isEqualTo(EpochalCommands.CLI_MAIN);
      assertThat(main.getValue("Implementation-Version")).isNotBlank();

      assertThat(jar.getEntry("io/epochal/driver/cli/EpochalCli.class")).isNotNull();
      assertThat(jar.getEntry("io/epochal/worker/model/ModelFactory.class")).isNotNull();
      assertThat(jar.getEntry("io/epochal/checkpoint/HadoopCheckpointStore.class")).isNotNull();
      assertThat(jar.getEntry("ai/djl/pytorch/engine/PtEngine.class")).isNotNull();
      assertThat(jar.getEntry("native/lib/pytorch.properties")).as("PyTorch's CPU native files").isNotNull();
      assertThat(jar.getEntry("picocli/CommandLine.class")).isNotNull();
      assertThat(jar.getEntry("io/epochal/shaded/com/google/common/base/Preconditions.class")).isNotNull();
      assertThat(jar.getEntry("io/epochal/shaded/com/google/gson/Gson.class")).isNotNull();

      List<String> names = jar.stream().map(ZipEntry::getName).toList();
      assertThat(names).as("classes Spark provides, or left unrelocated")
          .noneMatch(n -> n.startsWith("org/apache/spark/") || n.startsWith("scala/")
              || n.startsWith("org/apache/hadoop/") || n.startsWith("com/fasterxml/jackson/")
              || n.startsWith("com/google/common/") || n.startsWith("com/google/gson/"));
      assertThat(names).as("signature files").noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));

      assertThat(serviceLines(jar, "io.epochal.worker.model.ModelFactory"))
          .contains("io.epochal.worker.model.builtin.MlpFactory");
      assertThat(serviceLines(jar, "io.epochal.driver.cli.TrainingLauncher"))
          .containsExactly("io.epochal.driver.app.SparkTrainingLauncher");
      assertThat(serviceLines(jar, "io.epochal.driver.config.ModelCatalog"))
          .containsExactly("io.epochal.driver.app.RegistryModelCatalog");
      assertThat(serviceLines(jar, "ai.djl.engine.EngineProvider"))
          .contains("ai.djl.pytorch.engine.PtEngineProvider");
    }
  }

  @Test
  void sparkSubmitOfTheAppJarTrainsTwoEpochsWithVerifiedCheckpoints() throws Exception {
    EpochalCommands submit = EpochalCommands.sparkSubmit(sparkClasspath, appJar, tmp);
    Path data = tmp.resolve("data");
    submit.run("gen-data", RUN_TIMEOUT, "gen-data", data.toString(), "--rows", "1024", "--features", "8",
        "--classes", "3", "--seed", "3").assertOk();

    JobDirWatch job = new JobDirWatch(tmp.resolve("job"));
    Path spec = tmp.resolve("job.properties");
    Files.write(spec, List.of("job.name=spark-submit", "job.dir=" + job.dir().toAbsolutePath(), "model.name=mlp",
        "model.input_dim=8", "model.hidden=16", "model.output_dim=3", "train.epochs=2", "train.workers=2",
        "train.batch_size=32", "train.local_steps=4", "data.path=" + data.toAbsolutePath(),
        "data.features=features", "data.classes=3"), StandardCharsets.UTF_8);
    EpochalCommands.Finished train = submit.run("train", RUN_TIMEOUT, "train", spec.toString()).assertOk();

    assertThat(train.output()).contains("2 of 2 epochs done (2 in this run, 0 before it)");
    assertThat(job.assertStoreListsOnlyPublishedCheckpoints()).containsExactly(1L, 2L);
    job.assertEveryCheckpointVerifies();
    assertThat(job.load(2).model().isEmpty()).isFalse();
    assertThat(job.status()).hasValueSatisfying(s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
  }

  private static List<String> serviceLines(JarFile jar, String service) throws IOException {
    ZipEntry entry = jar.getEntry("META-INF/services/" + service);
    assertThat(entry).as("service file of %s", service).isNotNull();
    try (InputStream in = jar.getInputStream(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
  }

  private static String fileName(String entry) {
    return Paths.get(entry).getFileName().toString();
  }

  private static String property(String key) {
    String value = System.getProperty(key);
    assertThat(value).as("system property %s (set by the driver pom's failsafe configuration)", key).isNotBlank();
    return value;
  }
}
