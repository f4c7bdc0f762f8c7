package io.epochal.worker.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoundBenchArgsTest {

  @Test
  void noArgumentsGiveSixRoundsAndFiveRepeats() {
    assertThat(RoundBenchArgs.parse()).isEqualTo(new RoundBenchArgs(false, 6, 5));
    assertThat(RoundBenchArgs.parse("1", "1")).isEqualTo(new RoundBenchArgs(false, 1, 1));
  }

  @Test
  void aNegativeRoundCountIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> RoundBenchArgs.parse("-1", "1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rounds per measurement must be >= 1, got -1");
  }

  @Test
  void zeroRepeatsAreRefusedNamingTheArgument() {
    assertThatThrownBy(() -> RoundBenchArgs.parse("1", "0")).hasMessage("repeats must be >= 1, got 0");
    assertThatThrownBy(() -> RoundBenchArgs.parse("1", "-2")).hasMessage("repeats must be >= 1, got -2");
  }

  @Test
  void aWordWhereANumberBelongsIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> RoundBenchArgs.parse("abc"))
        .hasMessage("rounds per measurement must be a whole number >= 1, got 'abc'");
  }

  @Test
  void moreThanTwoArgumentsAreRefused() {
    assertThatThrownBy(() -> RoundBenchArgs.parse("1", "1", "1"))
        .hasMessage("too many arguments (3): give at most [rounds per measurement] [repeats]");
  }

  @Test
  void helpAsksForTheUsage() {
    assertThat(RoundBenchArgs.parse("--help").help()).isTrue();
    assertThat(RoundBenchArgs.parse("6", "-h").help()).isTrue();
  }
}
