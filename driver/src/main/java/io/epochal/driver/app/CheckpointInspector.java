package io.epochal.driver.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.checkpoint.CheckpointCorruptedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal inspect}: the manifest and a tensor table of one checkpoint, or of a job's newest
 * verified one ({@code epochal verify} is {@link CheckpointVerification}).
 */
final class CheckpointInspector {

  /** A damaged manifest longer than this is not printed. */
  private static final long MAX_MANIFEST_TEXT = 1L << 20;

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  CheckpointInspector(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = conf;
    this.out = out;
    this.err = err;
  }

  /**
   * Notes a mid-epoch checkpoint after the job's newest verified epoch checkpoint {@code epoch} (0: none), or
   * after one of the damaged ones of {@code entries} newer than it: the one a resume continues.
   *
   * @return whether there is one
   */
  private boolean noteMidEpochAfter(Path jobDir, long epoch, List<CheckpointEntry> entries, String shown)
      throws IOException {
    Optional<CheckpointManifest> found = MidEpochListing.continuing(jobDir.getFileSystem(conf), conf, jobDir, epoch,
        entries);
    found.ifPresent(m -> {
      io.epochal.driver.train.MidEpochPosition at = io.epochal.driver.train.MidEpochPosition.of(m).orElseThrow();
      Path mid = new Path(new Path(jobDir, CheckpointSeries.STEPS.directory()), CheckpointSeries.STEPS.name(at.step()));
      err.println("epochal: note: " + shown + "; a resume continues from the mid-epoch checkpoint after it"
          + (at.completedEpochs() > epoch ? ", which holds the state after damaged epoch " + at.completedEpochs()
          : "") + ": " + MidEpochListing.describe(m, at) + ", " + at.next()
          + " (bin/epochal inspect " + ShellWords.location(mid) + " shows it)");
    });
    return found.isPresent();
  }

  /**
   * Prints the manifest and tensors of a checkpoint (or of a job's newest verified one). A named
   * checkpoint whose files do not match its manifest still has its manifest printed, with what is
   * wrong, and the command fails.
   */
  int inspect(URI target) throws IOException {
    String shown = CheckpointTarget.shown(target);
    CheckpointTarget t = CheckpointTarget.resolve(target, conf);
    try (CheckpointStore store = t.open(conf)) {
      Optional<CheckpointEntry> named = Optional.empty();
      if (t.isCheckpoint()) {
        List<CheckpointEntry> entries = t.listing(store);
        named = t.entryIn(entries);
        if (named.isEmpty() && t.isMidEpoch()) {
          err.println("epochal: " + t.missing(entries).getMessage());
          return ExitCodes.USAGE;
        }
        if (named.isEmpty()) {
          String what = t.isMovedAside() ? "checkpoint moved aside named " + new Path(t.toString()).getName()
              : "checkpoint of epoch " + t.epoch() + " (" + t + ")";
          err.println("epochal: " + JobSpecResolver.locationText(t.jobDir()) + " has no " + what + "; " + (entries.isEmpty()
              ? (t.isMovedAside() ? "no checkpoint of it was moved aside" : "it has no checkpoint yet")
              : (t.isMovedAside() ? "moved aside: " + names(entries) : "its checkpoints are of " + epochs(entries))));
          return ExitCodes.USAGE;
        }
      }
      Optional<LoadedCheckpoint> loaded;
      try {
        loaded = named.isPresent() ? Optional.of(store.load(named.get())) : t.load(store, err);
      } catch (io.epochal.checkpoint.NewerFormatException e) { // not damaged: another build's
        out.println("checkpoint:   " + JobSpecResolver.locationText(t.toString()));
        out.println("status:       NEWER FORMAT: " + e.getMessage());
        printUnverifiedManifest(t);
        err.println("epochal: " + io.epochal.driver.train.CheckpointFit.newerFormat(t.toString(), e.getMessage()));
        return ExitCodes.USAGE;
      } catch (CheckpointCorruptedException e) {
        return inspectDamaged(store, t, named, e);
      }
      if (loaded.isEmpty()) {
        List<CheckpointEntry> listed = store.list();
        if (!listed.isEmpty()) {
          err.println("epochal: " + shown + " has no verified checkpoint: every one is damaged (named above)");
          if (!t.isCheckpoint()) {
            noteMidEpochAfter(t.jobDir(), 0, listed, "shown is none");
          }
          return ExitCodes.FAILED;
        }
        if (!t.isCheckpoint()) { // stopped inside its first epoch: the mid-epoch checkpoint a resume continues
          try (CheckpointStore steps = io.epochal.checkpoint.HadoopCheckpointStore.builder()
              .setJobDir(t.jobDir().toString()).optConfiguration(conf)
              .optSeries(io.epochal.checkpoint.CheckpointSeries.STEPS).build()) {
            LatestCheckpoint latest = steps.latest();
            latest.skipped().forEach(p -> err.println("epochal: warning: skipping damaged mid-epoch checkpoint " + p));
            loaded = latest.checkpoint();
            if (loaded.isEmpty() && !latest.skipped().isEmpty()) {
              err.println("epochal: " + shown + " has no epoch checkpoint yet, and its mid-epoch checkpoint is "
                  + "damaged (named above): a resume trains epoch 1 from its first round");
              return ExitCodes.FAILED;
            }
          }
          loaded.ifPresent(mid -> err.println("epochal: note: " + shown + " has no epoch checkpoint yet; shown is "
              + "its mid-epoch checkpoint, which a resume " + (continuedWithoutEpochs(mid.manifest()) ? "continues"
              : "does not continue: it holds rounds of epoch " + (mid.manifest().epoch() + 1) + ", after epoch "
              + "checkpoints that are gone (moved aside or deleted), so a resume removes it and trains from epoch 1")));
        }
        if (loaded.isEmpty()) {
          err.println("epochal: " + shown + " has no checkpoint yet to inspect");
          return ExitCodes.FAILED;
        }
      }
      LoadedCheckpoint c = loaded.get();
      if (!t.isCheckpoint() && CheckpointSeries.of(c.path()) == CheckpointSeries.EPOCHS) {
        noteMidEpochAfter(t.jobDir(), c.manifest().epoch(), store.list(), "shown is the newest epoch checkpoint");
      }
      printManifest(c.path(), c.manifest());
      table(stateFiles("model", c.manifest()), c.model());
      table(stateFiles("optimizer", c.manifest()), c.optimizer());
      table(stateFiles("probe", c.manifest()), c.probe());
      if (!c.ema().isEmpty()) {
        table(stateFiles("ema", c.manifest()), c.ema());
      }
      if (t.isMovedAside()) {
        err.println("epochal: note: " + t + " was moved aside (as damaged by a resume, or by hand), and its files "
            + "verify now; it stays out of the job's checkpoints (a resume never reads it)");
      }
      return ExitCodes.OK;
    }
  }

