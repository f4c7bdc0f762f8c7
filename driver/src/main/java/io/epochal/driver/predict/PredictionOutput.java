package io.epochal.driver.predict;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.driver.config.ConfigException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SaveMode;

/**
 * Where {@code predict --output} writes: a location that does not exist yet, or, with {@code
 * --overwrite}, an earlier prediction output. Predict marks every output directory it completes
 * with a {@value #MARKER} file (JSON: what wrote it, the model, the checkpoint, the rows), which
 * Spark's readers skip as they skip {@code _SUCCESS}; {@code --overwrite} replaces only a directory
 * holding that marker, so that training data, a job directory or another program's output is never
 * deleted, whatever it holds.
 */
final class PredictionOutput {

  /** The file predict writes into each output directory it completes. */
  static final String MARKER = "_EPOCHAL_PREDICTIONS";

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
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return;
    }
    if (!options.overwrite()) {
      throw new ConfigException("--output", "--output " + output + " already exists; give a new location, or pass "
          + "--overwrite to replace an earlier prediction output");
    }
    Path in = fs.makeQualified(new Path(options.input()));
    Path out = fs.makeQualified(p);
    if ((in.toString() + "/").startsWith(out.toString() + "/")) {
      throw new ConfigException("--output", "--output " + output + " holds --input " + options.input()
          + "; --overwrite never replaces the input: give a new location");
    }
    if (!fs.getFileStatus(p).isDirectory() || !fs.exists(new Path(p, MARKER))) {
      throw new ConfigException("--output", "--output " + output + " is not an earlier prediction output: it has "
          + "no " + MARKER + " file, which predict writes into every output directory it completes; --overwrite "
          + "replaces only those (never data or a job directory): give a new location, or remove " + output
          + " yourself if you are sure it can go");
    }
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
    marker.put("rows", summary.predicted());
    marker.put("skipped_rows", summary.skipped());
    marker.put("format", summary.outputFormat());
    marker.put("completed_at", Instant.now().toString());
    FileSystem fs = dir.getFileSystem(conf);
    try (OutputStream out = fs.create(new Path(dir, MARKER), true)) {
      out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(marker));
    }
  }
}
