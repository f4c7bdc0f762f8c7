package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import io.epochal.params.ValueChange;
import java.util.List;
import java.util.Optional;

/**
 * The {@code resume} options ({@code --relocate}, {@code --data}, {@code --epochs}, {@code --set}) that amend a
 * job's stored keys to those of a spec: what a command prints so that the resume it names gives an amendment
 * again, for a run stopped or failed before it wrote the amendment to {@code job.json}. A key the spec sets to
 * its "none" value ({@link JobKeys#storedAsAbsent}: {@code early_stop.patience=0}, no held-out rows), which is
 * not stored and so looks removed, is given with that value.
 */
public final class AmendmentOptions {

  private AmendmentOptions() {}

  /**
   * The options, each with a leading space, that amend {@code stored} (the job's stored keys) to {@code spec}'s;
   * empty when they are equal.
   *
   * @throws IllegalArgumentException naming the key when a changed key has no value in {@code spec}
   */
  public static String of(HyperParameters stored, JobSpec spec) {
    checkNotNull(stored, "stored");
    checkNotNull(spec, "spec");
    return ofChanges(stored.changes(spec.toStored().getHyperParameters()), spec);
  }

  /** As {@link #of}, for {@code changes} already taken from the stored keys to {@code spec}'s. */
  public static String ofChanges(List<ValueChange> changes, JobSpec spec) {
    StringBuilder b = new StringBuilder();
    for (ValueChange c : changes) {
      String key = c.getKey();
      Optional<Object> to = c.getTo().or(() -> spec.resolved(key));
      if (to.isEmpty()) {
        throw new IllegalArgumentException(key + " has no value in the spec of job " + spec.jobDirText()
            + ": a resume cannot give its change");
      }
      b.append(option(key, to.get()));
    }
    return b.toString();
  }

  /** The resume option, with a leading space, that amends {@code key} to {@code value}. */
  public static String option(String key, Object value) {
    String text = text(value);
    return switch (key) {
      case JobKeys.JOB_DIR -> " --relocate";
      case JobKeys.DATA_PATH -> " --data " + ShellWords.quote(text);
      case JobKeys.EPOCHS -> " --epochs " + text;
      default -> " --set " + ShellWords.quote(key + "=" + text);
    };
  }

  /** A value as a job file or {@code --set} gives it: lists comma-separated. */
  public static String text(Object value) {
    return value instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
        : String.valueOf(value);
  }
}
