package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a resume changes in a job's stored spec, as {@code epochal resume --relocate --data PATH
 * --epochs N} says: its directory moved (to where the resume is given), its data moved (to {@code
 * dataPath}), or it is to train {@code epochs} epochs in all. A resume that amends replaces the
 * job's {@code job.json} with one holding the new values, every training hyperparameter unchanged.
 * Immutable.
 */
public final class JobAmendment {

  /** Nothing changes. */
  public static final JobAmendment NONE = new JobAmendment(false, null, 0);

  private final boolean directoryMoved;
  private final String dataPath;
  private final int epochs;

  /**
   * An amendment.
   *
   * @param directoryMoved the job directory was moved to where the resume is given
   * @param dataPath the data's new location, or null if it did not move
   * @param epochs the number of epochs the job is to train in all, or 0 to keep its own
   */
  public JobAmendment(boolean directoryMoved, String dataPath, int epochs) {
    checkArgument(dataPath == null || !dataPath.isBlank(), "dataPath is blank; give the data's new location");
    checkArgument(epochs >= 0, "epochs must be >= 1 (or 0 to keep the job's own), got %s", epochs);
    this.directoryMoved = directoryMoved;
    this.dataPath = dataPath;
    this.epochs = epochs;
  }

  /** Whether the job directory was moved to where the resume is given. */
  public boolean directoryMoved() {
    return directoryMoved;
  }

  /** The data's new location, as given. */
  public Optional<String> dataPath() {
    return Optional.ofNullable(dataPath);
  }

  /** The number of epochs the job is to train in all, if it changes. */
  public OptionalInt epochs() {
    return epochs == 0 ? OptionalInt.empty() : OptionalInt.of(epochs);
  }

  /** Whether nothing changes. */
  public boolean isNone() {
    return !directoryMoved && dataPath == null && epochs == 0;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobAmendment)) {
      return false;
    }
    JobAmendment a = (JobAmendment) o;
    return directoryMoved == a.directoryMoved && Objects.equals(dataPath, a.dataPath) && epochs == a.epochs;
  }

  @Override
  public int hashCode() {
    return Objects.hash(directoryMoved, dataPath, epochs);
  }

  @Override
  public String toString() {
    return "JobAmendment[directoryMoved=" + directoryMoved + ", dataPath=" + dataPath + ", epochs=" + epochs + "]";
  }
}
