package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HeapStallWatchTest {

  private final AtomicReference<Optional<String>> killed = new AtomicReference<>(Optional.empty());
  private final AtomicReference<Object> position = new AtomicReference<>(new JobDirectory.Position(1, 1));
  private final AtomicInteger cancels = new AtomicInteger();
  private final List<String> warnings = new ArrayList<>();
  private final AtomicLong now = new AtomicLong();
  private final HeapStallWatch watch = new HeapStallWatch(killed::get, position::get, cancels::incrementAndGet,
      warnings::add, now::get, Duration.ofSeconds(30));

  private void after(long seconds) {
    now.addAndGet(Duration.ofSeconds(seconds).toNanos());
  }

  @Test
  void aRoundStandingStillForTheGracePeriodAfterAThreadDiedOfOutOfMemoryIsCancelledOnce() {
    watch.check();
    killed.set(Optional.of("an OutOfMemoryError ended thread task-result-getter-3"));
    watch.check(); // the stall begins
    after(29);
    assertThat(watch.check()).as("within the grace period").isFalse();
    after(2);
    assertThat(watch.check()).isTrue();
    assertThat(cancels).hasValue(1);
    assertThat(warnings).singleElement().asString().contains("task-result-getter-3",
        "training has not moved for 31 s", "epoch=1, round=1", "cancelling its Spark jobs");
    after(60);
    assertThat(watch.check()).as("once only").isFalse();
    assertThat(cancels).hasValue(1);
  }

  @Test
  void aJobThatGoesOnRoundAfterRoundAfterAThreadDiedIsLeftAlone() {
    killed.set(Optional.of("an OutOfMemoryError ended thread dispatcher-BlockManagerMaster"));
    for (int round = 2; round < 10; round++) {
      watch.check();
      after(20);
      position.set(new JobDirectory.Position(1, round));
    }
    assertThat(watch.check()).isFalse();
    assertThat(cancels).hasValue(0);
    assertThat(warnings).isEmpty();
  }

  @Test
  void aLongRoundWithoutAnyThreadKilledIsLeftAlone() {
    for (int i = 0; i < 10; i++) {
      after(600);
      assertThat(watch.check()).isFalse();
    }
    assertThat(cancels).hasValue(0);
  }
}
