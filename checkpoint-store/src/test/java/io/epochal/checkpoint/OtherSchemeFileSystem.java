package io.epochal.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under a scheme of its own, {@value #SCHEME}: neither {@code file} nor
 * {@code hdfs}, so the store and the job files take the code paths they take on every other file
 * system (an object store's connector, viewfs, ...), against real files on the local disk.
 * {@link #register} adds it to a configuration as a {@link FileSystem} and, for the store's
 * renames, as a {@link org.apache.hadoop.fs.AbstractFileSystem}.
 *
 * <p>A create that must not overwrite is atomic here, as the job files expect of such file systems
 * (an object store's conditional put, HDFS's create): Hadoop's local file system checks for the file
 * and then opens it, so two writers could both create it.
 */
public class OtherSchemeFileSystem extends RawLocalFileSystem {

  /** The scheme. */
  public static final String SCHEME = "otherfs";

  private static final URI NAME = URI.create(SCHEME + ":///");

  /** Instances initialized and not yet closed, in this JVM. */
  private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();

  /** Directories whose listing fails (fault injection; every instance shares it). */
  private static volatile Predicate<Path> failListing = p -> false;

  private boolean closed;

  /**
   * Makes every listing of a directory that {@code which} accepts fail with an IOException, in
   * every instance, until {@link #clearFaults()}.
   */
  public static void failListingOf(Predicate<Path> which) {
    failListing = which;
  }

  /** Files whose writes fail, also through streams opened before (fault injection). */
  private static volatile Predicate<Path> failWrites = p -> false;

  /**
   * Makes every write to a file that {@code which} accepts fail with an IOException, in every
   * instance and every stream already open, until {@link #clearFaults()}.
   */
  public static void failWritesTo(Predicate<Path> which) {
    failWrites = which;
  }

  /** Directories this user may not list (fault injection; every instance shares it). */
  private static volatile Predicate<Path> denyListing = p -> false;

  /**
   * Makes every listing of a directory that {@code which} accepts fail as HDFS refuses a user
   * without permission (an {@link org.apache.hadoop.security.AccessControlException}), in every
   * instance, until {@link #clearFaults()}.
   */
  public static void denyListingOf(Predicate<Path> which) {
    denyListing = which;
  }

  /** Directories removed as they are listed (fault injection; every instance shares it). */
  private static volatile Predicate<Path> removedWhenListed = p -> false;

  /**
   * Makes a directory that {@code which} accepts disappear (removed with what it holds, as another
   * user's {@code rm -r} or a move to the trash does) just before it is listed, in every instance, until
   * {@link #clearFaults()}: the listing finds it gone.
   */
  public static void removeWhenListed(Predicate<Path> which) {
    removedWhenListed = which;
  }

  /** The flags each file was created with last, by its path (every instance shares it). */
  private static final java.util.Map<String, java.util.EnumSet<CreateFlag>> CREATED_WITH =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The flags of every file created through a create or createNonRecursive that takes them, by its
   * path on this file system (without scheme) as it was created.
   */
  public static java.util.Map<String, java.util.EnumSet<CreateFlag>> createdWith() {
    return java.util.Map.copyOf(CREATED_WITH);
  }

  /** Rename targets the file system refuses (fault injection; every instance shares it). */
  private static volatile Predicate<Path> failRenames = p -> false;

  /**
   * Makes every rename to a path that {@code which} accepts return false, as a file system's
   * rename does when it cannot rename, in every instance, until {@link #clearFaults()}.
   */
  public static void failRenamesTo(Predicate<Path> which) {
    failRenames = which;
  }

  /** Rename targets another writer publishes first (fault injection; every instance shares it). */
  private static volatile Predicate<Path> publishedFirst = p -> false;

  /**
   * Makes every rename to a path that {@code which} accepts find that path published by another
   * writer just before it (a directory holding a {@code manifest.json} of the other's), in every
   * instance, until {@link #clearFaults()}.
   */
  public static void publishFirstAt(Predicate<Path> which) {
    publishedFirst = which;
  }

  /** Rename targets whose rename is done and then reported as failed (fault injection; every instance shares it). */
  private static volatile Predicate<Path> lostAfterRename = p -> false;

  /**
   * Makes every rename to a path that {@code which} accepts take place and then throw an
   * IOException, as a rename whose answer was lost on the way back (an RPC timeout), in every
   * instance, until {@link #clearFaults()}.
   */
  public static void loseAnswerOfRenameTo(Predicate<Path> which) {
    lostAfterRename = which;
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    if (lostAfterRename.test(dst)) {
      boolean renamed = super.rename(src, dst);
      throw new IOException("injected fault: the answer of renaming " + src + " to " + dst + " (" + renamed
          + ") was lost");
    }
    if (publishedFirst.test(dst)) {
      mkdirs(dst);
      try (org.apache.hadoop.fs.FSDataOutputStream out = create(new Path(dst, "manifest.json"), false)) {
        out.write("{\"by\":\"another writer\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return !failRenames.test(dst) && super.rename(src, dst);
  }

  /** Creates held until a release (fault injection; every instance shares it). */
  private static volatile Predicate<Path> holdCreates = p -> false;
  private static volatile java.util.concurrent.CountDownLatch createHeld = new java.util.concurrent.CountDownLatch(0);
  private static volatile java.util.concurrent.CountDownLatch createReleased =
      new java.util.concurrent.CountDownLatch(0);

  /**
   * Makes every create of a file that {@code which} accepts wait, deaf to interrupts as a call to a NameNode that
   * does not answer, until {@code release} counts down; it counts {@code held} down as it begins to wait. The
   * create then makes the file's missing parents, as HDFS's does. Until {@link #clearFaults()}.
   */
  public static void holdCreatesOf(Predicate<Path> which, java.util.concurrent.CountDownLatch held,
      java.util.concurrent.CountDownLatch release) {
    createHeld = held;
    createReleased = release;
    holdCreates = which;
  }

  private static void holdIfAsked(Path f) {
    if (!holdCreates.test(f)) {
      return;
    }
    createHeld.countDown();
    boolean interrupted = false;
    while (true) {
      try {
        createReleased.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Output streams opened and not yet closed, in this JVM. */
  private static final java.util.concurrent.atomic.AtomicInteger OPEN_STREAMS =
      new java.util.concurrent.atomic.AtomicInteger();

  /** How many output streams of this file system are open (created and not closed) in this JVM. */
  public static int openStreams() {
    return OPEN_STREAMS.get();
  }

  /** Ends every injected fault. */
  public static void clearFaults() {
    holdCreates = p -> false;
    failRenames = p -> false;
    lostAfterRename = p -> false;
    publishedFirst = p -> false;
    denyListing = p -> false;
    failListing = p -> false;
    removedWhenListed = p -> false;
    failWrites = p -> false;
  }

  /** {@code conf} with this file system registered for {@value #SCHEME} URIs. */
  public static Configuration register(Configuration conf) {
    registerWithoutFileContext(conf).set("fs.AbstractFileSystem." + SCHEME + ".impl", Afs.class.getName());
    return conf;
  }

  /**
   * {@code conf} with this file system registered for {@value #SCHEME} URIs as a {@link FileSystem}
   * only, with no {@code AbstractFileSystem}: {@code FileContext} cannot open it, as with connectors
   * that ship a {@link FileSystem} alone.
   */
  public static Configuration registerWithoutFileContext(Configuration conf) {
    conf.setClass("fs." + SCHEME + ".impl", OtherSchemeFileSystem.class, FileSystem.class);
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    return conf;
  }

  /** A new instance of this file system (the caller closes it). */
  public static FileSystem open() throws IOException {
    return FileSystem.newInstance(NAME, register(new Configuration()));
  }

  /** How many instances are open (initialized and not closed) in this JVM. */
  public static int openInstances() {
    return OPEN.get();
  }

  /** The {@value #SCHEME} URI of a local directory. */
  public static String uri(java.nio.file.Path local) {
    return SCHEME + "://" + local.toAbsolutePath().toUri().getPath();
  }

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    holdIfAsked(f);
    claim(f, overwrite);
    return faulty(f, super.create(f, true, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    holdIfAsked(f);
    claim(f, overwrite);
    return faulty(f, super.create(f, permission, true, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, java.util.EnumSet<CreateFlag> flags,
      int bufferSize, short replication, long blockSize, Progressable progress) throws IOException {
    CREATED_WITH.put(f.toUri().getPath(), java.util.EnumSet.copyOf(flags));
    return create(f, permission, flags.contains(CreateFlag.OVERWRITE), bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
      java.util.EnumSet<CreateFlag> flags, int bufferSize, short replication, long blockSize, Progressable progress)
      throws IOException {
    if (!exists(f.getParent())) {
      throw new java.io.FileNotFoundException("parent of " + f + " does not exist");
    }
    CREATED_WITH.put(f.toUri().getPath(), java.util.EnumSet.copyOf(flags));
    return create(f, permission, flags.contains(CreateFlag.OVERWRITE), bufferSize, replication, blockSize, progress);
  }

  /**
   * {@code out}, failing its writes and flushes while {@link #failWritesTo} accepts {@code f}; once
   * failed, it throws the same exception from every later write, flush and close, as HDFS's does.
   */
  private FSDataOutputStream faulty(Path f, FSDataOutputStream out) throws IOException {
    OPEN_STREAMS.incrementAndGet();
    return new FSDataOutputStream(new java.io.FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        check();
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        check();
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException { // hflush and close flush: they fail as the file system's writes do
        check();
        out.flush();
      }

      /** The first failure: HDFS's stream throws that same exception object again from every later call. */
      private IOException failed;

      private boolean closed;

      @Override
      public void close() throws IOException {
        if (!closed) {
          closed = true;
          OPEN_STREAMS.decrementAndGet();
        }
        if (failed != null) {
          out.close();
          throw failed;
        }
        super.close();
      }

      private void check() throws IOException {
        if (failed != null) {
          throw failed;
        }
        if (failWrites.test(f)) {
          failed = new IOException("injected fault: cannot write " + f);
          throw failed;
        }
      }
    }, statistics);
  }

  @Override
  public void initialize(URI uri, Configuration conf) throws IOException {
    super.initialize(uri, conf);
    OPEN.incrementAndGet();
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      OPEN.decrementAndGet();
    }
    super.close();
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    if (failListing.test(f)) {
      throw new IOException("injected fault: cannot list " + f);
    }
    if (denyListing.test(f)) {
      throw new org.apache.hadoop.security.AccessControlException("Permission denied: user=tester, access=READ_EXECUTE, "
          + "inode=\"" + f.toUri().getPath() + "\"");
    }
    if (removedWhenListed.test(f)) {
      super.delete(f, true);
    }
    return super.listStatus(f);
  }

  /** Creates {@code f} exclusively (open(2) with O_EXCL) unless overwriting is allowed. */
  private void claim(Path f, boolean overwrite) throws IOException {
    if (overwrite) {
      return;
    }
    java.nio.file.Path file = pathToFile(f).toPath();
    Files.createDirectories(file.getParent());
    try {
      Files.createFile(file);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException("File already exists: " + f);
    }
  }

  /** The same file system for {@link org.apache.hadoop.fs.FileContext}. */
  public static final class Afs extends DelegateToFileSystem {

    /** Called by Hadoop through {@code fs.AbstractFileSystem.otherfs.impl}. */
    public Afs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new OtherSchemeFileSystem(), conf, SCHEME, false);
    }
  }

  /** An {@code AbstractFileSystem} that cannot be opened: {@code FileContext} fails with its error. */
  public static final class BrokenAfs extends DelegateToFileSystem {

    /** Always throws, as a connector whose configuration is wrong. */
    public BrokenAfs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, refuse(uri), conf, SCHEME, false);
    }

    private static FileSystem refuse(URI uri) throws IOException {
      throw new IOException("the file context of " + uri + " cannot be opened (test)");
    }
  }
}
