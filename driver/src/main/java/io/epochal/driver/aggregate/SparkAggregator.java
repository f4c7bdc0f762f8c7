package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Aggregates a round's worker results on the executors, by parameter shard (reduce-scatter, then
 * gather): each worker's state is split into {@code S} shards of equal bytes by a {@link ShardPlan}
 * (a large tensor split between rows, so one wide layer is not averaged by one reducer), the pieces
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
    // shard k's pieces go to partition k (an Integer hashes to itself): one reducer per shard, which
    // reads its pieces as a list (no grouping map that would spill them), and the round's shuffle is
    // removed once it is collected
    org.apache.spark.api.java.JavaPairRDD<Integer, ShardPiece> byShard = results
        .flatMapToPair(r -> {
          ShardPlan plan = ShardPlan.of(r.state(), s);
          List<Tuple2<Integer, ShardPiece>> out = new ArrayList<>(s);
          for (ShardPiece p : plan.split(r.worker(), r.samples(), r.steps(), r.lossSum(), r.correct(), r.gradNorms(),
              r.state())) {
            out.add(new Tuple2<>(p.shard(), p.withAbsoluteErrors(r.absErrorSum())));
          }
          return out.iterator();
        })
        .partitionBy(new HashPartitioner(s));
    JavaRDD<ShardPiece> averaged = byShard.values().mapPartitionsWithIndex((shard, pieces) -> {
      List<ShardPiece> all = new ArrayList<>();
      pieces.forEachRemaining(all::add);
      return all.isEmpty() ? java.util.Collections.emptyIterator()
          : java.util.List.of(reduceShardOrFailure(shard, all)).iterator();
    }, false);
    return assemble(io.epochal.driver.spark.SparkJobs.collectThenReleaseShuffle(averaged, byShard.rdd()), s);
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
    double absErrorSum = 0; // NaN once a worker did not measure it
    io.epochal.worker.round.GradNorms norms = io.epochal.worker.round.GradNorms.NONE;
    int contributors = 0;
    int[] positions = null;
    long[] firstRows = null;
    for (ShardPiece p : ordered) {
      checkArgument(p.shard() == shard, "piece of shard %s reached the reducer of shard %s", p.shard(), shard);
      // every piece carries its worker's loss and norms: a diverged worker is named here, not as the sum
      java.util.Optional<NonFiniteStateException> diverged = NonFiniteStateException.ofRound(p.worker(),
          p.lossSum(), p.gradNorms());
      if (diverged.isPresent()) {
        throw diverged.get();
      }
      lossSum += p.lossSum();
      correct = io.epochal.worker.round.EvaluationResult.plusCorrect(correct, p.correct());
      absErrorSum += p.absErrorSum();
      norms = norms.plus(p.gradNorms());
      if (p.samples() > 0) {
        samples = Math.addExact(samples, p.samples());
        steps = Math.max(steps, p.steps());
        contributors++;
        if (positions == null) {
          positions = p.positions();
          firstRows = p.firstRows();
        } else {
          checkArgument(Arrays.equals(positions, p.positions()) && Arrays.equals(firstRows, p.firstRows()),
              "worker %s's shard %s holds tensors at positions %s from rows %s, unlike the other workers' %s from "
                  + "rows %s; " + WeightedAverager.MODELS_DIFFER + WeightedAverager.NOT_AVERAGED,
              p.worker(), shard, Arrays.toString(p.positions()), Arrays.toString(p.firstRows()),
              Arrays.toString(positions), Arrays.toString(firstRows));
        }
      }
      asResults.add(new RoundResult(p.worker(), p.samples(), p.steps(), p.lossSum(), p.state()));
    }
    StateDict state;
    try {
      state = WeightedAverager.average(asResults);
    } catch (NonFiniteStateException e) {
      // the rows of the worker named (or, for the average, of any worker with samples: their layouts are equal)
      ShardPiece named = ordered.stream().filter(p -> e.worker() == NonFiniteStateException.AGGREGATED
          ? p.samples() > 0 : p.worker() == e.worker()).findFirst().orElse(ordered.get(0));
      throw inFullTensor(e, named);
    }
    return new ShardPiece(shard, ShardPiece.AVERAGED, samples, steps, lossSum, correct, norms, contributors,
        positions, firstRows == null ? new long[positions == null ? 0 : positions.length] : firstRows, state)
        .withAbsoluteErrors(absErrorSum);
  }

  /** {@code e} with its flat index counted in the full tensor, when the piece holds a range of its rows. */
  private static NonFiniteStateException inFullTensor(NonFiniteStateException e, ShardPiece piece) {
    int i = piece.state().nameList().indexOf(e.tensor());
    if (i < 0 || piece.firstRow(i) == 0) {
      return e;
    }
    Tensor rows = piece.state().require(e.tensor());
    long perRow = rows.numel() / rows.dim(0);
    return new NonFiniteStateException(e.worker(), e.tensor(), piece.firstRow(i) * perRow + e.index(), e.value());
  }

  /** Which of two shards' failures a round reports: the lower rank ({@link #assemble}). */
  private static long failureRank(RuntimeException failure) {
    if (!(failure instanceof NonFiniteStateException)) {
      return -1;
    }
    int worker = ((NonFiniteStateException) failure).worker();
    return worker == NonFiniteStateException.AGGREGATED ? Integer.MAX_VALUE : worker;
  }

  /**
   * Puts averaged shards back together in the original tensor order.
   *
   * @throws IllegalStateException if a shard is missing or repeated, or the shards disagree on totals
   */
  static AggregateResult assemble(List<ShardPiece> averaged, int shards) {
    List<ShardPiece> byShard = new ArrayList<>(averaged);
    byShard.sort(Comparator.comparingInt(ShardPiece::shard));
    // the error WeightedAverager reports, whatever the shards: another error before a non-finite value, of the lowest
    // shard; a worker's non-finite value before an overflow of the mean, of the lowest worker, then of the lowest shard
    // (tensor and row order) with that worker
    ShardPiece failed = null;
    for (ShardPiece p : byShard) {
      if (p.failure() != null && (failed == null || failureRank(p.failure()) < failureRank(failed.failure()))) {
        failed = p;
      }
    }
    if (failed != null) {
      throw failed.failure();
    }
    if (byShard.size() != shards) {
      throw new IllegalStateException("aggregation returned " + byShard.size() + " shards, expected " + shards);
    }
    ShardPiece first = byShard.get(0);
    for (int i = 0; i < shards; i++) {
      ShardPiece p = byShard.get(i);
      if (p.shard() != i || p.samples() != first.samples() || p.contributors() != first.contributors()) {
        throw new IllegalStateException("averaged shard " + i + " is inconsistent: " + p + " vs " + first);
      }
    }
    // each tensor's pieces in shard order, which is row order: a tensor is split over consecutive shards
    TreeMap<Integer, List<Tensor>> parts = new TreeMap<>();
    Map<Integer, String> names = new HashMap<>();
    Map<Integer, Long> nextRow = new HashMap<>();
    for (ShardPiece p : byShard) {
      int i = 0;
      for (var e : p.state()) {
        int pos = p.position(i);
        long expected = nextRow.getOrDefault(pos, 0L);
        if (p.firstRow(i) != expected || !names.getOrDefault(pos, e.getKey()).equals(e.getKey())) {
          throw new IllegalStateException("averaged shard " + p.shard() + " puts rows from " + p.firstRow(i)
              + " of tensor '" + e.getKey() + "' at position " + pos + ", which is taken or not the next row ("
              + expected + ")");
        }
        names.put(pos, e.getKey());
        nextRow.put(pos, expected + (e.getValue().rank() == 0 ? 1 : e.getValue().dim(0)));
        parts.computeIfAbsent(pos, k -> new ArrayList<>()).add(e.getValue());
        i++;
      }
    }
    if (!parts.isEmpty() && (parts.firstKey() != 0 || parts.lastKey() != parts.size() - 1)) {
      throw new IllegalStateException("averaged shards hold tensors at positions " + parts.keySet()
          + ", expected 0 to " + (parts.size() - 1));
    }
    StateDict.Builder b = StateDict.builder();
    parts.forEach((pos, rows) -> b.put(names.get(pos), joinRows(rows)));
    return new AggregateResult(b.build(), first.samples(), first.steps(), first.lossSum(), first.correct(),
        first.gradNorms(), first.contributors()).withAbsoluteErrors(first.absErrorSum());
  }

  /** One tensor from consecutive ranges of its rows (the range itself when there is one). */
  private static Tensor joinRows(List<Tensor> rows) {
    if (rows.size() == 1) {
      return rows.get(0);
    }
    Tensor head = rows.get(0);
    long total = 0;
    long bytes = 0;
    for (Tensor t : rows) {
      total += t.dim(0);
      bytes += t.byteSize();
    }
    ByteBuffer joined = ByteBuffer.allocate(Math.toIntExact(bytes));
    for (Tensor t : rows) {
      joined.put(t.data());
    }
    joined.flip();
    long[] shape = head.shape();
    shape[0] = total;
    return Tensor.wrap(head.dtype(), shape, joined);
  }
}
