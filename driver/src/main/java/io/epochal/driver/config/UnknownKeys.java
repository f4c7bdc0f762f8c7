package io.epochal.driver.config;

import io.epochal.params.ParamSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The error for a key no job declares, suggesting the key meant: the nearest fixed key, or the key
 * with a misspelled {@code model.}, {@code optimizer.} or {@code schedule.} prefix corrected when
 * the chosen optimizer or schedule declares it.
 */
final class UnknownKeys {

  private UnknownKeys() {}

  /**
   * The error for unknown key {@code key} (from {@code source}), suggesting the nearest of {@code
   * known}, with {@code hint} on where the valid keys are listed.
   */
  static ConfigException of(String key, String source, Iterable<String> known, String hint) {
    List<String> candidates = new ArrayList<>();
    known.forEach(candidates::add);
    String near = ParamSpecs.nearest(key, candidates);
    return new ConfigException(key, "unknown key '" + key + "' (from " + source + ")"
        + (near == null ? "; remove it" : "; did you mean '" + near + "'?") + " (" + hint + ")");
  }

  /**
   * The error for {@code key} (from {@code source}), which is neither a fixed key nor under a model,
   * optimizer or schedule prefix; {@code raw} holds the spec's other keys (the optimizer and schedule
   * chosen), checked against {@code catalog} when not null.
   */
  static ConfigException unprefixed(String key, String source, Map<String, SpecValidator.Sourced> raw,
      ModelCatalog catalog) {
    List<String> candidates = allKnownKeys();
    String corrected = withNearPrefixCorrected(key);
    Optional<String> undeclared = corrected == null ? Optional.empty() : undeclaredBy(corrected, raw, catalog);
    if (corrected != null && undeclared.isEmpty()) {
      candidates.add(corrected);
    }
    return of(key, source, candidates, undeclared.orElse("see conf/REFERENCE.md for every key"));
  }

  /**
   * {@code key} with its first segment replaced by the model, optimizer or schedule prefix it is
   * a misspelling of ({@code optimzer.lr} to {@code optimizer.lr}), or null.
   */
  private static String withNearPrefixCorrected(String key) {
    int dot = key.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    String head = key.substring(0, dot + 1);
    for (String p : List.of(JobKeys.MODEL_PREFIX, JobKeys.OPTIMIZER_PREFIX, JobKeys.SCHEDULE_PREFIX)) {
      if (ParamSpecs.editDistance(head, p) <= 2) {
        return p + key.substring(dot + 1);
      }
    }
    return null;
  }

  /**
   * For a key whose misspelled prefix was corrected to {@code corrected} ({@code optimzer.momentum}
   * to {@code optimizer.momentum}): why the corrected key would be refused too, when the chosen
   * optimizer or schedule does not declare it, so no such key is suggested.
   */
  private static Optional<String> undeclaredBy(String corrected, Map<String, SpecValidator.Sourced> raw,
      ModelCatalog catalog) {
    String nameKey = corrected.startsWith(JobKeys.OPTIMIZER_PREFIX) ? JobKeys.OPTIMIZER_NAME
        : corrected.startsWith(JobKeys.SCHEDULE_PREFIX) ? JobKeys.SCHEDULE_NAME : null;
    if (catalog == null || nameKey == null) {
      return Optional.empty();
    }
    SpecValidator.Sourced given = raw.get(nameKey);
    String name = String.valueOf(given != null ? given.value : JobKeys.specs().get(nameKey).defaultValue());
    String prefix = nameKey.substring(0, nameKey.indexOf('.') + 1);
    Optional<ParamSpecs> specs = prefix.equals(JobKeys.OPTIMIZER_PREFIX) ? catalog.optimizer(name)
        : catalog.schedule(name);
    String suffix = corrected.substring(prefix.length());
    if (specs.isEmpty() || specs.get().get(suffix) != null) {
      return Optional.empty();
    }
    List<String> declared = new ArrayList<>();
    specs.get().all().forEach(spec -> declared.add(prefix + spec.name()));
    return Optional.of(nameKey + " = '" + name + "' declares no " + corrected + " either; it declares " + declared);
  }

  private static List<String> allKnownKeys() {
    List<String> keys = new ArrayList<>();
    JobKeys.specs().all().forEach(s -> keys.add(s.name()));
    return keys;
  }
}
