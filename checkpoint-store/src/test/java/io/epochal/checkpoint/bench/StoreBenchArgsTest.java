package io.epochal.checkpoint.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StoreBenchArgsTest {

  @Test
  void noArgumentsGiveTheDefaultStateAndRepetitions() {
    StoreBenchArgs a = StoreBenchArgs.parse();
    assertThat(a.help()).isFalse();
    assertThat(a.threads()).isFalse();
    assertThat(a.stateMib()).isEqualTo(256);
    assertThat(a.count()).isEqualTo(3);
  }

  @Test
  void aStateSizeAndRepetitionsAreTaken() {
    StoreBenchArgs a = StoreBenchArgs.parse("16", "1");
    assertThat(a.stateMib()).isEqualTo(16);
    assertThat(a.count()).isEqualTo(1);
  }

  @Test
  void threadsTakesItsOwnStateSizeAndRoundsWithTwelveRoundsByDefault() {
    StoreBenchArgs a = StoreBenchArgs.parse("threads", "8");
    assertThat(a.threads()).isTrue();
    assertThat(a.stateMib()).isEqualTo(8);
    assertThat(a.count()).isEqualTo(12);
    assertThat(StoreBenchArgs.parse("threads", "8", "2").count()).isEqualTo(2);
  }

  @Test
  void aNegativeOrZeroStateSizeIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("-5")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("MiB of state must be a positive multiple of 4 (the state is made of 4 MiB tensors), got -5");
    assertThatThrownBy(() -> StoreBenchArgs.parse("0")).hasMessageContaining("MiB of state must be a positive");
    assertThatThrownBy(() -> StoreBenchArgs.parse("threads", "-3")).hasMessageContaining("got -3");
  }

  @Test
  void aStateSizeThatIsNotAWholeNumberOfTensorsIsRefusedNamingTheMultiple() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("5", "1")).hasMessageContaining("multiple of 4")
        .hasMessageEndingWith("got 5");
    assertThatThrownBy(() -> StoreBenchArgs.parse("2", "1")).hasMessageEndingWith("got 2");
  }

  @Test
  void repetitionsAndRoundsBelowOneAreRefused() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("16", "-1")).hasMessage("repetitions must be >= 1, got -1");
    assertThatThrownBy(() -> StoreBenchArgs.parse("threads", "16", "0")).hasMessage("rounds must be >= 1, got 0");
  }

  @Test
  void aWordWhereANumberBelongsIsRefusedNamingTheArgument() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("16", "x")).hasMessage("repetitions must be a whole number, got 'x'");
    assertThatThrownBy(() -> StoreBenchArgs.parse("threads", "abc"))
        .hasMessage("MiB of state must be a whole number, got 'abc'");
    assertThatThrownBy(() -> StoreBenchArgs.parse("16", "99999999999")).hasMessage("repetitions is too large, got 99999999999");
  }

  @Test
  void aMisspelledSubcommandIsRefusedNamingWhatIsAllowed() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("thread", "16"))
        .hasMessage("unknown argument 'thread': give MiB of state (a positive multiple of 4) or 'threads' first");
  }

  @Test
  void moreThanTwoValuesAreRefused() {
    assertThatThrownBy(() -> StoreBenchArgs.parse("16", "1", "2"))
        .hasMessage("too many arguments (3): give at most [MiB of state] [repetitions]");
    assertThatThrownBy(() -> StoreBenchArgs.parse("threads", "16", "1", "2"))
        .hasMessage("too many arguments (3): give at most [MiB of state] [rounds]");
  }

  @Test
  void helpAsksForTheUsageWhereverItStands() {
    assertThat(StoreBenchArgs.parse("--help").help()).isTrue();
    assertThat(StoreBenchArgs.parse("threads", "-h").help()).isTrue();
    assertThat(StoreBenchArgs.USAGE).contains("bin/bench-store threads [MiB of state] [rounds]");
  }
}
