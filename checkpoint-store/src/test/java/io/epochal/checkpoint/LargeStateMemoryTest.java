package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB state is committed and loaded by JVMs whose memory cannot hold two copies of it: the
 * writer's heap fits the state and some room (and almost no direct memory), the reader's direct
 * memory fits the loaded state and little more (and a small heap). A control run that loads onto
 * the heap in the reader's JVM runs out of memory, which shows the reader's heap cannot hold the state:
 * the load keeps it off the heap. (The direct-memory bound's tightness is not shown by the control.)
 */
class LargeStateMemoryTest {

  private static final int STATE_MIB = 1024;

  @TempDir
  Path root;

  @Test
  void aOneGibStateIsCommittedAndLoadedWithoutASecondCopyInMemory() throws Exception {
    String jobDir = root.resolve("job").toUri().toString();
    // 1 GiB of 4 MiB arrays in 16 MiB regions (three arrays and their headers per region: 1376 MiB)
    // and some room, far from two copies; direct memory for the JDK's per-thread I/O buffers only
    Result commit = run("commit", jobDir, "-Xmx1600m", "-XX:G1HeapRegionSize=16m", "-XX:MaxDirectMemorySize=64m");
    assertThat(commit.exit).as(commit.output).isZero();
    assertThat(commit.output).contains("committed " + (STATE_MIB << 20) + " bytes");

    // the loaded tensors off-heap (1 GiB) plus 64 MiB; a heap far smaller than the state
    Result load = run("load", jobDir, "-Xmx256m", "-XX:MaxDirectMemorySize=1088m");
    assertThat(load.exit).as(load.output).isZero();
    assertThat(load.output).contains("loaded " + (STATE_MIB << 20) + " bytes");

    Result onHeap = run("load-on-heap", jobDir, "-Xmx256m", "-XX:MaxDirectMemorySize=1088m");
    assertThat(onHeap.exit).as("a load onto a heap smaller than the state must fail").isNotZero();
    assertThat(onHeap.output).contains("OutOfMemoryError");
  }

  private record Result(int exit, String output) {}

  private Result run(String mode, String jobDir, String... jvmFlags) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(ChildJava.command(List.of(jvmFlags), LargeStateMain.class, mode, jobDir,
        Integer.toString(STATE_MIB))).redirectErrorStream(true).start();
    byte[] out;
    try {
      out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(mode + " finished").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), mode + ":\n" + new String(out, StandardCharsets.UTF_8));
  }
}
