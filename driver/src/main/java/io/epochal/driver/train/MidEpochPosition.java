package io.epochal.driver.train;

import io.epochal.checkpoint.CheckpointCorruptedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Where in training a mid-epoch checkpoint stands, from its manifest: the epochs completed, the rounds
 * of the next one it holds (the random state's {@value #ROUND}), the rounds per epoch (its {@value
 * #ROUNDS_PER_EPOCH}, -1 when not recorded) and the global step. The one reading of those entries for
 * the training loop, {@code status}, {@code verify}, {@code inspect} and the dry run.
 *
 * @param completedEpochs the manifest's epoch: the epochs completed before it
 * @param round the rounds of epoch {@code completedEpochs + 1} it holds
 * @param roundsPerEpoch the rounds of an epoch, or -1 when the manifest does not say
 * @param step the global step
 */
public record MidEpochPosition(long completedEpochs, int round, int roundsPerEpoch, long step) {

  /** The random state's entry of the rounds a mid-epoch checkpoint holds of its epoch. */
  static final String ROUND = "round";
  /** The random state's entry of the rounds of an epoch (every checkpoint records it). */
  static final String ROUNDS_PER_EPOCH = "rounds_per_epoch";

  /** The position of checkpoint {@code m}; empty for an epoch's checkpoint (no {@value #ROUND}). */
  public static Optional<MidEpochPosition> of(CheckpointManifest m) {
    if (!m.randomState().contains(ROUND)) {
      return Optional.empty();
    }
    int rounds = m.randomState().contains(ROUNDS_PER_EPOCH)
        ? Math.toIntExact(m.randomState().getLong(ROUNDS_PER_EPOCH)) : -1;
    return Optional.of(new MidEpochPosition(m.epoch(), Math.toIntExact(m.randomState().getLong(ROUND)), rounds,
        m.globalStep()));
  }

  /**
   * Whether a resume continues from a mid-epoch checkpoint at this position when the newest verified epoch
   * checkpoint holds {@code completed} epochs at global step {@code step} (0 and 0 without one): it follows that
   * checkpoint (a later step), or the checkpoint of the epoch it follows is one of {@code damaged} (the epoch
   * checkpoints found damaged, not those moved aside or deleted): it holds the state after that epoch and more,
   * so that epoch is not trained again.
   */
  public boolean continues(long completed, long step, java.util.Set<Long> damaged) {
    return completedEpochs == completed ? this.step > step
        : completedEpochs > completed && damaged.contains(completedEpochs);
  }

  /** The epoch it is inside (1-based). */
  public long epoch() {
    return completedEpochs + 1;
  }

  /**
   * Where a resume from it goes on in its epoch: {@code at round 7}, or {@code with the epoch's checkpoint (all 8
   * rounds done)} when it holds every round (the state a stop after the epoch's last round, before its checkpoint,
   * writes).
   */
  public String next() {
    return roundsPerEpoch > 0 && round >= roundsPerEpoch
        ? "with the epoch's checkpoint (all " + roundsPerEpoch + " rounds done)" : "at round " + (round + 1);
  }

  /** {@code rounds 1-6 of 8 of epoch 2} (without {@code of 8} when the rounds per epoch are not recorded). */
  public String rounds() {
    return "rounds 1-" + round + (roundsPerEpoch >= 0 ? " of " + roundsPerEpoch : "") + " of epoch " + epoch();
  }

  /**
   * Whether a mid-epoch checkpoint continues the epoch after {@code completed} epochs trained to {@code step}, past
   * the {@code damaged} epoch checkpoints ({@link #continues}); one whose random state records no round does when
   * it has those epochs completed and a later step, for the resume to refuse it, saying why.
   */
  public static Predicate<LoadedCheckpoint> continuing(long completed, long step, Set<Long> damaged) {
    return c -> of(c.manifest()).map(at -> at.continues(completed, step, damaged))
        .orElse(c.manifest().epoch() == completed && c.manifest().globalStep() > step);
  }

  /**
   * The newest mid-epoch checkpoint of {@code steps} after global step {@code after} that {@code continues} accepts,
   * loaded with every file checked: the newest verified one ({@code latest}, of {@code steps}), else an older one,
   * newest first, as the listing of {@code status} and {@code resume --all} finds it (the newest may follow an
   * epoch whose checkpoint was moved aside). Those found damaged on the way are added to {@code damaged} and said
   * through {@code damage}.
   */
  public static Optional<LoadedCheckpoint> newestContinuing(CheckpointStore steps, LatestCheckpoint latest,
      long after, Predicate<LoadedCheckpoint> continues, Set<Long> damaged, Consumer<String> damage)
      throws CheckpointException {
    Optional<LoadedCheckpoint> found = latest.checkpoint().filter(continues);
    if (found.isPresent() || latest.checkpoint().isEmpty()) {
      return found;
    }
    long newest = latest.checkpoint().get().manifest().globalStep();
    List<CheckpointEntry> listed = steps.list();
    for (int i = listed.size() - 1; i >= 0; i--) {
      long at = listed.get(i).epoch();
      if (at < newest && at > after && !damaged.contains(at)) {
        try {
          found = Optional.of(steps.load(at)).filter(continues);
          if (found.isPresent()) {
            return found;
          }
        } catch (CheckpointCorruptedException x) {
          damaged.add(at);
          damage.accept(x.getMessage());
        }
      }
    }
    return Optional.empty();
  }
}
