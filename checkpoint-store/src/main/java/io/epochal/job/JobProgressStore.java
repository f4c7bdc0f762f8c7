package io.epochal.job;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and replaces the job's {@code progress.json} ({@link JobProgress}). Every write replaces the
 * file atomically (temp file + rename), so a reader sees one report whole. The driver that holds the
 * lease writes it; a reader compares its holder with the lease's, since a driver that lost the lease
 * may still write one.
 */
public final class JobProgressStore {

  private final JobFs fs;
  private final Path file;

  /** The progress file of the job in {@code jobDir}. */
  public JobProgressStore(FileSystem fs, Path jobDir) {
    this.fs = new JobFs(checkNotNull(fs, "fs"));
    this.file = JobPaths.progress(checkNotNull(jobDir, "jobDir"));
  }

  /**
   * The report written last, or empty when no driver wrote one.
   *
   * @throws JobFileFormatException if {@code progress.json} cannot be parsed
   */
  public Optional<JobProgress> read() throws IOException {
    Optional<byte[]> bytes = fs.readIfExists(file);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = JobSpecStore.MAPPER.readTree(bytes.get());
      return Optional.of(JobProgress.fromJson(node));
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFileFormatException(file, "", e);
    }
  }

  /** Replaces the report with {@code progress}. */
  public void write(JobProgress progress) throws IOException {
    fs.replace(file, JobSpecStore.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(
        checkNotNull(progress, "progress").toJson()));
  }
}
