package io.epochal.job;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code <jobDir>/job.json} once and reads it back.
 *
 * <p>The file is created exclusively, so of two drivers writing at once exactly one creates it;
 * the other then compares: an equal spec is accepted (idempotent), a different one is refused
 * with a {@link JobSpecMismatchException} listing the differing keys. The one change a stored spec
 * takes is an amendment ({@link #amend}) that leaves every training hyperparameter as it is: the
 * new location of a moved job directory or of its data, or more epochs for the job to train.
 */
public final class JobSpecStore {

  private static final Logger LOG = LoggerFactory.getLogger(JobSpecStore.class);
  static final ObjectMapper MAPPER = new ObjectMapper();

  private final JobFs fs;
  private final Path file;

  /** A store for the job in {@code jobDir} on {@code fs}. */
  public JobSpecStore(FileSystem fs, Path jobDir) {
    this.fs = new JobFs(checkNotNull(fs, "fs"));
    this.file = JobPaths.jobSpec(checkNotNull(jobDir, "jobDir"));
  }

  /** The path of {@code job.json}. */
  public Path getFile() {
    return file;
  }

  /**
   * Stores {@code spec} unless {@code job.json} exists; if it does, checks that it holds an equal
   * spec.
   *
   * @return true if this call created the file, false if an equal spec was already there
   * @throws JobSpecMismatchException if the stored spec differs
   * @throws JobFileFormatException if the stored file cannot be parsed
   * @throws IOException if the file system fails
   */
  public boolean writeOnce(JobSpec spec) throws IOException {
    checkNotNull(spec, "spec");
    Optional<byte[]> existing = fs.readIfExists(file);
    if (existing.isPresent()) {
      // the usual case of a resume: nothing to write (and nothing written on a full disk); an empty file may be
      // another writer's, created in place a moment ago
      List<String> diff = (existing.get().length == 0 ? readWrittenByOther() : parse(existing.get())).diff(spec);
      if (!diff.isEmpty()) {
        throw new JobSpecMismatchException(file, diff);
      }
      return false;
    }
    byte[] bytes = bytes(spec);
    if (fs.createExclusive(file, bytes)) {
      LOG.info("Wrote job spec {} for job {}", file, spec.getJobId());
      return true;
    }
    JobSpec stored = readWrittenByOther();
    List<String> diff = stored.diff(spec);
    if (!diff.isEmpty()) {
      throw new JobSpecMismatchException(file, diff);
    }
    return false;
  }

  /**
   * Replaces the stored spec {@code from} with {@code to}, the same training with new locations or
   * a new number of epochs (the caller checks which keys differ, and that no driver holds the
   * job). Atomic: a reader sees one spec or the other.
   *
   * @return true if this call replaced it, false if {@code to} was already stored
   * @throws JobSpecMismatchException if the stored spec is neither (differences from it to {@code to})
   * @throws java.io.FileNotFoundException if there is no {@code job.json}
   * @throws JobFileFormatException if the stored file cannot be parsed
   */
  public boolean amend(JobSpec from, JobSpec to) throws IOException {
    checkNotNull(from, "from");
    checkNotNull(to, "to");
    JobSpec stored = read().orElseThrow(() -> new java.io.FileNotFoundException(file + " does not exist: no "
        + "job to amend"));
    if (stored.equals(to)) {
      return false;
    }
    if (!stored.equals(from)) {
      throw new JobSpecMismatchException(file, stored.diff(to));
    }
    fs.replace(file, bytes(to));
    LOG.info("Amended job spec {} of job {}: {}", file, to.getJobId(), String.join("; ", from.diff(to)));
    return true;
  }

  private static byte[] bytes(JobSpec spec) throws IOException {
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec.toJson());
  }

  /**
   * Reads the file another writer created: with its whole content where files are published by a rename; where
   * they are created in place (an object store), it may be empty for the moment its writer takes to write it.
   */
  private JobSpec readWrittenByOther() throws IOException {
    for (int look = 0; ; look++) {
      byte[] bytes = fs.readIfExists(file).orElseThrow(
          () -> new IOException(file + " exists but vanished while being read"));
      if (bytes.length > 0 || look == EMPTY_LOOKS) {
        return parse(bytes);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for " + file + " to be written");
      }
    }
  }

  /** How many more times an empty job.json another writer created is read, 100 ms apart, before it counts. */
  private static final int EMPTY_LOOKS = 20;

  /**
   * The stored spec, or empty if {@code job.json} does not exist yet.
   *
   * @throws JobFileFormatException if the file cannot be parsed
   */
  public Optional<JobSpec> read() throws IOException {
    Optional<byte[]> bytes = fs.readIfExists(file);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(parse(bytes.get()));
  }

  private JobSpec parse(byte[] bytes) throws JobFileFormatException {
    if (bytes.length == 0) { // a file system that creates files in place, its writer stopped before it wrote
      throw new JobFileFormatException(file, "job file " + file + " is empty: a driver stopped while it created "
          + "it, before it wrote the job's spec (a file system that creates files in place leaves such a file). "
          + "If the job has no checkpoint, delete the file and run the command again; else restore it from a copy "
          + "(every checkpoint's manifest.json lists the job's hyperparameters)");
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("file is empty");
      }
      JsonNode format = node.path("format");
      if (format.isInt() && format.intValue() > JobSpec.FORMAT) {
        throw new NewerJobFileException(file, format.intValue(), JobSpec.FORMAT);
      }
      return JobSpec.fromJson(node);
    } catch (NewerJobFileException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFileFormatException(file, "", e);
    }
  }
}
