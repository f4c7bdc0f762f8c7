package io.epochal.driver.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.GradNorms;
import io.epochal.worker.round.RoundResult;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShardPlanTest {

  /** An MLP's layout whose hidden layer holds most of the bytes, with a 0-d step, an empty tensor and a one-row one. */
  private static StateDict mlp(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    StateDict.Builder b = StateDict.builder();
    b.put("net.0.weight", matrix(rnd, 40, 16));
    b.put("net.0.bias", matrix(rnd, 40));
    b.put("net.1.weight", matrix(rnd, 300, 40));
    b.put("net.1.bias", matrix(rnd, 300));
    b.put("net.2.weight", matrix(rnd, 1, 300));
    b.put("net.2.empty", Tensor.ofFloats(new long[] {0, 5}));
    b.put("bn.num_batches_tracked", Tensor.scalarLong(3 + seed));
    b.put("optimizer.net.1.weight.exp_avg", matrix(rnd, 300, 40));
    b.put("optimizer.net.1.weight.step", Tensor.scalarFloat(seed));
    return b.build();
  }

  private static Tensor matrix(SplittableRandom rnd, long... shape) {
    float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return Tensor.ofFloats(shape, v);
  }

  private static long rowsOf(Tensor t) {
    return t.rank() == 0 ? 1 : t.dim(0);
  }

  @Test
  void everyRowOfEveryTensorIsInExactlyOneShardAndShardsHoldEqualBytesToWithinOneRow() {
    StateDict state = mlp(1);
    for (int shards = 1; shards <= 9; shards++) {
      ShardPlan plan = ShardPlan.of(state, shards);
      assertThat(plan.totalBytes()).isEqualTo(state.totalBytes());
      for (String name : state.names()) {
        long next = 0;
        int lastShard = -1;
        for (int s = 0; s < shards; s++) {
          long[] rows = plan.rowsIn(s, name);
          if (rows.length > 0) {
            assertThat(rows[0]).as("%s in shard %s of %s", name, s, shards).isEqualTo(next);
            assertThat(lastShard).as("%s is split over consecutive shards", name).isIn(-1, s - 1);
            next += rows[1];
            lastShard = s;
          }
        }
        assertThat(next).as("%s's rows over %s shards", name, shards).isEqualTo(rowsOf(state.require(name)));
      }
      long widestRow = 300 * 4; // the one-row tensor, which is not split
      for (int s = 0; s < shards; s++) {
        assertThat((double) plan.bytesIn(s)).as("shard %s of %s", s, shards)
            .isCloseTo(state.totalBytes() / (double) shards, org.assertj.core.data.Offset.offset((double) widestRow));
      }
    }
  }

  @Test
  void oneLargeTensorIsAveragedByEveryReducer() {
    StateDict.Builder b = StateDict.builder();
    b.put("embedding.weight", Tensor.ofFloats(new long[] {1000, 8}, new float[8000]));
    b.put("head.bias", Tensor.ofFloats(new long[] {4}, new float[4]));
    ShardPlan plan = ShardPlan.of(b.build(), 4);
    for (int s = 0; s < 4; s++) {
      assertThat(plan.rowsIn(s, "embedding.weight")).as("shard %s", s).hasSize(2);
      assertThat(plan.bytesIn(s)).isBetween(8016L - 32, 8016L + 32);
    }
  }

  @Test
  void planIsAPureFunctionOfTheLayoutAndShardCount() {
    assertThat(ShardPlan.of(mlp(1), 3)).isEqualTo(ShardPlan.of(mlp(7), 3));
    assertThat(ShardPlan.of(mlp(1), 3)).isNotEqualTo(ShardPlan.of(mlp(1), 2));
  }

  @Test
  void piecesHoldTheRowsTheyNameInStateOrder() {
    StateDict state = mlp(2);
    ShardPlan plan = ShardPlan.of(state, 3);
    List<ShardPiece> pieces = plan.split(5, 10, 2, 1.5, 4, GradNorms.NONE, state);
    assertThat(pieces).hasSize(3);
    for (ShardPiece p : pieces) {
      assertThat(p.worker()).isEqualTo(5);
      assertThat(p.correct()).isEqualTo(4);
      assertThat(new ArrayList<>(p.state().names())).isEqualTo(plan.namesIn(p.shard()));
      int i = 0;
      for (var e : p.state()) {
        Tensor whole = state.require(e.getKey());
        assertThat(state.nameList().get(p.position(i))).isEqualTo(e.getKey());
        assertThat(rowsOf(e.getValue())).isEqualTo(plan.rowsIn(p.shard(), e.getKey())[1]);
        long rowBytes = rowsOf(whole) == 0 ? 0 : whole.byteSize() / rowsOf(whole);
        assertThat(AggregationChecks.bytes(e.getValue())).isEqualTo(java.util.Arrays.copyOfRange(
            AggregationChecks.bytes(whole), (int) (p.firstRow(i) * rowBytes),
            (int) (p.firstRow(i) * rowBytes + e.getValue().byteSize())));
        i++;
      }
    }
  }

  @Test
  void reducedAndReassembledShardsEqualTheWholeAverageBitForBit() {
    List<RoundResult> workers = List.of(new RoundResult(0, 100, 3, 1.0, mlp(10)),
        new RoundResult(1, 37, 3, 2.0, mlp(11)), new RoundResult(2, 250, 3, 3.0, mlp(12)));
    StateDict expected = WeightedAverager.average(workers);
    for (int shards = 1; shards <= 9; shards++) {
      List<ShardPiece> averaged = reduce(workers, shards);
      StateDict got = SparkAggregator.assemble(averaged, shards).state();
      assertThat(got.nameList()).isEqualTo(expected.nameList());
      for (String name : expected.names()) {
        assertThat(got.require(name).shape()).isEqualTo(expected.require(name).shape());
        assertThat(AggregationChecks.bytes(got.require(name))).as("%s over %s shards", name, shards)
            .isEqualTo(AggregationChecks.bytes(expected.require(name)));
      }
    }
  }

  @Test
  void nonFiniteValueInASplitTensorIsNamedByItsIndexInTheWholeTensor() {
    StateDict clean = mlp(3);
    StateDict.Builder b = StateDict.builder();
    for (var e : clean) {
      float[] v = e.getValue().dtype() == io.epochal.tensor.DType.F32 ? e.getValue().toFloatArray() : null;
      if (e.getKey().equals("net.1.weight")) {
        v[299 * 40 + 3] = Float.POSITIVE_INFINITY; // the last row, which shard 1 holds from a later row
        b.put(e.getKey(), Tensor.ofFloats(e.getValue().shape(), v));
      } else {
        b.put(e.getKey(), e.getValue());
      }
    }
    List<RoundResult> workers = List.of(new RoundResult(0, 10, 1, 0, mlp(4)), new RoundResult(1, 10, 1, 0, b.build()));
    long[] rows = ShardPlan.of(clean, 3).rowsIn(1, "net.1.weight");
    assertThat(rows[0]).as("the tensor is split").isGreaterThan(0);
    assertThat(rows[0] + rows[1]).isEqualTo(300);
    List<ShardPiece> averaged = reduce(workers, 3);
    assertThatThrownBy(() -> SparkAggregator.assemble(averaged, 3))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(1);
          assertThat(e.tensor()).isEqualTo("net.1.weight");
          assertThat(e.index()).isEqualTo(299 * 40 + 3);
        });
  }

  @Test
  void theNonFiniteValueNamedIsTheSameWhateverTheShardCount() {
    // worker 0's NaN in the tensor's last row (a later shard), worker 1's in its first row (the first shard)
    StateDict clean = mlp(3);
    java.util.function.IntFunction<StateDict> withNaN = at -> {
      StateDict.Builder b = StateDict.builder();
      for (var e : clean) {
        if (e.getKey().equals("net.1.weight")) {
          float[] v = e.getValue().toFloatArray();
          v[at] = Float.NaN;
          b.put(e.getKey(), Tensor.ofFloats(e.getValue().shape(), v));
        } else {
          b.put(e.getKey(), e.getValue());
        }
      }
      return b.build();
    };
    List<RoundResult> workers = List.of(new RoundResult(0, 10, 1, 0, withNaN.apply(299 * 40 + 3)),
        new RoundResult(1, 10, 1, 0, withNaN.apply(2)));
    NonFiniteStateException whole = org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> WeightedAverager.average(workers), NonFiniteStateException.class);
    assertThat(whole.worker()).isZero();
    for (int shards = 1; shards <= 4; shards++) {
      int s = shards;
      assertThatThrownBy(() -> SparkAggregator.assemble(reduce(workers, s), s)).as("%s shards", s)
          .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
            assertThat(e.worker()).isEqualTo(whole.worker());
            assertThat(e.tensor()).isEqualTo(whole.tensor());
            assertThat(e.index()).isEqualTo(whole.index());
          });
    }
  }

  @Test
  void aWorkerWhoseLossOrGradientNormIsNotFiniteIsNamedThoughItsStateIsFinite() {
    List<RoundResult> infiniteLoss = List.of(new RoundResult(0, 10, 1, 2.5, mlp(4)),
        new RoundResult(1, 10, 1, Double.POSITIVE_INFINITY, mlp(5)));
    assertThatThrownBy(() -> SparkAggregator.assemble(reduce(infiniteLoss, 3), 3))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(1);
          assertThat(e.tensor()).isEqualTo("loss");
        })
        .hasMessageContaining("worker 1's training loss is Infinity");
    // a float32 total norm that overflowed: clipping scaled the gradients by 0, the weights stayed finite
    io.epochal.worker.round.GradNorms overflowed = new io.epochal.worker.round.GradNorms(2, Double.POSITIVE_INFINITY,
        Double.POSITIVE_INFINITY, 2);
    List<RoundResult> infiniteNorm = List.of(new RoundResult(0, 10, 1, 2.5, 0, overflowed, mlp(4)),
        new RoundResult(1, 10, 1, 2.5, 0, io.epochal.worker.round.GradNorms.NONE.plus(3, true), mlp(5)));
    assertThatThrownBy(() -> SparkAggregator.assemble(reduce(infiniteNorm, 3), 3))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isZero();
          assertThat(e.tensor()).isEqualTo(NonFiniteStateException.GRAD_NORM);
        })
        .hasMessageContaining("worker 0's total gradient norm before clipping (train.clip_grad_norm) is Infinity");
    assertThat(NonFiniteStateException.ofRound(0, 1.5, new io.epochal.worker.round.GradNorms(1, Double.NaN,
        Double.NaN, 0))).hasValueSatisfying(e -> assertThat(e.value()).isNaN());
    assertThat(NonFiniteStateException.ofRound(0, 1.5, io.epochal.worker.round.GradNorms.NONE.plus(3, true)))
        .isEmpty();
  }

  @Test
  void anOverflowingMeanInASplitTensorIsNamedByItsIndexInTheWholeTensor() {
    double[] huge = new double[100 * 4];
    huge[99 * 4 + 1] = 1e308; // finite; 3 x 1e308 is not
    StateDict.Builder b = StateDict.builder();
    b.put("w", Tensor.ofDoubles(new long[] {100, 4}, huge));
    List<RoundResult> workers = List.of(new RoundResult(0, 0, 0, 0, b.build()), new RoundResult(1, 3, 1, 0, b.build()),
        new RoundResult(2, 3, 1, 0, b.build()));
    assertThat(ShardPlan.of(b.build(), 2).rowsIn(1, "w")[0]).as("the tensor is split").isEqualTo(50);
    List<ShardPiece> averaged = reduce(workers, 2);
    assertThatThrownBy(() -> SparkAggregator.assemble(averaged, 2))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(NonFiniteStateException.AGGREGATED);
          assertThat(e.index()).isEqualTo(99 * 4 + 1);
        });
  }

  /** Each shard's pieces from every worker, reduced as a reducer task does. */
  private static List<ShardPiece> reduce(List<RoundResult> workers, int shards) {
    List<List<ShardPiece>> byShard = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      byShard.add(new ArrayList<>());
    }
    for (RoundResult r : workers) {
      for (ShardPiece p : ShardPlan.of(r.state(), shards).split(r.worker(), r.samples(), r.steps(), r.lossSum(),
          r.correct(), r.gradNorms(), r.state())) {
        byShard.get(p.shard()).add(p);
      }
    }
    List<ShardPiece> averaged = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      try {
        averaged.add(SparkAggregator.reduceShard(s, byShard.get(s)));
      } catch (NonFiniteStateException e) {
        averaged.add(ShardPiece.failed(s, e));
      }
    }
    return averaged;
  }

  @Test
  void moreShardsThanTensorsThatCannotBeSplitLeavesEmptyShards() {
    StateDict.Builder b = StateDict.builder();
    b.put("a.step", Tensor.scalarFloat(1));
    b.put("b.step", Tensor.scalarFloat(2));
    StateDict state = b.build();
    ShardPlan plan = ShardPlan.of(state, 5);
    assertThat(plan.split(0, 1, 1, 0, 0, GradNorms.NONE, state)).hasSize(5)
        .filteredOn(p -> p.state().isEmpty()).hasSize(3);
  }

  @Test
  void zeroShardsIsRefused() {
    assertThatThrownBy(() -> ShardPlan.of(StateDict.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
  }
}
