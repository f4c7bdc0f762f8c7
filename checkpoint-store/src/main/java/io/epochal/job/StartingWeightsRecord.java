package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code <jobDir>/init.json}: where the weights a job's first epoch starts from were read ({@code
 * init.weights}) and their SHA-256, written once, when a run of the job first reads them. Until the
 * job's first checkpoint (whose manifest records the digest as {@code init_sha256}) this is what
 * tells a later run, in another driver, that the file at that location is no longer the one the
 * job started from. Created exclusively: of two runs recording at once, one writes it and the other
 * reads it.
 */
public final class StartingWeightsRecord {

  private final JobFs fs;
  private final Path file;

  /** The record of the job in {@code jobDir} on {@code fs}. */
  public StartingWeightsRecord(FileSystem fs, Path jobDir) {
    this.fs = new JobFs(checkNotNull(fs, "fs"));
    this.file = new Path(checkNotNull(jobDir, "jobDir"), JobPaths.INIT);
  }

  /** The path of {@code init.json}. */
  public Path getFile() {
    return file;
  }

  /**
   * Records that the weights at {@code location} with SHA-256 {@code sha256} are the job's
   * starting weights, unless a record exists. An empty file (a writer stopped mid-create) is
   * written over: left as it is, it would let every later run take whatever weights it reads.
   *
   * @return the SHA-256 recorded: {@code sha256} when this call wrote it or an earlier record holds
   *     the same, else the earlier record's
   * @throws JobFileFormatException if an earlier record cannot be parsed
   * @throws IOException if the file system fails
   */
  public String recordOnce(String location, String sha256) throws IOException {
    checkArguments(location, sha256);
    Optional<byte[]> existing = fs.readIfExists(file);
    if (existing.isPresent() && existing.get().length > 0) {
      return parse(existing.get());
    }
    if (existing.isPresent()) {
      fs.replace(file, bytes(location, sha256));
    } else if (fs.createExclusive(file, bytes(location, sha256))) {
      return sha256;
    }
    return recorded().orElse(sha256); // what was written last: another run's, when it wrote at the same time
  }

  /**
   * Records the weights at {@code location} with SHA-256 {@code sha256} as the job's starting weights
   * in place of any earlier record: for a run that has just created the job (its job.json), where a
   * record is one a job of that directory left before its job.json was lost.
   *
   * @return {@code sha256}
   * @throws IOException if the file system fails
   */
  public String record(String location, String sha256) throws IOException {
    checkArguments(location, sha256);
    fs.replace(file, bytes(location, sha256));
    return sha256;
  }

  private static void checkArguments(String location, String sha256) {
    checkNotNull(location, "location");
    checkArgument(sha256 != null && sha256.matches("[0-9a-f]{64}"), "sha256 must be 64 hex digits, got %s", sha256);
  }

  private static byte[] bytes(String location, String sha256) throws IOException {
    ObjectNode n = JobSpecStore.MAPPER.createObjectNode();
    n.put("location", location);
    n.put("sha256", sha256);
    return JobSpecStore.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
  }

  /**
   * The SHA-256 recorded, if any; an empty file (what a writer stopped mid-create leaves on a file
   * system without an atomic create) counts as none.
   *
   * @throws JobFileFormatException if the record cannot be parsed
   */
  public Optional<String> recorded() throws IOException {
    Optional<byte[]> bytes = fs.readIfExists(file);
    if (bytes.isEmpty() || bytes.get().length == 0) {
      return Optional.empty();
    }
    return Optional.of(parse(bytes.get()));
  }

  private String parse(byte[] bytes) throws JobFileFormatException {
    try {
      JsonNode sha = JobSpecStore.MAPPER.readTree(bytes).path("sha256");
      if (!sha.isTextual() || !sha.asText().matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("no 'sha256' of 64 hex digits");
      }
      return sha.asText();
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFileFormatException(file, "", e);
    }
  }
}
