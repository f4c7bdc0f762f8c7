package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.aggregate.RoundSums;
import io.epochal.driver.aggregate.SparkAggregator;
import io.epochal.driver.aggregate.WeightedAverager;
import io.epochal.driver.spark.SparkJobs;
import io.epochal.driver.spark.SparkTaskResources;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.worker.device.DeviceAssignment;
import io.epochal.worker.device.DeviceMode;
import io.epochal.worker.device.DeviceSelector;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;

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
  /** The rows of the largest shard, whose steps are each round's. */
  private final int maxRows;
  /** The executors' device warnings ({@code train.device = auto} on the CPU), from every task since the last read. */
  private final CollectionAccumulator<String> deviceWarnings;
  /** The device warnings {@link #newDeviceWarnings} returned so far. */
  private final Set<String> said = new LinkedHashSet<>();

  /**
   * A runner over {@code shards} (one partition per worker, the largest of {@code maxRows} rows), reducing into
   * {@code reduceShards} parameter shards.
   */
  public RoundRunner(JavaSparkContext jsc, JavaRDD<DataShard> shards, TrainingConfig config, int reduceShards,
      int maxRows) {
    this.jsc = checkNotNull(jsc, "jsc");
    this.shards = checkNotNull(shards, "shards");
    this.config = checkNotNull(config, "config");
    this.reduceShards = reduceShards;
    checkArgument(maxRows >= 0, "maxRows must be >= 0, got %s", maxRows);
    this.maxRows = maxRows;
    this.deviceWarnings = jsc.sc().collectionAccumulator("epochal device warnings");
  }

  /**
   * The executors' device warnings not returned before: a worker that {@code train.device = auto}
   * put on the CPU although Spark assigned it a GPU (or the engine sees one), or a task assigned more
   * GPUs than the one it trains on, said in the executor's
   * log once per executor JVM and returned here once per runner, for the driver to pass on. Every
   * task passes its warning on (a failed attempt's is lost with it), so a retry's is not missed.
   */
  public List<String> newDeviceWarnings() {
    List<String> fresh = new ArrayList<>();
    for (String w : deviceWarnings.value()) {
      if (said.add(w)) {
        fresh.add(w);
      }
    }
    deviceWarnings.reset(); // every task passes its warning on again: keep only what later rounds add
    return fresh;
  }

  /**
   * This task's GPU assignment; unless the job trains on the CPU, the device decision's warning noted
   * for the driver: {@code auto}'s fall back to the CPU, and under {@code auto} or {@code gpu} the
   * GPUs past the first that Spark assigned to the task and that stay idle.
   */
  private static DeviceAssignment assignment(TrainingConfig cfg, CollectionAccumulator<String> warnings) {
    DeviceAssignment assignment = SparkTaskResources.current();
    if (cfg.device() != DeviceMode.CPU) {
      DeviceSelector.select(cfg.device(), assignment, warnings::add); // LocalRound decides the same again
    }
    return assignment;
  }

  /**
   * Runs round {@code round} (0-based) of epoch {@code epoch} (0-based) from {@code global}.
   *
   * @param label the Spark job description
   * @param globalStep optimizer steps taken before this round
   * @throws NonFiniteStateException naming the epoch and round (1-based) when the state is not finite
   */
  public AggregateResult run(StateDict global, int epoch, int round, long globalStep, String label) {
    return run(global, epoch, round, globalStep, LocalRound.baseLr(config), label);
  }

  /**
   * As {@link #run(StateDict, int, int, long, String)}, the schedule created for base rate {@code
   * baseLr} (the rate schedule {@code plateau} holds after the epochs before this one).
   */
  public AggregateResult run(StateDict global, int epoch, int round, long globalStep, double baseLr, String label) {
    final TrainingConfig cfg = config;
    final int e = epoch;
    final int r = round;
    final long step = globalStep;
    final int roundSteps = config.batchPlan().stepsInRound(maxRows, round);
    final double lr = baseLr;
    final CollectionAccumulator<String> warnings = deviceWarnings;
    return SparkJobs.inJobGroup(jsc, "epochal-e" + epoch + "-r" + round, label,
        () -> SparkJobs.withBroadcast(jsc, global, (Broadcast<StateDict> state) -> {
          JavaRDD<RoundResult> results =
              shards.map(shard -> LocalRound.run(cfg, state.value(), shard, e, r, step, roundSteps, lr,
                  assignment(cfg, warnings)));
          try {
            if (singleWorker()) {
              // One worker: its state already is one model's worth of bytes; skip the shuffle stage.
              RoundResult only = results.collect().get(0);
              return finiteLoss(new AggregateResult(WeightedAverager.average(List.of(only)), only.samples(),
                  only.steps(), only.lossSum(), only.correct(), only.gradNorms(), 1)
                  .withAbsoluteErrors(only.absErrorSum()), 0);
            }
            return finiteLoss(SparkAggregator.aggregate(results, reduceShards), NonFiniteStateException.AGGREGATED);
          } catch (NonFiniteStateException ex) {
            throw ex.inRound(e + 1, r + 1);
          }
        }));
  }

  /**
   * {@code result} if its loss and its gradient norms are finite; a diverged round must not be
   * counted or checkpointed.
   */
  private static AggregateResult finiteLoss(AggregateResult result, int worker) {
    java.util.Optional<NonFiniteStateException> diverged = NonFiniteStateException.ofRound(worker, result.lossSum(),
        result.gradNorms());
    if (diverged.isPresent()) {
      throw diverged.get();
    }
    return result;
  }

  /** Whether the job has one worker, so consecutive rounds can run as one chain ({@link #runChain}). */
  public boolean singleWorker() {
    return shards.getNumPartitions() == 1;
  }

  /**
   * Runs {@code stepsBefore.length} consecutive rounds from {@code firstRound} of {@code epoch} on the
   * single worker as one Spark task ({@link RoundChain}); {@code stepsBefore[i]} is the global step
   * before round {@code firstRound + i}. The result is the same as running the rounds one by one.
   */
  public AggregateResult runChain(StateDict global, int epoch, int firstRound, long[] stepsBefore, String label) {
    return runChain(global, epoch, firstRound, stepsBefore, LocalRound.baseLr(config), label);
  }

  /** As {@link #runChain(StateDict, int, int, long[], String)}, at base rate {@code baseLr}. */
  public AggregateResult runChain(StateDict global, int epoch, int firstRound, long[] stepsBefore, double baseLr,
      String label) {
    checkState(singleWorker(), "a chain of rounds needs a single worker, the job has %s", shards.getNumPartitions());
    final double lr = baseLr;
    final TrainingConfig cfg = config;
    final int e = epoch;
    final int r = firstRound;
    final long[] steps = stepsBefore.clone();
    final CollectionAccumulator<String> warnings = deviceWarnings;
    return SparkJobs.inJobGroup(jsc, "epochal-e" + epoch + "-r" + firstRound, label,
        () -> SparkJobs.withBroadcast(jsc, global, (Broadcast<StateDict> state) -> {
          RoundResult[] ran = shards.map(shard -> RoundChain.run(cfg, state.value(), shard, e, r, steps, lr,
              assignment(cfg, warnings))).collect().get(0);
          RoundResult only = RoundChain.combine(ran);
          List<RoundSums> sums = new ArrayList<>(ran.length);
          for (RoundResult round : ran) {
            sums.add(RoundSums.of(round));
          }
          try {
            // a chain stops after a round whose loss or state is not finite (RoundChain)
            return finiteLoss(new AggregateResult(WeightedAverager.average(List.of(only)), only.samples(),
                only.steps(), only.lossSum(), only.correct(), only.gradNorms(), 1)
                .withAbsoluteErrors(only.absErrorSum()).withRoundSums(sums), 0);
          } catch (NonFiniteStateException ex) {
            // the chain stopped after the round that produced it, its last: name that round
            throw ex.inRound(e + 1, r + ran.length);
          }
        }));
  }
}
