package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ConfigException;
import io.epochal.worker.export.OnnxExporter;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal export}: loads a checkpoint (a job directory: its newest), warns when it was
 * written with another DJL, engine or platform (naming both versions), and writes its model as an
 * ONNX file through {@link OnnxExporter}.
 */
final class ModelExport {

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  ModelExport(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = conf;
    this.out = out;
    this.err = err;
  }

  /** Exports {@code checkpoint} in {@code format} to {@code target}; returns an exit code. */
  int export(URI checkpoint, String format, URI target) throws IOException {
    if (!format.equals("onnx")) {
      throw new ConfigException("--format", "--format " + format + " is not implemented in this build; use "
          + "--format onnx (see docs/EXPORT.md)");
    }
    CheckpointTarget t = CheckpointTarget.resolve(checkpoint, conf);
    try (CheckpointStore store = t.open(conf)) {
      long epoch = t.epochOrNewest(store);
      if (epoch < 0) {
        err.println("epochal: " + checkpoint + " has no checkpoint to export");
        return ExitCodes.FAILED;
      }
      LoadedCheckpoint c = store.load(epoch);
      CheckpointManifest m = c.manifest();
      String warning = EngineCompatibility.withCurrent(m.versions()).warning(c.path());
      if (!warning.isEmpty()) {
        err.println("epochal: warning: " + warning);
      }
      byte[] onnx = OnnxExporter.getDefault().export(m.modelName(), Integer.parseInt(m.modelVersion()),
          CheckpointVerifier.modelParams(m), c.model());
      Path path = new Path(target);
      FileSystem fs = path.getFileSystem(conf);
      try (OutputStream o = fs.create(path, true)) {
        o.write(onnx);
      }
      out.printf("exported %s v%s of %s to %s (ONNX opset %d, %d bytes; input '%s' [batch, ...], output '%s')%n",
          m.modelName(), m.modelVersion(), c.path(), path, OnnxExporter.OPSET, onnx.length, OnnxExporter.INPUT,
          OnnxExporter.OUTPUT);
      return ExitCodes.OK;
    }
  }
}
