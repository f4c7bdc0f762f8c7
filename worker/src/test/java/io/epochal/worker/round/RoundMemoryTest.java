package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything a round allocates natively is released: resident memory of a JVM running 300 chained
 * rounds stays flat after a warm-up of 50. The rounds run in a child JVM whose Java heap is fixed
 * and pre-touched, so that heap growth cannot hide in (or pose as) native growth.
 */
class RoundMemoryTest {

  private static final int ROUNDS = 300;
  private static final int WARM_UP = 50;
  private static final long BOUND_KIB = 64 * 1024;
  private static final List<String> FIXED_HEAP = List.of("-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch",
      "-XX:+UseSerialGC");

  /** Resident KiB after each multiple of 50 rounds, as the child printed it. */
  private static Map<Integer, Long> residentByRound(Path dir, long leakFloatsPerRound) throws Exception {
    ChildJvm.Outcome out = ChildJvm.run(RoundMemoryMain.class, FIXED_HEAP,
        List.of(String.valueOf(ROUNDS), String.valueOf(leakFloatsPerRound)), dir.resolve("memory.log"), 600);
    assertThat(out.exitCode()).as("child JVM output:%n%s", out.output()).isZero();
    Map<Integer, Long> rss = new TreeMap<>();
    for (String line : out.output().split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 3 && f[0].equals("rss")) {
        rss.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
      }
    }
    assertThat(rss).as("child JVM output:%n%s", out.output()).containsKeys(WARM_UP, ROUNDS);
    return rss;
  }

  @Test
  void threeHundredRoundsLeaveResidentMemoryFlatAfterWarmUp(@TempDir Path dir) throws Exception {
    Map<Integer, Long> rss = residentByRound(dir, 0);
    long growth = rss.get(ROUNDS) - rss.get(WARM_UP);
    assertThat(growth).as("resident KiB by round %s", rss).isLessThan(BOUND_KIB);
  }

  @Test
  void leakingOneOptimizerStatePerRoundIsVisibleAboveTheBound(@TempDir Path dir) throws Exception {
    // Adam's two moments of the 85,002-parameter MLP: 680 KB a round, 170 MB over 250 rounds
    Map<Integer, Long> rss = residentByRound(dir, 2 * 85_002L);
    long growth = rss.get(ROUNDS) - rss.get(WARM_UP);
    assertThat(growth).as("resident KiB by round %s", rss).isGreaterThan(BOUND_KIB);
  }
}
