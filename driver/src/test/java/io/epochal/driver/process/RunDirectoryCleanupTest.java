package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' per-run temporary directory ({@code bin/lib/run-tmp.sh}) is gone, with what was
 * written in it, when the run ends: the command is started as {@code bin/epochal} starts it (the
 * script sourced, then {@code exec java}), with {@code TMPDIR} pointing at a directory of the test's;
 * files stand in for what Spark leaves there.
 */
class RunDirectoryCleanupTest {

  @TempDir
  Path tmp;

  @Test
  void anEndedRunLeavesNoPerRunDirectoryNorThoseOfKilledRunsAndKeepsThoseOfLiveRuns() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("tmproot"));
    Path live = Files.createDirectories(root.resolve("epochal-run-" + ProcessHandle.current().pid() + "-Ab12Cd"));
    // a run killed with SIGKILL (no process has this id): the launch removes it
    Path killed = root.resolve("epochal-run-999999999-Zz98Yx");
    Files.createDirectories(killed.resolve("blockmgr-1"));
    // a run of another PID namespace (a container sharing the TMPDIR): its process cannot be seen from here
    Path otherNamespace = Files.createDirectories(root.resolve("epochal-run-999999998-Qq11Ww"));
    Files.writeString(otherNamespace.resolve(".pid-namespace"), "pid:[1]\n");
    // a run that began a moment ago may not have written its namespace yet: kept until it is a minute old
    Path fresh = Files.createDirectories(root.resolve("epochal-run-999999997-Ww22Ee"));
    java.nio.file.attribute.FileTime fiveMinutesAgo = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofMinutes(5)));
    Files.setLastModifiedTime(killed, fiveMinutesAgo);
    Files.setLastModifiedTime(otherNamespace, fiveMinutesAgo);
    // a killed run whose directory a child driver still uses (resume --all's, which records itself): kept
    Path usedByChild = Files.createDirectories(root.resolve("epochal-run-999999996-Rr33Tt"));
    Files.createFile(usedByChild.resolve(".live-999999995"));
    Files.createFile(usedByChild.resolve(".live-" + ProcessHandle.current().pid()));
    // one whose recorded child has ended as well: removed
    Path childEnded = Files.createDirectories(root.resolve("epochal-run-999999994-Yy44Uu"));
    Files.createFile(childEnded.resolve(".live-999999993"));
    // a run of another host that shares the TMPDIR, in a namespace of the same id (every host's root namespace
    // has one id) and a process id that no process here has: kept
    String ownNamespace = Files.readSymbolicLink(Paths.get("/proc/self/ns/pid")).toString();
    String hostName = Files.readString(Paths.get("/proc/sys/kernel/hostname")).strip();
    String bootId = Files.readString(Paths.get("/proc/sys/kernel/random/boot_id")).strip();
    Path otherHost = Files.createDirectories(root.resolve("epochal-run-999999992-Oo55Hh"));
    Files.writeString(otherHost.resolve(".pid-namespace"), ownNamespace + "\n");
    Files.writeString(otherHost.resolve(".host"), "another-" + hostName + " " + bootId + "\n");
    // a run of another boot, of this host or of another host of the same name: kept
    Path earlierBoot = Files.createDirectories(root.resolve("epochal-run-999999991-Bb66Oo"));
    Files.writeString(earlierBoot.resolve(".pid-namespace"), ownNamespace + "\n");
    Files.writeString(earlierBoot.resolve(".host"), hostName + " 00000000-0000-0000-0000-000000000000\n");
    for (Path old : List.of(usedByChild, childEnded, otherHost, earlierBoot)) {
      Files.setLastModifiedTime(old, fiveMinutesAgo);
    }
    Path jobs = Files.createDirectories(tmp.resolve("jobs"));

    Process p = launch(root, tmp.resolve("status.log"), "status", jobs.toString());
    try {
      assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("status ended").isTrue();
    } finally {
      p.destroyForcibly(); // a JVM that did not end is not left behind
    }
    String log = Files.readString(tmp.resolve("status.log"), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(log).isEqualTo(2); // a refused command: its run ends all the same
    assertThat(log).contains("no Epochal job at or under");
    try (Stream<Path> left = Files.list(root)) {
      assertThat(left).as("what the run left in TMPDIR")
          .containsExactlyInAnyOrder(live, otherNamespace, fresh, usedByChild, otherHost, earlierBoot);
    }
  }

  /** {@code bin/epochal}'s start of a JVM: source the per-run directory script, then exec java. */
  private static Process launch(Path tmpRoot, Path log, String... args) throws IOException {
    Path script = Paths.get("..", "bin", "lib", "run-tmp.sh").toAbsolutePath().normalize();
    assertThat(script).isRegularFile();
    List<String> command = new ArrayList<>(List.of("bash", "-c",
        ". \"$0\"; mkdir -p \"$RUN_TMP/spark-x/blockmgr-y\"; touch \"$RUN_TMP/spark-x/blockmgr-y/z\"; java=\"$1\"; shift; exec \"$java\" \"${TMP_OPT[@]}\" \"$@\"", script.toString()));
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(ChildJvm.sparkJavaOpens());
    command.add("-Dai.djl.offline=true");
    command.add("-Djava.net.preferIPv4Stack=true");
    command.add("-cp");
    command.add(String.join(File.pathSeparator, ChildJvm.testClasspath()));
    command.add("io.epochal.driver.cli.EpochalCli");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TMPDIR", tmpRoot.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().remove("SPARK_HOME");
    return pb.start();
  }
}
