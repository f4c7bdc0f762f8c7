package io.epochal.driver.process;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The test class path as child JVMs of the {@code epochal} command get it, and the class-data
 * archive (CDS) they share, so that each child loads Spark's, Hadoop's and DJL's classes from a
 * mapped archive instead of parsing them from their jars: a child on {@code local[2]} then starts in
 * about 8 s of CPU instead of 14 on these machines.
 *
 * <p>The JVM archives classes from jars only (a class path with a non-empty directory stops it at
 * start), so the build's class directories ({@code target/classes}, {@code target/test-classes})
 * are packed into jars named after a digest of their content, under {@code target/child-jvm/}; the
 * archive is named after a digest of the whole class path and the JVM. The first child that runs
 * {@code train} to its end while no archive exists writes one when it exits ({@code
 * -XX:ArchiveClassesAtExit}, about 12 s more for that child), under a lock file so that the two
 * test JVMs of a build write it once; every later child maps it. A child killed while writing it
 * leaves no archive: the next {@code train} run to its end writes it. Mapping an archive changes
 * how classes are loaded, not what the program computes.
 *
 * <p>Outside a Maven build (no {@code basedir} property) children get the class path as it is and
 * no archive.
 */
final class ChildClassData {

  /** A lock file older than this belongs to a writer that died: it is taken over. */
  private static final Duration STALE_LOCK = Duration.ofMinutes(15);
  /** Archives and jars of other class paths not used for this long are deleted with a new archive. */
  private static final Duration UNUSED = Duration.ofHours(1);
  /** Silences the JVM's notes about classes it cannot archive (and about an archive it cannot map). */
  private static final String QUIET = "-Xlog:cds*=off";

  private static ChildClassData instance;

  private final Path dir;
  private final List<String> classpath;
  private final String key;

  private ChildClassData(Path dir, List<String> classpath, String key) {
    this.dir = dir;
    this.classpath = List.copyOf(classpath);
    this.key = key;
  }

  /**
   * This JVM's: the test class path with its directories packed into jars under {@code
   * <basedir>/target/child-jvm}; empty outside a Maven build.
   */
  static synchronized java.util.Optional<ChildClassData> get() {
    String basedir = System.getProperty("basedir");
    if (basedir == null || basedir.isBlank()) {
      return java.util.Optional.empty();
    }
    if (instance == null) {
      Path dir = Paths.get(basedir, "target", "child-jvm");
      try {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        StringBuilder identity = new StringBuilder(System.getProperty("java.home")).append('\n')
            .append(System.getProperty("java.vm.version"));
        for (String entry : ChildJvm.testClasspath()) {
          Path p = Paths.get(entry);
          String jar = Files.isDirectory(p) ? packed(p, dir).toString() : entry;
          entries.add(jar);
          // a snapshot dependency rebuilt in place keeps its path: its size and time tell it apart
          identity.append('\n').append(jar).append(' ').append(Files.size(Paths.get(jar))).append(' ')
              .append(Files.getLastModifiedTime(Paths.get(jar)).toMillis());
        }
        instance = new ChildClassData(dir, entries, digest(identity.toString()).substring(0, 24));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot pack the test class path into jars under " + dir, e);
      }
    }
    return java.util.Optional.of(instance);
  }

  /** The class path of the children: jars only. */
  List<String> classpath() {
    return classpath;
  }

  /**
   * A digest of the JVM and the class path (the packed directories' jars are named after their
   * content, the other jars are told apart by size and time): what a child runs, apart from its
   * arguments.
   */
  String key() {
    return key;
  }

  /** The directory of the packed jars and the archive, {@code target/child-jvm}. */
  Path dir() {
    return dir;
  }

