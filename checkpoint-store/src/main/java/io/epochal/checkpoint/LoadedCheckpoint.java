package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import java.util.Objects;

/** A verified checkpoint read back: where it is, its manifest and its state dicts. Immutable. */
public final class LoadedCheckpoint {

  private final String path;
  private final CheckpointManifest manifest;
  private final StateDict model;
  private final StateDict optimizer;
  private final StateDict probe;
  private final StateDict ema;

  /** A loaded checkpoint at {@code path} without an EMA. */
  public LoadedCheckpoint(String path, CheckpointManifest manifest, StateDict model, StateDict optimizer,
      StateDict probe) {
    this(path, manifest, model, optimizer, probe, StateDict.empty());
  }

  /** A loaded checkpoint at {@code path} with the model's exponential moving average {@code ema} (may be empty). */
  public LoadedCheckpoint(String path, CheckpointManifest manifest, StateDict model, StateDict optimizer,
      StateDict probe, StateDict ema) {
    this(path, manifest, model, optimizer, probe, ema, true);
  }

  private LoadedCheckpoint(String path, CheckpointManifest manifest, StateDict model, StateDict optimizer,
      StateDict probe, StateDict ema, boolean withOptimizer) {
    this.path = checkNotNull(path, "path");
    this.manifest = checkNotNull(manifest, "manifest");
    this.model = checkNotNull(model, "model");
    this.optimizer = withOptimizer ? checkNotNull(optimizer, "optimizer") : null;
    this.probe = checkNotNull(probe, "probe");
    this.ema = checkNotNull(ema, "ema");
  }

  /**
   * A checkpoint at {@code path} whose files were all checked but whose optimizer state was not
   * kept (a store opened with {@link HadoopCheckpointStore.Builder#optWeightsOnly}).
   */
  static LoadedCheckpoint withoutOptimizer(String path, CheckpointManifest manifest, StateDict model,
      StateDict probe, StateDict ema) {
    return new LoadedCheckpoint(path, manifest, model, null, probe, ema, false);
  }

  /** The epoch. */
  public long epoch() {
    return manifest.epoch();
  }

  /** The checkpoint directory. */
  public String path() {
    return path;
  }

  /** The manifest, including files and digests. */
  public CheckpointManifest manifest() {
    return manifest;
  }

  /** The model state dict. */
  public StateDict model() {
    return model;
  }

  /**
   * The optimizer state dict.
   *
   * @throws IllegalStateException when it was not loaded ({@link #hasOptimizer()})
   */
  public StateDict optimizer() {
    if (optimizer == null) {
      throw new IllegalStateException("the optimizer state of checkpoint " + path + " was checked but not loaded: "
          + "its store was opened for the model's weights only (optWeightsOnly)");
    }
    return optimizer;
  }

  /** Whether the optimizer state was loaded (not for a store opened for the model's weights only). */
  public boolean hasOptimizer() {
    return optimizer != null;
  }

  /** The probe state dict. */
  public StateDict probe() {
    return probe;
  }

  /**
   * The exponential moving average of the model ({@link CheckpointStore#EMA_FILE}); empty when the
   * checkpoint has none.
   */
  public StateDict ema() {
    return ema;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LoadedCheckpoint)) {
      return false;
    }
    LoadedCheckpoint c = (LoadedCheckpoint) o;
    return path.equals(c.path) && manifest.equals(c.manifest) && model.equals(c.model)
        && Objects.equals(optimizer, c.optimizer) && probe.equals(c.probe) && ema.equals(c.ema);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, manifest, model, optimizer, probe, ema);
  }

  @Override
  public String toString() {
    return "LoadedCheckpoint{epoch=" + epoch() + ", path=" + path + "}";
  }
}
