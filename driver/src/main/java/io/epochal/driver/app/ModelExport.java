package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.predict.OnnxModelFile;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.ServedWeights;
import io.epochal.worker.djl.DjlModelDirectory;
import io.epochal.worker.export.OnnxExporter;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal export}: loads a checkpoint (a job directory: its newest), warns when it was
 * written with another DJL, engine or platform (naming both versions), and writes its model as an
 * ONNX file through {@link OnnxExporter}, or as a DJL model directory through
 * {@link DjlModelDirectory}. Its messages show locations as the rest of Epochal does ({@code
 * file:///...}, {@link JobSpecResolver#locationText(Path)}).
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

  /**
   * Exports {@code checkpoint} in {@code format} to {@code target} with the weights {@code weights} names ({@link
   * ServedWeights#of(LoadedCheckpoint, String)}); returns an exit code.
   */
  int export(URI checkpoint, String format, URI target, String weights) throws IOException {
    if (!format.equals("onnx") && !format.equals("djl")) {
      throw new ConfigException("--format", "--format " + format + " is not supported; use onnx or djl");
    }
    CheckpointTarget t = CheckpointTarget.resolveModel(checkpoint, conf);
    try (CheckpointStore store = t.openWeights(conf)) {
      Optional<LoadedCheckpoint> loaded = t.load(store, err);
      if (loaded.isEmpty()) {
        err.println("epochal: " + JobSpecResolver.locationText(new Path(checkpoint)) + " has no checkpoint to export");
        return ExitCodes.FAILED;
      }
      LoadedCheckpoint c = loaded.get();
      CheckpointManifest m = c.manifest();
      String warning = EngineCompatibility.withCurrent(m.versions()).warning(JobSpecResolver.locationText(c.path()));
      if (!warning.isEmpty()) {
        err.println("epochal: warning: " + warning);
      }
      java.util.OptionalInt refused = CheckpointVerifier.refusal(c, ModelRegistry.getDefault(), err, "not exported: ");
      if (refused.isPresent()) {
        return refused.getAsInt();
      }
      Optional<String> tooLarge = tooLarge(c.model().totalBytes(), format);
      if (tooLarge.isPresent()) {
        err.println("epochal: not exported: " + tooLarge.get() + "; nothing was written");
        return ExitCodes.USAGE;
      }
      if (format.equals("djl")) {
        int code = exportDjl(c, target, weights);
        if (code == ExitCodes.OK) {
          t.noteUnfinished(c, conf, err); // of what was exported: said only once something was
          noteWeights(c, weights);
        }
        return code;
      }
      byte[] onnx = OnnxExporter.getDefault().export(m.modelName(), Integer.parseInt(m.modelVersion()),
          CheckpointVerifier.modelParams(m), ServedWeights.of(c, weights),
          io.epochal.driver.predict.BatchPredictor.isClassification(m.hyperParameters()));
      boolean probeChecked = io.epochal.driver.predict.OnnxProbeCheck.available();
      if (probeChecked) {
        Optional<String> mismatch = io.epochal.driver.predict.OnnxProbeCheck.mismatch(onnx, OnnxExporter.INPUT,
            OnnxExporter.OUTPUT, servedProbe(c, weights),
            EngineCompatibility.CROSS_ENGINE_TOLERANCE);
        if (mismatch.isPresent()) {
          err.println("epochal: not exported: the ONNX model of " + m.modelName() + " v" + m.modelVersion()
              + " does not compute what the checkpoint's model computes: " + mismatch.get() + "; the model's "
              + "ONNX translator (an OnnxTranslator, docs/EXPORT.md) leaves out or misplaces part of it; nothing was "
              + "written");
          return ExitCodes.FAILED;
        }
      }
      Path path = new Path(target);
      FileSystem checked = path.getFileSystem(conf);
      if (checked instanceof org.apache.hadoop.fs.ChecksumFileSystem cfs) {
        cfs.delete(cfs.getChecksumFile(path), false); // an earlier export's .crc, stale after this one
      }
      FileSystem fs = OnnxModelFile.standaloneFileSystem(path, conf);
      // written whole beside the target, then renamed over it: a failed write leaves an earlier export as it was
      Path tmp = temporarySibling(path, java.util.UUID.randomUUID().toString());
      boolean keep = false;
      try {
        io.epochal.io.WriteAndClose.run(fs.create(tmp, false), o -> o.write(onnx));
        replace(fs, tmp, path);
      } catch (KeptTemporary e) {
        keep = true; // the earlier file is gone: the new one is the only copy
        throw e;
      } finally {
        if (!keep) {
          fs.delete(tmp, false); // gone once renamed
        }
      }
      out.printf(Locale.ROOT,
          "exported %s v%s of %s to %s (ONNX opset %d, %d bytes; input '%s' [batch, ...], output '%s'; %s)%n",
          m.modelName(), m.modelVersion(), JobSpecResolver.locationText(c.path()), JobSpecResolver.locationText(path),
          OnnxExporter.OPSET, onnx.length, OnnxExporter.INPUT,
          OnnxExporter.OUTPUT, probeChecked ? "reproduces the checkpoint's probe output in ONNX Runtime"
              : "not checked against the checkpoint's probe: ONNX Runtime is not on the class path");
      t.noteUnfinished(c, conf, err);
      noteWeights(c, weights);
      return ExitCodes.OK;
    }
  }

  /** Says which of the two state dicts of a checkpoint with a moving average was exported, and how to get the other. */
  private void noteWeights(LoadedCheckpoint c, String weights) {
    if (!c.ema().isEmpty()) {
      boolean trained = ServedWeights.TRAINED.equals(weights);
      err.println("epochal: exported " + ServedWeights.describe(c, weights) + "; " + ServedWeights.OPTION + " "
          + (trained ? ServedWeights.AVERAGE : ServedWeights.TRAINED) + " exports "
          + (trained ? "the moving average (ema.safetensors)" : "the trained weights (model.safetensors)"));
    }
  }

  /**
   * The probe the exported weights must reproduce: the recorded one of the trained weights ({@code probe.output}) or
   * of the moving average ({@code probe.ema_output}), each of which the checkpoint was checked to reproduce before
   * ({@link CheckpointVerifier#refusal}).
   */
  /** The most weight bytes an exported file holds: 2 GB less room for the model's structure. */
  static final long MAX_EXPORT_BYTES = Integer.MAX_VALUE - (16L << 20);

  /**
   * Why weights of {@code bytes} cannot be exported in {@code format}, if they cannot: an ONNX file is one protobuf
   * message (at most 2 GB), a DJL parameter file one array; said before the weights are copied, not as an
   * out-of-memory error a larger heap would not cure.
   */
  static Optional<String> tooLarge(long bytes, String format) {
    if (bytes <= MAX_EXPORT_BYTES) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "the model's weights hold %.2f GB, more than %s file "
        + "can (about 2 GB: %s); load the checkpoint's model.safetensors into the model with PyTorch instead "
        + "(docs/EXPORT.md)", bytes / 1e9, format.equals("onnx") ? "an ONNX" : "a DJL",
        format.equals("onnx") ? "protobuf's limit" : "its parameters are written as one array"));
  }

  private static io.epochal.worker.probe.ProbeRecord servedProbe(LoadedCheckpoint c, String weights) {
    io.epochal.worker.probe.ProbeRecord recorded = io.epochal.worker.probe.ProbeRecord.fromStateDict(c.probe());
    return ServedWeights.isAverage(c, weights)
        ? io.epochal.worker.probe.ProbeRecord.averageFromStateDict(c.probe()).orElseThrow() : recorded;
  }

  /**
   * Writes a DJL model directory locally, then copies it to {@code target} (any Hadoop URI): each file
   * whole to a hidden temporary name in the directory first, and only once every one is there moved
   * into place ({@link #replace}), the parameters first and the descriptor that names them last, so
   * that a copy that fails leaves an earlier export ({@code --overwrite}) as it was, and no temporary
   * file.
   */
  private int exportDjl(LoadedCheckpoint c, URI target, String weights) throws IOException {
    CheckpointManifest m = c.manifest();
    java.nio.file.Path local = java.nio.file.Files.createTempDirectory("epochal-djl-export");
    try {
      DjlModelDirectory.write(local, m.modelName(), Integer.parseInt(m.modelVersion()),
          CheckpointVerifier.modelParams(m), ServedWeights.of(c, weights), c.epoch(), ModelRegistry.getDefault());
      Path dir = new Path(target);
      FileSystem fs = OnnxModelFile.standaloneFileSystem(dir, conf);
      fs.mkdirs(dir);
      List<String> names;
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(local)) {
        names = files.map(f -> f.getFileName().toString()).sorted(java.util.Comparator.comparing(
            (String n) -> n.endsWith(".json")).thenComparing(n -> n)).toList();
      }
      // the earlier export's model, whose parameter files a DJL loader would pick among (--overwrite)
      java.util.Set<String> prefixes = new java.util.HashSet<>(java.util.Set.of(m.modelName()));
      Path earlierDescriptor = new Path(dir, DjlModelDirectory.DESCRIPTOR);
      if (fs.exists(earlierDescriptor)) {
        try (java.io.InputStream in = fs.open(earlierDescriptor)) {
          DjlModelDirectory.modelName(in.readAllBytes()).ifPresent(prefixes::add); // unknown when it does not parse
        }
      }
      String tag = java.util.UUID.randomUUID().toString();
      boolean keep = false;
      try {
        for (String name : names) {
          fs.copyFromLocalFile(false, false, new Path(local.resolve(name).toUri()),
              temporarySibling(new Path(dir, name), tag));
        }
        for (int i = 0; i < names.size(); i++) {
          try {
            replace(fs, temporarySibling(new Path(dir, names.get(i)), tag), new Path(dir, names.get(i)));
          } catch (KeptTemporary e) {
            List<String> rest = names.subList(i + 1, names.size()); // the descriptor after the parameters
            if (rest.isEmpty()) {
              throw e;
            }
            throw new KeptTemporary(e.getMessage() + "; then rename " + String.join(", ", rest.stream().map(n ->
                temporarySibling(new Path(dir, n), tag) + " to " + new Path(dir, n)).toList()) + " (kept too)",
                e.getCause() instanceof IOException io ? io : null);
          }
        }
      } catch (KeptTemporary e) {
        keep = true; // an earlier file is gone: the new ones not yet moved are the only copies
        throw e;
      } finally {
        for (String name : names) {
          if (!keep) {
            fs.delete(temporarySibling(new Path(dir, name), tag), false); // gone once moved into place
          }
        }
      }
      // an earlier export's other parameter files (--overwrite): a DJL loader that picks the newest would read them;
      // another model's parameter files are left
      for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(dir)) {
        String name = st.getPath().getName();
        String file = name.startsWith(".") && name.endsWith(".crc") ? name.substring(1, name.length() - 4) : name;
        if (st.isFile() && DjlModelDirectory.isParameterFile(file, prefixes) && !names.contains(file)) {
          fs.delete(st.getPath(), false);
        }
      }
      out.printf(Locale.ROOT, "exported %s v%s of %s to DJL model directory %s (%s); load it with "
          + "DjlModelDirectory.load(dir, ModelRegistry.getDefault())%n", m.modelName(), m.modelVersion(),
          JobSpecResolver.locationText(c.path()), JobSpecResolver.locationText(dir), String.join(", ", names));
      return ExitCodes.OK;
    } finally {
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(local)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** The hidden name beside {@code target} that a new export of it is written to before it is moved over it. */
  private static Path temporarySibling(Path target, String tag) {
    return new Path(target.getParent(), "." + target.getName() + ".tmp-" + tag);
  }

  /**
   * Moves {@code tmp} over {@code target} in the same directory: on the local file system in one
   * rename, which replaces an earlier file at once (the target is never missing nor partly written);
   * elsewhere, where a rename does not replace a file, the earlier file is deleted first.
   *
   * @throws IOException naming both files when the move fails
   */
  private static void replace(FileSystem fs, Path tmp, Path target) throws IOException {
    if (fs instanceof org.apache.hadoop.fs.RawLocalFileSystem localFs) {
      java.nio.file.Files.move(localFs.pathToFile(tmp).toPath(), localFs.pathToFile(target).toPath(),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    if (fs.exists(target) && !fs.delete(target, false)) {
      throw new IOException("cannot delete " + target + " to replace it; check that " + target.getParent()
          + " is writable");
    }
    IOException failed = null;
    try {
      if (fs.rename(tmp, target)) {
        return;
      }
    } catch (IOException e) {
      failed = e;
    }
    throw new KeptTemporary("cannot rename " + tmp + " to " + target + " after the earlier " + target.getName()
        + " was deleted: the new file is kept as " + tmp + "; rename it to " + target + " by hand, or export again",
        failed);
  }

  /** A move that deleted the earlier file but could not rename the new one over it, which is then kept. */
  private static final class KeptTemporary extends IOException {
    private static final long serialVersionUID = 1L;

    KeptTemporary(String message, IOException cause) {
      super(message, cause);
    }
  }
}
