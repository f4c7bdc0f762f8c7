package io.epochal.checkpoint;

/**
 * How messages show a location: a Hadoop path's string form, with a local file's URI written as
 * {@code file:///path} (Hadoop's {@code Path.toString()} gives {@code file:/path}, which shells and
 * other tools read less reliably). Both forms name the same file and every command accepts both.
 */
public final class Locations {

  private Locations() {}

  /** {@code location} as messages show it; {@code null} stays {@code null}. */
  public static String text(String location) {
    if (location == null || !location.startsWith("file:/") || location.startsWith("file://")) {
      return location;
    }
    return "file://" + location.substring("file:".length());
  }

  /**
   * The local file of a qualified {@code file:} path, for {@code java.nio.file}. Hadoop keeps a
   * name's non-ASCII characters unescaped in its URI ({@code /jobs/ü}), which {@code
   * Paths.get(URI)} refuses ("Bad escape"); its ASCII form ({@code /jobs/%C3%BC}) names the same
   * file.
   *
   * @throws IllegalArgumentException if {@code qualified} is not a {@code file:} URI
   */
  public static java.nio.file.Path localFile(org.apache.hadoop.fs.Path qualified) {
    return java.nio.file.Paths.get(java.net.URI.create(qualified.toUri().toASCIIString()));
  }
}
