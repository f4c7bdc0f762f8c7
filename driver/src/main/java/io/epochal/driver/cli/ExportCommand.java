package io.epochal.driver.cli;

import java.net.URI;
import java.util.Locale;
import picocli.CommandLine.Command;
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

  @Option(names = "--format", required = true, paramLabel = "onnx|djl", description = "onnx or djl.")
  String format;

  @Option(names = "--out", required = true, paramLabel = "PATH",
      description = "The ONNX file, or the DJL model directory, to write (local path or Hadoop URI).")
  String out;

  @Override
  int run(TrainingLauncher launcher, URI uri, CliOptions options) throws Exception {
    String f = format.toLowerCase(Locale.ROOT);
    if (!f.equals("onnx") && !f.equals("djl")) {
      throw new IllegalArgumentException("--format '" + format + "' is not supported; use onnx or djl");
    }
    return launcher.export(uri, f, qualify(out, options), options);
  }
}