  /**
   * A named checkpoint that cannot be loaded: its manifest if that parses, what is wrong, and which
   * checkpoint a resume would use instead.
   */
  private int inspectDamaged(CheckpointStore store, CheckpointTarget t, Optional<CheckpointEntry> entry,
      CheckpointCorruptedException e) throws IOException {
    Optional<CheckpointManifest> manifest = entry.flatMap(CheckpointEntry::manifest);
    if (manifest.isPresent()) {
      printManifest(t.toString(), manifest.get());
      out.println("status:       DAMAGED" + (t.isMovedAside() ? " (moved aside)" : ""));
      List<String> problems = store.verify(entry.get()).problems();
      for (String problem : problems) {
        out.println("  " + problem);
      }
      if (problems.isEmpty()) { // the files match their sizes and digests, but not as a checkpoint (its structure)
        out.println("  " + e.getMessage());
      }
      out.println("tensors:      not shown: " + (problems.isEmpty() ? "the checkpoint does not load"
          : "the files do not match the manifest"));
    } else {
      out.println("checkpoint:   " + JobSpecResolver.locationText(t.toString()));
      out.println("status:       DAMAGED" + (t.isMovedAside() ? " (moved aside)" : "") + ": "
          + e.getMessage());
      printUnverifiedManifest(t);
    }
    String instead;
    if (t.isMidEpoch()) { // a resume then continues after the newest verified epoch checkpoint
      try (CheckpointStore epochs = io.epochal.checkpoint.HadoopCheckpointStore.builder()
          .setJobDir(t.jobDir().toString()).optConfiguration(conf).build()) {
        instead = epochs.latest().checkpoint().map(c -> "a resume continues after the newest verified epoch "
            + "checkpoint, epoch " + c.manifest().epoch() + " (" + JobSpecResolver.locationText(c.path()) + "), from "
            + "the first round of epoch " + (c.manifest().epoch() + 1))
            .orElse("the job has no verified epoch checkpoint, so a resume starts from epoch 1");
      }
    } else {
      LatestCheckpoint latest = store.latest();
      long newest = latest.checkpoint().map(c -> c.manifest().epoch()).orElse(0L);
      Optional<CheckpointManifest> mid = MidEpochListing.continuing(t.jobDir().getFileSystem(conf), conf, t.jobDir(),
          newest, store.list());
      // it holds the state after this one
      if (mid.isPresent() && !t.isMovedAside() && t.epoch() > newest && mid.get().epoch() >= t.epoch()) {
        io.epochal.driver.train.MidEpochPosition at = io.epochal.driver.train.MidEpochPosition.of(mid.get())
            .orElseThrow();
        instead = "a resume continues from the mid-epoch checkpoint after epoch " + at.completedEpochs() + ": "
            + MidEpochListing.describe(mid.get(), at) + ", " + at.next() + " (this one is left "
            + "in place and its epoch not trained again)";
      } else {
        instead = latest.checkpoint()
            .map(c -> "a resume uses the newest verified checkpoint, epoch " + c.manifest().epoch() + " ("
                + JobSpecResolver.locationText(c.path()) + ")")
            .orElse("the job has no verified checkpoint, so a resume starts from epoch 1");
      }
    }
    err.println("epochal: checkpoint " + t + " is damaged (see its status above) and no resume loads it; "
        + instead + "; 'epochal verify " + ShellWords.location(t.jobDir()) + " --all' checks every checkpoint of the job");
    return ExitCodes.FAILED;
  }

