package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.driver.train.EpochValues;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Every epoch of a job's training so far, with the numbers its commit recorded, also for epochs
 * whose checkpoints retention has deleted since: read from the job's history ({@code events/},
 * every {@code EPOCH_COMMITTED} event) and its checkpoints' manifests.
 *
 * <p>Only the line of training the newest checkpoint continues is kept: a resume from epoch
 * {@code r} (after a damaged newer checkpoint was moved aside) drops the epochs after {@code r} an
 * earlier attempt committed, and a commit of epoch {@code e} replaces every epoch from {@code e}
 * on, so an epoch trained twice shows its second training. A checkpoint's manifest, where it is
 * still there, gives its epoch's values (the same numbers its event recorded; for an epoch whose
 * event was recorded before events held metrics, more of them). Immutable.
 */
final class EpochHistory {

  /** Where an epoch's checkpoint is now. */
  enum CheckpointState {
    /** Its {@code epoch-NNNNNN} directory is there and its manifest reads. */
    KEPT,
    /** Its directory is there, but its manifest does not read (or a file it lists is missing or of another size). */
    DAMAGED,
    /** Its directory is there, and its manifest is of a newer format than this build reads (a newer Epochal's). */
    NEWER_FORMAT,
    /** Its directory is gone: retention deleted it (or someone else did). */
    DELETED,
    /**
     * Moved aside ({@code _damaged-epoch-NNNNNN-<suffix>}: by hand, as the messages advise, or by a build that
     * moved a damaged checkpoint a mid-epoch checkpoint followed) and its epoch not trained again since.
     */
    MOVED_ASIDE
  }

  /**
   * One committed epoch: its values, the driver attempt that committed it (empty when only its
   * checkpoint tells of it), when it was committed, and where its checkpoint is.
   */
  record Epoch(EpochValues values, OptionalInt attempt, Optional<Instant> committedAt, CheckpointState checkpoint) {
    Epoch {
      checkNotNull(values, "values");
      checkNotNull(attempt, "attempt");
      checkNotNull(committedAt, "committedAt");
      checkNotNull(checkpoint, "checkpoint");
    }
  }

  private final List<Epoch> epochs;

  private EpochHistory(List<Epoch> epochs) {
    this.epochs = List.copyOf(epochs);
  }

  /**
   * The least suffix of a moved-aside checkpoint read as the time it was moved (2001-09-09 in milliseconds): a resume
   * names it so; a smaller number is a name given by hand, whose time is not known.
   */
  private static final long SOME_TIME = 1_000_000_000_000L;

