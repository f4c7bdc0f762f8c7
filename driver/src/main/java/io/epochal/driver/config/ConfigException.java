package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A mistake in a job's configuration: an unknown key, a value of the wrong type or out of range,
 * an unregistered model, an unreadable data path. The message is one line that names the key,
 * the offending value and how to fix it; {@link #key()} returns the key alone.
 */
public class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String key;

  /** A configuration error about {@code key}; {@code message} must name the key and the fix. */
  public ConfigException(String key, String message) {
    super(oneLine(message));
    this.key = checkNotNull(key, "key");
  }

  /** A configuration error about {@code key} caused by {@code cause}. */
  public ConfigException(String key, String message, Throwable cause) {
    super(oneLine(message), cause);
    this.key = checkNotNull(key, "key");
  }

  /** The key the error is about. */
  public String key() {
    return key;
  }

  private static String oneLine(String message) {
    return checkNotNull(message, "message").replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
