package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that started child drivers and is stopped with SIGTERM (as Ctrl-C, {@code kill} or a
 * cluster manager stops it) takes them with it: an orphaned driver would go on training and
 * holding its job's lease. The stopped process here is {@link Holder}, a JVM that starts one
 * {@link Sleeper} through {@link ChildDriver}; the sleeper starts a process of its own, as a driver
 * on {@code local-cluster} starts executor JVMs.
 */
class ChildDriverShutdownTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  @Test
  void sigtermToTheStartingProcessKillsItsChildDriversAndWhatTheyStarted() throws Exception {
    Process holder = new ProcessBuilder(javaBinary(), "-Xmx64m", "-cp", testClasspath(), Holder.class.getName(),
        tmp.resolve("child.log").toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("holder.log").toFile()).start();
    List<ProcessHandle> started = List.of();
    try {
      started = awaitDescendants(holder, 2);
      assertThat(started).as("the child driver and the process it started").allMatch(ProcessHandle::isAlive);

      holder.destroy(); // SIGTERM
      assertThat(holder.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("holder ends on SIGTERM").isTrue();

      for (ProcessHandle p : started) {
        String what = p.info().command().orElse("?");
        boolean gone = p.onExit().thenApply(h -> true).completeOnTimeout(false, WAIT.toSeconds(), TimeUnit.SECONDS)
            .get();
        assertThat(gone).as("pid %d (%s) ends with the process that started it", p.pid(), what).isTrue();
      }
      String childLog = java.nio.file.Files.readString(tmp.resolve("child.log"));
      java.util.regex.Matcher tmpdir = java.util.regex.Pattern.compile("tmpdir (\\S+)").matcher(childLog);
      assertThat(tmpdir.find()).as("the child driver printed its java.io.tmpdir: %s", childLog).isTrue();
      assertThat(Path.of(tmpdir.group(1))).as("the child driver's temporary directory").doesNotExist();
    } finally {
      holder.destroyForcibly();
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** Waits until {@code p} has {@code count} live descendants and returns them. */
  private static List<ProcessHandle> awaitDescendants(Process p, int count) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      List<ProcessHandle> live = p.descendants().filter(ProcessHandle::isAlive).toList();
      if (live.size() >= count) {
        return live;
      }
      assertThat(p.isAlive()).as("holder runs while its children start").isTrue();
      assertThat(System.nanoTime()).as("%d descendants of the holder within %s; have %s", count, WAIT, live)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static String javaBinary() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The real test class path (Surefire's own {@code java.class.path} may be a manifest-only jar). */
  private static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
        .replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
  }

  /** Starts one {@link Sleeper} as a child driver (output to {@code args[0]}), then waits to be stopped. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      ChildDriver.start(Path.of(args[0]), Sleeper.class.getName(), List.of());
      Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
  }

  /** Prints its {@code java.io.tmpdir}, starts {@code sleep 600} and waits. */
  public static final class Sleeper {
    public static void main(String[] args) throws Exception {
      System.out.println("tmpdir " + System.getProperty("java.io.tmpdir"));
      System.out.flush();
      new ProcessBuilder("sleep", "600").inheritIO().start();
      Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
  }
}
