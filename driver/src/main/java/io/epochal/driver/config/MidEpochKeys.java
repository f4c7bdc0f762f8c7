package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import java.util.List;

/**
 * When a job also checkpoints inside an epoch ({@code checkpoint.every_n_rounds}, {@code
 * checkpoint.every_n_minutes}): their declarations and how they are read. Operational keys: where the
 * checkpoints fall does not change what the job computes, so a resume may change them ({@code --set}).
 */
public final class MidEpochKeys {

  /** Key of the rounds between two mid-epoch checkpoints; 0 = none by count. */
  public static final String EVERY_N_ROUNDS = "checkpoint.every_n_rounds";
  /** Key of the minutes after which the next round's end is checkpointed; 0 = none by time. */
  public static final String EVERY_N_MINUTES = "checkpoint.every_n_minutes";
  /** The keys, for {@link JobKeys#OPERATIONAL}. */
  static final List<String> KEYS = List.of(EVERY_N_ROUNDS, EVERY_N_MINUTES);

  private MidEpochKeys() {}

  /** {@code checkpoint.every_n_rounds} of {@code values}; 0 when absent (a job made before the key existed). */
  public static int everyNRounds(HyperParameters values) {
    return (int) JobKeys.numberOrZero(values, EVERY_N_ROUNDS);
  }

  /** {@code checkpoint.every_n_minutes} of {@code values}, in milliseconds; 0 when absent. */
  public static long everyMillis(HyperParameters values) {
    return Math.round(JobKeys.numberOrZero(values, EVERY_N_MINUTES) * 60_000);
  }

  /** Adds the declarations of both keys to {@code specs}. */
  static void declare(List<ParamSpec> specs) {
    specs.add(ParamSpec.builder(EVERY_N_ROUNDS, ParamType.LONG).optDefault(0L).optMin(0).optMax(1_000_000_000)
        .optDoc("Also checkpoint inside an epoch: after every n-th round of it (counted from the epoch's start; "
            + "not after its last round, which the epoch's own checkpoint holds), the whole state goes to "
            + "<job.dir>/mid-epoch/step-NNNNNNNNN (the global step), written while training goes on, with the "
            + "epoch's commit protocol and verification, as Lightning's ModelCheckpoint(every_n_train_steps=...). A "
            + "driver that dies resumes from the newest verified one, at the round after it, bit for bit as if it "
            + "had not stopped, instead of training the epoch again from its start. Only the newest is kept; the "
            + "epoch's checkpoint removes them. A write that fails is a warning. 0 = none by count. A resume may "
            + "change it (--set).").build());
    specs.add(ParamSpec.builder(EVERY_N_MINUTES, ParamType.DOUBLE).optDefault(0.0).optMin(0.0).optMax(1e6)
        .optDoc("Also checkpoint inside an epoch, as checkpoint.every_n_rounds does, at the end of the first round "
            + "that ends this many minutes after the epoch started or after the last mid-epoch checkpoint (Lightning's "
            + "train_time_interval): the work a dying driver loses is bounded in time whatever a round takes. 0 = "
            + "none by time. A resume may change it (--set).").build());
  }
}
