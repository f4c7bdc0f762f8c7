package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What a resume changes in a job's stored spec, as {@code epochal resume --relocate --data PATH
 * --epochs N --set KEY=VALUE} says: its directory moved (to where the resume is given), its data
 * moved (to {@code dataPath}), it is to train {@code epochs} epochs in all, or a retention, retry
 * or lease key changes ({@code settings}). A resume that amends replaces the job's {@code job.json}
 * with one holding the new values, every training hyperparameter unchanged. Immutable.
 */
public final class JobAmendment {

  /** Nothing changes. */
  public static final JobAmendment NONE = new JobAmendment(false, null, 0);

  private final boolean directoryMoved;
  private final String dataPath;
  private final int epochs;
  private final Map<String, String> settings;

  /**
   * An amendment.
   *
   * @param directoryMoved the job directory was moved to where the resume is given
   * @param dataPath the data's new location, or null if it did not move
   * @param epochs the number of epochs the job is to train in all, or 0 to keep its own
   */
  public JobAmendment(boolean directoryMoved, String dataPath, int epochs) {
    this(directoryMoved, dataPath, epochs, Map.of());
  }

  /**
   * An amendment that also sets job keys.
   *
   * @param settings job keys to set, as text (a resume accepts {@code JobKeys.OPERATIONAL} ones)
   */
  public JobAmendment(boolean directoryMoved, String dataPath, int epochs, Map<String, String> settings) {
    checkArgument(dataPath == null || !dataPath.isBlank(), "dataPath is blank; give the data's new location");
    checkArgument(epochs >= 0, "epochs must be >= 1 (or 0 to keep the job's own), got %s", epochs);
    this.directoryMoved = directoryMoved;
    this.dataPath = dataPath;
    this.epochs = epochs;
    this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
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

  /** The job keys to set, as text, by key. */
  public Map<String, String> settings() {
    return settings;
  }

  /** Whether nothing changes. */
  public boolean isNone() {
    return !directoryMoved && dataPath == null && epochs == 0 && settings.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobAmendment)) {
      return false;
    }
    JobAmendment a = (JobAmendment) o;
    return directoryMoved == a.directoryMoved && Objects.equals(dataPath, a.dataPath) && epochs == a.epochs
        && settings.equals(a.settings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(directoryMoved, dataPath, epochs, settings);
  }

  @Override
  public String toString() {
    return "JobAmendment[directoryMoved=" + directoryMoved + ", dataPath=" + dataPath + ", epochs=" + epochs
        + ", settings=" + settings + "]";
  }
}
