package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.RoundResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Combines workers' states into one, in memory: the reference semantics of aggregation, used by
 * the shard reducers and by tests.
 *
 * <ul>
 *   <li>Every floating-point tensor becomes the sample-weighted mean over the workers with samples:
 *       {@code sum_w(samples_w * x_w) / sum_w(samples_w)}, summed in float64 in worker order and
 *       rounded to the tensor's dtype once, so the bits do not depend on task completion order.
 *   <li>Integer and boolean tensors (e.g. {@code num_batches_tracked}) and the optimizer's step counts
 *       ({@code optimizer.<param>.step}) take the element-wise maximum over the workers with samples; a
 *       model's own floating-point tensor named {@code step} is a weight like any other.
 *   <li>A worker with 0 samples contributes nothing; if every worker has 0 samples it is an error.
 *   <li>A NaN or infinity in a contributing worker's state, or in the result, raises
 *       {@link NonFiniteStateException} naming the worker, tensor and element.
 * </ul>
 *
 * <p>{@code F32}, {@code F64} and {@code BF16} tensors are averaged; an {@code F16} tensor is refused.
 */
public final class WeightedAverager {

  /**
   * Ends the message of every failure to average that the same round repeats, whatever the attempt:
   * what the workers returned cannot be averaged (a worker without samples in every round, models that
   * differ, a dtype aggregation does not support). It reaches the driver as text from a Spark task
   * too, and a round failing with it is not retried.
   */
  public static final String NOT_AVERAGED = " (so the round's states cannot be averaged)";

  /**
   * In the message of a failure to average states whose tensors differ between workers: their executors built other
   * models (another build of the model's code), not a fault of the job's data or spec.
   */
  public static final String MODELS_DIFFER = "all workers must train the same model";


  private static final int BLOCK = 16 * 1024;

  private WeightedAverager() {}

  /**
   * The averaged state of {@code results}, taken in worker order whatever order the list has.
   *
   * @throws IllegalArgumentException if two results have the same worker, every worker has 0
   *     samples, or the contributing workers' tensors differ in names, dtypes or shapes
   * @throws NonFiniteStateException if a contributing state or the result is not finite
   */
  public static StateDict average(List<RoundResult> results) {
    checkNotNull(results, "results");
    List<RoundResult> ordered = inWorkerOrder(results);
    List<RoundResult> contributing = new ArrayList<>();
    long total = 0;
    for (RoundResult r : ordered) {
      if (r.samples() > 0) {
        contributing.add(r);
        total = Math.addExact(total, r.samples());
      }
    }
    checkArgument(!contributing.isEmpty(),
        "all %s workers returned 0 samples this round, so there is nothing to average; "
            + "give every round data (fewer rounds per epoch or fewer workers)" + NOT_AVERAGED, ordered.size());
    RoundResult first = contributing.get(0);
    List<String> names = first.state().nameList();
    for (RoundResult r : contributing) {
      checkArgument(r.state().nameList().equals(names),
          "worker %s returned tensors %s but worker %s returned %s; " + MODELS_DIFFER + NOT_AVERAGED,
          r.worker(), r.state().names(), first.worker(), names);
    }
    if (contributing.size() == 1) {
      // the average of one worker is its own state: check it rather than compute it again
      for (String name : names) {
        Tensor t = first.state().get(name);
        checkAggregatable(name, t.dtype());
        requireFinite(first.worker(), name, t);
      }
      return first.state();
    }
    StateDict.Builder out = StateDict.builder();
    Tensor[] inputs = new Tensor[contributing.size()];
    for (String name : names) {
      Tensor ref = first.state().get(name);
      for (int k = 0; k < inputs.length; k++) {
        inputs[k] = contributing.get(k).state().get(name);
        checkArgument(inputs[k].sameLayout(ref),
            "tensor '%s' is %s on worker %s but %s on worker %s; " + MODELS_DIFFER + NOT_AVERAGED,
            name, inputs[k], contributing.get(k).worker(), ref, first.worker());
      }
      out.put(name, combine(name, ref.dtype(), ref.shape(), inputs, contributing, total));
    }
    return out.build();
  }

