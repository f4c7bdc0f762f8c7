package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A discovery script that does not end is refused after the timeout, and nothing it started is left running. */
class GpuDiscoveryTimeoutTest {

  @TempDir
  Path tmp;

  @Test
  void aDiscoveryScriptThatDoesNotFinishIsRefusedAfterTheTimeoutAndItsChildrenKilled() throws Exception {
    Path pid = tmp.resolve("sleep.pid");
    Path script = tmp.resolve("hangs.sh");
    Files.writeString(script, "#!/bin/sh\nsleep 3600 &\necho $! > '" + pid + "'\nwait\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    long start = System.nanoTime();
    assertThatThrownBy(() -> GpuPreflight.discover(script, Duration.ofSeconds(1)))
        .hasMessageContaining("resources.gpu_discovery_script = '" + script + "' did not finish within 1 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    long sleeper = Long.parseLong(Files.readString(pid).trim());
    java.util.Optional<ProcessHandle> left = ProcessHandle.of(sleeper);
    if (left.isPresent()) { // killed, not left to sleep an hour (it may take a moment to be reaped)
      left.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
  }

  @Test
  void aScriptThatAnswersAtOnceIsRead() throws Exception {
    Path script = tmp.resolve("two.sh");
    Files.writeString(script, "#!/bin/sh\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(GpuPreflight.discover(script, Duration.ofSeconds(10))).isEqualTo(2);
  }
}
