package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.aggregate.SparkAggregator;
import io.epochal.driver.aggregate.WeightedAverager;
import io.epochal.driver.spark.SparkJobs;
import io.epochal.driver.spark.SparkTaskResources;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.TrainingConfig;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Runs one round through Spark: broadcasts the global state, runs {@link LocalRound} on every
 * worker's cached shard (on the device the job's {@code train.device} and the task's Spark GPU
 * assignment select), and reduces the results by parameter shard on the executors, as one Spark
 * job described as {@code "epoch e/E · round r/R"}. A task that fails is recomputed by Spark from
 * the same immutable inputs, so retries give the same bits.
 */
public final class RoundRunner {

  private final JavaSparkContext jsc;
  private final JavaRDD<DataShard> shards;
  private final TrainingConfig config;
  private final int reduceShards;

  /**
   * A runner over {@code shards} (one partition per worker), reducing into {@code reduceShards}
   * parameter shards.
   */
  public RoundRunner(JavaSparkContext jsc, JavaRDD<DataShard> shards, TrainingConfig config, int reduceShards) {
    this.jsc = checkNotNull(jsc, "jsc");
    this.shards = checkNotNull(shards, "shards");
    this.config = checkNotNull(config, "config");
    this.reduceShards = reduceShards;
  }

  /**
   * Runs round {@code round} (0-based) of epoch {@code epoch} (0-based) from {@code global}.
   *
   * @param label the Spark job description
   * @param globalStep optimizer steps taken before this round
   */
  public AggregateResult run(StateDict global, int epoch, int round, long globalStep, String label) {
    final TrainingConfig cfg = config;
    final int e = epoch;
    final int r = round;
    final long step = globalStep;
    return SparkJobs.inJobGroup(jsc, "epochal-e" + epoch + "-r" + round, label,
        () -> SparkJobs.withBroadcast(jsc, global, (Broadcast<StateDict> state) -> {
          JavaRDD<RoundResult> results =
              shards.map(shard -> LocalRound.run(cfg, state.value(), shard, e, r, step,
                  SparkTaskResources.current()));
          if (shards.getNumPartitions() == 1) {
            // One worker: its state already is one model's worth of bytes; skip the shuffle stage.
            RoundResult only = results.collect().get(0);
            return new AggregateResult(WeightedAverager.average(List.of(only)), only.samples(), only.steps(),
                only.lossSum(), 1);
          }
          return SparkAggregator.aggregate(results, reduceShards);
        }));
  }
}
