package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.StoreOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.RelocationNote;
import io.epochal.driver.config.ShellWords;
import io.epochal.driver.train.EpochValues;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobFileFormatException;
import io.epochal.job.JobPaths;
import io.epochal.job.JobSpecStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal history}: every committed epoch of a job with the metrics its commit recorded
 * ({@link EpochHistory}), as a table or as CSV (one row per epoch, a column per metric, as
 * PyTorch Lightning's {@code CSVLogger} writes its {@code metrics.csv}), including the epochs
 * whose checkpoints retention has deleted.
 */
final class EpochHistoryReport {

  /** The CSV's metric columns, in this order first; any other metric follows in name order. */
  private static final List<String> CSV_ORDER = List.of(EpochMetrics.TRAIN_LOSS, EpochMetrics.TRAIN_ACCURACY,
      EpochMetrics.TRAIN_MAE, EpochMetrics.VAL_LOSS, EpochMetrics.VAL_ACCURACY, EpochMetrics.VAL_F1,
      EpochMetrics.VAL_AUC, EpochMetrics.VAL_AP, EpochMetrics.VAL_BALANCED_ACCURACY, EpochMetrics.VAL_MAE,
      EpochMetrics.VAL_RMSE, EpochMetrics.VAL_R2, EpochMetrics.GRAD_NORM, EpochMetrics.GRAD_NORM_MAX,
      EpochMetrics.GRAD_CLIPPED, EpochMetrics.SAMPLES, EpochMetrics.SAMPLES_PER_SECOND, EpochMetrics.DATA_ROWS,
      EpochMetrics.SKIPPED_ROWS, EpochMetrics.VAL_ROWS);

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  EpochHistoryReport(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = conf;
    this.out = out;
    this.err = err;
  }

  /**
   * Prints the history of the job in {@code uri}: {@link ExitCodes#OK}, or {@link ExitCodes#FAILED}
   * when its events cannot be read (what its checkpoints tell is printed still).
   *
   * @throws ConfigException if {@code uri} is no job directory
   */
  int print(URI uri, boolean csv) throws IOException {
    StoreOptions.check(conf, uri.toString());
    Path dir = new Path(uri);
    FileSystem fs = dir.getFileSystem(conf);
    checkJobDirectory(fs, dir);
    List<JobEvent> events = List.of();
    String unreadable = null;
    try {
      events = new JobEventLog(fs, dir).readAll();
    } catch (IOException e) { // a malformed line, or a file that cannot be read (permission, a block not recovered)
      unreadable = e instanceof JobFileFormatException ? e.getMessage() : "cannot read the job's history: " + e;
    }
    List<CheckpointEntry> checkpoints;
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir.toString()).optConfiguration(conf)
        .build()) {
      checkpoints = new ArrayList<>();
      for (CheckpointEntry c : store.list()) {
        // as status marks them: a file missing or of another size than its manifest lists (verify hashes them)
        Optional<String> damage = c.newerFormat() ? Optional.empty() : VisibleDamage.visibleDamage(fs, c);
        checkpoints.add(damage.isEmpty() ? c : new CheckpointEntry(c.epoch(), c.path(), null, damage.get()));
      }
      checkpoints.addAll(store.listMovedAside()); // an epoch whose checkpoint a resume moved aside is not deleted
    }
    EpochHistory history = EpochHistory.of(events, checkpoints);
    if (csv) {
      printCsv(history);
    } else {
      printTable(fs, dir, history);
    }
    if (unreadable != null) {
      err.println("warning: the job's history cannot be read, so only the epochs whose checkpoints are still there "
          + "are shown: " + unreadable + " (a resume does not need it; mend or delete that line to see the epochs "
          + "the file records)");
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }

  private static void checkJobDirectory(FileSystem fs, Path dir) throws IOException {
    if (fs.exists(JobPaths.jobSpec(dir)) || fs.exists(JobPaths.events(dir))) {
      return;
    }
    Optional<RelocationNote> moved = RelocationNote.read(fs, dir);
    if (moved.isPresent()) {
      throw new ConfigException("URI", ShellWords.location(dir) + " holds no job: " + moved.get().refusal(dir));
    }
    if (!fs.exists(dir)) {
      throw new ConfigException("URI", ShellWords.location(dir) + " does not exist; give a job directory");
    }
    if (JobFinder.holdsCheckpoints(fs, dir)) {
      return; // job.json and the history are lost; the checkpoints still tell their epochs (another tool's
      // checkpoints/ folder is not a job's)
    }
    String jobs = JobFinder.find(fs, dir).jobs().isEmpty() ? "" : "; it has jobs under it, which 'bin/epochal "
        + "status " + ShellWords.location(dir) + "' lists: give one of them";
    throw new ConfigException("URI", ShellWords.location(dir) + " is not a job directory (no job.json, events or "
        + "checkpoints)" + jobs);
  }

  private void printTable(FileSystem fs, Path dir, EpochHistory history) throws IOException {
    List<EpochHistory.Epoch> epochs = history.epochs();
    out.println("job:         " + JobSpecResolver.locationText(dir));
    OptionalLong of = OptionalLong.empty();
    try {
      of = VisibleDamage.finalEpoch(new JobSpecStore(fs, dir).read());
    } catch (JobFileFormatException unreadable) {
      // the count of epochs asked for is left out; status names what is wrong with job.json
    }
    long deleted = history.deleted();
    long movedAside = epochs.size() - deleted - history.checkpointsThere();
    out.println("epochs:      " + (epochs.isEmpty() ? "none committed yet" : epochs.size() + " committed"
        + (of.isPresent() ? " of " + of.getAsLong() : "") + "; " + (deleted + movedAside == 0 ? "every checkpoint kept"
        : history.checkpointsThere() + " checkpoint" + (history.checkpointsThere() == 1 ? "" : "s") + " kept, "
        + (deleted == 0 ? "" : deleted + " deleted (retention), ") + (movedAside == 0 ? "" : movedAside
        + " moved aside (as damaged by a resume, or by hand), ") + "their metrics from the job's history")));
    if (epochs.isEmpty()) {
      return;
    }
    CheckpointTable table = new CheckpointTable(epochs.stream().map(EpochHistory.Epoch::values).toList());
    out.printf(Locale.ROOT, "  %6s %10s %12s%s  %7s  %-20s  %s%n", "EPOCH", "STEP", "TRAIN_LOSS", table.headers(),
        "ATTEMPT", "COMMITTED", "CHECKPOINT");
    for (EpochHistory.Epoch e : epochs) {
      Optional<EpochValues> v = Optional.of(e.values());
      out.printf(Locale.ROOT, "  %6d %10s %12s%s  %7s  %-20s  %s%n", e.values().epoch(), CheckpointTable.step(v),
          CheckpointTable.loss(v), table.cells(v), e.attempt().isPresent() ? Integer.toString(e.attempt().getAsInt())
          : "-", e.committedAt().map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
          .orElse("-"), e.checkpoint().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  private void printCsv(EpochHistory history) {
    Set<String> recorded = new TreeSet<>();
    history.epochs().forEach(e -> recorded.addAll(e.values().metrics().keySet()));
    Set<String> columns = new LinkedHashSet<>();
    CSV_ORDER.stream().filter(recorded::contains).forEach(columns::add);
    columns.addAll(recorded);
    List<String> header = new ArrayList<>(List.of("epoch", "step"));
    header.addAll(columns);
    header.addAll(List.of("next_lr", "attempt", "committed", "checkpoint")); // the rate after the epoch, as NEXT_LR
    out.println(String.join(",", header));
    for (EpochHistory.Epoch e : history.epochs()) {
      EpochValues v = e.values();
      List<String> row = new ArrayList<>();
      row.add(Long.toString(v.epoch()));
      row.add(v.step().isPresent() ? Long.toString(v.step().getAsLong()) : "");
      columns.forEach(c -> row.add(v.metric(c).map(EpochHistoryReport::number).orElse("")));
      row.add(v.nextRate().isPresent() ? number(v.nextRate().getAsDouble()) : "");
      row.add(e.attempt().isPresent() ? Integer.toString(e.attempt().getAsInt()) : "");
      row.add(e.committedAt().map(Object::toString).orElse(""));
      row.add(e.checkpoint().name().toLowerCase(java.util.Locale.ROOT));
      out.println(String.join(",", row));
    }
  }

  /** A value as it reads back exactly: a whole number without a fraction, else Java's shortest form. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
