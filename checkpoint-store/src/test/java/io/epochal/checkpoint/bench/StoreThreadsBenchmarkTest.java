package io.epochal.checkpoint.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StoreThreadsBenchmarkTest {

  @Test
  void theMedianOfAnEvenNumberOfRoundsIsTheMeanOfTheTwoMiddleValues() {
    assertThat(StoreThreadsBenchmark.summary(List.of(110.0, 23.0))).isEqualTo("67 (23–110)");
    assertThat(StoreThreadsBenchmark.summary(List.of(400.0, 100.0, 300.0, 200.0))).isEqualTo("250 (100–400)");
  }

  @Test
  void theMedianOfAnOddNumberOfRoundsIsTheMiddleValue() {
    assertThat(StoreThreadsBenchmark.summary(List.of(300.0, 100.0, 200.0))).isEqualTo("200 (100–300)");
    assertThat(StoreThreadsBenchmark.summary(List.of(42.0))).isEqualTo("42 (42–42)");
  }
}
