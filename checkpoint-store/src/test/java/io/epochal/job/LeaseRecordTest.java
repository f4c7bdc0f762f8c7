package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a lease record tells about its holder. */
class LeaseRecordTest {

  private static LeaseRecord heldBy(String holder) {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    return LeaseRecord.of(holder, 1, 1, now, now, now.plusSeconds(60));
  }

  @Test
  void aReleasedRecordIsToldFromOneThatExpired() {
    java.time.Instant t = java.time.Instant.parse("2025-03-01T12:00:00Z");
    LeaseRecord held = LeaseRecord.of("driver-a", 1, 1, t, t, t.plusSeconds(60));
    assertThat(held.isReleased()).isFalse();
    assertThat(held.renewedAt(t.plusSeconds(20), java.time.Duration.ofSeconds(60)).isReleased()).isFalse();
    LeaseRecord released = held.releasedAt(t.plusSeconds(30));
    assertThat(released.isReleased()).isTrue();
    assertThat(released.isLiveAt(t.plusSeconds(30))).isFalse();
  }

  @Test
  void aHolderIsGoneOnlyWhenItIsAProcessOfThisHostThatNoLongerRuns() throws Exception {
    String host = InetAddress.getLocalHost().getHostName();
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();

    assertThat(heldBy(host + ":" + exited.pid() + ":u").holderGoneFromThisHost()).isTrue();
    assertThat(heldBy(LeaseRecord.defaultHolderId()).holderGoneFromThisHost()).as("this process").isFalse();
    assertThat(heldBy("another-host-" + host + ":" + exited.pid() + ":u").holderGoneFromThisHost()).isFalse();
    assertThat(heldBy("driver-a").holderGoneFromThisHost()).as("not host:pid:uuid").isFalse();
    assertThat(heldBy(host + ":not-a-pid:u").holderGoneFromThisHost()).isFalse();
  }

  @Test
  void theRefusalOfALeaseWhoseHolderNoLongerRunsSaysNothingRenewsItInsteadOfStopThatDriver() throws Exception {
    String host = InetAddress.getLocalHost().getHostName();
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path("file:/jobs/a");

    assertThat(new LeaseHeldException(dir, heldBy(host + ":" + exited.pid() + ":u")).getMessage())
        .contains("the lease expires at 2025-01-01T00:01:00Z. That driver, a process of this host, no longer runs",
            "retry after the expiry")
        .doesNotContain("Stop that driver");
    assertThat(new LeaseHeldException(dir, heldBy(LeaseRecord.defaultHolderId())).getMessage())
        .contains("unless renewed. Stop that driver or retry after the expiry.");
  }
}
