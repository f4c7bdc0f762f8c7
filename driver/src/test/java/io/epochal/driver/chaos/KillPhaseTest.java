package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the chaos run says where a killed driver left its job. */
class KillPhaseTest {

  @TempDir
  Path job;

  @Test
  void aKillIsPlacedByTheNewestCommittedEpochAndACommitUnderWay() throws Exception {
    assertThat(ChaosRunner.phase(job)).isEqualTo("before its first checkpoint");
    Files.createDirectories(job.resolve("checkpoints/_tmp-epoch-000001-0f0e"));
    assertThat(ChaosRunner.phase(job)).isEqualTo("no epoch committed yet, a checkpoint's commit under way");
    Files.move(job.resolve("checkpoints/_tmp-epoch-000001-0f0e"), job.resolve("checkpoints/epoch-000001"));
    Files.createDirectories(job.resolve("checkpoints/epoch-000002"));
    Files.createDirectories(job.resolve("checkpoints/_damaged-epoch-000003-17"));
    assertThat(ChaosRunner.phase(job)).isEqualTo("epochs up to 2 committed, training");
  }
}
