package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.job.JobPaths;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The note {@code relocated.json} a job leaves in the directory it was moved from, once a {@code
 * resume --relocate} has continued it elsewhere: the command that started the job there (a
 * supervised restart, a retried spark-submit) would otherwise start a new job in the empty old
 * directory and train it from epoch 1 beside the moved one. Immutable; written once, only where
 * no job is; a {@code train} there is refused while it stays, naming where the job went.
 */
public final class RelocationNote {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String jobId;
  private final String movedTo;
  private final Instant time;

  private RelocationNote(String jobId, String movedTo, Instant time) {
    this.jobId = checkNotNull(jobId, "jobId");
    this.movedTo = checkNotNull(movedTo, "movedTo");
    this.time = checkNotNull(time, "time");
  }

  /** The note of job {@code jobId} moved to {@code movedTo} at {@code time}. */
  public static RelocationNote of(String jobId, String movedTo, Instant time) {
    return new RelocationNote(jobId, movedTo, time);
  }

  /** Where the job went. */
  public String movedTo() {
    return movedTo;
  }

  /**
   * Writes the note into {@code oldDir} on {@code fs}, unless a job or a note is there already.
   *
   * @return whether it was written
   */
  public boolean writeTo(FileSystem fs, Path oldDir) throws IOException {
    if (fs.exists(JobPaths.jobSpec(oldDir)) || fs.exists(JobPaths.relocated(oldDir))) {
      return false; // another job started there since, or an earlier move's note: leave both as they are
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("format", 1);
    n.put("job_id", jobId);
    n.put("moved_to", movedTo);
    n.put("time", time.toString());
    fs.mkdirs(oldDir);
    io.epochal.io.WriteAndClose.run(fs.create(JobPaths.relocated(oldDir), false), out -> {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
      out.write('\n');
    });
    return true;
  }

  /**
   * After the job moved from {@code oldDir} to {@code newDir} (on {@code fs}): writes this note into
   * {@code oldDir} and deletes any note in {@code newDir} (a job moved back), each failure a warning
   * through {@code warn}, never a failure of the move.
   */
  public void leave(FileSystem fs, Path newDir, Path oldDir, java.util.function.Consumer<String> warn) {
    try {
      fs.delete(JobPaths.relocated(newDir), false);
    } catch (IOException | RuntimeException e) {
      warn.accept("cannot delete " + JobPaths.relocated(newDir) + ", a note that the job left here: " + e.getMessage());
    }
    try {
      writeTo(oldDir.getFileSystem(fs.getConf()), oldDir);
    } catch (IOException | RuntimeException e) {
      warn.accept("cannot leave a note in " + ShellWords.location(oldDir) + ", where the job was moved from ("
          + e.getMessage() + "): a train with that job.dir would start a new job there");
    }
  }

  /** The note in {@code dir}, if there is one; a note that cannot be parsed says only that it is there. */
  public static Optional<RelocationNote> read(FileSystem fs, Path dir) throws IOException {
    Path file = JobPaths.relocated(dir);
    JsonNode n;
    try (InputStream in = fs.open(file)) {
      n = JSON.readTree(in.readAllBytes());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return Optional.of(new RelocationNote("?", "? (" + file + " cannot be read: " + e.getOriginalMessage() + ")",
          Instant.EPOCH));
    }
    return Optional.of(new RelocationNote(n.path("job_id").asText("?"), n.path("moved_to").asText("?"),
        parseTime(n.path("time").asText(""))));
  }

  private static Instant parseTime(String text) {
    try {
      return Instant.parse(text);
    } catch (java.time.DateTimeException e) {
      return Instant.EPOCH;
    }
  }

  /**
   * Why no job starts in {@code dir}, which holds this note, and what to do instead: continue the
   * job where it went, or delete the note to start a new one.
   */
  public String refusal(Path dir) {
    return "the job that was in " + ShellWords.location(dir) + " (" + jobId + ") was relocated to " + movedTo
        + (time.equals(Instant.EPOCH) ? "" : " at " + time) + " by a resume: continue it with: bin/epochal resume "
        + ShellWords.quote(movedTo) + "; to start a new job in " + ShellWords.location(dir) + " instead, delete "
        + ShellWords.location(JobPaths.relocated(dir)) + " (" + JobPaths.RELOCATED + ")";
  }

  @Override
  public String toString() {
    return "RelocationNote{" + jobId + " -> " + movedTo + " at " + time + "}";
  }
}
