package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LeaseRecoverable;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job history: one JSON-lines file per driver attempt, {@code events/attempt-0003.jsonl}.
 *
 * <p>Appending to an existing HDFS file is fragile (lease recovery, pipeline rebuilds), so each
 * attempt creates its own file and {@code hflush}es after every line: a reader sees each event as
 * soon as it is written, and a crash loses at most a half-written last line, which the reader
 * skips with a warning. When a file's stream breaks (its DataNodes lost), the attempt's history
 * continues in a new part, {@code attempt-0003.1.jsonl}, read after the file it continues.
 */
public final class JobEventLog {

  private static final Logger LOG = LoggerFactory.getLogger(JobEventLog.class);
  private static final ObjectMapper MAPPER = JobSpecStore.MAPPER;

  private final JobFs fs;
  private final Path jobDir;

  /** The log of the job in {@code jobDir} on {@code fs}. */
  public JobEventLog(FileSystem fs, Path jobDir) {
    this.fs = new JobFs(checkNotNull(fs, "fs"));
    this.jobDir = checkNotNull(jobDir, "jobDir");
  }

  /**
   * Creates the events file of {@code attempt} and opens it for writing.
   *
   * @throws FileAlreadyExistsException if that attempt already has a log (attempt numbers are
   *     never reused)
   */
  public Writer openAttempt(int attempt) throws IOException {
    return open(attempt, 0);
  }

  /**
   * Creates part {@code part} (1 or more) of {@code attempt}'s events, where its history continues
   * after the stream of the part before broke.
   *
   * @throws FileAlreadyExistsException if that part exists
   */
  public Writer openContinuation(int attempt, int part) throws IOException {
    checkArgument(part >= 1, "a continuation is part 1 or later, got %s", part);
    return open(attempt, part);
  }

  private Writer open(int attempt, int part) throws IOException {
    Path file = JobPaths.attemptEvents(jobDir, attempt, part);
    fs.fs().mkdirs(file.getParent());
    FSDataOutputStream out;
    try {
      out = fs.fs().create(file, false);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException("events of attempt " + attempt + (part == 0 ? "" : " part " + part)
          + " already exist at " + file + "; each driver attempt needs a new attempt number");
    }
    return new Writer(fs.fs(), file, attempt, out);
  }

  /**
   * Every event of every attempt: attempts in ascending order, each in the order written.
   *
   * @throws JobFileFormatException naming the file and line of a malformed complete line
   */
  public List<JobEvent> readAll() throws IOException {
    List<JobEvent> events = new ArrayList<>();
    for (TreeMap<Integer, Path> parts : attemptFiles().values()) {
      for (Path file : parts.values()) {
        readFile(file, events);
      }
    }
    return events;
  }

  /** The highest attempt that has an event file, 0 if none: the next attempt's number is above it. */
  public int highestAttempt() throws IOException {
    TreeMap<Integer, TreeMap<Integer, Path>> files = attemptFiles();
    return files.isEmpty() ? 0 : files.lastKey();
  }

  /** The event files by attempt, then by part. */
  private TreeMap<Integer, TreeMap<Integer, Path>> attemptFiles() throws IOException {
    TreeMap<Integer, TreeMap<Integer, Path>> files = new TreeMap<>();
    try {
      for (FileStatus s : fs.fs().listStatus(JobPaths.events(jobDir))) {
        int[] attemptPart = JobPaths.parseAttemptPart(s.getPath().getName());
        if (attemptPart != null) {
          files.computeIfAbsent(attemptPart[0], a -> new TreeMap<>()).put(attemptPart[1], s.getPath());
        }
      }
    } catch (FileNotFoundException e) {
      return files;
    }
    return files;
  }

  private void readFile(Path file, List<JobEvent> into) throws IOException {
    byte[] bytes = fs.readIfExists(file).orElse(new byte[0]);
    String text = new String(bytes, StandardCharsets.UTF_8);
    int start = 0;
    int lineNo = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      lineNo++;
      if (end < 0) {
        LOG.warn("Skipping an unterminated last line {} of {} (a writer crashed or is mid-write): {}",
            lineNo, file, text.substring(start));
        return;
      }
      String line = text.substring(start, end);
      start = end + 1;
      if (line.isBlank()) {
        continue;
      }
      try {
        into.add(JobEvent.fromJson(MAPPER.readTree(line)));
      } catch (IOException | IllegalArgumentException e) {
        throw new JobFileFormatException(file, "line " + lineNo + ": ", e);
      }
    }
  }

  /**
   * Closes {@code file}, an events file a writer abandoned ({@link Writer#abandon}), so that its
   * events can be read: on HDFS a file whose stream broke stays open, and unreadable, until its
   * lease is recovered, which the client holding the lease may not ask for, so a client of its own
   * asks. Elsewhere there is nothing to do.
   *
   * @return whether it is done or under way; false while the file system cannot be reached
   */
  public boolean recover(Path file) {
    if (!(fs.fs() instanceof LeaseRecoverable)) {
      return true;
    }
    try (FileSystem other = FileSystem.newInstance(fs.fs().getUri(), fs.fs().getConf())) {
      if (other instanceof LeaseRecoverable recoverable) {
        recoverable.recoverLease(file);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not recover the lease of {} yet: {}", file, e.toString());
      return false;
    }
  }

  /** Writes one attempt's events; each {@link #append} is flushed to the store before returning. */
  public static final class Writer implements Closeable {
    private final FileSystem fs;
    private final Path file;
    private final int attempt;
    private final FSDataOutputStream out;
    private boolean closed;

    private Writer(FileSystem fs, Path file, int attempt, FSDataOutputStream out) {
      this.fs = fs;
      this.file = file;
      this.attempt = attempt;
      this.out = out;
    }

    /** The events file. */
    public Path getFile() {
      return file;
    }

    /**
     * Writes {@code event} as one line and flushes it.
     *
     * @throws IllegalArgumentException if the event belongs to another attempt
     */
    public void append(JobEvent event) throws IOException {
      checkNotNull(event, "event");
      checkState(!closed, "events writer for %s is closed", file);
      checkArgument(event.getAttempt() == attempt,
          "event %s belongs to attempt %s but this writer writes attempt %s", event, event.getAttempt(), attempt);
      try {
        out.write((MAPPER.writeValueAsString(event.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
        out.hflush();
      } catch (org.apache.hadoop.fs.FSError e) {
        // Hadoop's local file system reports a full disk as an Error
        throw new IOException("cannot append to " + file + ": " + e.getMessage(), e.getCause());
      }
    }

    /**
     * Gives up a file whose stream broke: closes it, ignoring the failure (the events written
     * before the break were flushed). On HDFS the file stays open under this client's lease until
     * {@link JobEventLog#recover} closes it. Nothing is thrown.
     */
    public void abandon() {
      try {
        close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Closing the broken events file {} failed too: {}", file, e.toString());
      }
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        try {
          out.close();
        } catch (org.apache.hadoop.fs.FSError e) {
          throw new IOException("cannot close " + file + ": " + e.getMessage(), e.getCause());
        }
      }
    }
  }
}
