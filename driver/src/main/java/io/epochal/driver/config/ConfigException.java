package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A mistake in a job's configuration: an unknown key, a value of the wrong type or out of range,
 * an unregistered model, an unreadable data path. The message is one line that names the key,
 * the offending value and how to fix it; {@link #key()} returns the key alone. Several mistakes found
 * at once are one error whose {@link #problems()} lists each ({@link #of}).
 */
public class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String key;
  private final List<String> problems;

  /** A configuration error about {@code key}; {@code message} must name the key and the fix. */
  public ConfigException(String key, String message) {
    super(oneLine(message));
    this.key = checkNotNull(key, "key");
    this.problems = List.of(getMessage());
  }

  /** A configuration error about {@code key} caused by {@code cause}. */
  public ConfigException(String key, String message, Throwable cause) {
    super(oneLine(message), cause);
    this.key = checkNotNull(key, "key");
    this.problems = List.of(getMessage());
  }

  private ConfigException(List<ConfigException> all) {
    super(all.size() + " problems: " + IntStream.range(0, all.size())
        .mapToObj(i -> "(" + (i + 1) + ") " + all.get(i).getMessage()).collect(Collectors.joining(" ")),
        all.get(0));
    this.key = all.get(0).key();
    this.problems = all.stream().map(Throwable::getMessage).collect(Collectors.toUnmodifiableList());
  }

  /**
   * One error for every problem in {@code all} (non-empty): the problem itself when there is one,
   * else an error about the first key whose {@link #problems()} lists each message in order.
   */
  public static ConfigException of(List<ConfigException> all) {
    checkArgument(!all.isEmpty(), "no configuration problem given");
    return all.size() == 1 ? all.get(0) : new ConfigException(List.copyOf(all));
  }

  /** The key the error is about (the first one, for several problems). */
  public String key() {
    return key;
  }

  /** Each problem's one-line message; a single problem's is the message itself. */
  public List<String> problems() {
    return problems;
  }

  private static String oneLine(String message) {
    return checkNotNull(message, "message").replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
