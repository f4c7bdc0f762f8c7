package io.epochal.checkpoint.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCleanerTest {

  @TempDir Path dir;

  private Path epochDir(long epoch) {
    return dir.resolve(String.format("epoch-%06d", epoch));
  }

  @Test
  void failedDeletionIsReportedAndDoesNotStopTheOthers() throws IOException {
    List<RetentionCandidate> candidates = new ArrayList<>();
    for (long e = 1; e <= 10; e++) {
      Files.createDirectories(epochDir(e));
      Files.writeString(epochDir(e).resolve("manifest.json"), "{}");
      candidates.add(RetentionCandidate.of(e, Map.of(), true));
    }
    List<Long> attempted = new ArrayList<>();
    CheckpointDeleter deleter = epoch -> {
      attempted.add(epoch);
      if (epoch == 4) {
        throw new IOException("cannot delete " + epochDir(epoch) + " (epoch 4): permission denied");
      }
      Files.delete(epochDir(epoch).resolve("manifest.json"));
      Files.delete(epochDir(epoch));
    };
    RetentionResult result = new CheckpointCleaner(deleter)
        .clean(RetentionPolicy.builder().optKeepLast(2).build(), candidates);

    assertThat(attempted).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(result.getDeleted()).containsExactly(1L, 2L, 3L, 5L, 6L, 7L, 8L);
    assertThat(result.isComplete()).isFalse();
    assertThat(result.getFailures()).singleElement().satisfies(f -> {
      assertThat(f.getEpoch()).isEqualTo(4);
      assertThat(f.getError()).hasMessageContaining("epoch 4");
    });
    assertThat(result.toString()).contains("epoch 4");
    for (long e = 1; e <= 10; e++) {
      assertThat(Files.exists(epochDir(e))).as("epoch %s exists", e).isEqualTo(e == 4 || e >= 9);
    }
  }

  @Test
  void aDeleterThatSaysStopEndsTheRunAndTheRestAreKeptAndReportedWithItsReason() {
    List<RetentionCandidate> candidates = new ArrayList<>();
    for (long e = 1; e <= 6; e++) {
      candidates.add(RetentionCandidate.of(e, Map.of(), true));
    }
    List<Long> attempted = new ArrayList<>();
    RetentionStoppedException lost = new RetentionStoppedException("another driver holds the lease now");
    CheckpointDeleter deleter = epoch -> {
      attempted.add(epoch);
      if (epoch == 2) {
        throw lost;
      }
    };
    RetentionResult result = new CheckpointCleaner(deleter)
        .clean(RetentionPolicy.builder().optKeepLast(2).build(), candidates);
    assertThat(attempted).as("nothing tried after the stop").containsExactly(1L, 2L);
    assertThat(result.getDeleted()).containsExactly(1L);
    assertThat(result.getFailures()).extracting(DeletionFailure::getEpoch).containsExactly(2L, 3L, 4L);
    assertThat(result.getFailures()).allSatisfy(f -> assertThat(f.getError()).isSameAs(lost));
  }

  @Test
  void cleanRunDeletesEverythingPlannedAndNothingElse() throws IOException {
    List<RetentionCandidate> candidates = new ArrayList<>();
    for (long e = 0; e < 6; e++) {
      Files.createDirectories(epochDir(e));
      candidates.add(RetentionCandidate.of(e, Map.of("val_loss", 10.0 - e), e != 5));
    }
    RetentionResult result = new CheckpointCleaner(epoch -> Files.delete(epochDir(epoch)))
        .clean(RetentionPolicy.builder().optKeepBest(1, "val_loss", MetricGoal.MAX).build(), candidates);
    // best by MAX val_loss is epoch 0; newest verified is 4; 5 failed verification
    assertThat(result.getPlan().getKeep()).containsExactly(0L, 4L);
    assertThat(result.getDeleted()).containsExactly(1L, 2L, 3L, 5L);
    assertThat(result.isComplete()).isTrue();
    assertThat(Files.exists(epochDir(0))).isTrue();
    assertThat(Files.exists(epochDir(4))).isTrue();
    assertThat(Files.exists(epochDir(5))).isFalse();
  }
}