  /**
   * The JVM options of the next child: the archive's if it exists; else, if {@code mayWrite} and no
   * other child is writing it, those that write it at the child's exit, and the child must be handed
   * to {@link Launch#started}.
   */
  Launch launch(boolean mayWrite) throws IOException {
    Path archive = dir.resolve("classes-" + key + ".jsa");
    if (Files.isRegularFile(archive)) {
      return new Launch(List.of("-XX:SharedArchiveFile=" + archive, QUIET), null, null, null);
    }
    if (!mayWrite) {
      return new Launch(List.of(), null, null, null);
    }
    Path lock = dir.resolve("classes-" + key + ".lock");
    if (!takeLock(lock)) {
      return new Launch(List.of(), null, null, null);
    }
    Path partial = dir.resolve("classes-" + key + ".jsa.part-" + ProcessHandle.current().pid());
    Files.deleteIfExists(partial);
    return new Launch(List.of("-XX:ArchiveClassesAtExit=" + partial, QUIET), archive, partial, lock);
  }

  /** The options of one child, and what to do when a child that writes the archive ends. */
  final class Launch {
    private final List<String> options;
    private final Path archive;
    private final Path partial;
    private final Path lock;

    private Launch(List<String> options, Path archive, Path partial, Path lock) {
      this.options = options;
      this.archive = archive;
      this.partial = partial;
      this.lock = lock;
    }

    /** The JVM options for the child. */
    List<String> options() {
      return options;
    }

    /**
     * When {@code child} (started with {@link #options}) writes the archive: once it ends, publishes
     * what it wrote if it exited by itself (a killed child's archive may be cut short), and frees
     * the lock.
     */
    void started(ChildJvm child) {
      if (lock == null) {
        return;
      }
      child.whenEnded(code -> {
        try {
          if (code < 128 && Files.size(partial) > 0) {
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
            pruneOthers();
          }
        } catch (IOException e) {
          System.err.println("ChildClassData: no class-data archive from " + child + ": " + e);
        } finally {
          try {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(lock);
          } catch (IOException e) {
            System.err.println("ChildClassData: cannot delete " + partial + " or " + lock + ": " + e);
          }
        }
      });
    }
  }

  private static boolean takeLock(Path lock) throws IOException {
    try {
      Files.createFile(lock);
      return true;
    } catch (FileAlreadyExistsException held) {
      FileTime written = Files.getLastModifiedTime(lock);
      if (written.toInstant().isBefore(Instant.now().minus(STALE_LOCK))) {
        Files.deleteIfExists(lock);
        return takeLock(lock);
      }
      return false;
    }
  }

  /** Deletes archives and packed jars of other class paths that nothing used for {@link #UNUSED}. */
  private void pruneOthers() throws IOException {
    Instant before = Instant.now().minus(UNUSED);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        boolean ours = name.contains(key) || classpath.contains(f.toString());
        if (!ours && (name.endsWith(".jsa") || name.endsWith(".jar"))
            && Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /**
   * {@code classes} packed into {@code <dir>/<name>-<digest>.jar}, written once: the same content
   * gives the same jar, untouched, so that an archive naming it stays valid.
   */
  private static Path packed(Path classes, Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    checkArgument(!files.isEmpty(), "class directory %s is empty", classes);
    MessageDigest md = sha256();
    for (Path f : files) {
      md.update(classes.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(Files.readAllBytes(f));
    }
    String name = classes.getFileName() + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 24) + ".jar";
    Path jar = dir.resolve(name);
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    Path partial = dir.resolve(name + ".part-" + ProcessHandle.current().pid());
    try (OutputStream out = Files.newOutputStream(partial); JarOutputStream zip = new JarOutputStream(out)) {
      for (Path f : files) {
        JarEntry e = new JarEntry(classes.relativize(f).toString().replace(java.io.File.separatorChar, '/'));
        e.setTime(0);
        zip.putNextEntry(e);
        zip.write(Files.readAllBytes(f));
        zip.closeEntry();
      }
    }
    try {
      Files.move(partial, jar); // never over a jar another test JVM packed meanwhile: an archive may name it
    } catch (IOException raced) {
      if (!Files.isRegularFile(jar)) {
        throw raced;
      }
    } finally {
      Files.deleteIfExists(partial);
    }
    return jar;
  }

  private static String digest(String text) {
    return HexFormat.of().formatHex(sha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
