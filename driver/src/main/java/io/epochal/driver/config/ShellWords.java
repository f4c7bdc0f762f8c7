package io.epochal.driver.config;

import java.net.URI;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * Locations written into the commands Epochal suggests ({@code bin/epochal resume <dir>}), so that
 * a user can paste them: the Hadoop path as a user writes it (a space stays a space, not
 * {@code %20}), single-quoted for a POSIX shell when it holds anything but plain path characters.
 */
public final class ShellWords {

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:@%+,=-]+");

  private ShellWords() {}

  /** {@code word} as one shell word: as it is if plain, else single-quoted. */
  public static String quote(String word) {
    if (PLAIN.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** The location {@code uri} as a user writes it, quoted as one shell word. */
  public static String location(URI uri) {
    return location(new Path(uri));
  }

  /** The location {@code path} as a user writes it, quoted as one shell word. */
  public static String location(Path path) {
    return quote(JobSpecResolver.locationText(path));
  }
}
