package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRoundAcrossJvmsTest {

  @Test
  void roundsInAChildJvmGiveBitIdenticalStateAndLoss(@TempDir Path dir) throws Exception {
    Path childFile = dir.resolve("child.raw");
    ChildJvm.Outcome child = ChildJvm.run(RoundStateMain.class, List.of(), List.of(childFile.toString()),
        dir.resolve("child.log"), 600);
    assertThat(child.exitCode()).as("child JVM output:%n%s", child.output()).isZero();

    StateDict here = RoundStateMain.run();
    Path hereFile = dir.resolve("here.raw");
    RawStateFile.write(here, hereFile);

    StateDict there = RawStateFile.read(childFile);
    assertThat(there.nameList()).isEqualTo(here.nameList());
    assertThat(there.names()).contains("layers.0.weight", "optimizer.layers.0.weight.exp_avg_sq",
        "metrics.loss_sum.2");
    for (String name : here.nameList()) {
      assertThat(there.require(name)).as("tensor '%s'", name).isEqualTo(here.require(name));
    }
    assertThat(Files.readAllBytes(childFile)).isEqualTo(Files.readAllBytes(hereFile));
  }

  @Test
  void theRawStateFileKeepsEveryByteAndRefusesOtherFiles(@TempDir Path dir) throws Exception {
    StateDict state = RoundWorkloads.initialState(RoundWorkloads.mlpAdam(0));
    Path file = dir.resolve("s.raw");
    RawStateFile.write(state, file);
    assertThat(RawStateFile.read(file)).isEqualTo(state);

    Path other = dir.resolve("other.raw");
    Files.write(other, new byte[] {0, 3, 'a', 'b', 'c'});
    assertThatThrownBy(() -> RawStateFile.read(other))
        .isInstanceOf(IOException.class).hasMessageContaining("magic 'abc'");
  }
}
