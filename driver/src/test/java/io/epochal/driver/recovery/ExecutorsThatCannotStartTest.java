package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new job on a cluster whose executor JVMs cannot start ({@code local-cluster} executors given a stack too small
 * to start with): its data is read before any attempt, and the read, which would wait forever, fails as that cause
 * (not retried, a configuration error) before the job's files are written.
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
}
