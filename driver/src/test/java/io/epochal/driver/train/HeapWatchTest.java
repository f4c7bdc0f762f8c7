package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeapWatchTest {

  /**
   * In a JVM of 64 MB: nothing before the heap fills; after it ran out (the full collections before
   * the OutOfMemoryError left it full), the mark says so; a mark taken afterwards starts from that
   * count, and a System.gc() is not counted.
   */
  public static void main(String[] args) {
    HeapWatch.Mark mark = HeapWatch.mark();
    if (args.length > 0 && args[0].equals("mark-only")) {
      System.out.println("marked");
      return;
    }
    System.out.println("before: " + mark.exhaustion().orElse("none"));
    List<byte[]> kept = new ArrayList<>(4096); // no growing while the heap is full
    try {
      while (true) {
        kept.add(new byte[64 * 1024]); // until the heap runs out, as a too large model's state does
      }
    } catch (OutOfMemoryError e) {
      for (int i = 0; i < 16; i++) {
        kept.remove(kept.size() - 1); // room to go on: 1 MB of the 64
      }
    }
    System.out.println("after: " + mark.exhaustion().orElse("none"));
    System.out.println("within a minute: " + mark.exhaustionWithin(60_000).orElse("none"));
    System.out.println("kept " + kept.size());
    kept.clear(); // the heap is free again
    collectAndAwaitNotification();
    HeapWatch.Mark later = HeapWatch.mark();
    collectAndAwaitNotification(); // asked for: not a sign of running out
    System.out.println("later mark: " + later.exhaustion().orElse("none"));
    sleep(1500);
    System.out.println("within a second, 1.5 s on: " + mark.exhaustionWithin(1000).orElse("none"));
  }

  /**
   * System.gc(), then waits for its notification: the JVM delivers them in order from one thread,
   * so every earlier collection's notification (those of the heap running out) has been handled too.
   */
  private static void collectAndAwaitNotification() {
    long before = HeapWatch.explicitCollectionsNotified();
    System.gc();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (HeapWatch.explicitCollectionsNotified() == before && System.nanoTime() < deadline) {
      sleep(5);
    }
    if (HeapWatch.explicitCollectionsNotified() == before) {
      throw new IllegalStateException("no collection notification within 60 s of System.gc()");
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aCollectionThatLeavesTheHeapNearlyFullIsReportedSinceTheMarkAndNotBefore() throws Exception {
    for (String gc : List.of("-XX:+UseG1GC", "-XX:+UseSerialGC")) {
      String out = runChild(List.of("-Xmx64m", gc));
      assertThat(out).as("child with %s:%n%s", gc, out).contains("before: none")
          .containsPattern("after: the driver's heap ran out: .*full garbage collections?.* left [0-9]+ of its [0-9]+ "
              + "MiB in use \\([^)]+\\)")
          .contains("later mark: none")
          .containsPattern("within a minute: the driver's heap ran out")
          .as("a stop long after the heap was full is no sign it ran out").contains("within a second, 1.5 s on: none");
    }
  }

  /**
   * The JDK builds a collection's report with classes that set themselves up by reflection on first
   * use; first used in the notification of a collection that found the heap full, their setup ran
   * out of memory and left them unusable (NoClassDefFoundError) for the rest of the JVM. Starting
   * the watch sets them up: in a JVM whose heap is large enough that no collection happens, each is
   * initialized by the mark alone.
   */
  @Test
  void startingTheWatchInitializesWhatReadingACollectionsReportNeedsWhileTheHeapHasRoom(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("init.log");
    String out = runChild(List.of("-Xms512m", "-Xmx512m", "-XX:+UseSerialGC", "-Xlog:class+init=info:file=" + log),
        "mark-only");
    assertThat(out).contains("marked");
    String initialized = Files.readString(log);
    List<String> needed = new ArrayList<>(HeapWatch.NOTIFICATION_CLASSES);
    needed.add("java.util.Formatter"); // a report's text, formatted in the notification thread
    for (String name : needed) {
      assertThat(initialized).as("initialization of %s", name).contains("Initializing '" + name.replace('.', '/') + "'");
    }
  }

  @Test
  void aThreadEndedByAnUncaughtOutOfMemoryErrorIsNamedSinceTheMarkAndNotBefore() throws Exception {
    HeapWatch.Mark mark = HeapWatch.mark();
    assertThat(mark.threadKilled()).isEmpty();
    Thread dying = new Thread(() -> {
      throw new OutOfMemoryError("Java heap space (thrown by the test)");
    }, "task-result-getter-test");
    dying.start();
    dying.join();
    assertThat(mark.threadKilled()).hasValueSatisfying(m -> assertThat(m).contains("task-result-getter-test"));
    assertThat(HeapWatch.mark().threadKilled()).as("a mark taken afterwards").isEmpty();
  }

  @Test
  void aHealthyHeapShowsNothingAndTheAdviceNamesALargerHeapForBothLaunchers() {
    HeapWatch.Mark mark = HeapWatch.mark();
    System.gc();
    assertThat(mark.exhaustion()).isEmpty();
    String option = HeapWatch.largerHeapOption();
    assertThat(option).matches("-Xmx[0-9]+g");
    long gib = Long.parseLong(option.replaceAll("\\D", ""));
    assertThat(gib << 30).isGreaterThanOrEqualTo(Math.min(2 * Runtime.getRuntime().maxMemory(), 4L << 30));
    assertThat(HeapWatch.advice()).contains("EPOCHAL_JAVA_OPTS=" + option, "--driver-memory " + gib + "g");
  }

  @Test
  void theCommandToContinueWithALargerHeapGivesSparkSubmitItsDriverMemoryInPlaceOfTheOneItHad() {
    String option = HeapWatch.largerHeapOption();
    String gib = option.substring("-Xmx".length());
    assertThat(HeapWatch.withLargerHeap("bin/epochal --master 'local[2]' resume /jobs/a"))
        .isEqualTo("EPOCHAL_JAVA_OPTS=" + option + " bin/epochal --master 'local[2]' resume /jobs/a");
    assertThat(HeapWatch.withLargerHeap("spark-submit --master yarn --driver-memory 2g --conf spark.driver.memory=2g "
        + "--conf=spark.driver.memory=2g --driver-memory=3g --conf spark.executor.memory=4g --class "
        + "io.epochal.driver.cli.EpochalCli app.jar resume hdfs://nn/jobs/a"))
        .isEqualTo("spark-submit --driver-memory " + gib + " --master yarn --conf spark.executor.memory=4g --class "
            + "io.epochal.driver.cli.EpochalCli app.jar resume hdfs://nn/jobs/a");
  }

  /**
   * The measured case: a 240 MB state (a 20-million-parameter MLP with Adam) trained by 2 workers in
   * local mode ran a 2 GB heap out; with 8 GB it trained. The estimate warns for the first, not the
   * second, and not for a driver on a cluster, which holds only its own copies.
   */
  @Test
  void aHeapTooSmallForTheStateTimesTheCopiesTrainingHoldsIsAWarningNamingALargerHeap() {
    long state = 240_000_000L;
    long gib = 1L << 30;
    assertThat(HeapWatch.shortfall(state, 2, true, 2 * gib)).hasValueSatisfying(w -> assertThat(w)
        .contains("the job's state is 229 MiB", "about 9 times over", "2 workers at a time", "about 2060 MiB",
            "maximum of 2048 MiB", "EPOCHAL_JAVA_OPTS=-Xmx3g", "--driver-memory 3g"));
    assertThat(HeapWatch.shortfall(state, 2, true, 8 * gib)).isEmpty();
    assertThat(HeapWatch.shortfall(state, 2, false, 2 * gib)).as("on a cluster").isEmpty();
    assertThat(HeapWatch.shortfall(state, 8, true, 3 * gib)).as("more workers at a time in local mode, more copies")
        .hasValueSatisfying(w -> assertThat(w).contains("about 27 times over", "8 workers at a time", "-Xmx9g"));
  }

  /**
   * In local mode the executors cache the training and held-out rows in the driver's heap: a state
   * that fits alone does not fit beside a large dataset (MNIST as 60,000 rows of 784 floats is 180
   * MiB), and the warning says so; a driver on a cluster holds no rows.
   */
  @Test
  void rowsCachedInLocalModeCountTowardsTheDriversHeap() {
    long state = 24_000_000L; // 9 copies: about 206 MiB
    long gib = 1L << 30;
    long rows = 1_200_000_000L; // 1144 MiB of rows
    assertThat(HeapWatch.shortfall(state, 0, 2, true, gib)).isEmpty();
    assertThat(HeapWatch.shortfall(state, rows, 2, true, gib)).hasValueSatisfying(w -> assertThat(w)
        .contains("the job's state is 23 MiB", "about 9 times over", "besides the 1144 MiB of rows its executors "
            + "cache there: about 1350 MiB", "maximum of 1024 MiB", "-Xmx2g"));
    assertThat(HeapWatch.shortfall(state, rows, 2, false, gib)).as("on a cluster").isEmpty();
  }

  private static String runChild(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(HeapWatchTest.class.getName());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child ended").isTrue();
    assertThat(p.exitValue()).as("child exit:%n%s", out).isZero();
    return out;
  }
}
