package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.train.EpochValues;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The table of a job's checkpoints that {@code status} prints (and of its committed epochs that {@code history}
 * prints, {@link EpochHistoryReport}): epoch, step and training loss always; a column only
 * when some checkpoint records its value: training accuracy (classification) or mean absolute error (regression), the
 * held-out rows' loss and accuracy (or, for regression, mean absolute error, root mean squared error and R²), the
 * gradient norm before clipping, and the learning rate the next step trains at when it is not the same in every
 * checkpoint (a decaying schedule, or {@code plateau} lowering it).
 */
final class CheckpointTable {

  /** One optional column: its header, width and cell of a checkpoint's manifest ("-" when absent). */
  private record Column(String header, int width, Function<EpochValues, Optional<String>> cell) {}

  private final List<Column> columns;

  /** The table for checkpoints (or epochs) whose values (those that could be read) are {@code manifests}. */
  CheckpointTable(List<EpochValues> manifests) {
    List<Column> all = List.of(
        new Column("TRAIN_ACCURACY", 14, m -> m.metric(EpochMetrics.TRAIN_ACCURACY).map(CheckpointTable::share)),
        new Column("TRAIN_MAE", 12, m -> m.metric(EpochMetrics.TRAIN_MAE).map(JobStatusReport::lossText)),
        new Column("VAL_LOSS", 12, m -> m.metric(EpochMetrics.VAL_LOSS).map(JobStatusReport::lossText)),
        new Column("VAL_ACCURACY", 12, m -> m.metric(EpochMetrics.VAL_ACCURACY).map(CheckpointTable::share)),
        new Column("VAL_BALANCED_ACCURACY", 21, m -> m.metric(EpochMetrics.VAL_BALANCED_ACCURACY)
            .map(CheckpointTable::share)),
        new Column("VAL_F1", 10, m -> m.metric(EpochMetrics.VAL_F1).map(CheckpointTable::share)),
        new Column("VAL_AUC", 10, m -> m.metric(EpochMetrics.VAL_AUC).map(CheckpointTable::share)),
        new Column("VAL_AP", 10, m -> m.metric(EpochMetrics.VAL_AP).map(CheckpointTable::share)),
        new Column("VAL_MAE", 12, m -> m.metric(EpochMetrics.VAL_MAE).map(JobStatusReport::lossText)),
        new Column("VAL_RMSE", 12, m -> m.metric(EpochMetrics.VAL_RMSE).map(JobStatusReport::lossText)),
        new Column("VAL_R2", 10, m -> m.metric(EpochMetrics.VAL_R2).map(CheckpointTable::share)),
        new Column("GRAD_NORM", 10, m -> m.metric(EpochMetrics.GRAD_NORM).map(CheckpointTable::threeDigits)),
        new Column("NEXT_LR", 10, m -> nextRate(m).map(CheckpointTable::threeDigits)));
    boolean rateVaries = manifests.stream().map(CheckpointTable::nextRate).filter(Optional::isPresent).distinct()
        .count() > 1;
    List<Column> shown = new ArrayList<>();
    for (Column c : all) {
      boolean any = manifests.stream().anyMatch(m -> c.cell().apply(m).isPresent());
      if (any && (!c.header().equals("NEXT_LR") || rateVaries)) {
        shown.add(c);
      }
    }
    // the held-out metrics come as a pair, as a job evaluated on held-out rows records both or only the loss (a
    // regression's checkpoints record its mean absolute error as the second since there was one)
    if (shown.stream().anyMatch(c -> c.header().equals("VAL_LOSS"))
        && shown.stream().noneMatch(c -> c.header().equals("VAL_ACCURACY") || c.header().equals("VAL_MAE"))) {
      shown.add(shown.indexOf(shown.stream().filter(c -> c.header().equals("VAL_LOSS")).findFirst().get()) + 1,
          all.stream().filter(c -> c.header().equals("VAL_ACCURACY")).findFirst().orElseThrow());
    }
    this.columns = List.copyOf(shown);
  }

  /** Prints the header line. */
  void header(PrintStream out) {
    out.printf(Locale.ROOT, "  %-14s %6s %10s %12s%s  %s%n", "CHECKPOINT", "EPOCH", "STEP", "TRAIN_LOSS",
        cells(c -> c.header()), "CREATED");
  }

  /**
   * Prints checkpoint {@code epoch}'s line: its manifest's values ("-" for a manifest that cannot be
   * read), then {@code last} (its creation time, or why it is damaged).
   */
  void row(PrintStream out, long epoch, Optional<CheckpointManifest> m, String last) {
    Optional<EpochValues> v = m.map(EpochValues::of);
    out.printf(Locale.ROOT, "  %-14s %6d %10s %12s%s  %s%n", String.format(Locale.ROOT, "epoch-%06d", epoch), epoch,
        step(v), loss(v), cells(v), last);
  }

  /** The optional columns' headers, each after a space, as {@link #cells} lays out their values. */
  String headers() {
    return cells(c -> c.header());
  }

  /** The optional columns' values of {@code v} ("-" each when empty, or for a value it does not record). */
  String cells(Optional<EpochValues> v) {
    return cells(c -> v.flatMap(c.cell()).orElse("-"));
  }

  /** The step column's text. */
  static String step(Optional<EpochValues> v) {
    return v.flatMap(x -> x.step().isPresent() ? Optional.of(Long.toString(x.step().getAsLong())) : Optional.empty())
        .orElse("-");
  }

  /** The training loss column's text. */
  static String loss(Optional<EpochValues> v) {
    return v.flatMap(x -> x.metric(EpochMetrics.TRAIN_LOSS)).map(JobStatusReport::lossText).orElse("-");
  }

  private String cells(Function<Column, String> text) {
    StringBuilder b = new StringBuilder();
    for (Column c : columns) {
      b.append(String.format(Locale.ROOT, " %" + c.width() + "s", text.apply(c)));
    }
    return b.toString();
  }

  private static Optional<Double> nextRate(EpochValues v) {
    return v.nextRate().isPresent() ? Optional.of(v.nextRate().getAsDouble()) : Optional.empty();
  }

  private static String share(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static String threeDigits(double v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
