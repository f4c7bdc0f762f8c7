package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Reports training progress: on a console, one line rewritten in place with a bar (epoch e/E,
 * round r/R, samples/s, loss); otherwise (logs, pipes) plain lines, at most about ten per epoch
 * plus one per finished epoch. Its methods may be called from several threads (a warning from Spark's listener
 * thread ends the line the training thread rewrites).
 */
public final class ProgressReporter {

  private static final int BAR_WIDTH = 24;

  private final PrintStream out;
  private final boolean interactive;
  private int lastLength;
  /** Plain lines: the epoch and round of the last round line printed (0: none in this epoch yet). */
  private int printedEpoch;
  private int printedRound;

  /** A reporter writing to {@code out}, rewriting one line when {@code interactive}. */
  public ProgressReporter(PrintStream out, boolean interactive) {
    this.out = checkNotNull(out, "out");
    this.interactive = interactive;
  }

  /** A reporter on standard output, interactive when a console is attached. */
  public static ProgressReporter forConsole() {
    return new ProgressReporter(System.out, System.console() != null);
  }

  /** Whether the line is rewritten in place. */
  public boolean interactive() {
    return interactive;
  }

  /** Reports that round {@code round} (1-based) of {@code rounds} in epoch {@code epoch} finished. */
  public synchronized void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double loss) {
    checkArgument(round >= 1 && round <= rounds, "round %s is not in [1, %s]", round, rounds);
    checkArgument(epoch >= 1 && epoch <= epochs, "epoch %s is not in [1, %s]", epoch, epochs);
    if (interactive) {
      String line = String.format(Locale.ROOT, "epoch %d/%d %s round %d/%d  %,.0f samples/s  loss %s",
          epoch, epochs, bar(round, rounds), round, rounds, samplesPerSecond, loss(loss));
      rewrite(line);
    } else {
      int every = Math.max(1, (rounds + 9) / 10);
      if (epoch != printedEpoch || round < printedRound) { // a new epoch, or an attempt that trains it again
        printedEpoch = epoch;
        printedRound = 0;
      }
      // a line for each tenth of the epoch a round reaches: rounds chained into one task report every few rounds,
      // which need not land on a multiple of the tenth
      if (round / every > printedRound / every || round == rounds) {
        printedRound = round;
        out.println(String.format(Locale.ROOT, "epoch %d/%d round %d/%d  %.0f samples/s  loss %s",
            epoch, epochs, round, rounds, samplesPerSecond, loss(loss)));
      }
    }
  }

  /**
   * A loss as printed: four decimals, or three significant digits in scientific notation below
   * 0.001, so that a small loss that is not zero does not show as {@code 0.0000}.
   */
  public static String loss(double loss) {
    return loss != 0 && Math.abs(loss) < 1e-3 && Double.isFinite(loss)
        ? String.format(Locale.ROOT, "%.2e", loss) : String.format(Locale.ROOT, "%.4f", loss);
  }

  /** Reports a finished (and checkpointed) epoch; ends the progress line on a console. */
  public void epochDone(int epoch, int epochs, double loss, long millis) {
    epochDone(epoch, epochs, loss, millis, "");
  }

  /**
   * As {@link #epochDone(int, int, double, long)}, with {@code validation} (the epoch's other
   * metrics: its training accuracy and the held-out rows', e.g. {@code accuracy 0.9401  val_loss
   * 0.2101  val_accuracy 0.9312}; empty for none) after the loss.
   */
  public synchronized void epochDone(int epoch, int epochs, double loss, long millis, String validation) {
    String line = String.format(Locale.ROOT, "epoch %d/%d done in %.1f s  loss %s  %scheckpointing",
        epoch, epochs, millis / 1000.0, loss(loss), validation.isEmpty() ? "" : validation + "  ");
    if (interactive) {
      rewrite(line);
      out.println();
      lastLength = 0;
    } else {
      out.println(line);
    }
  }

  /** Prints a message on its own line (ending a progress line first). */
  public synchronized void message(String text) {
    endLine();
    out.println(text);
  }

  /**
   * Ends the progress line being rewritten on a console, if any, so that a line printed elsewhere (a warning on
   * standard error) starts a line of its own.
   */
  public synchronized void endLine() {
    if (interactive && lastLength > 0) {
      out.println();
      lastLength = 0;
    }
  }

  /** The bar for {@code done} of {@code total}, e.g. {@code [######------]}. */
  static String bar(int done, int total) {
    int filled = (int) ((long) done * BAR_WIDTH / total);
    return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
  }

  private void rewrite(String line) {
    String pad = lastLength > line.length() ? " ".repeat(lastLength - line.length()) : "";
    out.print("\r" + line + pad);
    out.flush();
    lastLength = line.length();
  }
}