  /** Whether a resume of a job without epoch checkpoints continues mid-epoch checkpoint {@code m} (one of epoch 1). */
  private static boolean continuedWithoutEpochs(CheckpointManifest m) {
    return io.epochal.driver.train.MidEpochPosition.of(m).map(at -> at.continues(0, 0, java.util.Set.of()))
        .orElse(m.epoch() == 0);
  }

  /**
   * A manifest that is JSON but not a manifest this build trusts (its own SHA-256 does not match, a
   * newer format): its text, marked unverified, so what it says can still be read. Nothing for a
   * missing, oversized or non-JSON one.
   */
  private void printUnverifiedManifest(CheckpointTarget t) {
    Path p = new Path(t.toString(), CheckpointManifest.FILE_NAME);
    try {
      org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(conf);
      if (fs.getFileStatus(p).getLen() > MAX_MANIFEST_TEXT) {
        return;
      }
      byte[] bytes;
      try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(p)) {
        bytes = in.readAllBytes();
      }
      ObjectMapper mapper = new ObjectMapper();
      String text = mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(bytes));
      out.println("manifest.json as written (unverified, do not trust it):");
      text.lines().forEach(line -> out.println("  " + line));
    } catch (IOException | RuntimeException notJson) {
      // missing, unreadable or not JSON: the status line says why
    }
  }

  /** The directory names of {@code entries}. */
  static String names(List<CheckpointEntry> entries) {
    return entries.stream().map(x -> new Path(x.path()).getName()).collect(Collectors.joining(", "));
  }

  /** "epochs 1, 2, 3" or, for many, "epochs 1, 2, 3, ..., 98, 99, 100 (100 checkpoints)". */
  private static String epochs(List<CheckpointEntry> entries) {
    List<String> all = entries.stream().map(x -> String.valueOf(x.epoch())).collect(Collectors.toList());
    if (all.size() <= 8) {
      return "epochs " + String.join(", ", all);
    }
    return "epochs " + String.join(", ", all.subList(0, 3)) + ", ..., "
        + String.join(", ", all.subList(all.size() - 3, all.size())) + " (" + all.size() + " checkpoints)";
  }

  /**
   * The values the {@code job.json} of the job holding checkpoint {@code path} has now for keys
   * a resume may amend, where they differ from {@code m}'s; empty when there is none to read.
   */
  private static final String NOT_SET = "(not set)";

  private java.util.Map<String, Object> amendedSince(String path, CheckpointManifest m) {
    java.util.Map<String, Object> out = new java.util.TreeMap<>();
    Path checkpoints = new Path(path).getParent();
    if (checkpoints == null || checkpoints.getParent() == null) {
      return out;
    }
    try {
      Path jobDir = checkpoints.getParent();
      Optional<io.epochal.job.JobSpec> spec = new io.epochal.job.JobSpecStore(jobDir.getFileSystem(conf), jobDir)
          .read();
      java.util.Map<String, Object> now = spec.map(j -> j.getHyperParameters().asMap()).orElse(java.util.Map.of());
      now.forEach((k, v) -> {
        // one a resume set anew too (held-out rows given to a job without them)
        if (io.epochal.driver.config.JobKeys.isAmendable(k)
            && !java.util.Objects.equals(m.hyperParameters().asMap().get(k), v)) {
          out.put(k, v);
        }
      });
      if (spec.isPresent()) { // one a resume set to its "none" value, which job.json holds as no key
        m.hyperParameters().asMap().keySet().stream().filter(io.epochal.driver.config.JobKeys::isAmendable)
            .filter(k -> !now.containsKey(k)).forEach(k -> out.put(k, NOT_SET));
      }
    } catch (IOException | RuntimeException unreadable) {
      // status and verify report an unreadable job.json
    }
    return out;
  }

  private void printManifest(String path, CheckpointManifest m) {
    out.println("checkpoint:   " + JobSpecResolver.locationText(path));
    out.println("format:       " + m.formatVersion());
    out.println("job:          " + m.jobId());
    String inside = io.epochal.driver.train.MidEpochPosition.of(m)
        .map(at -> "; a mid-epoch checkpoint: rounds 1-" + at.round() + " of epoch " + at.epoch()).orElse("");
    out.println("epoch:        " + m.epoch() + " (global step " + m.globalStep() + inside + ")");
    out.println("model:        " + m.modelName() + " v" + m.modelVersion());
    out.println("created:      " + m.createdAt());
    out.println("metrics:      " + metricsText(m.metrics()));
    out.println("schedule:     " + m.learningRateSchedule().asMap());
    out.println("random state: " + m.randomState().asMap());
    out.println("versions:     " + m.versions());
    out.println("probe sha256: " + m.probeDigest().orElse("-"));
    out.println("data sha256:  " + m.dataDigest().orElse("- (not recorded: rows are compared by count)"));
    m.initDigest().ifPresent(d -> out.println("init sha256:  " + d + " (the weights training started from, "
        + io.epochal.driver.config.FineTuning.WEIGHTS + ")"));
    m.heldOutDigest().ifPresent(d -> out.println("held-out sha256: " + d + " (the rows of its val_ metrics, "
        + io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH + ")"));
    java.util.Map<String, Object> amended = amendedSince(path, m);
    out.println("hyperparameters: (as this checkpoint was written" + (amended.isEmpty() ? ")"
        : "; job.json holds values a resume amended since, marked ->)"));
    m.hyperParameters().asMap().forEach((k, v) -> out.println("  " + k + " = " + v
        + (amended.containsKey(k) ? " -> " + amended.get(k) : "")));
    amended.forEach((k, v) -> {
      if (!m.hyperParameters().contains(k)) {
        out.println("  " + k + " = " + NOT_SET + " -> " + v);
      }
    });
    out.println("files:");
    for (ManifestFile f : m.files()) {
      out.println("  " + f);
    }
  }

  /**
   * The file(s) holding state {@code name} as the manifest lists them: {@code model.safetensors},
   * or for a state sharded in files of its own, the index and the shard count.
   */
  static String stateFiles(String name, CheckpointManifest m) {
    String single = name + ".safetensors";
    if (m.files().stream().anyMatch(f -> f.name().equals(single))) {
      return single;
    }
    String index = single + io.epochal.safetensors.SafetensorsIndex.INDEX_SUFFIX;
    long shards = m.files().stream().filter(f -> f.name().startsWith(name + "-") && f.name().endsWith(".safetensors"))
        .count();
    return m.files().stream().anyMatch(f -> f.name().equals(index)) ? index + " (" + shards + " shard"
        + (shards == 1 ? "" : "s") + ")" : single;
  }

  private void table(String file, StateDict dict) {
    out.printf(Locale.ROOT, "%s: %d tensors, %d bytes%n", file, dict.size(), dict.totalBytes());
    out.printf(Locale.ROOT, "  %-44s %-5s %-18s %12s%n", "NAME", "DTYPE", "SHAPE", "BYTES");
    for (Map.Entry<String, Tensor> e : dict) {
      Tensor t = e.getValue();
      out.printf(Locale.ROOT, "  %-44s %-5s %-18s %12d%n", e.getKey(), t.dtype(), Arrays.toString(t.shape()),
          t.byteSize());
    }
  }

  /** Metrics as {@code name=value}: counts as integers, a rate to one decimal, the rest exactly. */
  static String metricsText(Map<String, Double> metrics) {
    StringBuilder b = new StringBuilder("{");
    metrics.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(", ");
      }
      b.append(k).append('=');
      if (v == null || !Double.isFinite(v)) {
        b.append(v);
      } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
        b.append((long) (double) v);
      } else if (k.endsWith("_per_second")) {
        b.append(String.format(Locale.ROOT, "%.1f", v));
      } else {
        b.append(v);
      }
    });
    return b.append('}').toString();
  }
}
