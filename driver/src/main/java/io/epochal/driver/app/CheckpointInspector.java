package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.job.JobPaths;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal inspect} (the manifest and a tensor table of one checkpoint) and
 * {@code epochal verify} (one line per check of every checkpoint named: files and digests,
 * safetensors structure, model in the registry, names and shapes, probe reproduced).
 */
final class CheckpointInspector {

  private static final Pattern EPOCH_DIR = Pattern.compile("epoch-(\\d{6,})");

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  CheckpointInspector(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = conf;
    this.out = out;
    this.err = err;
  }

  /** Prints the manifest and tensors of a checkpoint (or of a job's newest one). */
  int inspect(URI target) throws IOException {
    Target t = resolve(target);
    try (CheckpointStore store = open(t.jobDir)) {
      long epoch = t.epoch >= 0 ? t.epoch : newest(store);
      if (epoch < 0) {
        err.println("epochal: " + target + " has no checkpoint yet");
        return ExitCodes.USAGE;
      }
      LoadedCheckpoint c = store.load(epoch);
      CheckpointManifest m = c.manifest();
      out.println("checkpoint:   " + c.path());
      out.println("format:       " + m.formatVersion());
      out.println("job:          " + m.jobId());
      out.println("epoch:        " + m.epoch() + " (global step " + m.globalStep() + ")");
      out.println("model:        " + m.modelName() + " v" + m.modelVersion());
      out.println("created:      " + m.createdAt());
      out.println("metrics:      " + m.metrics());
      out.println("schedule:     " + m.learningRateSchedule().asMap());
      out.println("random state: " + m.randomState().asMap());
      out.println("versions:     " + m.versions());
      out.println("probe sha256: " + m.probeDigest().orElse("-"));
      out.println("hyperparameters:");
      m.hyperParameters().asMap().forEach((k, v) -> out.println("  " + k + " = " + v));
      out.println("files:");
      for (ManifestFile f : m.files()) {
        out.println("  " + f);
      }
      table("model.safetensors", c.model());
      table("optimizer.safetensors", c.optimizer());
      table("probe.safetensors", c.probe());
      return ExitCodes.OK;
    }
  }

  private void table(String file, StateDict dict) {
    out.printf("%s: %d tensors, %d bytes%n", file, dict.size(), dict.totalBytes());
    out.printf("  %-44s %-5s %-18s %12s%n", "NAME", "DTYPE", "SHAPE", "BYTES");
    for (Map.Entry<String, Tensor> e : dict) {
      Tensor t = e.getValue();
      out.printf("  %-44s %-5s %-18s %12d%n", e.getKey(), t.dtype(), Arrays.toString(t.shape()), t.byteSize());
    }
  }

  /** Verifies one checkpoint, or every checkpoint of a job; 0 when every check passes. */
  int verify(URI target) throws IOException {
    Target t = resolve(target);
    boolean ok = true;
    try (CheckpointStore store = open(t.jobDir)) {
      List<Long> epochs = new ArrayList<>();
      if (t.epoch >= 0) {
        epochs.add(t.epoch);
      } else {
        for (CheckpointEntry e : store.list()) {
          epochs.add(e.epoch());
        }
      }
      if (epochs.isEmpty()) {
        err.println("epochal: " + target + " has no checkpoint to verify");
        return ExitCodes.FAILED;
      }
      for (long epoch : epochs) {
        ok &= verifyOne(store, epoch);
      }
    }
    out.println(ok ? "all checks passed" : "verification FAILED");
    return ok ? ExitCodes.OK : ExitCodes.FAILED;
  }

  private boolean verifyOne(CheckpointStore store, long epoch) {
    String name = String.format("epoch-%06d", epoch);
    try {
      VerificationReport report = store.verify(epoch);
      if (!report.ok()) {
        line(false, name, "manifest, files, sizes and SHA-256", String.join("; ", report.problems()));
        return false;
      }
      line(true, name, "manifest parses, format supported, every file's size and SHA-256 match", "");
      LoadedCheckpoint c = store.load(epoch);
      line(true, name, "safetensors structure of model, optimizer and probe files", "");
      CheckpointManifest m = c.manifest();
      ModelRegistry registry = ModelRegistry.getDefault();
      int version = Integer.parseInt(m.modelVersion());
      if (!registry.contains(m.modelName(), version)) {
        line(false, name, "model in the registry", m.modelName() + " v" + version + " is not registered; registered: "
            + registry.registered());
        return false;
      }
      line(true, name, "model " + m.modelName() + " v" + version + " is registered", "");
      HyperParameters modelParams = m.hyperParameters().withPrefix("model.");
      HyperParameters raw = HyperParameters.builder().putAll(modelParams).remove("name").remove("version").build();
      try (EpochalModel model = registry.create(m.modelName(), version, raw)) {
        try {
          model.loadStateDict(c.model());
        } catch (IllegalArgumentException e) {
          line(false, name, "state dict matches the model's names and shapes", e.getMessage());
          return false;
        }
        line(true, name, "state dict matches the model's names and shapes (" + c.model().size() + " tensors)", "");
        Probe.check(model, ProbeRecord.fromStateDict(c.probe()));
        line(true, name, "probe output reproduced bit for bit", "");
      }
      return true;
    } catch (Exception e) {
      line(false, name, "checkpoint readable and reproducible", String.valueOf(e.getMessage()));
      return false;
    }
  }

  private void line(boolean ok, String checkpoint, String check, String detail) {
    out.println((ok ? "PASS " : "FAIL ") + checkpoint + "  " + check + (detail.isEmpty() ? "" : ": " + detail));
  }

  private long newest(CheckpointStore store) throws CheckpointException {
    List<CheckpointEntry> entries = store.list();
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
  }

  private CheckpointStore open(Path jobDir) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optConfiguration(conf).build();
  }

  private Target resolve(URI uri) throws IOException {
    Path p = new Path(uri);
    Matcher matcher = EPOCH_DIR.matcher(p.getName());
    if (matcher.matches() && p.getParent() != null && p.getParent().getParent() != null) {
      return new Target(p.getParent().getParent(), Long.parseLong(matcher.group(1)));
    }
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(JobPaths.jobSpec(p)) && !fs.exists(new Path(p, "checkpoints"))) {
      throw new io.epochal.driver.config.ConfigException("checkpoint", uri + " is neither a checkpoint directory "
          + "(.../checkpoints/epoch-NNNNNN) nor a job directory; give one of those");
    }
    return new Target(p, -1);
  }

  private static final class Target {
    final Path jobDir;
    final long epoch;

    Target(Path jobDir, long epoch) {
      this.jobDir = jobDir;
      this.epoch = epoch;
    }
  }
}
