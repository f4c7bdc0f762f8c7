package io.epochal.driver.app;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Compares job locations as written ({@code job.dir}, {@code data.path}, a command's argument)
 * without opening their file systems: a copied job directory's {@code job.json} may name a
 * cluster this machine cannot reach. Two spellings are the same place when they agree after the
 * default file system fills in a missing scheme and authority, the host is lower-cased, HDFS's
 * default NameNode port (8020) fills in a missing port, a relative local path is resolved against
 * the working directory, and trailing slashes are dropped. (An HA nameservice and one of its
 * NameNodes' addresses stay different spellings.)
 */
final class JobLocations {

  private static final int HDFS_DEFAULT_PORT = 8020;

  private JobLocations() {}

  /** Whether {@code a} and {@code b} name the same place. */
  static boolean samePlace(String a, String b, Configuration conf) {
    return canonical(a, conf).equals(canonical(b, conf));
  }

  /** {@code location} in the form described above. */
  static URI canonical(String location, Configuration conf) {
    URI u = new Path(location.trim()).toUri();
    URI fallback = FileSystem.getDefaultUri(conf);
    String scheme = u.getScheme() != null ? u.getScheme().toLowerCase(Locale.ROOT) : fallback.getScheme();
    String host = u.getHost();
    int port = u.getPort();
    if (u.getAuthority() == null && scheme != null && scheme.equalsIgnoreCase(fallback.getScheme())) {
      host = fallback.getHost();
      port = fallback.getPort();
    }
    if (host != null) {
      host = host.toLowerCase(Locale.ROOT);
    }
    if ("hdfs".equals(scheme) && host != null && port < 0) {
      port = HDFS_DEFAULT_PORT;
    }
    String path = u.getPath();
    if ("file".equals(scheme) && !path.startsWith("/")) {
      path = Paths.get(path).toAbsolutePath().normalize().toString();
    }
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      return new URI(scheme, null, host, port, path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + location + "' is not a usable location: " + e.getMessage(), e);
    }
  }
}
