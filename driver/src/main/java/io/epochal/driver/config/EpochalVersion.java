package io.epochal.driver.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Epochal's version, as the build wrote it into {@code epochal-version.properties}: recorded in
 * every checkpoint's manifest and printed by {@code epochal -V}, the same whether Epochal runs
 * from its jars or from a build's class folders.
 */
public final class EpochalVersion {

  private static final String RESOURCE = "epochal-version.properties";
  private static final String VERSION = load();

  private EpochalVersion() {}

  /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = EpochalVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path next to "
            + EpochalVersion.class.getName() + "; build Epochal with Maven (it writes the file)");
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      if (v.isBlank() || v.contains("${")) {
        throw new IllegalStateException(RESOURCE + " holds no version (" + v + "); build Epochal with Maven");
      }
      return v.trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