  /**
   * Checks that every floating-point element of {@code worker}'s {@code state} is finite.
   *
   * @throws NonFiniteStateException naming the worker, the tensor and the first such element
   */
  public static void requireFinite(int worker, StateDict state) {
    checkNotNull(state, "state");
    for (Map.Entry<String, Tensor> e : state) {
      requireFinite(worker, e.getKey(), e.getValue());
    }
  }

  private static void requireFinite(int worker, String name, Tensor t) {
    if (!isFloating(t.dtype())) {
      return;
    }
    int n = Math.toIntExact(t.numel());
    double[] block = new double[Math.min(BLOCK, Math.max(n, 1))];
    ByteBuffer data = t.data();
    for (int off = 0; off < n; off += block.length) {
      int m = Math.min(block.length, n - off);
      read(t.dtype(), data, off, m, block);
      for (int j = 0; j < m; j++) {
        if (!Double.isFinite(block[j])) {
          throw new NonFiniteStateException(worker, name, off + j, block[j]);
        }
      }
    }
  }

  private static void checkAggregatable(String name, DType dtype) {
    checkArgument(dtype != DType.F16,
        "tensor '%s' has dtype F16, which aggregation does not support; train in F32 or BF16" + NOT_AVERAGED, name);
  }

  /** Whether tensor {@code name} of {@code dtype} takes the maximum rather than the mean. */
  public static boolean takesMaximum(String name, DType dtype) {
    return !isFloating(dtype) || name.startsWith(io.epochal.worker.round.LocalRound.OPTIMIZER_PREFIX)
        && name.endsWith(".step");
  }

  private static boolean isFloating(DType dtype) {
    return dtype == DType.F32 || dtype == DType.F64 || dtype == DType.BF16 || dtype == DType.F16;
  }

  static List<RoundResult> inWorkerOrder(List<RoundResult> results) {
    List<RoundResult> ordered = new ArrayList<>(results);
    ordered.sort(Comparator.comparingInt(RoundResult::worker));
    for (int i = 1; i < ordered.size(); i++) {
      checkArgument(ordered.get(i).worker() != ordered.get(i - 1).worker(),
          "worker %s returned two results in one round; each worker returns exactly one",
          ordered.get(i).worker());
    }
    return ordered;
  }

  private static Tensor combine(String name, DType dtype, long[] shape, Tensor[] inputs,
      List<RoundResult> workers, long total) {
    checkAggregatable(name, dtype);
    int n = Math.toIntExact(Tensor.numel(shape));
    if (takesMaximum(name, dtype)) {
      return maximum(name, dtype, shape, n, inputs, workers);
    }
    // block by block: each element's sum is still taken over the workers in worker order, from 0, so the
    // bits are those of summing whole tensors, without a float64 copy of the tensor
    int len = Math.min(BLOCK, Math.max(n, 1));
    double[] acc = new double[len];
    double[] block = new double[len];
    ByteBuffer[] data = new ByteBuffer[inputs.length];
    for (int k = 0; k < inputs.length; k++) {
      data[k] = inputs[k].data();
    }
    ByteBuffer out = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    double divisor = total;
    for (int off = 0; off < n; off += len) {
      int m = Math.min(len, n - off);
      Arrays.fill(acc, 0, m, 0.0);
      for (int k = 0; k < inputs.length; k++) {
        double weight = workers.get(k).samples();
        read(dtype, data[k], off, m, block);
        for (int j = 0; j < m; j++) {
          double x = block[j];
          if (!Double.isFinite(x)) {
            requireFinite(inputs, workers, name); // names the first such element in worker order
          }
          acc[j] += weight * x;
        }
      }
      for (int j = 0; j < m; j++) {
        double mean = acc[j] / divisor;
        double stored;
        int at = off + j;
        switch (dtype) {
          case F32:
            float f = (float) mean;
            out.putFloat(at * 4, f);
            stored = f;
            break;
          case F64:
            out.putDouble(at * 8, mean);
            stored = mean;
            break;
          default: // BF16
            float r = roundToBFloat16(mean);
            out.putShort(at * 2, (short) (Float.floatToRawIntBits(r) >>> 16));
            stored = r;
            break;
        }
        if (!Double.isFinite(stored)) {
          requireFinite(inputs, workers, name); // a worker's non-finite element later on is named first
          throw new NonFiniteStateException(NonFiniteStateException.AGGREGATED, name, at, stored);
        }
      }
    }
    return Tensor.wrap(dtype, shape, out);
  }

