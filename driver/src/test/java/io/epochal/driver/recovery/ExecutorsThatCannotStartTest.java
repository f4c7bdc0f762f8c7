package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.testing.CliRun;
import io.epochal.driver.train.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new job on a cluster whose executor JVMs cannot start ({@code local-cluster} executors given a stack too small
 * to start with): its data is read before any attempt, and the read, which would wait forever, fails as that cause
 * (not retried, a configuration error) before the job's files are written. {@code predict} and {@code evaluate} on
 * such a cluster say that cause too, not the cancelled Spark job it shows as.
 */
class ExecutorsThatCannotStartTest {

  @Test
  void aNewJobWhoseExecutorsCannotStartFailsWithThatCauseBeforeItsJobJsonIsWritten(@TempDir Path tmp) {
    String data;
    try (EpochalSpark local = SparkSessions.builder().setMaster("local[1]").optAppName("data").build()) {
      data = RecoveryFixture.writeData(local, tmp.resolve("data"));
    }
    Path job = tmp.resolve("job");
    JobSpec spec = RecoveryFixture.spec(job.toUri().toString(), data, Map.of());
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local-cluster[1,1,1024]")
        .optAppName("executors-that-cannot-start").optConf("spark.executor.extraJavaOptions", "-Xss1k").build()) {
      assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run())
          .isInstanceOfSatisfying(TrainingException.class, e -> {
            assertThat(e.reason()).isEqualTo(FailureReason.EXECUTORS_FAILING);
            assertThat(e.getMessage()).contains("executors in a row exited before they registered with the driver")
                .contains("spark.executor.extraJavaOptions").contains("(nothing was written to ");
          });
    }
    assertThat(job.resolve("job.json")).as("a spec that fits stays fixable in place").doesNotExist();
    assertThat(Files.exists(job.resolve("checkpoints"))).isFalse();
  }

  @Test
  void predictAndEvaluateOnExecutorsThatCannotStartSayWhyAndWhatToFix(@TempDir Path tmp) throws Exception {
    Path job = tmp.resolve("job");
    io.epochal.driver.testing.FormatFixture.copyJob(job);
    Path rows = tmp.resolve("rows.csv");
    Files.writeString(rows, "f0,f1,f2,f3,label\n1,2,3,4,0\n");
    String[] cluster = {"--master", "local-cluster[1,1,1024]", "--conf", "spark.executor.extraJavaOptions=-Xss1k"};
    Path predictions = tmp.resolve("predictions.csv");
    CliRun predict = CliRun.of(concat(cluster, "predict", job.toString(), "--input", rows.toString(), "--format", "csv",
        "--features", "f0,f1,f2,f3", "--output", predictions.toString()));
    assertThat(predict.code).as(predict.err).isEqualTo(ExitCodes.USAGE);
    assertThat(predict.err).contains("executors in a row exited before they registered with the driver")
        .contains("spark.executor.extraJavaOptions").doesNotContain("internal error");
    assertThat(predictions).doesNotExist();
    CliRun evaluate = CliRun.of(concat(cluster, "evaluate", job.toString(), "--input", rows.toString(),
        "--features", "f0,f1,f2,f3", "--json"));
    assertThat(evaluate.code).as(evaluate.err).isEqualTo(ExitCodes.USAGE);
    assertThat(evaluate.err).contains("executors in a row exited before they registered with the driver")
        .doesNotContain("internal error");
    com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(evaluate.out);
    assertThat(doc.get("ok").asBoolean()).isFalse();
    assertThat(doc.get("error").asText()).contains("nothing evaluated: ").contains("executors in a row exited");
  }

  private static String[] concat(String[] first, String... rest) {
    return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(rest))
        .toArray(String[]::new);
  }
}
