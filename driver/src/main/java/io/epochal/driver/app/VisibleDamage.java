package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.driver.config.JobSpecResolver;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a job's checkpoint listing shows of damage without reading the data: a manifest that does
 * not parse, a file it lists that is missing or of another size, a completed job's final
 * checkpoint missing. The resume plan, {@code status} and the resume's own search use it; {@code
 * epochal verify} hashes the bytes.
 */
final class VisibleDamage {

  private VisibleDamage() {}

  /**
   * As {@link #finalCheckpointProblem(FileSystem, List, long)} for a completed job whose stored
   * {@code spec} gives its final epoch; without an epoch count in job.json the final checkpoint is
   * unknown, and COMPLETED is trusted.
   */
  static Optional<String> finalCheckpointProblem(FileSystem fs, Optional<io.epochal.job.JobSpec> spec,
      List<CheckpointEntry> checkpoints) throws IOException {
    java.util.OptionalLong last = finalEpoch(spec);
    return last.isPresent() ? finalCheckpointProblem(fs, checkpoints, last.getAsLong()) : Optional.empty();
  }

  /** The final epoch of the job {@code spec} describes (its {@code train.epochs}), if it is recorded. */
  static java.util.OptionalLong finalEpoch(Optional<io.epochal.job.JobSpec> spec) {
    Object epochs = spec.map(s -> s.getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.EPOCHS))
        .orElse(null);
    return epochs instanceof Number ? java.util.OptionalLong.of(((Number) epochs).longValue())
        : java.util.OptionalLong.empty();
  }

  /**
   * What is visibly wrong with the checkpoint of a completed job's final epoch {@code last} among its
   * listed {@code checkpoints}, if anything: it is not listed, its manifest does not parse, or a
   * file it lists is missing or of another size.
   */
  static Optional<String> finalCheckpointProblem(FileSystem fs, List<CheckpointEntry> checkpoints, long last)
      throws IOException {
    String prefix = "COMPLETED, but the checkpoint of its final epoch " + last;
    Optional<CheckpointEntry> entry = checkpoints.stream().filter(e -> e.epoch() == last).findFirst();
    if (entry.isEmpty()) {
      return Optional.of(prefix + " is missing");
    }
    return visibleDamage(fs, entry.get()).map(why -> prefix + " is damaged: " + why);
  }

  /**
   * What is visibly wrong with checkpoint {@code entry}, if anything: its manifest does not parse,
   * or a file it lists is missing or of another size. Reads the listing only, not the bytes
   * ({@code epochal verify} hashes them).
   */
  static Optional<String> visibleDamage(FileSystem fs, CheckpointEntry entry) throws IOException {
    if (entry.manifest().isEmpty()) {
      return Optional.of(entry.manifestProblem().orElse("no manifest"));
    }
    Path dir = new Path(entry.path());
    for (io.epochal.checkpoint.ManifestFile f : entry.manifest().get().files()) {
      Path file = new Path(dir, f.name());
      long size;
      try {
        size = fs.getFileStatus(file).getLen();
      } catch (java.io.FileNotFoundException e) {
        if (!fs.exists(dir)) {
          return Optional.empty(); // the whole checkpoint deleted since it was listed (retention): not damage
        }
        return Optional.of(JobSpecResolver.locationText(file) + " is missing");
      }
      if (size != f.size()) {
        return Optional.of(JobSpecResolver.locationText(file) + " has " + size + " bytes, its manifest lists "
            + f.size());
      }
    }
    return Optional.empty();
  }

  /** The newest epoch below {@code below} whose checkpoint shows no damage in its listing, or 0. */
  static long newestIntactEpoch(FileSystem fs, List<CheckpointEntry> list, long below) throws IOException {
    for (int i = list.size() - 1; i >= 0; i--) {
      CheckpointEntry e = list.get(i);
      if (e.epoch() < below && e.manifest().isPresent() && visibleDamage(fs, e).isEmpty()) {
        return e.epoch();
      }
    }
    return 0;
  }

}
