package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import java.util.List;

/**
 * The key of a job's sample weights, {@code data.weight}: the column whose value weighs each training row in its
 * mini-batch's loss, as Spark ML's {@code weightCol} and a PyTorch loop that multiplies the per-row losses by a
 * weight. Blank (none) is not stored, so a job without it reads as one created before it existed.
 */
public final class SampleWeights {

  /** Key of the sample weight column; blank = every row weighs the same. */
  public static final String KEY = "data.weight";

  private SampleWeights() {}

  /** The weight column of {@code values} (a resolved job's or a checkpoint's keys), or "" when rows weigh the same. */
  public static String column(HyperParameters values) {
    return values.contains(KEY) ? values.getString(KEY).strip() : "";
  }

  /** Adds the declaration of {@code data.weight}. */
  static void declare(List<ParamSpec> s) {
    s.add(ParamSpec.builder(KEY, ParamType.STRING).optDefault("").optDoc("Sample weight column: a number >= 0 per "
        + "row (a null, negative or non-finite one makes the row bad, see data.bad_rows). A mini-batch's loss is its "
        + "rows' weighted mean, sum(s * loss) / sum(s), as Spark ML's weightCol and, in torch, (loss_fn(output, "
        + "target, reduction=\"none\") * s).sum() / s.sum() (with loss.class_weights w: divided by sum(s * w[y])); "
        + "a batch whose weights are all 0 has loss 0. Gradient accumulation shares a step by weight. The training "
        + "loss is the batches' losses averaged by rows; training accuracy and the held-out rows' metrics count every "
        + "row once (data.validation_path need not have the column). The weights are part of the data's digest. "
        + "Empty = every row weighs the same.").build());
  }
}
