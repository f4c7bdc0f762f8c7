package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A series of checkpoints in a job directory, and what keys its members: the checkpoints of whole
 * epochs ({@code checkpoints/epoch-NNNNNN}, keyed by the manifest's epoch), or the checkpoints taken
 * inside an epoch ({@code mid-epoch/step-NNNNNNNNN}, keyed by the manifest's global step, whose epoch
 * is the epochs completed before it). Each series is a store of its own ({@link
 * HadoopCheckpointStore.Builder#optSeries}) with the same commit protocol, verification and fallback.
 */
public enum CheckpointSeries {

  /** One checkpoint per completed epoch, {@code <job-dir>/checkpoints/epoch-NNNNNN}. */
  EPOCHS("checkpoints", "epoch", 6),
  /**
   * Checkpoints between rounds of an epoch, {@code <job-dir>/mid-epoch/step-NNNNNNNNN}: the manifest's
   * epoch is the epochs completed, its global step the key.
   */
  STEPS("mid-epoch", "step", 9);

  private final String directory;
  private final String prefix;
  private final String format;
  private final Pattern published;

  CheckpointSeries(String directory, String prefix, int digits) {
    this.directory = directory;
    this.prefix = prefix;
    this.format = prefix + "-%0" + digits + "d";
    this.published = Pattern.compile(prefix + "-(\\d{" + digits + ",})");
  }

  /** The directory under the job directory that holds the series. */
  public String directory() {
    return directory;
  }

  /** What the key counts, as in a directory's name: {@code epoch} or {@code step}. */
  public String unit() {
    return prefix;
  }

  /** The directory name of the member keyed {@code key}: {@code epoch-000007}, {@code step-000001234}. */
  public String name(long key) {
    checkArgument(key >= 0, "a checkpoint's %s must be >= 0, got %s", prefix, key);
    return String.format(Locale.ROOT, format, key);
  }

  /**
   * The key of a published member's directory name, or empty for any other name: only the name
   * {@link #name} gives its key counts ({@code epoch-0000007}, with a digit too many, is no member,
   * since the store would look for epoch 7 in {@code epoch-000007}).
   */
  public OptionalLong parse(String name) {
    Matcher m = published.matcher(name);
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    try {
      long key = Long.parseLong(m.group(1));
      return name.equals(name(key)) ? OptionalLong.of(key) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The key of the checkpoint {@code m} describes in this series: its epoch, or its global step. */
  public long key(CheckpointManifest m) {
    return this == EPOCHS ? m.epoch() : m.globalStep();
  }

  /**
   * The series a checkpoint's path (or a path inside it) belongs to, by the series directory it is in:
   * the deeper of the two series directories in the path, since the job directory above them may
   * itself sit in a folder named {@code mid-epoch} or {@code checkpoints}.
   */
  public static CheckpointSeries of(String path) {
    if (path == null) {
      return EPOCHS;
    }
    return path.lastIndexOf("/" + STEPS.directory() + "/") > path.lastIndexOf("/" + EPOCHS.directory() + "/")
        ? STEPS : EPOCHS;
  }

  /** The key said in a message: {@code epoch 7}, {@code step 1234}. */
  public String describe(long key) {
    return prefix + " " + key;
  }
}