  /**
   * The history of a job whose events, in the order written, are {@code events} and whose
   * checkpoints are listed as {@code checkpoints}.
   */
  static EpochHistory of(List<JobEvent> events, List<CheckpointEntry> checkpoints) {
    TreeMap<Long, Epoch> line = new TreeMap<>();
    for (JobEvent e : events) {
      if (e.getType() == JobEventType.RESUMED && e.getEpoch() >= 0) {
        line.tailMap(e.getEpoch(), false).clear(); // those after it were trained on a line given up
      } else if (e.getType() == JobEventType.EPOCH_COMMITTED && e.getEpoch() >= 0) {
        line.tailMap(e.getEpoch(), true).clear();
        line.put(e.getEpoch(), new Epoch(EpochValues.of(e), OptionalInt.of(e.getAttempt()),
            Optional.of(e.getTime()), CheckpointState.DELETED));
      }
    }
    Map<Long, CheckpointEntry> kept = new TreeMap<>();
    for (CheckpointEntry c : checkpoints) {
      if (!c.isMovedAside()) {
        kept.put(c.epoch(), c);
      }
    }
    for (Map.Entry<Long, Epoch> e : line.entrySet()) {
      CheckpointEntry c = kept.remove(e.getKey());
      if (c != null) {
        Epoch from = e.getValue();
        e.setValue(c.manifest().map(m -> new Epoch(EpochValues.of(m), from.attempt(), from.committedAt(),
            CheckpointState.KEPT)).orElse(new Epoch(from.values(), from.attempt(), from.committedAt(),
            c.newerFormat() ? CheckpointState.NEWER_FORMAT : CheckpointState.DAMAGED)));
      }
    }
    // gone since it was moved aside (a resume's name says when; one moved by hand, as the messages advise to go back,
    // may end in another number), not since retention deleted it
    Map<Long, Long> movedAt = new TreeMap<>();
    for (CheckpointEntry c : checkpoints) {
      String name = new org.apache.hadoop.fs.Path(c.path()).getName();
      if (c.isMovedAside() && name.matches(".*-\\d{1,18}$")) {
        long suffix = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
        movedAt.merge(c.epoch(), suffix >= SOME_TIME ? suffix : latestTraining(c, events) ? Long.MAX_VALUE : 0L,
            Math::max);
      }
    }
    for (Map.Entry<Long, Epoch> e : line.entrySet()) {
      Epoch from = e.getValue();
      Long moved = movedAt.get(e.getKey());
      if (from.checkpoint() == CheckpointState.DELETED && moved != null
          && from.committedAt().map(t -> t.toEpochMilli() <= moved).orElse(true)) {
        e.setValue(new Epoch(from.values(), from.attempt(), from.committedAt(), CheckpointState.MOVED_ASIDE));
      }
    }
    // checkpoints the events do not tell of (a history lost or cut short): their manifests are the record
    for (CheckpointEntry c : kept.values()) {
      c.manifest().ifPresent(m -> line.put(c.epoch(), new Epoch(EpochValues.of(m), OptionalInt.empty(),
          Optional.of(m.createdAt()), CheckpointState.KEPT)));
    }
    return new EpochHistory(List.copyOf(line.values()));
  }

  /**
   * Whether moved-aside checkpoint {@code c} holds the latest training of its epoch that {@code events} record: no
   * commit of that epoch follows the one that wrote it (the first at or after its manifest's creation). One without a
   * readable manifest is taken as the latest.
   */
  private static boolean latestTraining(CheckpointEntry c, List<JobEvent> events) {
    if (c.manifest().isEmpty()) {
      return true;
    }
    java.time.Instant created = c.manifest().get().createdAt();
    List<java.time.Instant> commits = events.stream().filter(e -> e.getType() == JobEventType.EPOCH_COMMITTED
        && e.getEpoch() == c.epoch()).map(JobEvent::getTime).sorted().toList();
    return commits.stream().noneMatch(t -> t.isAfter(created))
        || commits.stream().filter(t -> !t.isBefore(created)).count() == 1;
  }

  /** The epochs, oldest first. */
  List<Epoch> epochs() {
    return epochs;
  }

  /** How many of them have a checkpoint that is still there (readable or not; not moved aside). */
  long checkpointsThere() {
    return epochs.stream().filter(e -> e.checkpoint() != CheckpointState.DELETED
        && e.checkpoint() != CheckpointState.MOVED_ASIDE).count();
  }

  /** How many of them have a checkpoint that is gone, deleted (by retention), not moved aside as damaged. */
  long deleted() {
    return epochs.stream().filter(e -> e.checkpoint() == CheckpointState.DELETED).count();
  }

  /**
   * {@code status}' line saying how many committed epochs' checkpoints of job {@code dir} are gone (retention
   * deleted them) and the command that shows their metrics, when its history tells of any; nothing when it cannot
   * be read ({@code history} names what is wrong with the events).
   */
  static Optional<String> deletedLine(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path dir,
      List<CheckpointEntry> entries) {
    try {
      EpochHistory h = of(new io.epochal.job.JobEventLog(fs, dir).readAll(), entries);
      long gone = h.deleted();
      return gone == 0 ? Optional.empty() : Optional.of("history:     " + h.epochs().size() + " epochs committed, the "
          + "checkpoints of " + gone + " deleted since (retention); 'bin/epochal history "
          + io.epochal.driver.config.ShellWords.location(dir) + "' shows every epoch's metrics");
    } catch (java.io.IOException | RuntimeException unreadable) {
      return Optional.empty();
    }
  }
}
