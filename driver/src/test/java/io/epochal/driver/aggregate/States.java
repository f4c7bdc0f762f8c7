package io.epochal.driver.aggregate;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Model-shaped round results for aggregation tests and benchmarks. */
final class States {

  private States() {}

  /**
   * A state with about {@code params} float parameters in a few layers, a BatchNorm buffer pair,
   * {@code num_batches_tracked}, Adam moments and step counts, filled from {@code seed}.
   */
  static StateDict model(int params, long seed, long batchesTracked, float step) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int big = Math.max(1, params * 6 / 10);
    int mid = Math.max(1, params * 3 / 10);
    int small = Math.max(1, params - big - mid - 32);
    StateDict.Builder b = StateDict.builder();
    b.put("net.0.weight", floats(rnd, big));
    b.put("net.0.bias", floats(rnd, 16));
    b.put("net.1.weight", floats(rnd, mid));
    b.put("net.1.bias", floats(rnd, small));
    b.put("bn.running_mean", floats(rnd, 8));
    b.put("bn.running_var", floats(rnd, 8));
    b.put("bn.num_batches_tracked", Tensor.scalarLong(batchesTracked));
    b.put("optimizer.net.0.weight.exp_avg", floats(rnd, big));
    b.put("optimizer.net.0.weight.step", Tensor.scalarFloat(step));
    return b.build();
  }

  static Tensor floats(SplittableRandom rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return Tensor.ofFloats(new long[] {n}, v);
  }

  /**
   * Worker {@code w}'s result of a model whose bytes sit in one {@code [rows, 64]} weight (an embedding table, a
   * wide layer), beside a bias of 64.
   */
  static RoundResult wide(int w, int rows) {
    SplittableRandom rnd = new SplittableRandom(77 + w);
    float[] v = new float[rows * 64];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    StateDict state = StateDict.builder().put("embedding.weight", Tensor.ofFloats(new long[] {rows, 64}, v))
        .put("head.bias", floats(rnd, 64)).build();
    return new RoundResult(w, 50 + 13L * w, 2, 0.25 * w, state);
  }

  /** Worker {@code w}'s result in {@link #round}. */
  static RoundResult worker(int w, int params) {
    long samples = 100 + 37L * w;
    return new RoundResult(w, samples, 4 + w, 0.5 * samples + w, samples / 2 + w, model(params, 1000 + w, 10 + w,
        4 + w)).withAbsoluteErrors(0.125 * samples + w);
  }

  /** {@code workers} results with distinct states and sample counts {@code 100 + 37 * w}. */
  static List<RoundResult> round(int workers, int params) {
    List<RoundResult> out = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      out.add(worker(w, params));
    }
    return out;
  }
}