  /** Throws for the first non-finite element of {@code inputs} in worker order, if there is one. */
  private static void requireFinite(Tensor[] inputs, List<RoundResult> workers, String name) {
    for (int k = 0; k < inputs.length; k++) {
      requireFinite(workers.get(k).worker(), name, inputs[k]);
    }
  }

  private static void read(DType dtype, ByteBuffer data, int off, int m, double[] into) {
    switch (dtype) {
      case F32:
        for (int j = 0; j < m; j++) {
          into[j] = data.getFloat((off + j) * 4);
        }
        break;
      case F64:
        for (int j = 0; j < m; j++) {
          into[j] = data.getDouble((off + j) * 8);
        }
        break;
      default: // BF16
        for (int j = 0; j < m; j++) {
          into[j] = Float.intBitsToFloat((data.getShort((off + j) * 2) & 0xffff) << 16);
        }
        break;
    }
  }

  /**
   * {@code d} rounded to the nearest bfloat16 (half to even), once: through the nearest float
   * first, a value just past a bfloat16 midpoint can round to the midpoint, whose tie then goes to
   * the even neighbour instead of the nearer one; such a tie is broken by the side {@code d} was on.
   */
  static float roundToBFloat16(double d) {
    float f = (float) d;
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      return f;
    }
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0xffff) == 0x8000 && f != d) {
      int truncated = bits & 0xffff0000;
      return Float.intBitsToFloat(Math.abs(d) > Math.abs((double) f) ? truncated + 0x10000 : truncated);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1); // round half to even on the kept bits
    return Float.intBitsToFloat(rounded & 0xffff0000);
  }

  private static Tensor maximum(String name, DType dtype, long[] shape, int n, Tensor[] inputs,
      List<RoundResult> workers) {
    int size = dtype.byteSize();
    ByteBuffer out = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer[] data = new ByteBuffer[inputs.length];
    for (int k = 0; k < inputs.length; k++) {
      data[k] = inputs[k].data();
    }
    double[] one = new double[1];
    for (int j = 0; j < n; j++) {
      int at = j * size;
      int best = 0;
      for (int k = 0; k < data.length; k++) {
        if (isFloating(dtype)) {
          read(dtype, data[k], j, 1, one);
          if (!Double.isFinite(one[0])) {
            throw new NonFiniteStateException(workers.get(k).worker(), name, j, one[0]);
          }
        }
        if (k > 0 && greater(dtype, data[k], data[best], at)) {
          best = k;
        }
      }
      for (int b = 0; b < size; b++) {
        out.put(at + b, data[best].get(at + b));
      }
    }
    return Tensor.wrap(dtype, shape, out);
  }

  private static boolean greater(DType dtype, ByteBuffer a, ByteBuffer b, int at) {
    switch (dtype) {
      case I64:
        return a.getLong(at) > b.getLong(at);
      case I32:
        return a.getInt(at) > b.getInt(at);
      case U8:
      case BOOL:
        return (a.get(at) & 0xff) > (b.get(at) & 0xff);
      case I8:
        return a.get(at) > b.get(at);
      case F32:
        return a.getFloat(at) > b.getFloat(at);
      case F64:
        return a.getDouble(at) > b.getDouble(at);
      case BF16:
        return Float.intBitsToFloat((a.getShort(at) & 0xffff) << 16)
            > Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
      default:
        throw new IllegalArgumentException("dtype " + dtype + " has no maximum; supported: "
            + Arrays.toString(DType.values()));
    }
  }
}
