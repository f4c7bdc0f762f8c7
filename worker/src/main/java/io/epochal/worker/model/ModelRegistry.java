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
import java.util.Locale;
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
  /** Factories listed on the class path that could not be loaded: what, and why. */
  private final List<String> broken;

  private ModelRegistry(Collection<? extends ModelFactory> list) {
    this(list, List.of());
  }

  private ModelRegistry(Collection<? extends ModelFactory> list, List<String> broken) {
    this.broken = List.copyOf(broken);
    LinkedHashMap<String, ModelFactory> m = new LinkedHashMap<>();
    for (ModelFactory f : list) {
      checkNotNull(f.name(), "factory %s has no name", f.getClass().getName());
      checkArgument(f.version() >= 1, "model %s from %s has version %s; versions start at 1",
          f.name(), f.getClass().getName(), f.version());
      ModelFactory prev = m.put(key(f.name(), f.version()), f);
      if (prev != null) {
        throw new ModelCodeException(String.format(Locale.ROOT,
            "model %s is registered twice, by %s and by %s; remove one of the jars from the classpath",
            key(f.name(), f.version()), prev.getClass().getName(), f.getClass().getName()), null);
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

  /** Most service-loading errors one registry records before it stops looking for factories. */
  private static final int MAX_BROKEN = 100;

  /**
   * A fresh registry of every factory {@code loader} can see. A factory that is listed but cannot
   * be loaded or instantiated is left out and remembered: the models of the others stay usable,
   * and asking for a model that is not registered names the broken factories and their jars.
   *
   * @throws ModelCodeException if two factories claim the same name and version
   */
  public static ModelRegistry load(ClassLoader loader) {
    List<ModelFactory> found = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (ModelFactory f : loadEach(ModelFactory.class, loader, broken)) {
      if (f.name() == null || f.name().isBlank() || f.version() < 1) {
        broken.add(f.getClass().getName() + " registers model '" + f.name() + "' v" + f.version()
            + ": a model needs a name and a version from 1");
      } else {
        found.add(f);
      }
    }
    if (broken.isEmpty()) {
      return new ModelRegistry(found, broken);
    }
    java.util.Map<String, String> listed = listed(loader);
    // a factory whose own class loaded but not its superclass's (a jar missing) names only that class: the factories
    // listed that neither loaded nor are named by another error are the candidates
    java.util.Set<String> loaded = new java.util.HashSet<>();
    found.forEach(f -> loaded.add(f.getClass().getName()));
    List<String> unnamed = listed.keySet().stream().filter(c -> !loaded.contains(c))
        .filter(c -> broken.stream().noneMatch(b -> names(b, c))).toList();
    List<String> described = new ArrayList<>();
    for (String b : broken) {
      List<String> classes = listed.keySet().stream().filter(c -> names(b, c)).toList();
      described.add(classes.isEmpty() && !unnamed.isEmpty() ? b + " (loading one of the factories listed in "
          + unnamed.stream().map(c -> c + " of " + listed.get(c)).collect(java.util.stream.Collectors.joining(", "))
          + ")" : b + (classes.isEmpty() ? "" : ", listed in " + classes.stream().map(listed::get).distinct()
          .collect(java.util.stream.Collectors.joining(", "))));
    }
    return new ModelRegistry(found, described);
  }

  /**
   * Every provider of {@code service} that {@code loader} lists and can load and instantiate; each one that cannot
   * (a class missing, compiled for a newer Java, without a public no-arg constructor, or whose superclass's jar is
   * missing) is left out and its error added to {@code broken}, up to 100 of them: the others stay usable.
   */
  public static <S> List<S> loadEach(Class<S> service, ClassLoader loader, List<String> broken) {
    List<S> found = new ArrayList<>();
    java.util.Iterator<S> it = ServiceLoader.load(service, loader).iterator();
    while (broken.size() < MAX_BROKEN) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (java.util.ServiceConfigurationError e) {
        broken.add(e.getMessage() + (e.getCause() == null || e.getCause().getMessage() == null ? ""
            : " (" + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage() + ")"));
      } catch (LinkageError | RuntimeException e) { // the iterator goes on with the next listed provider
        broken.add(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
    return found;
  }

  /** Whether error text {@code text} names class {@code c}, as a class name or a class file path. */
  private static boolean names(String text, String c) {
    return text.contains(c) || text.contains(c.replace('.', '/'));
  }

  /** The factory classes {@code loader}'s service files list, each with the jar (or directory) that lists it. */
  private static java.util.Map<String, String> listed(ClassLoader loader) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    try {
      String services = "META-INF/services/" + ModelFactory.class.getName();
      for (java.net.URL url : Collections.list(loader.getResources(services))) {
        String where = url.toString();
        String jar = where.startsWith("jar:") ? where.substring(4, where.indexOf("!/") > 0 ? where.indexOf("!/")
            : where.length()) : where;
        try (java.io.InputStream in = url.openStream()) {
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
              .map(l -> l.replaceFirst("#.*", "").strip()).filter(c -> !c.isEmpty()).forEach(c -> out.putIfAbsent(c,
                  jar));
        }
      }
    } catch (java.io.IOException | RuntimeException ignored) {
      // the errors' own texts still name the classes
    }
    return out;
  }

  /**
   * The factories listed on the class path that could not be loaded, each with why and the jars
   * that list it; empty when every one loaded.
   */
  public List<String> broken() {
    return broken;
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
    String message = String.format(Locale.ROOT, "unknown model %s%s; registered: %s", key(name, version), hint,
        factories.isEmpty() ? "none" : registered());
    if (!broken.isEmpty()) {
      // the model asked for may be one of these: say why they are missing
      throw new ModelCodeException(message + "; not loaded, from a jar on the class path: "
          + String.join("; ", broken) + ". Fix or remove that jar", null);
    }
    throw new IllegalArgumentException(message);
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
    return build(f, f.params().resolve(checkNotNull(raw, "hyperparameters")), device);
  }

  /**
   * {@code f.create(resolved, device)}, a failure of the factory's own code as a {@link
   * ModelCodeException} naming the model and the factory class.
   */
  public static EpochalModel build(ModelFactory f, HyperParameters resolved, Device device) {
    List<ai.djl.ndarray.NDManager> outer = BaseEpochalModel.BUILDING.get();
    List<ai.djl.ndarray.NDManager> made = new java.util.ArrayList<>();
    BaseEpochalModel.BUILDING.set(made);
    try {
      EpochalModel built = f.create(resolved, device);
      refuseReservedNames(f, built);
      if (outer != null) {
        outer.addAll(made); // a model built inside another's build: the outer one's failure closes it too
      }
      return built;
    } catch (RuntimeException | LinkageError e) {
      made.forEach(ai.djl.ndarray.NDManager::close); // the native memory of what was built before it failed
      if (e instanceof ModelCodeException) {
        throw (ModelCodeException) e;
      }
      if (e instanceof ModelFactory.CpuOnlyException) {
        throw new ModelCodeException(e.getMessage(), e); // a device the model is not built for: says what to do
      }
      throw new ModelCodeException("model " + key(f.name(), f.version()) + ": its factory " + f.getClass().getName()
          + " failed to build it: " + e + " (the model's own code: fix it, or put a jar that builds it on the class "
          + "path)", e);
    } finally {
      BaseEpochalModel.BUILDING.set(outer);
    }
  }

  /**
   * The prefixes of a combined state's other parts (the optimizer's state and the moving average, {@code
   * LocalRound.OPTIMIZER_PREFIX} and {@code ModelEma.PREFIX}), which no model tensor may start with.
   */
  public static final List<String> RESERVED_PREFIXES = List.of("optimizer.", "ema.");

  /**
   * Refuses a model whose state names a tensor as a combined state's other parts are named: rounds and checkpoints
   * would take it for the optimizer's state or the moving average (a model of torch's {@code self.ema = ...}, say).
   */
  private static void refuseReservedNames(ModelFactory f, EpochalModel built) {
    for (String name : built.stateView().names()) {
      for (String prefix : RESERVED_PREFIXES) {
        if (name.startsWith(prefix)) {
          throw new ModelCodeException("model " + key(f.name(), f.version()) + " names a tensor '" + name + "': names "
              + "starting with " + String.join(" or ", RESERVED_PREFIXES.stream().map(p -> "'" + p + "'").toList())
              + " are reserved for the optimizer's state and the moving average in a round's state and checkpoints; "
              + "register that module under another name in the model's constructor and give the model a new "
              + "version() (worker/MODELS.md)", null);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ModelRegistry[" + registered() + "]";
  }
}
