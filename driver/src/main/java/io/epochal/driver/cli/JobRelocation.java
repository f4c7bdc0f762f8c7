package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.Optional;

/**
 * What moved since a job last ran, as {@code epochal resume --relocate --data PATH} says: its
 * directory (to where the command is given) and its data (to {@code dataPath}). A resume that
 * relocates replaces the job's {@code job.json} with one naming the new locations, every
 * hyperparameter unchanged. Immutable.
 */
public final class JobRelocation {

  /** Nothing moved. */
  public static final JobRelocation NONE = new JobRelocation(false, null);

  private final boolean directoryMoved;
  private final String dataPath;

  /**
   * A relocation.
   *
   * @param directoryMoved the job directory was moved to where the resume is given
   * @param dataPath the data's new location, or null if it did not move
   */
  public JobRelocation(boolean directoryMoved, String dataPath) {
    checkArgument(dataPath == null || !dataPath.isBlank(), "dataPath is blank; give the data's new location");
    this.directoryMoved = directoryMoved;
    this.dataPath = dataPath;
  }

  /** Whether the job directory was moved to where the resume is given. */
  public boolean directoryMoved() {
    return directoryMoved;
  }

  /** The data's new location, as given. */
  public Optional<String> dataPath() {
    return Optional.ofNullable(dataPath);
  }

  /** Whether anything moved. */
  public boolean isNone() {
    return !directoryMoved && dataPath == null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobRelocation)) {
      return false;
    }
    JobRelocation r = (JobRelocation) o;
    return directoryMoved == r.directoryMoved && Objects.equals(dataPath, r.dataPath);
  }

  @Override
  public int hashCode() {
    return Objects.hash(directoryMoved, dataPath);
  }

  @Override
  public String toString() {
    return "JobRelocation[directoryMoved=" + directoryMoved + ", dataPath=" + dataPath + "]";
  }
}
