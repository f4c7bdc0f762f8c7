package io.epochal.worker.ema;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.state.StatePrefix;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exponential moving average of a model's tensors, updated after every optimizer step (or every n-th, {@link
 * EmaSettings}) as {@code ema = decay * ema + (1 - decay) * tensor}: PyTorch's {@code
 * torch.optim.swa_utils.AveragedModel(model, avg_fn=lambda ema, p, n: decay * ema + (1 - decay) * p,
 * use_buffers=True)} with {@code update_parameters(model)} after each {@code optimizer.step()}, and timm's {@code
 * ModelEmaV2}. As {@code AveragedModel}, the job's first update copies the model (its {@code n_averaged} is 0
 * then). Every float32 tensor is averaged, parameters and buffers
 * alike (BatchNorm's running statistics), so the average evaluates with statistics of its own; counters such as
 * {@code num_batches_tracked} are the model's.
 *
 * <p>The arithmetic is float32 in the order torch's expression takes (the decay and {@code 1 - decay} rounded to
 * float32 once, two products, one sum, no fused multiply-add), on the host, so the average is the same bits on
 * every device and engine. Not thread-safe: one per round.
 */
public final class ModelEma {

  /** Prefix of the average's tensors inside a combined state dict. */
  public static final String PREFIX = "ema.";

  private static final StatePrefix PARTS = new StatePrefix(PREFIX);

  private final float decay;
  private final float complement;
  /** The average's tensors in the model's order; a float32 one as its values, updated in place. */
  private final Map<String, Tensor> layouts;
  private final Map<String, float[]> values;
  private float[] scratch = new float[0];

  private ModelEma(double decay, StateDict start) {
    checkArgument(decay > 0 && decay < 1, "EMA decay must be > 0 and < 1, got %s", decay);
    this.decay = (float) decay;
    this.complement = (float) (1.0 - decay);
    this.layouts = new LinkedHashMap<>();
    this.values = new HashMap<>();
    start.asMap().forEach((name, t) -> {
      layouts.put(name, t);
      if (t.dtype() == DType.F32) {
        values.put(name, t.toFloatArray());
      }
    });
  }

  /**
   * The average {@code averaged} (unprefixed names, as the model's) continued with {@code decay}.
   *
   * @throws IllegalArgumentException when {@code decay} is not in (0, 1)
   */
  public static ModelEma continuing(double decay, StateDict averaged) {
    return new ModelEma(decay, checkNotNull(averaged, "averaged"));
  }

  /**
   * Updates the average with the model's tensors after a step; {@code first} (the job's first update) copies them.
   *
   * @throws IllegalArgumentException when {@code model}'s names, dtypes or shapes are not the average's, naming
   *     the tensor
   */
  public void update(StateDict model, boolean first) {
    update(model, first, decay, complement);
  }

  /**
   * As {@link #update(StateDict, boolean)}, blending with {@code decay} instead of the average's own (a warming-up
   * decay, {@link EmaSettings#decayAfter}), rounded to float32 as the average's is.
   *
   * @throws IllegalArgumentException when {@code decay} is not in [0, 1), or as {@link #update(StateDict, boolean)}
   */
  public void update(StateDict model, boolean first, double decay) {
    checkArgument(decay >= 0 && decay < 1, "EMA decay must be >= 0 and < 1, got %s", decay);
    update(model, first, (float) decay, (float) (1.0 - decay));
  }

  private void update(StateDict model, boolean first, float decay, float complement) {
    checkArgument(model.size() == layouts.size(), "the model has %s tensors but its moving average %s: "
        + "the average belongs to another model", model.size(), layouts.size());
    for (Map.Entry<String, Tensor> e : model.asMap().entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      Tensor average = layouts.get(name);
      checkArgument(average != null && average.sameLayout(t), "tensor '%s' of the model (%s %s) does not match its"
          + " moving average (%s)", name, t.dtype(), Arrays.toString(t.shape()),
          average == null ? "none" : average.dtype() + " " + Arrays.toString(average.shape()));
      float[] a = values.get(name);
      if (a == null) {
        layouts.put(name, t); // a counter: the model's
      } else if (first) {
        t.asFloatBuffer().get(0, a);
      } else {
        blend(a, t.asFloatBuffer(), decay, complement);
      }
    }
  }

  private void blend(float[] a, FloatBuffer current, float decay, float complement) {
    int n = a.length;
    if (scratch.length < n) {
      scratch = new float[n];
    }
    float[] p = scratch;
    current.get(0, p, 0, n);
    for (int i = 0; i < n; i++) {
      a[i] = decay * a[i] + complement * p[i];
    }
  }

  /** The average now, named as the model's tensors. */
  public StateDict stateDict() {
    StateDict.Builder b = StateDict.builder();
    layouts.forEach((name, t) -> {
      float[] a = values.get(name);
      b.put(name, a == null ? t : Tensor.ofFloats(t.shape(), a)); // a copy of the values
    });
    return b.build();
  }

  /** Whether a combined state holds a moving average. */
  public static boolean isPresent(StateDict combined) {
    return combined.names().stream().anyMatch(PARTS::holds);
  }

  /** The moving average's tensors of a combined state, without the prefix (empty when it holds none). */
  public static StateDict part(StateDict combined) {
    return PARTS.part(combined);
  }

  /** The average's tensors with the {@code ema.} prefix added. */
  public static StateDict prefixed(StateDict average) {
    return PARTS.prefixed(average);
  }
}
