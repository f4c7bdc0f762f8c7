package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What one epoch's checkpoint holds before it is written: the model, optimizer and probe state
 * dicts, optionally the model's exponential moving average, and the manifest fields (a {@link
 * CheckpointManifest} without files; the store adds each file's size and SHA-256 when it writes
 * them). Immutable.
 */
public final class CheckpointContent {

  private final StateDict model;
  private final StateDict optimizer;
  private final StateDict probe;
  private final StateDict ema;
  private final CheckpointManifest manifest;

  private CheckpointContent(Builder b) {
    this.model = b.model;
    this.optimizer = b.optimizer;
    this.probe = b.probe;
    this.ema = b.ema;
    this.manifest = b.manifest;
  }

  /** A new builder; model and manifest are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The epoch, from the manifest. */
  public long epoch() {
    return manifest.epoch();
  }

  /** Every tensor that affects the model's output. */
  public StateDict model() {
    return model;
  }

  /** The optimizer state (may be empty, e.g. plain SGD). */
  public StateDict optimizer() {
    return optimizer;
  }

  /** The probe input and output (may be empty). */
  public StateDict probe() {
    return probe;
  }

  /**
   * The exponential moving average of the model's tensors, under the model's names, dtypes and
   * shapes; empty when the job keeps no EMA (then no {@link CheckpointStore#EMA_FILE} is written).
   */
  public StateDict ema() {
    return ema;
  }

  /** The manifest fields, without files. */
  public CheckpointManifest manifest() {
    return manifest;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CheckpointContent)) {
      return false;
    }
    CheckpointContent c = (CheckpointContent) o;
    return model.equals(c.model) && optimizer.equals(c.optimizer) && probe.equals(c.probe)
        && ema.equals(c.ema) && manifest.equals(c.manifest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, optimizer, probe, ema, manifest);
  }

  @Override
  public String toString() {
    return "CheckpointContent{epoch=" + epoch() + ", model=" + model.size() + " tensors, optimizer="
        + optimizer.size() + " tensors, probe=" + probe.size() + " tensors"
        + (ema.isEmpty() ? "" : ", ema=" + ema.size() + " tensors") + "}";
  }

  /** Builds {@link CheckpointContent}: {@code set*} required, {@code opt*} optional. */
  public static final class Builder {
    private StateDict model;
    private StateDict optimizer = StateDict.empty();
    private StateDict probe = StateDict.empty();
    private StateDict ema = StateDict.empty();
    private CheckpointManifest manifest;

    private Builder() {}

    /** The model state dict. */
    public Builder setModel(StateDict model) {
      this.model = checkNotNull(model, "model");
      return this;
    }

    /** The manifest fields; it must list no files (the store computes them). */
    public Builder setManifest(CheckpointManifest manifest) {
      checkNotNull(manifest, "manifest");
      checkArgument(manifest.files().isEmpty(),
          "manifest of epoch %s must not list files (%s); the store adds them when it writes",
          manifest.epoch(), manifest.files());
      this.manifest = manifest;
      return this;
    }

    /** The optimizer state dict (default empty). */
    public Builder optOptimizer(StateDict optimizer) {
      this.optimizer = checkNotNull(optimizer, "optimizer");
      return this;
    }

    /** The probe state dict (default empty). */
    public Builder optProbe(StateDict probe) {
      this.probe = checkNotNull(probe, "probe");
      return this;
    }

    /**
     * The exponential moving average of the model (default empty: none, and no EMA file). If not
     * empty, {@link #build()} requires exactly the model's tensor names, each with the model's dtype
     * and shape.
     */
    public Builder optEma(StateDict ema) {
      this.ema = checkNotNull(ema, "ema");
      return this;
    }

    /**
     * The content.
     *
     * @throws IllegalArgumentException if a non-empty EMA differs from the model in a tensor's name,
     *     dtype or shape (the message names the first such tensor)
     */
    public CheckpointContent build() {
      checkState(model != null, "checkpoint content needs setModel(...)");
      checkState(manifest != null, "checkpoint content needs setManifest(...)");
      if (!ema.isEmpty()) {
        checkEmaMatchesModel();
      }
      return new CheckpointContent(this);
    }

    private void checkEmaMatchesModel() {
      for (Map.Entry<String, Tensor> e : model) {
        Tensor m = e.getValue();
        Tensor a = ema.get(e.getKey());
        checkArgument(a != null, "EMA of epoch %s has no tensor '%s' (model: %s); it must hold exactly the "
            + "model's tensors", manifest.epoch(), e.getKey(), layout(m));
        checkArgument(a.sameLayout(m), "EMA tensor '%s' of epoch %s is %s but the model's is %s",
            e.getKey(), manifest.epoch(), layout(a), layout(m));
      }
      for (Map.Entry<String, Tensor> e : ema) {
        checkArgument(model.contains(e.getKey()), "EMA of epoch %s has tensor '%s' (%s), which the model does "
            + "not have; it must hold exactly the model's tensors", manifest.epoch(), e.getKey(),
            layout(e.getValue()));
      }
    }

    private static String layout(Tensor t) {
      return t.dtype() + " " + Arrays.toString(t.shape());
    }
  }
}
