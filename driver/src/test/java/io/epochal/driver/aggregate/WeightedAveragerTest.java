package io.epochal.driver.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightedAveragerTest {

  private static RoundResult result(int worker, long samples, StateDict state) {
    return new RoundResult(worker, samples, 1, 0, state);
  }

  private static StateDict one(String name, Tensor t) {
    return StateDict.builder().put(name, t).build();
  }

  @Test
  void floatTensorsAreWeightedBySamples() {
    StateDict a = one("w", Tensor.ofFloats(new long[] {2}, 1f, 10f));
    StateDict b = one("w", Tensor.ofFloats(new long[] {2}, 4f, 40f));
    StateDict avg = WeightedAverager.average(List.of(result(0, 1, a), result(1, 2, b)));
    // (1*1 + 2*4) / 3 = 3; (1*10 + 2*40) / 3 = 30
    assertThat(avg.require("w").toFloatArray()).containsExactly(3f, 30f);
  }

  @Test
  void sumIsInFloat64AndRoundedOnce() {
    float x = 1f + Math.ulp(1f); // 1.0000001
    float y = 1f;
    StateDict a = one("w", Tensor.ofFloats(new long[] {1}, x));
    StateDict b = one("w", Tensor.ofFloats(new long[] {1}, y));
    StateDict avg = WeightedAverager.average(List.of(result(0, 3, a), result(1, 1, b)));
    double exact = (3.0 * x + 1.0 * y) / 4.0;
    assertThat(avg.require("w").toFloatArray()[0]).isEqualTo((float) exact);

    // 2^24 + 1 + 1 in float32 loses both ones: (2^24 + 2) / 3 = 5592406 only when summed in float64
    float big = 16_777_216f;
    StateDict avg3 = WeightedAverager.average(List.of(result(0, 1, one("w", Tensor.ofFloats(new long[] {1}, big))),
        result(1, 1, one("w", Tensor.ofFloats(new long[] {1}, 1f))),
        result(2, 1, one("w", Tensor.ofFloats(new long[] {1}, 1f)))));
    float inFloat32 = (big + 1f + 1f) / 3f;
    assertThat(inFloat32).as("the control: float32 gives another value").isNotEqualTo(5_592_406f);
    assertThat(avg3.require("w").toFloatArray()[0]).isEqualTo(5_592_406f);
  }

  @Test
  void resultDoesNotDependOnListOrder() {
    List<RoundResult> round = States.round(4, 5000);
    StateDict expected = WeightedAverager.average(round);
    List<RoundResult> shuffled = new ArrayList<>(round);
    Collections.shuffle(shuffled, new Random(7));
    assertThat(WeightedAverager.average(shuffled)).isEqualTo(expected);
    Collections.reverse(shuffled);
    assertThat(WeightedAverager.average(shuffled)).isEqualTo(expected);
  }

  @Test
  void integerTensorsAndStepCountsTakeTheMaximumOfWorkersWithSamples() {
    List<RoundResult> round = List.of(
        new RoundResult(0, 10, 1, 0, States.model(100, 1, 7, 3f)),
        new RoundResult(1, 10, 1, 0, States.model(100, 2, 12, 5f)),
        new RoundResult(2, 0, 0, 0, States.model(100, 3, 99, 99f)));
    StateDict avg = WeightedAverager.average(round);
    assertThat(avg.require("bn.num_batches_tracked").longValue()).isEqualTo(12);
    assertThat(avg.require("bn.num_batches_tracked").dtype()).isEqualTo(DType.I64);
    assertThat(avg.require("optimizer.net.0.weight.step").floatValue()).isEqualTo(5f);
  }

  @Test
  void aModelTensorNamedStepIsAveragedAsAWeightOnlyTheOptimizersStepCountsTakeTheMaximum() {
    StateDict a = StateDict.builder().put("layers.0.step", Tensor.scalarFloat(0.1f))
        .put("ema.layers.0.step", Tensor.scalarFloat(0.1f)).put("step", Tensor.scalarFloat(1f))
        .put("optimizer.layers.0.step.step", Tensor.scalarFloat(4f)).build();
    StateDict b = StateDict.builder().put("layers.0.step", Tensor.scalarFloat(0.5f))
        .put("ema.layers.0.step", Tensor.scalarFloat(0.5f)).put("step", Tensor.scalarFloat(3f))
        .put("optimizer.layers.0.step.step", Tensor.scalarFloat(6f)).build();
    StateDict avg = WeightedAverager.average(List.of(result(0, 10, a), result(1, 10, b)));
    assertThat(avg.require("layers.0.step").floatValue()).isEqualTo((float) ((10.0 * 0.1f + 10.0 * 0.5f) / 20.0));
    assertThat(avg.require("ema.layers.0.step").floatValue()).isEqualTo((float) ((10.0 * 0.1f + 10.0 * 0.5f) / 20.0));
    assertThat(avg.require("step").floatValue()).isEqualTo(2f);
    assertThat(avg.require("optimizer.layers.0.step.step").floatValue()).isEqualTo(6f);
  }

  @Test
  void workerWithZeroSamplesContributesNothing() {
    StateDict a = one("w", Tensor.ofFloats(new long[] {1}, 2f));
    StateDict b = one("w", Tensor.ofFloats(new long[] {1}, 1000f));
    StateDict avg = WeightedAverager.average(List.of(result(0, 5, a), result(1, 0, b)));
    assertThat(avg.require("w").toFloatArray()).containsExactly(2f);
  }

  @Test
  void allWorkersWithZeroSamplesIsRefused() {
    StateDict a = one("w", Tensor.ofFloats(new long[] {1}, 2f));
    assertThatThrownBy(() -> WeightedAverager.average(List.of(result(0, 0, a), result(1, 0, a))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("all 2 workers returned 0 samples");
  }

  @Test
  void nanInAWorkerStateIsNamedWithWorkerTensorAndIndex() {
    StateDict a = one("net.0.weight", Tensor.ofFloats(new long[] {3}, 1f, 2f, 3f));
    StateDict b = one("net.0.weight", Tensor.ofFloats(new long[] {3}, 1f, 2f, Float.NaN));
    assertThatThrownBy(() -> WeightedAverager.average(List.of(result(0, 1, a), result(1, 1, b))))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(1);
          assertThat(e.tensor()).isEqualTo("net.0.weight");
          assertThat(e.index()).isEqualTo(2);
          assertThat(e.inRound(3, 2).getMessage())
              .startsWith("epoch 3 round 2: the state of worker 1 holds NaN in tensor 'net.0.weight' at flat index 2");
          assertThat(e.round()).as("no round named yet").isZero();
          assertThat(e.inRound(3, 2).round()).as("the round a training failure records").isEqualTo(2);
        });
  }

  @Test
  void theFirstNonFiniteElementInWorkerOrderIsNamedWhereverItsBlockIs() {
    int n = 50_000; // the mean is taken in blocks of 16 Ki elements
    double[] early = new double[n];
    double[] late = new double[n];
    late[40_000] = Double.NaN; // worker 0, third block
    early[5] = Double.POSITIVE_INFINITY; // worker 1, first block
    double[] huge = new double[n];
    huge[0] = 1e308; // finite, but 4 x 1e308 overflows the sum: the average is not finite
    List<RoundResult> round = List.of(result(0, 4, one("w", Tensor.ofDoubles(new long[] {n}, late))),
        result(1, 1, one("w", Tensor.ofDoubles(new long[] {n}, early))));
    assertThatThrownBy(() -> WeightedAverager.average(round))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(0);
          assertThat(e.index()).isEqualTo(40_000);
        });
    List<RoundResult> overflowAndLateNan = List.of(result(0, 4, one("w", Tensor.ofDoubles(new long[] {n}, huge))),
        result(1, 1, one("w", Tensor.ofDoubles(new long[] {n}, late))));
    assertThatThrownBy(() -> WeightedAverager.average(overflowAndLateNan)).as("a worker's NaN before the overflow")
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(1);
          assertThat(e.index()).isEqualTo(40_000);
        });
    List<RoundResult> overflow = List.of(result(0, 4, one("w", Tensor.ofDoubles(new long[] {n}, huge))),
        result(1, 1, one("w", Tensor.ofDoubles(new long[] {n}, new double[n]))));
    assertThatThrownBy(() -> WeightedAverager.average(overflow))
        .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
          assertThat(e.worker()).isEqualTo(NonFiniteStateException.AGGREGATED);
          assertThat(e.index()).isZero();
        });
  }

  @Test
  void nanInTheOnlyContributingWorkersStateIsNamedThoughItIsNotAveraged() {
    // one worker's average is its own state, returned as it is: its check is the only one a
    // single-worker job gets for a NaN that a finite loss does not show (an optimizer moment)
    StateDict bad = StateDict.builder().put("net.0.weight", Tensor.ofFloats(new long[] {2}, 1f, 2f))
        .put("optimizer.net.0.weight.exp_avg_sq", Tensor.ofFloats(new long[] {2}, 0f, Float.NaN)).build();
    StateDict idle = StateDict.builder().put("net.0.weight", Tensor.ofFloats(new long[] {2}, 5f, 5f))
        .put("optimizer.net.0.weight.exp_avg_sq", Tensor.ofFloats(new long[] {2}, 0f, 0f)).build();
    for (List<RoundResult> round : List.of(List.of(result(3, 5, bad)), List.of(result(3, 5, bad), result(4, 0, idle)))) {
      assertThatThrownBy(() -> WeightedAverager.average(round)).as("%s workers", round.size())
          .isInstanceOfSatisfying(NonFiniteStateException.class, e -> {
            assertThat(e.worker()).isEqualTo(3);
            assertThat(e.tensor()).isEqualTo("optimizer.net.0.weight.exp_avg_sq");
            assertThat(e.index()).isEqualTo(1);
          });
    }
  }

  @Test
  void infinityInAStepCountIsNamed() {
    StateDict a = one("optimizer.w.step", Tensor.scalarFloat(1f));
    StateDict b = one("optimizer.w.step", Tensor.scalarFloat(Float.POSITIVE_INFINITY));
    assertThatThrownBy(() -> WeightedAverager.average(List.of(result(0, 1, a), result(4, 1, b))))
        .isInstanceOf(NonFiniteStateException.class)
        .hasMessageContaining("worker 4").hasMessageContaining("'optimizer.w.step'");
  }

  @Test
  void differentLayoutsAreRefusedNamingTheTensor() {
    StateDict a = one("w", Tensor.ofFloats(new long[] {2}, 1f, 2f));
    StateDict b = one("w", Tensor.ofFloats(new long[] {1, 2}, 1f, 2f));
    assertThatThrownBy(() -> WeightedAverager.average(List.of(result(0, 1, a), result(1, 1, b))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 'w'");
  }

  @Test
  void duplicateWorkerIsRefused() {
    StateDict a = one("w", Tensor.ofFloats(new long[] {1}, 1f));
    assertThatThrownBy(() -> WeightedAverager.average(List.of(result(3, 1, a), result(3, 1, a))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker 3");
  }

  @Test
  void float64AndBFloat16AreAveragedInTheirOwnDType() {
    ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf.putShort(0, (short) (Float.floatToIntBits(1f) >>> 16));
    bf.putShort(2, (short) (Float.floatToIntBits(3f) >>> 16));
    StateDict a = StateDict.builder().put("d", Tensor.ofDoubles(new long[] {1}, 1.0))
        .put("h", Tensor.wrap(DType.BF16, new long[] {2}, bf)).build();
    ByteBuffer bf2 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf2.putShort(0, (short) (Float.floatToIntBits(3f) >>> 16));
    bf2.putShort(2, (short) (Float.floatToIntBits(5f) >>> 16));
    StateDict b = StateDict.builder().put("d", Tensor.ofDoubles(new long[] {1}, 2.0))
        .put("h", Tensor.wrap(DType.BF16, new long[] {2}, bf2)).build();
    StateDict avg = WeightedAverager.average(List.of(result(0, 1, a), result(1, 1, b)));
    assertThat(avg.require("d").asDoubleBuffer().get(0)).isEqualTo(1.5);
    Tensor h = avg.require("h");
    assertThat(h.dtype()).isEqualTo(DType.BF16);
    assertThat(Float.intBitsToFloat((h.data().getShort(0) & 0xffff) << 16)).isEqualTo(2f);
    assertThat(Float.intBitsToFloat((h.data().getShort(2) & 0xffff) << 16)).isEqualTo(4f);
  }

  @Test
  void aBFloat16MeanIsRoundedOnceFromTheDoubleNotThroughAFloatThatLandsOnAMidpoint() {
    double midpoint = 1 + 0x1p-8; // halfway between the bfloat16 values 1 and 1 + 2^-7
    assertThat(WeightedAverager.roundToBFloat16(midpoint + 0x1p-30)).as("just above: up")
        .isEqualTo(1 + 0x1p-7f);
    assertThat(WeightedAverager.roundToBFloat16(midpoint - 0x1p-30)).as("just below: down").isEqualTo(1f);
    assertThat(WeightedAverager.roundToBFloat16(midpoint)).as("a true tie: to even").isEqualTo(1f);
    assertThat(WeightedAverager.roundToBFloat16(-(midpoint + 0x1p-30))).as("negative, past the tie")
        .isEqualTo(-(1 + 0x1p-7f));
    assertThat(WeightedAverager.roundToBFloat16(1 + 3 * 0x1p-8)).as("a true tie: to even, up").isEqualTo(1 + 0x1p-6f);
  }
}
