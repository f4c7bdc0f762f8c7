package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainModePrintsAboutTenLinesPerEpochAndTheLastRound() {
    ProgressReporter p = new ProgressReporter(out, false);
    for (int r = 1; r <= 25; r++) {
      p.round(2, 3, r, 25, 1234.4, 0.5);
    }
    p.epochDone(2, 3, 0.42, 1500);
    assertThat(text()).doesNotContain("\r");
    assertThat(text().lines()).hasSize(10)
        .contains("epoch 2/3 round 3/25  1234 samples/s  loss 0.5000", "epoch 2/3 round 25/25  1234 samples/s  loss 0.5000")
        .doesNotContain("epoch 2/3 round 4/25  1234 samples/s  loss 0.5000")
        .endsWith("epoch 2/3 done in 1.5 s  loss 0.4200  checkpointing");
  }

  @Test
  void plainModePrintsATenthOfTheEpochReachedByRoundsChainedIntoOneTaskThatSkipItsMultiple() {
    ProgressReporter p = new ProgressReporter(out, false);
    // one worker: the first round alone, then chains of five rounds, reported at their last round
    for (int r = 1; r <= 1000; r += 5) {
      p.round(1, 2, r, 1000, 80, 0.5);
    }
    p.round(1, 2, 1000, 1000, 80, 0.5);

    assertThat(text().lines()).hasSize(10).contains("epoch 1/2 round 101/1000  80 samples/s  loss 0.5000",
        "epoch 1/2 round 901/1000  80 samples/s  loss 0.5000", "epoch 1/2 round 1000/1000  80 samples/s  loss 0.5000");

    // the next epoch, and an attempt that trains it again from its start, print theirs anew
    p.round(2, 2, 101, 1000, 80, 0.5);
    p.round(2, 2, 6, 1000, 80, 0.5);
    p.round(2, 2, 106, 1000, 80, 0.5);
    assertThat(text().lines()).hasSize(12).endsWith("epoch 2/2 round 101/1000  80 samples/s  loss 0.5000",
        "epoch 2/2 round 106/1000  80 samples/s  loss 0.5000");
  }

  @Test
  void aLinePrintedElsewhereWhileTheConsoleLineIsShownStartsALineOfItsOwn() {
    ProgressReporter p = new ProgressReporter(out, true);
    p.round(1, 3, 6, 12, 5000, 0.5);
    p.endLine();
    out.print("epochal: warning: a round waits");
    p.endLine();

    assertThat(text()).contains("loss 0.5000" + System.lineSeparator() + "epochal: warning: a round waits")
        .doesNotContain("waits" + System.lineSeparator());
  }

  @Test
  void consoleModeRewritesOneLineWithABar() {
    ProgressReporter p = new ProgressReporter(out, true);
    p.round(1, 3, 6, 12, 5000, 1.25);
    p.round(1, 3, 12, 12, 5000, 0.25);
    p.epochDone(1, 3, 0.25, 2000);
    p.message("done");
    String t = text();
    assertThat(t).startsWith("\repoch 1/3 [############------------] round 6/12  5,000 samples/s  loss 1.2500");
    assertThat(t).contains("\repoch 1/3 [########################] round 12/12");
    assertThat(t.chars().filter(c -> c == '\n')).hasSize(2);
    String[] segments = t.split("\r");
    String last = segments[3].substring(0, segments[3].indexOf(System.lineSeparator()));
    assertThat(last.strip()).isEqualTo("epoch 1/3 done in 2.0 s  loss 0.2500  checkpointing");
    assertThat(last).as("a shorter line blanks out the rest of the longer one").hasSameSizeAs(segments[2]);
    assertThat(t).endsWith(System.lineSeparator() + "done" + System.lineSeparator());
  }

  @Test
  void barIsProportional() {
    assertThat(ProgressReporter.bar(0, 4)).isEqualTo("[" + "-".repeat(24) + "]");
    assertThat(ProgressReporter.bar(1, 4)).isEqualTo("[" + "#".repeat(6) + "-".repeat(18) + "]");
  }

  @Test
  void aSmallLossThatIsNotZeroIsShownInScientificNotationNotAsZero() {
    assertThat(ProgressReporter.loss(0.25)).isEqualTo("0.2500");
    assertThat(ProgressReporter.loss(0.001)).isEqualTo("0.0010");
    assertThat(ProgressReporter.loss(2.2e-5)).isEqualTo("2.20e-05");
    assertThat(ProgressReporter.loss(0)).isEqualTo("0.0000");
    assertThat(ProgressReporter.loss(Double.NaN)).isEqualTo("NaN");
  }
}
