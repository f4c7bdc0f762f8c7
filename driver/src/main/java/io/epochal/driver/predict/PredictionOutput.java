package io.epochal.driver.predict;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.SaveMode;

/**
 * Where {@code predict --output} writes: a location that does not exist yet, or, with {@code
 * --overwrite}, an earlier prediction output. Predict marks every output directory it completes
 * with a {@value #MARKER} file (JSON: what wrote it, the model, the checkpoint, the rows), which
 * Spark's readers skip as they skip {@code _SUCCESS}; {@code --overwrite} replaces only a directory
 * holding that marker, or what a stopped write leaves (an empty directory, or one holding only
 * Spark's {@code _temporary}), so that training data, a job directory or another program's output
 * is never deleted, whatever it holds. A job directory, a directory inside one, a checkpoint
 * directory or one holding jobs is refused as such ({@link io.epochal.driver.config.JobContent}),
 * with or without {@code --overwrite}.
 */
public final class PredictionOutput {

  /** The file predict writes into each output directory it completes. */
  static final String MARKER = "_EPOCHAL_PREDICTIONS";

  /** Before Spark's shutdown hooks (the file systems' priority + 30) stop the SparkContext. */
  private static final int STOP_NOTICE_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;

  private PredictionOutput() {}

  /**
   * Checks that {@code options}' output does not exist, or, with {@code --overwrite}, is an
   * earlier prediction output that does not hold the input.
   *
   * @throws ConfigException (key {@code --output}) naming the location and the fix
   * @throws IOException when the output's file system cannot be reached
   */
  static void check(PredictOptions options, Configuration conf) throws IOException {
    String output = options.output();
    Path p = new Path(output);
    io.epochal.driver.config.CreatablePath.refuseInsideCheckpoints("--output", p, conf);
    Path input = new Path(options.input());
    if (!p.getFileSystem(conf).makeQualified(p).equals(input.getFileSystem(conf).makeQualified(input))) {
      // --output equal to --input is refused below, with --overwrite or without
      io.epochal.driver.config.CreatablePath.refuseInsideData("--output", p, input, "--input", conf);
    }
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return;
    }
    Path in = input.getFileSystem(conf).makeQualified(input); // qualified by its own file system (Wrong FS else)
    Path out = fs.makeQualified(p);
    if (options.overwrite() && (in.toString() + "/").startsWith(out.toString() + "/")) {
      throw new ConfigException("--output", "--output " + output + " holds --input " + options.input()
          + "; --overwrite never replaces the input: give a new location");
    }
    org.apache.hadoop.fs.FileStatus status = fs.getFileStatus(p);
    boolean stopped = unfinished(fs, p);
    boolean earlier = status.isDirectory() && (stopped || fs.exists(new Path(p, MARKER)));
    if (!earlier) {
      // refused as what it is, so that --overwrite is not offered where it would be refused
      java.util.Optional<String> job = io.epochal.driver.config.JobContent.of(fs, status);
      if (job.isPresent()) {
        throw new ConfigException("--output", "--output " + output + " " + job.get() + "; --overwrite replaces only "
            + "an earlier prediction output, never a job or its checkpoints: give a new location");
      }
      throw new ConfigException("--output", "--output " + output + " already exists and is not an earlier prediction "
          + "output: it has no " + MARKER + " file, which predict writes into every output directory it completes; "
          + "--overwrite replaces only those (never data or a job directory): give a new location, or remove "
          + output + " yourself if you are sure it can go");
    }
    if (!options.overwrite()) {
      throw new ConfigException("--output", "--output " + output + " already exists" + (stopped
          ? " and is empty or holds only Spark's _temporary files, as a stopped write leaves it, or one that still "
          + "runs; once no predict writes there, pass --overwrite to write the predictions there" : " (an earlier prediction output); give a new location, or pass "
          + "--overwrite to replace it"));
    }
    java.util.Optional<String> foreign = stopped ? java.util.Optional.empty()
        : io.epochal.driver.data.DataGenerator.foreignEntry(fs, p, MARKER);
    if (foreign.isPresent()) {
      throw new ConfigException("--output", "--output " + output + " is an earlier prediction output that also holds "
          + foreign.get() + ", which predict did not write; --overwrite would delete it with the rest: move it out "
          + "of " + output + " first, or give a new location");
    }
  }

  /**
   * Whether {@code dir} is what a write stopped before completing leaves: an empty directory, or one
   * holding only Spark's {@code _temporary} directory (a stopped predict, or any Spark write), which
   * no complete output and no data is.
   */
  public static boolean unfinished(FileSystem fs, Path dir) throws IOException {
    if (!fs.getFileStatus(dir).isDirectory()) {
      return false;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      if (!(s.isDirectory() && s.getPath().getName().equals("_temporary"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Registers, for the time predictions are written to {@code output} (null: printed), a line the
   * command prints if a signal stops the JVM meanwhile: the output is incomplete, and how to write
   * it again. Closing the returned handle removes it.
   */
  static StopNotice noticeOnStop(String output) {
    String what = output == null ? "the predictions printed above, if any, are incomplete"
        : "no complete output was written to " + io.epochal.driver.config.JobSpecResolver.locationText(new Path(output))
        + "; run the same command again (with --overwrite if that location exists now)";
    Runnable notice = () -> System.err.println("epochal: stopped: the JVM is shutting down (SIGINT or SIGTERM) "
        + "while predicting: " + what);
    ShutdownHookManager hooks = ShutdownHookManager.get();
    hooks.addShutdownHook(notice, STOP_NOTICE_PRIORITY);
    return () -> {
      if (!hooks.isShutdownInProgress()) {
        hooks.removeShutdownHook(notice);
      }
    };
  }

  /** A registered {@link #noticeOnStop} notice; closing it removes it. */
  interface StopNotice extends AutoCloseable {
    @Override
    void close();
  }

  /** The save mode of the output: replacing only when {@code --overwrite} (checked by {@link #check}). */
  static SaveMode saveMode(PredictOptions options) {
    return options.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
  }

  /** Marks the completed output directory of {@code summary} as predict's own. */
  static void markCompleted(PredictionSummary summary, Configuration conf) throws IOException {
    Path dir = new Path(summary.output());
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("written_by", "epochal predict");
    marker.put("model", summary.model());
    marker.put("checkpoint", summary.checkpoint());
    summary.weights().ifPresent(w -> marker.put("weights", w));
    marker.put("rows", summary.predicted());
    marker.put("skipped_rows", summary.skipped());
    marker.put("format", summary.outputFormat());
    marker.put("completed_at", Instant.now().toString());
    FileSystem fs = dir.getFileSystem(conf);
    io.epochal.io.WriteAndClose.run(fs.create(new Path(dir, MARKER), true),
        out -> out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(marker)));
  }
}
