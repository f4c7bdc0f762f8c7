package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.metrics.source.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training job's progress in Spark's driver metrics system, where the sinks a cluster configures read it:
 * registered while the job trains, each round's position in its gauges, removed when it ends.
 */
class TrainingMetricsTest {

  private static Map<String, Object> gauges(String source) {
    scala.collection.immutable.Seq<Source> found = SparkEnv.get().metricsSystem().getSourcesByName(source);
    Map<String, Object> values = new java.util.TreeMap<>();
    if (found.nonEmpty()) {
      found.head().metricRegistry().getGauges().forEach((name, g) -> values.put(name, ((Gauge<?>) g).getValue()));
    }
    return values;
  }

  @Test
  void aTrainingJobsRoundsAreInSparksDriverMetricsWhileItTrainsAndTheSourceGoesWithTheJob(@TempDir Path tmp)
      throws Exception {
    Map<String, Map<String, Object>> seen = new ConcurrentHashMap<>();
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local[2]").optAppName("training-metrics").build()) {
      String data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
      RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
        @Override
        public void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
          if (epoch == 2 && round == 1) {
            seen.put("2.1", gauges("epochal.recovery"));
          }
        }
      };
      TrainingJob.builder().setSpec(RecoveryFixture.spec(tmp.resolve("job").toUri().toString(), data))
          .setSpark(spark).optListener(listener).build().run();
      Map<String, Object> at = seen.get("2.1");
      assertThat(at).containsEntry("epoch", 2).containsEntry("epochs", RecoveryFixture.EPOCHS)
          .containsEntry("round", 1).containsKeys("rounds", "step", "samples_per_second", "loss");
      int rounds = (Integer) at.get("rounds");
      long stepsPerRound = 2; // the fixture's rounds: two local steps of every worker
      assertThat(at.get("step")).isEqualTo((rounds + 1) * stepsPerRound);
      assertThat((Double) at.get("samples_per_second")).isPositive();
      assertThat((Double) at.get("loss")).isPositive().isFinite();
      assertThat(gauges("epochal.recovery")).as("removed when the job ends").isEmpty();
    }
  }
}
