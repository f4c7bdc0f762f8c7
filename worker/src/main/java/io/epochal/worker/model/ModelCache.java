package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps built models so that a Spark executor thread reuses one across rounds: the next round's
 * global state is loaded into the cached model instead of building (and allocating) a new one.
 * Keyed by {@link ModelKey}: name, version, resolved hyperparameters and device.
 *
 * <p>A cache holds at most {@code capacity} models and closes the least recently used one when a
 * new key needs room. A returned model stays owned by the cache: do not close it, and do not use
 * it after a later {@code acquire} has evicted it (with capacity 2, a round that alternates
 * between two models is safe). Not thread-safe: use {@link #forCurrentThread()}, one cache per
 * task thread, since models are not thread-safe either; the cache of a thread that ended is closed
 * when another thread next asks for its own.
 */
public final class ModelCache implements AutoCloseable {

  /** Models kept per cache unless told otherwise. */
  public static final int DEFAULT_CAPACITY = 2;

  private static final ThreadLocal<ModelCache> PER_THREAD = new ThreadLocal<>();
  /**
   * Every thread's cache by its thread, so that the cache of a thread that ended is closed by the
   * next thread that asks for its own: a model's native memory is held by the engine, not by the
   * thread, and Spark ends a task thread that stays idle for a minute (a retry's backoff, a wait
   * for storage), whose successor builds its models again.
   */
  private static final Map<Thread, ModelCache> BY_THREAD = new ConcurrentHashMap<>();

  private final ModelRegistry registry;
  private final int capacity;
  private final LinkedHashMap<ModelKey, EpochalModel> models = new LinkedHashMap<>(8, 0.75f, true);
  /**
   * Cached models handed out again since they were built and not yet proven to reload like a
   * freshly built model ({@link #needsReloadCheck}); by identity.
   */
  private final java.util.Set<EpochalModel> reusedUnproven =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  /** Cached models proven so ({@link #reloadChecked}); by identity. */
  private final java.util.Set<EpochalModel> proven =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  private long builds;

  /**
   * A cache that builds through {@code registry}.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public ModelCache(ModelRegistry registry, int capacity) {
    this.registry = checkNotNull(registry, "registry");
    checkArgument(capacity >= 1, "model cache capacity must be >= 1, got %s", capacity);
    this.capacity = capacity;
  }

  /**
   * The calling thread's cache over {@link ModelRegistry#getDefault()} with
   * {@link #DEFAULT_CAPACITY}, created on first use. Closing it removes it from the thread.
   */
  public static ModelCache forCurrentThread() {
    closeEnded();
    ModelCache c = PER_THREAD.get();
    if (c == null) {
      c = new ModelCache(ModelRegistry.getDefault(), DEFAULT_CAPACITY);
      PER_THREAD.set(c);
      BY_THREAD.put(Thread.currentThread(), c);
    }
    return c;
  }

  /**
   * Closes the per-thread caches of threads that have ended (their models can no longer be used),
   * freeing their models' native memory.
   *
   * @return how many caches it closed
   */
  static int closeEnded() {
    int closed = 0;
    for (Map.Entry<Thread, ModelCache> e : BY_THREAD.entrySet()) {
      if (!e.getKey().isAlive() && BY_THREAD.remove(e.getKey(), e.getValue())) {
        e.getValue().evictFor(e.getValue().capacity + 1);
        closed++;
      }
    }
    return closed;
  }

  /**
   * The cached model for these coordinates on the CPU, built (uninitialised) if absent. A reused
   * model holds whatever state it was left in: load or initialise before use.
   *
   * @throws IllegalArgumentException for an unknown model or bad hyperparameters
   */
  public EpochalModel acquire(String name, int version, HyperParameters raw) {
    return acquire(name, version, raw, Device.cpu());
  }

  /** As {@link #acquire(String, int, HyperParameters)} on {@code device}. */
  public EpochalModel acquire(String name, int version, HyperParameters raw, Device device) {
    ModelFactory factory = registry.get(name, version);
    HyperParameters resolved = factory.params().resolve(checkNotNull(raw, "hyperparameters"));
    ModelKey key = new ModelKey(name, version, resolved, device);
    EpochalModel model = models.get(key);
    if (model == null) {
      evictFor(1);
      model = ModelRegistry.build(factory, resolved, device);
      builds++;
      models.put(key, model);
    } else if (!proven.contains(model)) {
      reusedUnproven.add(model); // it may hold what its last use left outside its state dict
    }
    return model;
  }

  /**
   * The cached (or newly built) CPU model with {@code state} loaded into it.
   *
   * @throws IllegalArgumentException for an unknown model, bad hyperparameters, or a state dict that
   *     does not fit (every problem named)
   */
  public EpochalModel acquire(String name, int version, HyperParameters raw, StateDict state) {
    EpochalModel model = acquire(name, version, raw);
    model.loadStateDict(state);
    return model;
  }

  /**
   * Whether {@code model}, as the last {@code acquire} returned it, is a cached model handed out
   * again and not yet proven to reload like a freshly built one: a model that keeps state outside
   * its state dict carries it from one use to the next.
   */
  public boolean needsReloadCheck(EpochalModel model) {
    return reusedUnproven.contains(model);
  }

  /** Records that the cached {@code model} reloads like a freshly built one. */
  public void reloadChecked(EpochalModel model) {
    if (reusedUnproven.remove(model)) {
      proven.add(model);
    }
  }

  /**
   * A model for these coordinates built afresh, outside the cache (the caller closes it), to
   * compare a cached one with.
   */
  public EpochalModel buildFresh(String name, int version, HyperParameters raw, Device device) {
    ModelFactory factory = registry.get(name, version);
    return ModelRegistry.build(factory, factory.params().resolve(checkNotNull(raw, "hyperparameters")), device);
  }

  private void evictFor(int room) {
    Iterator<Map.Entry<ModelKey, EpochalModel>> it = models.entrySet().iterator();
    while (models.size() + room > capacity && it.hasNext()) {
      Map.Entry<ModelKey, EpochalModel> e = it.next();
      it.remove();
      reusedUnproven.remove(e.getValue());
      proven.remove(e.getValue());
      e.getValue().close();
    }
  }

  /** Models held now. */
  public int size() {
    return models.size();
  }

  /** How many models this cache has built so far (a measure of reuse). */
  public long builds() {
    return builds;
  }

  /** Closes every held model; a per-thread cache is also detached from its thread. */
  @Override
  public void close() {
    evictFor(capacity + 1);
    if (PER_THREAD.get() == this) {
      PER_THREAD.remove();
      BY_THREAD.remove(Thread.currentThread(), this);
    }
  }
}
