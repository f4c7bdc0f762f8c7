package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver whose SparkContext its cluster manager stopped (an application killed with {@code yarn application
 * -kill} in client mode, or removed by the standalone master) while the JVM runs on: the run stops, as at a
 * signal, instead of retrying on a context that cannot run a job.
 */
class SparkStoppedTest {

  @Test
  void aRunWhoseSparkContextIsStoppedStopsAsInterruptedAndMarksTheJobFailedWithoutRetrying(@TempDir Path tmp)
      throws Exception {
    EpochalSpark spark = SparkSessions.builder().setMaster("local[2]").optAppName("spark-stopped").build();
    try {
      String data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
      String dir = tmp.resolve("job").toUri().toString();
      AtomicBoolean fired = new AtomicBoolean();
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
        @Override
        public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
          super.round(epoch, epochs, round, rounds, sps, loss);
          if (epoch == 1 && round == 1 && fired.compareAndSet(false, true)) {
            spark.jsc().sc().stop(); // between two rounds: the next one finds it stopped
          }
        }
      };

      assertThatThrownBy(() -> TrainingJob.builder().setSpec(RecoveryFixture.spec(dir, data)).setSpark(spark)
          .optListener(listener).build().run()).isInstanceOfSatisfying(TrainingException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.INTERRUPTED))
          .hasMessageContaining("SparkContext was stopped");

      assertThat(fired).isTrue();
      assertThat(listener.warnings).as("not retried").noneSatisfy(w -> assertThat(w).contains("attempt 1 failed"));
      assertThat(new io.epochal.job.JobStateStore(org.apache.hadoop.fs.FileSystem.getLocal(
          new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(dir)).read().orElseThrow()
          .getState()).isEqualTo(io.epochal.job.JobState.FAILED);
    } finally {
      spark.close();
    }
  }
}
