package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpecs;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.WeakHashMap;
import java.util.stream.Collectors;

/**
 * The models available to a process: every {@link ModelFactory} that {@link ServiceLoader} finds,
 * keyed by (name, version). Immutable and thread-safe.
 *
 * <p>A checkpoint names its model by {@code model.name} and {@code model.version}; the registry
 * turns those and the stored hyperparameters back into the same structure. A user adds a model by
 * putting a jar with a {@code META-INF/services/io.epochal.worker.model.ModelFactory} entry on the
 * classpath (see {@code worker/MODELS.md}).
 */
public final class ModelRegistry {

  private static final Map<ClassLoader, ModelRegistry> DEFAULTS = new WeakHashMap<>();

  private final Map<String, ModelFactory> factories; // key "name v<version>", discovery order

  private ModelRegistry(Collection<? extends ModelFactory> list) {
    LinkedHashMap<String, ModelFactory> m = new LinkedHashMap<>();
    for (ModelFactory f : list) {
      checkNotNull(f.name(), "factory %s has no name", f.getClass().getName());
      checkArgument(f.version() >= 1, "model %s from %s has version %s; versions start at 1",
          f.name(), f.getClass().getName(), f.version());
      ModelFactory prev = m.put(key(f.name(), f.version()), f);
      if (prev != null) {
        throw new IllegalStateException(String.format(
            "model %s is registered twice, by %s and by %s; remove one of the jars from the classpath",
            key(f.name(), f.version()), prev.getClass().getName(), f.getClass().getName()));
      }
    }
    this.factories = Collections.unmodifiableMap(m);
  }

  private static String key(String name, int version) {
    return name + " v" + version;
  }

  /**
   * The registry of the current thread's context class loader (on a Spark executor, the one that
   * sees the jars given to {@code --jars}), falling back to this class's loader; cached per loader.
   */
  public static ModelRegistry getDefault() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ModelRegistry.class.getClassLoader();
    }
    synchronized (DEFAULTS) {
      return DEFAULTS.computeIfAbsent(loader, ModelRegistry::load);
    }
  }

  /**
   * A fresh registry of every factory {@code loader} can see.
   *
   * @throws IllegalStateException if two factories claim the same name and version
   * @throws java.util.ServiceConfigurationError if a listed factory cannot be instantiated
   */
  public static ModelRegistry load(ClassLoader loader) {
    List<ModelFactory> found = new ArrayList<>();
    ServiceLoader.load(ModelFactory.class, loader).forEach(found::add);
    return new ModelRegistry(found);
  }

  /**
   * A registry of exactly {@code factories}, e.g. for tests or embedding.
   *
   * @throws IllegalStateException if two factories claim the same name and version
   */
  public static ModelRegistry of(Collection<? extends ModelFactory> factories) {
    return new ModelRegistry(factories);
  }

  /** Every registered factory, in discovery order. */
  public Collection<ModelFactory> factories() {
    return factories.values();
  }

  /** What is registered, e.g. {@code mlp v1, cnn v1, mlp-offset v1}. */
  public String registered() {
    return String.join(", ", factories.keySet());
  }

  /** Whether {@code name} at {@code version} is registered. */
  public boolean contains(String name, int version) {
    return factories.containsKey(key(name, version));
  }

  /**
   * The factory of {@code name} at {@code version}.
   *
   * @throws IllegalArgumentException naming the request and listing what is registered (and the
   *     versions of {@code name} when only the version is wrong)
   */
  public ModelFactory get(String name, int version) {
    checkNotNull(name, "model name");
    ModelFactory f = factories.get(key(name, version));
    if (f != null) {
      return f;
    }
    List<Integer> versions = factories.values().stream().filter(x -> x.name().equals(name))
        .map(ModelFactory::version).sorted().collect(Collectors.toList());
    String hint;
    if (!versions.isEmpty()) {
      hint = "; model " + name + " exists in version" + (versions.size() == 1 ? " " : "s ")
          + versions.stream().map(String::valueOf).collect(Collectors.joining(", "));
    } else {
      String near = ParamSpecs.nearest(name,
          factories.values().stream().map(ModelFactory::name).collect(Collectors.toSet()));
      hint = near == null ? "; add a jar that registers it in META-INF/services/" + ModelFactory.class.getName()
          : " (did you mean '" + near + "'?)";
    }
    throw new IllegalArgumentException(String.format(
        "unknown model %s%s; registered: %s", key(name, version), hint,
        factories.isEmpty() ? "none" : registered()));
  }

  /**
   * Resolves raw hyperparameters of a model: defaults filled in, everything checked.
   *
   * @throws IllegalArgumentException for an unknown model, or naming the missing, unknown,
   *     mistyped or out-of-range key with its expected type and range
   */
  public HyperParameters resolve(String name, int version, HyperParameters raw) {
    return get(name, version).params().resolve(checkNotNull(raw, "hyperparameters"));
  }

  /** Resolves {@code raw} and builds the model on the CPU (uninitialised). */
  public EpochalModel create(String name, int version, HyperParameters raw) {
    return create(name, version, raw, Device.cpu());
  }

  /** Resolves {@code raw} and builds the model on {@code device} (uninitialised). */
  public EpochalModel create(String name, int version, HyperParameters raw, Device device) {
    ModelFactory f = get(name, version);
    return f.create(f.params().resolve(checkNotNull(raw, "hyperparameters")), device);
  }

  @Override
  public String toString() {
    return "ModelRegistry[" + registered() + "]";
  }
}
