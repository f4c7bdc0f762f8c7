package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer process killed with SIGKILL at a random moment never leaves a visible damaged
 * checkpoint: what is listed verifies, the last checkpoint it reported is still there, and the
 * job can go on committing.
 */
class KilledWriterTest {

  private static final int FLOATS = 1 << 18; // 1 MiB per model tensor: kills land inside writes

  @TempDir
  Path root;

  @ParameterizedTest
  @ValueSource(longs = {11, 23, 37})
  void writerKilledAtARandomMomentLeavesOnlyIntactCheckpoints(long seed) throws Exception {
    Random random = new Random(seed);
    String jobDir = root.resolve("job-" + seed).toUri().toString();
    ProcessBuilder pb = new ProcessBuilder(ChildJava.command(List.of("-Xmx256m"), CommitLoopMain.class, jobDir, "1",
        Integer.toString(FLOATS)));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process child = pb.start();
    AtomicLong lastReported = new AtomicLong(-1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("committed ")) {
            lastReported.set(Long.parseLong(line.substring(10)));
          }
        }
      } catch (java.io.IOException e) {
        // the stream closes when the child is killed
      }
    });
    reader.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (lastReported.get() < 1 && System.nanoTime() < deadline && child.isAlive()) {
        Thread.sleep(10);
      }
      assertThat(lastReported.get()).as("the writer committed at least one epoch").isGreaterThanOrEqualTo(1);
      Thread.sleep(random.nextInt(1500));
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      reader.join(5000);
    }
    long reported = lastReported.get();

    try (HadoopCheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      LatestCheckpoint latest = store.latest();
      assertThat(latest.skipped()).isEmpty();
      long epoch = latest.checkpoint().orElseThrow().epoch();
      assertThat(epoch).isBetween(reported, reported + 1);
      assertThat(latest.checkpoint().orElseThrow().model()).isEqualTo(TestCheckpoints.content(epoch, FLOATS).model());
      List<VerificationReport> reports = store.verifyAll();
      assertThat(reports).allMatch(VerificationReport::ok);
      assertThat(reports).extracting(VerificationReport::epoch).last().isEqualTo(epoch);
      store.cleanTemporary();
      assertThat(store.list()).hasSize(reports.size());
      store.commit(TestCheckpoints.content(epoch + 1, 64), CommitGuard.NONE);
      assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(epoch + 1);
    }
  }
}
