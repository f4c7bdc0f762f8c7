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
 * the working directory, and trailing slashes are dropped. An HDFS NameNode's RPC address that the
 * configuration lists for a nameservice ({@code dfs.nameservices} with
 * {@code dfs.namenode.rpc-address.<ns>[.<nn>]}) is that nameservice, so {@code hdfs://ns1/jobs}
 * and {@code hdfs://nn1.example.com:8020/jobs} agree when nn1 is one of ns1's NameNodes. Two
 * locations that differ only in their host's spelling ({@code localhost} and {@code 127.0.0.1}, a
 * short name and the full one) are the same place when the two names resolve to a common address;
 * a name that does not resolve is another place. Two local
 * paths that differ as written are still the same place when both exist and are the same directory
 * (through a symbolic link, say): the local file system is the one place this compares without
 * risk of a remote call.
 */
final class JobLocations {

  private static final int HDFS_DEFAULT_PORT = 8020;

  private JobLocations() {}

  /** Whether {@code a} and {@code b} name the same place; an unusable location is no place. */
  static boolean samePlace(String a, String b, Configuration conf) {
    try {
      URI ca = canonical(a, conf);
      URI cb = canonical(b, conf);
      return ca.equals(cb) || "file".equals(ca.getScheme()) && "file".equals(cb.getScheme()) && sameLocalFile(ca, cb)
          || sameHostSpelledTwoWays(ca, cb);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean sameLocalFile(URI a, URI b) {
    try {
      return java.nio.file.Files.isSameFile(Paths.get(a.getPath()), Paths.get(b.getPath()));
    } catch (java.io.IOException | RuntimeException e) {
      return false; // either does not exist (or cannot be read): not provably the same place
    }
  }

  /** Whether {@code a} and {@code b} differ only in the host's name, and the names share an address. */
  private static boolean sameHostSpelledTwoWays(URI a, URI b) {
    if (a.getHost() == null || b.getHost() == null || a.getHost().equals(b.getHost())
        || !java.util.Objects.equals(a.getScheme(), b.getScheme()) || a.getPort() != b.getPort()
        || !java.util.Objects.equals(a.getPath(), b.getPath())) {
      return false;
    }
    try {
      java.util.Set<java.net.InetAddress> first =
          new java.util.HashSet<>(java.util.Arrays.asList(java.net.InetAddress.getAllByName(a.getHost())));
      for (java.net.InetAddress address : java.net.InetAddress.getAllByName(b.getHost())) {
        if (first.contains(address)) {
          return true;
        }
      }
      return false;
    } catch (java.net.UnknownHostException | SecurityException e) {
      return false;
    }
  }

  /** {@code location} in the form described above. */
  static URI canonical(String location, Configuration conf) {
    URI u = new Path(location.trim()).toUri();
    URI fallback = FileSystem.getDefaultUri(conf);
    String scheme = u.getScheme() != null ? u.getScheme().toLowerCase(Locale.ROOT) : fallback.getScheme();
    String host = u.getHost();
    int port = u.getPort();
    // part of the place on object stores (abfs://<container>@<account>..., wasb alike); HDFS ignores it
    String userInfo = u.getUserInfo();
    if (u.getAuthority() == null && scheme != null && scheme.equalsIgnoreCase(fallback.getScheme())) {
      host = fallback.getHost();
      port = fallback.getPort();
      userInfo = fallback.getUserInfo();
    }
    if (host != null) {
      host = host.toLowerCase(Locale.ROOT);
    }
    if ("hdfs".equals(scheme) && host != null) {
      String nameservice = nameservice(host, port, conf);
      if (nameservice != null) {
        host = nameservice;
        port = -1;
      } else if (port < 0) {
        port = HDFS_DEFAULT_PORT;
      }
    }
    String path = u.getPath();
    if ("file".equals(scheme) && !path.startsWith("/")) {
      path = Paths.get(path).toAbsolutePath().normalize().toString();
    }
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      return new URI(scheme, "hdfs".equals(scheme) ? null : userInfo, host, port, path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + location + "' is not a usable location: " + e.getMessage(), e);
    }
  }

  /**
   * The configured nameservice (lower case) that {@code host} names, or whose NameNode RPC address
   * is {@code host:port} (port 8020 when absent), or null.
   */
  private static String nameservice(String host, int port, Configuration conf) {
    int p = port < 0 ? HDFS_DEFAULT_PORT : port;
    for (String ns : conf.getTrimmedStrings("dfs.nameservices")) {
      if (ns.equalsIgnoreCase(host)) {
        return ns.toLowerCase(Locale.ROOT);
      }
      String[] namenodes = conf.getTrimmedStrings("dfs.ha.namenodes." + ns);
      String[] keys = new String[Math.max(1, namenodes.length)];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = "dfs.namenode.rpc-address." + ns + (namenodes.length == 0 ? "" : "." + namenodes[i]);
      }
      for (String key : keys) {
        String address = conf.getTrimmed(key);
        if (address == null || address.isEmpty()) {
          continue;
        }
        URI a;
        try {
          a = URI.create("hdfs://" + address);
        } catch (IllegalArgumentException e) {
          continue; // a malformed address names no place; HDFS itself reports it when used
        }
        int ap = a.getPort() < 0 ? HDFS_DEFAULT_PORT : a.getPort();
        if (host.equalsIgnoreCase(a.getHost()) && p == ap) {
          return ns.toLowerCase(Locale.ROOT);
        }
      }
    }
    return null;
  }
}
