package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.tensor.StateDict;
import java.util.Objects;

/**
 * What one epoch's checkpoint holds before it is written: the model, optimizer and probe state
 * dicts and the manifest fields (a {@link CheckpointManifest} without files; the store adds each
 * file's size and SHA-256 when it writes them). Immutable.
 */
public final class CheckpointContent {

  private final StateDict model;
  private final StateDict optimizer;
  private final StateDict probe;
  private final CheckpointManifest manifest;

  private CheckpointContent(Builder b) {
    this.model = b.model;
    this.optimizer = b.optimizer;
    this.probe = b.probe;
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
        && manifest.equals(c.manifest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, optimizer, probe, manifest);
  }

  @Override
  public String toString() {
    return "CheckpointContent{epoch=" + epoch() + ", model=" + model.size() + " tensors, optimizer="
        + optimizer.size() + " tensors, probe=" + probe.size() + " tensors}";
  }

  /** Builds {@link CheckpointContent}: {@code set*} required, {@code opt*} optional. */
  public static final class Builder {
    private StateDict model;
    private StateDict optimizer = StateDict.empty();
    private StateDict probe = StateDict.empty();
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

    /** The content. */
    public CheckpointContent build() {
      checkState(model != null, "checkpoint content needs setModel(...)");
      checkState(manifest != null, "checkpoint content needs setManifest(...)");
      return new CheckpointContent(this);
    }
  }
}
