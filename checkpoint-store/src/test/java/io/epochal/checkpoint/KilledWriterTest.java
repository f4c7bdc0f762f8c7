package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A writer process killed with SIGKILL at a random moment inside a commit never leaves a visible
 * damaged checkpoint: what is listed verifies, the last checkpoint it reported is still there, and
 * the job can go on committing. On the local file system and on a real HDFS (MiniDFSCluster on
 * loopback), with several seeds each.
 *
 * <p>Each kill waits a random while, then for the next commit to start, then a random part of the
 * last commit's duration, so that it lands inside the commit (creating the temporary directory,
 * writing, syncing, renaming) at a random point. Whether it did is read from what it left: a
 * temporary directory. When every seed of a file system ran, at least one of its kills must have
 * left one, or the test proves nothing about interrupted commits there.
 */
class KilledWriterTest {

  private static final int FLOATS = 1 << 18; // 1 MiB per model tensor: kills land inside writes
  private static final long[] SEEDS = {11, 23, 37};

  @TempDir
  static Path root;

  private static MiniHdfs hdfs;
  private static final Map<String, AtomicInteger> MID_COMMIT = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

  @BeforeAll
  static void startHdfs() throws Exception {
    hdfs = MiniHdfs.start(Files.createDirectories(root.resolve("hdfs")).toFile());
  }

  @AfterAll
  static void stopHdfsAndCheckThatKillsLandedInsideCommits() {
    if (hdfs != null) {
      hdfs.close();
    }
    for (String fs : List.of("local", "hdfs")) {
      if (RUNS.getOrDefault(fs, new AtomicInteger()).get() == SEEDS.length) { // not when a single case was run
        assertThat(MID_COMMIT.getOrDefault(fs, new AtomicInteger()).get())
            .as("kills on %s that left a commit's temporary directory", fs).isPositive();
      }
    }
  }

  static Stream<Arguments> fileSystemsAndSeeds() {
    return Stream.of("local", "hdfs").flatMap(fs -> java.util.Arrays.stream(SEEDS).mapToObj(s -> Arguments.of(fs, s)));
  }

  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("fileSystemsAndSeeds")
  void writerKilledAtARandomMomentInsideACommitLeavesOnlyIntactCheckpoints(String fs, long seed) throws Exception {
    Random random = new Random(seed);
    String jobDir = fs.equals("local") ? root.resolve("job-" + seed).toUri().toString()
        : hdfs.uri() + "/jobs/job-" + seed;
    ProcessBuilder pb = new ProcessBuilder(ChildJava.command(List.of("-Xmx256m"), CommitLoopMain.class, jobDir, "1",
        Integer.toString(FLOATS)));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process child = pb.start();
    AtomicLong lastReported = new AtomicLong(-1);
    AtomicLong lastCommitMs = new AtomicLong(1);
    AtomicLong writing = new AtomicLong(-1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("writing ")) {
            writing.set(Long.parseLong(line.substring(8)));
          } else if (line.startsWith("committed ")) {
            String[] parts = line.split(" "); // committed N in M ms
            lastReported.set(Long.parseLong(parts[1]));
            lastCommitMs.set(Math.max(1, Long.parseLong(parts[3])));
          }
        }
      } catch (java.io.IOException e) {
        // the stream closes when the child is killed
      }
    });
    reader.start();
    long killedIn;
    long afterMs;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (lastReported.get() < 1 && System.nanoTime() < deadline && child.isAlive()) {
        Thread.sleep(5);
      }
      assertThat(lastReported.get()).as("the writer committed at least one epoch").isGreaterThanOrEqualTo(1);
      Thread.sleep(random.nextInt(1000));
      long next = writing.get() + 1;
      while (writing.get() < next && System.nanoTime() < deadline && child.isAlive()) {
        Thread.sleep(1);
      }
      killedIn = writing.get();
      afterMs = (long) (random.nextDouble() * lastCommitMs.get());
      Thread.sleep(afterMs);
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      reader.join(5000);
    }
    long reported = lastReported.get();

    try (HadoopCheckpointStore store = fs.equals("local") ? HadoopCheckpointStore.open(jobDir)
        : HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(hdfs.conf()).build()) {
      LatestCheckpoint latest = store.latest();
      assertThat(latest.skipped()).isEmpty();
      long epoch = latest.checkpoint().orElseThrow().epoch();
      assertThat(epoch).isBetween(reported, reported + 1);
      assertThat(latest.checkpoint().orElseThrow().model()).isEqualTo(TestCheckpoints.content(epoch, FLOATS).model());
      List<VerificationReport> reports = store.verifyAll();
      assertThat(reports).allMatch(VerificationReport::ok);
      assertThat(reports).extracting(VerificationReport::epoch).last().isEqualTo(epoch);
      List<String> leftovers = store.cleanTemporary();
      System.out.printf("KilledWriterTest: %s seed %d: SIGKILL %d ms into the commit of epoch %d (the last took %d ms);"
          + " newest checkpoint %d, temporary directories left %s%n", fs, seed, afterMs, killedIn,
          lastCommitMs.get(), epoch, leftovers);
      RUNS.computeIfAbsent(fs, k -> new AtomicInteger()).incrementAndGet();
      if (!leftovers.isEmpty()) {
        MID_COMMIT.computeIfAbsent(fs, k -> new AtomicInteger()).incrementAndGet();
      }
      assertThat(store.list()).hasSize(reports.size());
      store.commit(TestCheckpoints.content(epoch + 1, 64), CommitGuard.NONE);
      assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(epoch + 1);
    }
  }
}
