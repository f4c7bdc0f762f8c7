package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.StateDict;
import io.epochal.worker.state.TensorConversion;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HostAdamTest {

  /** Shapes with a tensor larger than one block, one not a multiple of it, a 0-d and an empty one. */
  private static final long[][] SHAPES = {{70, 61}, {HostAdam.BLOCK + 3}, {5}, {}, {0, 4}};
  private static final int STEPS = 25;

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** Weights, then one gradient set per step, drawn from {@code seed} with magnitudes over 1e-6..1e2. */
  private List<float[]> draw(long seed, int sets) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<float[]> out = new ArrayList<>();
    for (int s = 0; s < sets; s++) {
      for (long[] shape : SHAPES) {
        float[] a = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < a.length; i++) {
          double scale = Math.pow(10, rng.nextInt(-6, 3));
          a[i] = (float) (rng.nextGaussian() * scale);
          if (rng.nextInt(50) == 0) {
            a[i] = 0f;
          }
        }
        out.add(a);
      }
    }
    return out;
  }

  /** Runs {@link #STEPS} steps with a varying learning rate; returns weights and optimizer state. */
  private StateDict run(Supplier<Adam.Builder> builder, boolean hostLoop, boolean transposedFirst,
      List<float[]> data, long[] hostUpdates) {
    try (NDManager m = manager.newSubManager();
        Adam opt = builder.get().setManager(m).optFusedKernel(Adam.FusedKernel.NEVER).hostLoop(hostLoop)
            .build()) {
      List<NDArray> weights = new ArrayList<>();
      for (int i = 0; i < SHAPES.length; i++) {
        Shape shape = new Shape(SHAPES[i]);
        if (i == 0 && transposedFirst) {
          long[] t = {SHAPES[0][1], SHAPES[0][0]};
          NDArray base = m.create(transposedCopy(data.get(0), SHAPES[0]), new Shape(t));
          weights.add(base.transpose());
        } else {
          weights.add(m.create(data.get(i), shape));
        }
      }
      for (int s = 0; s < STEPS; s++) {
        List<ParamSlot> slots = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
          float[] g = data.get((s % (data.size() / SHAPES.length - 1) + 1) * SHAPES.length + i);
          slots.add(ParamSlot.of("p" + i, weights.get(i), m.create(g, new Shape(SHAPES[i]))));
        }
        opt.step(slots, 1e-3 * (1 + s % 4));
      }
      hostUpdates[0] = opt.hostUpdates();
      StateDict.Builder out = StateDict.builder().putAll(opt.stateDict());
      for (int i = 0; i < SHAPES.length; i++) {
        NDArray w = weights.get(i);
        // reshaping through 1-d makes a contiguous copy of the transposed weight
        out.put("w" + i, TensorConversion.toTensor(w.reshape(new Shape(-1)).reshape(w.getShape())));
      }
      return out.build();
    }
  }

  private static float[] transposedCopy(float[] a, long[] shape) {
    int r = (int) shape[0];
    int c = (int) shape[1];
    float[] t = new float[a.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        t[j * r + i] = a[i * c + j];
      }
    }
    return t;
  }

  private void assertSameBits(Supplier<Adam.Builder> builder) {
    List<float[]> data = draw(7, 6);
    long[] hostUpdates = new long[1];
    long[] arrayUpdates = new long[1];
    StateDict host = run(builder, true, false, data, hostUpdates);
    StateDict arrays = run(builder, false, false, data, arrayUpdates);
    assertThat(hostUpdates[0]).isEqualTo((long) STEPS * SHAPES.length);
    assertThat(arrayUpdates[0]).isZero();
    assertThat(firstDifference(host, arrays)).isEmpty();
  }

  /** The first element whose bits differ between two state dicts of the same layout, or "". */
  private static String firstDifference(StateDict a, StateDict b) {
    assertThat(a.asMap().keySet()).containsExactlyElementsOf(b.asMap().keySet());
    for (String k : a.asMap().keySet()) {
      java.nio.FloatBuffer x = a.asMap().get(k).data().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      java.nio.FloatBuffer y = b.asMap().get(k).data().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (int i = 0; i < x.remaining(); i++) {
        if (Float.floatToRawIntBits(x.get(i)) != Float.floatToRawIntBits(y.get(i))) {
          return k + "[" + i + "]: " + x.get(i) + " vs " + y.get(i);
        }
      }
    }
    return "";
  }

  @Test
  void hostLoopGivesTheBitsOfTheArrayOperationsForAdam() {
    assertSameBits(Adam::builder);
  }

  @Test
  void hostLoopGivesTheBitsOfTheArrayOperationsWithL2WeightDecay() {
    assertSameBits(() -> Adam.builder().optWeightDecay(0.1).optBeta1(0.8).optEps(1e-3));
  }

  @Test
  void hostLoopGivesTheBitsOfTheArrayOperationsForAdamW() {
    assertSameBits(() -> Adam.adamWBuilder().optWeightDecay(0.05).optBeta2(0.99));
  }

  @Test
  void hostLoopZeroesTheWeightsWhenTheDecoupledDecayFactorReachesZero() {
    // the first step's lr is 1e-3, so 1 - lr * weight_decay is exactly 0 there: torch's
    // w.mul_(0) zeroes the weights, and so must both paths
    assertSameBits(() -> Adam.adamWBuilder().optWeightDecay(1000));
  }

  @Test
  void hostLoopGivesTheBitsOfTheArrayOperationsWithAmsgrad() {
    assertSameBits(() -> Adam.builder().optAmsgrad(true));
    assertSameBits(() -> Adam.adamWBuilder().optAmsgrad(true).optWeightDecay(0.2));
  }

  @Test
  void nonContiguousWeightTakesTheArrayOperationsAndGivesTheSameBits() {
    List<float[]> data = draw(11, 4);
    long[] hostUpdates = new long[1];
    long[] ignored = new long[1];
    StateDict transposed = run(Adam::builder, true, true, data, hostUpdates);
    StateDict plain = run(Adam::builder, false, false, data, ignored);
    assertThat(hostUpdates[0]).isEqualTo((long) STEPS * (SHAPES.length - 1));
    assertThat(firstDifference(transposed, plain)).isEmpty();
  }

  @Test
  void contiguousArraysAreWritableViewsAndTransposedOnesAreNot() {
    NDArray a = manager.arange(12f).reshape(3, 4);
    assertThat(HostAdam.writableView(a)).isTrue();
    assertThat(HostAdam.writableView(a.transpose())).isFalse();
    assertThat(HostAdam.writableView(manager.zeros(new Shape(0), DataType.FLOAT32))).isTrue();
    assertThat(a.toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  }
}
