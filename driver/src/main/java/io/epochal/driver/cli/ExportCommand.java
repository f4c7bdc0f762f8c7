package io.epochal.driver.cli;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.worker.djl.DjlModelDirectory;
import java.net.URI;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;

/**
 * {@code epochal export URI --format onnx|djl --out PATH}: writes the model of a checkpoint (or of
 * a job directory's newest checkpoint) for serving without Epochal.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = {
    "Export a checkpoint's model (a job directory: its newest checkpoint): --format onnx writes a standard "
        + "ONNX file (opset 17, input 'input' and output 'output' with a dynamic batch dimension); --format "
        + "djl writes a DJL model directory (see docs/EXPORT.md)."})
final class ExportCommand extends LauncherCommand {

  @Parameters(index = "0", paramLabel = "URI",
      description = JOB_OR_CHECKPOINT)
  @Override
  void location(String uri) {
    super.location(uri);
  }

  @Option(names = "--format", required = true, paramLabel = "onnx|djl", description = "onnx or djl.")
  String format;

  @Option(names = "--out", required = true, paramLabel = "PATH",
      description = "The ONNX file, or the DJL model directory, to write (local path or Hadoop URI).")
  String out;

  @Option(names = "--weights", paramLabel = "trained|ema", description = "The weights to export: trained "
      + "(model.safetensors) or ema (ema.safetensors, the moving average a job with train.ema_decay keeps) "
      + "(default: the average when the checkpoint has one, as its held-out metrics, else the trained weights).")
  String weights;

  @Option(names = "--overwrite",
      description = "Replace an existing .onnx file, or the files of an earlier export in a DJL model directory "
          + "(one holding " + DjlModelDirectory.DESCRIPTOR + "). Nothing else is replaced.")
  boolean overwrite;

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    String f = format.toLowerCase(Locale.ROOT);
    if (!f.equals("onnx") && !f.equals("djl")) {
      throw new IllegalArgumentException("--format '" + format + "' is not supported; use onnx or djl");
    }
    URI target = qualify(out, options, "--out");
    io.epochal.driver.config.CreatablePath.refuseInsideJobData("--out", new Path(target), new Path(uri),
        options.hadoopConfiguration());
    refuseExisting(target, f, overwrite, options);
    return launcher.export(uri, f, target, io.epochal.driver.train.ServedWeights.choice(weights), options);
  }

  /**
   * Refuses a directory as an ONNX file's target; without {@code overwrite}, an existing file or a
   * non-empty directory; with it, anything but an earlier export: a {@code .onnx} file, or a
   * directory holding {@value DjlModelDirectory#DESCRIPTOR}. Data, a job directory or another file
   * is never replaced; a job or checkpoint directory is refused as such ({@link
   * io.epochal.driver.config.JobContent}).
   */
  private static void refuseExisting(URI target, String format, boolean overwrite, CliOptions options)
      throws java.io.IOException {
    Path p = new Path(target);
    String shown = JobSpecResolver.locationText(p);
    io.epochal.driver.config.CreatablePath.refuseInsideCheckpoints("--out", p, options.hadoopConfiguration());
    FileSystem fs = p.getFileSystem(options.hadoopConfiguration());
    FileStatus st;
    try {
      st = fs.getFileStatus(p);
    } catch (java.io.FileNotFoundException absent) {
      st = null;
    }
    if (st != null && st.isDirectory() && format.equals("onnx")) {
      throw new ConfigException("--out", "--out " + shown + " is a directory; --format onnx writes one file: give "
          + "its path, e.g. " + JobSpecResolver.locationText(new Path(p, "model.onnx")));
    }
    if (format.equals("djl") && p.getName().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new ConfigException("--out", "--out " + shown + " names an ONNX file, but --format djl writes a model "
          + "directory: give --format onnx, or a directory name for the DJL model");
    }
    if (format.equals("onnx") && !p.getName().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      throw new ConfigException("--out", "--out " + shown + " has no .onnx extension; --format onnx writes one "
          + "file, which predict and --overwrite know by that extension: give e.g. --out " + shown + ".onnx");
    }
    if (st == null) {
      io.epochal.driver.config.CreatablePath.requireDirectory("--out", p, options.hadoopConfiguration());
      return;
    }
    // empty, or holding only the temporary files an export stopped while it copied leaves (.<name>.tmp-<uuid>),
    // which no reader takes: written into again
    boolean empty = st.isDirectory() && java.util.Arrays.stream(fs.listStatus(p))
        .allMatch(e -> e.isFile() && e.getPath().getName().matches("\\..+\\.tmp-[0-9a-f-]{36}"));
    if (empty) {
      return;
    }
    boolean earlierExport = st.isDirectory() ? fs.exists(new Path(p, DjlModelDirectory.DESCRIPTOR))
        : p.getName().toLowerCase(Locale.ROOT).endsWith(".onnx");
    if (st.isDirectory() && !earlierExport) {
      // refused first, so that neither --overwrite nor removing it is offered
      java.util.Optional<String> job = io.epochal.driver.config.JobContent.of(fs, st);
      if (job.isPresent()) {
        throw new ConfigException("--out", "--out " + shown + " " + job.get() + "; --overwrite replaces only an "
            + "earlier export, never a job or its checkpoints: give a new location");
      }
    }
    if (!overwrite) {
      throw new ConfigException("--out", "--out " + shown + " already exists" + (st.isDirectory() ? " and is not "
          + "empty" : "") + (earlierExport ? "; give a new location, or pass --overwrite to replace it"
          : ", and is not an earlier export, which is all --overwrite replaces: give a new location"));
    }
    if (!st.isDirectory() && format.equals("djl")) {
      throw new ConfigException("--out", "--out " + shown + " is a file; --format djl writes a directory: give a new "
          + "location");
    }
    if (!earlierExport) {
      throw new ConfigException("--out", "--out " + shown + " is not an earlier export: --overwrite replaces only "
          + (st.isDirectory() ? "a DJL model directory (one holding " + DjlModelDirectory.DESCRIPTOR + ")"
          : "a .onnx file") + ", never data or a job directory; give a new location, or remove " + shown
          + " yourself if you are sure it can go");
    }
  }
}
