package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Aggregates a round's worker results on the executors, by parameter shard (reduce-scatter, then
 * gather): each worker's state is split into {@code S} shards by a {@link ShardPlan}, the pieces
 * are shuffled so that shard {@code s}'s reducer receives shard {@code s} from every worker, the
 * reducer averages them in worker order with {@link WeightedAverager}, and only the averaged shards
 * are collected. The driver therefore receives one model's worth of bytes per round, whatever the
 * number of workers, and the bits equal {@code WeightedAverager.average} of all results.
 *
 * <p>The whole round (the results' own computation, the shuffle and the reduction) runs as one
 * Spark job; the results RDD is not computed twice.
 */
public final class SparkAggregator {

  private SparkAggregator() {}

  /**
   * The next global state from {@code results} (one per worker), reduced over {@code shards}
   * parameter shards.
   *
   * @throws IllegalArgumentException if {@code shards < 1}, every worker had 0 samples, or the
   *     workers' layouts differ
   * @throws NonFiniteStateException if a worker's state or the average holds NaN or infinity (the
   *     reducers return it as data, so it is rethrown here as itself and never retried)
   * @throws org.apache.spark.SparkException (unchecked in Java) if the job fails otherwise, e.g.
   *     when computing a worker's result throws
   */
  public static AggregateResult aggregate(JavaRDD<RoundResult> results, int shards) {
    checkNotNull(results, "results");
    checkArgument(shards >= 1, "shard count must be >= 1, got %s; use the executor count", shards);
    final int s = shards;
    List<ShardPiece> averaged = results
        .flatMapToPair(r -> {
          ShardPlan plan = ShardPlan.of(r.state(), s);
          List<Tuple2<Integer, ShardPiece>> out = new ArrayList<>(s);
          for (ShardPiece p : plan.split(r.worker(), r.samples(), r.steps(), r.lossSum(), r.correct(), r.gradNorms(),
              r.state())) {
            out.add(new Tuple2<>(p.shard(), p));
          }
          return out.iterator();
        })
        .groupByKey(new HashPartitioner(s))
        .map(group -> reduceShardOrFailure(group._1(), group._2()))
        .collect();
    return assemble(averaged, s);
  }

  private static ShardPiece reduceShardOrFailure(int shard, Iterable<ShardPiece> pieces) {
    try {
      return reduceShard(shard, pieces);
    } catch (NonFiniteStateException | IllegalArgumentException e) {
      return ShardPiece.failed(shard, e);
    }
  }

  /**
   * Averages one shard's pieces (one per worker, any order) in worker order.
   *
   * @throws IllegalArgumentException if a worker sent two pieces, all had 0 samples, or layouts differ
   */
  public static ShardPiece reduceShard(int shard, Iterable<ShardPiece> pieces) {
    List<ShardPiece> ordered = new ArrayList<>();
    pieces.forEach(ordered::add);
    ordered.sort(Comparator.comparingInt(ShardPiece::worker));
    List<RoundResult> asResults = new ArrayList<>(ordered.size());
    long samples = 0;
    long steps = 0;
    double lossSum = 0;
    long correct = 0;
    io.epochal.worker.round.GradNorms norms = io.epochal.worker.round.GradNorms.NONE;
    int contributors = 0;
    int[] positions = null;
    for (ShardPiece p : ordered) {
      checkArgument(p.shard() == shard, "piece of shard %s reached the reducer of shard %s", p.shard(), shard);
      lossSum += p.lossSum();
      correct = io.epochal.worker.round.EvaluationResult.plusCorrect(correct, p.correct());
      norms = norms.plus(p.gradNorms());
      if (p.samples() > 0) {
        samples = Math.addExact(samples, p.samples());
        steps = Math.max(steps, p.steps());
        contributors++;
        if (positions == null) {
          positions = p.positions();
        } else {
          checkArgument(Arrays.equals(positions, p.positions()),
              "worker %s's shard %s holds tensors at positions %s, unlike the other workers' %s; "
                  + "all workers must train the same model",
              p.worker(), shard, Arrays.toString(p.positions()), Arrays.toString(positions));
        }
      }
      asResults.add(new RoundResult(p.worker(), p.samples(), p.steps(), p.lossSum(), p.state()));
    }
    StateDict state = WeightedAverager.average(asResults);
    return new ShardPiece(shard, ShardPiece.AVERAGED, samples, steps, lossSum, correct, norms, contributors,
        positions, state);
  }

  /**
   * Puts averaged shards back together in the original tensor order.
   *
   * @throws IllegalStateException if a shard is missing or repeated, or the shards disagree on totals
   */
  static AggregateResult assemble(List<ShardPiece> averaged, int shards) {
    List<ShardPiece> byShard = new ArrayList<>(averaged);
    byShard.sort(Comparator.comparingInt(ShardPiece::shard));
    for (ShardPiece p : byShard) {
      if (p.failure() != null) {
        throw p.failure(); // the lowest failed shard, so the same round always reports the same error
      }
    }
    if (byShard.size() != shards) {
      throw new IllegalStateException("aggregation returned " + byShard.size() + " shards, expected " + shards);
    }
    int count = 0;
    for (int i = 0; i < shards; i++) {
      ShardPiece p = byShard.get(i);
      ShardPiece first = byShard.get(0);
      if (p.shard() != i || p.samples() != first.samples() || p.contributors() != first.contributors()) {
        throw new IllegalStateException("averaged shard " + i + " is inconsistent: " + p + " vs " + first);
      }
      count += p.state().size();
    }
    String[] names = new String[count];
    Tensor[] tensors = new Tensor[count];
    for (ShardPiece p : byShard) {
      int i = 0;
      for (var e : p.state()) {
        int pos = p.position(i++);
        if (pos < 0 || pos >= count || names[pos] != null) {
          throw new IllegalStateException("averaged shard " + p.shard() + " puts tensor '" + e.getKey()
              + "' at position " + pos + ", which is out of range or taken");
        }
        names[pos] = e.getKey();
        tensors[pos] = e.getValue();
      }
    }
    StateDict.Builder b = StateDict.builder();
    for (int i = 0; i < count; i++) {
      b.put(names[i], tensors[i]);
    }
    ShardPiece first = byShard.get(0);
    return new AggregateResult(b.build(), first.samples(), first.steps(), first.lossSum(), first.correct(),
        first.gradNorms(), first.contributors());
  }
}
