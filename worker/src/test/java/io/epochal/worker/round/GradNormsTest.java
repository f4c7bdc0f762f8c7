package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GradNormsTest {

  @Test
  void stepsAddUpToTheirMeanLargestAndClippedShare() {
    GradNorms worker0 = GradNorms.NONE.plus(2.0, true).plus(1.0, false);
    GradNorms worker1 = GradNorms.NONE.plus(6.0, true);
    GradNorms round = worker0.plus(worker1);
    assertThat(round.steps()).isEqualTo(3);
    assertThat(round.sum()).isEqualTo(9.0);
    assertThat(round.mean()).isEqualTo(3.0);
    assertThat(round.max()).isEqualTo(6.0);
    assertThat(round.clipped()).isEqualTo(2);
    assertThat(worker1.plus(worker0)).as("the same totals in either order").isEqualTo(round);
  }

  @Test
  void noneIsTheIdentityAndHasNoMean() {
    GradNorms one = GradNorms.NONE.plus(0.5, false);
    assertThat(one.plus(GradNorms.NONE)).isSameAs(one);
    assertThat(GradNorms.NONE.plus(one)).isSameAs(one);
    assertThat(GradNorms.NONE.mean()).isNaN();
    assertThat(GradNorms.NONE.toString()).isEqualTo("GradNorms[none]");
    assertThat(one.toString()).isEqualTo("GradNorms[1 steps, mean 0.500000, max 0.500000, clipped 0]");
  }

  @Test
  void inconsistentCountsAreRefused() {
    assertThatThrownBy(() -> new GradNorms(1, 1.0, 1.0, 2)).hasMessageContaining("clipped steps 2");
    assertThatThrownBy(() -> new GradNorms(0, 1.0, 1.0, 0)).hasMessageContaining("no steps");
  }
}
