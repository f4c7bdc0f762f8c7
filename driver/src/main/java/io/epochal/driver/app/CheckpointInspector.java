package io.epochal.driver.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.checkpoint.CheckpointCorruptedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.Locations;
import io.epochal.checkpoint.ManifestFile;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ShellWords;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal inspect} (the manifest and a tensor table of one checkpoint) and
 * {@code epochal verify} (one line per check, see {@link CheckpointVerifier}, of a checkpoint, of a
 * job's newest checkpoint, or with {@code --all} of every checkpoint of the job; {@code --json}
 * prints one JSON document instead).
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
   * Prints the manifest and tensors of a checkpoint (or of a job's newest verified one). A named
   * checkpoint whose files do not match its manifest still has its manifest printed, with what is
   * wrong, and the command fails.
   */
  int inspect(URI target) throws IOException {
    CheckpointTarget t = CheckpointTarget.resolve(target, conf);
    try (CheckpointStore store = t.open(conf)) {
      Optional<CheckpointEntry> named = Optional.empty();
      if (t.isCheckpoint()) {
        List<CheckpointEntry> entries = t.listing(store);
        named = t.entryIn(entries);
        if (named.isEmpty()) {
          String what = t.isMovedAside() ? "checkpoint moved aside named " + new Path(t.toString()).getName()
              : "checkpoint of epoch " + t.epoch() + " (" + t + ")";
          err.println("epochal: " + t.jobDir() + " has no " + what + "; " + (entries.isEmpty()
              ? (t.isMovedAside() ? "no checkpoint of it was moved aside" : "it has no checkpoint yet")
              : (t.isMovedAside() ? "moved aside: " + names(entries) : "its checkpoints are of " + epochs(entries))));
          return ExitCodes.USAGE;
        }
      }
      Optional<LoadedCheckpoint> loaded;
      try {
        loaded = named.isPresent() ? Optional.of(store.load(named.get())) : t.load(store, err);
      } catch (CheckpointCorruptedException e) {
        return inspectDamaged(store, t, named, e);
      }
      if (loaded.isEmpty()) {
        if (!store.list().isEmpty()) {
          err.println("epochal: " + target + " has no verified checkpoint: every one is damaged (named above)");
          return ExitCodes.FAILED;
        }
        err.println("epochal: " + target + " has no checkpoint yet to inspect");
        return ExitCodes.FAILED;
      }
      LoadedCheckpoint c = loaded.get();
      printManifest(c.path(), c.manifest());
      table(stateFiles("model", c.manifest()), c.model());
      table(stateFiles("optimizer", c.manifest()), c.optimizer());
      table(stateFiles("probe", c.manifest()), c.probe());
      if (t.isMovedAside()) {
        err.println("epochal: note: a resume moved " + t + " aside as damaged, and its files verify now; it stays "
            + "out of the job's checkpoints (a resume never reads it)");
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
      out.println("status:       DAMAGED" + (t.isMovedAside() ? " (moved aside by a resume)" : ""));
      for (String problem : store.verify(entry.get()).problems()) {
        out.println("  " + problem);
      }
      out.println("tensors:      not shown: the files do not match the manifest");
    } else {
      out.println("checkpoint:   " + io.epochal.driver.config.JobSpecResolver.locationText(t.toString()));
      out.println("status:       DAMAGED" + (t.isMovedAside() ? " (moved aside by a resume)" : "") + ": "
          + e.getMessage());
      printUnverifiedManifest(t);
    }
    LatestCheckpoint latest = store.latest();
    String instead = latest.checkpoint()
        .map(c -> "a resume uses the newest verified checkpoint, epoch " + c.manifest().epoch() + " ("
            + Locations.text(c.path()) + ")")
        .orElse("the job has no verified checkpoint, so a resume starts from epoch 1");
    err.println("epochal: checkpoint " + t + " is damaged (see its status above) and no resume loads it; "
        + instead + "; 'epochal verify " + ShellWords.location(t.jobDir()) + " --all' checks every checkpoint of the job");
    return ExitCodes.FAILED;
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
  private static String names(List<CheckpointEntry> entries) {
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
        if (io.epochal.driver.config.JobKeys.isAmendable(k) && m.hyperParameters().contains(k)
            && !java.util.Objects.equals(m.hyperParameters().asMap().get(k), v)) {
          out.put(k, v);
        }
      });
    } catch (IOException | RuntimeException unreadable) {
      // status and verify report an unreadable job.json
    }
    return out;
  }

  private void printManifest(String path, CheckpointManifest m) {
    out.println("checkpoint:   " + io.epochal.driver.config.JobSpecResolver.locationText(path));
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
    out.println("data sha256:  " + m.dataDigest().orElse("- (not recorded: rows are compared by count)"));
    java.util.Map<String, Object> amended = amendedSince(path, m);
    out.println("hyperparameters: (as this checkpoint was written" + (amended.isEmpty() ? ")"
        : "; job.json holds values a resume amended since, marked ->)"));
    m.hyperParameters().asMap().forEach((k, v) -> out.println("  " + k + " = " + v
        + (amended.containsKey(k) ? " -> " + amended.get(k) : "")));
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
    out.printf("%s: %d tensors, %d bytes%n", file, dict.size(), dict.totalBytes());
    out.printf("  %-44s %-5s %-18s %12s%n", "NAME", "DTYPE", "SHAPE", "BYTES");
    for (Map.Entry<String, Tensor> e : dict) {
      Tensor t = e.getValue();
      out.printf("  %-44s %-5s %-18s %12d%n", e.getKey(), t.dtype(), Arrays.toString(t.shape()), t.byteSize());
    }
  }

  /**
   * Verifies a checkpoint, or a job directory's newest checkpoint, or with {@code all} every
   * checkpoint of the job; prints one line per check (or, with {@code json}, one JSON document).
   *
   * With {@code json}, a target that cannot be verified (not a checkpoint or job directory, no
   * checkpoint, unreadable) also prints a JSON document, with {@code ok: false} and its {@code error},
   * before the failure is reported as usual.
   *
   * @return {@link ExitCodes#OK} when every check passes, {@link ExitCodes#FAILED} otherwise
   */
  int verify(URI target, boolean all, boolean json) throws IOException {
    try {
      return verifyTarget(target, all, json);
    } catch (IOException | RuntimeException e) {
      if (json) {
        out.println(errorJson(target, e.getMessage()));
      }
      throw e;
    }
  }

  private int verifyTarget(URI target, boolean all, boolean json) throws IOException {
    CheckpointTarget t = CheckpointTarget.resolve(target, conf);
    if (all && t.isCheckpoint()) {
      throw new io.epochal.driver.config.ConfigException("--all", target + " is one checkpoint; --all verifies "
          + "every checkpoint of a job: give the job directory " + t.jobDir());
    }
    CheckpointVerifier verifier = new CheckpointVerifier(ModelRegistry.getDefault(),
        EngineCompatibility.currentVersions(), conf);
    Map<CheckpointEntry, List<CheckLine>> results = new LinkedHashMap<>();
    List<CheckpointEntry> deleted = List.of();
    List<CheckpointEntry> movedAside = List.of();
    ResumeFallback fallback = null;
    try (CheckpointStore store = t.open(conf)) {
      if (!t.isCheckpoint()) {
        movedAside = store.listMovedAside();
      }
      List<CheckpointEntry> entries = t.listing(store);
      List<CheckpointEntry> chosen = new ArrayList<>();
      if (t.isCheckpoint()) {
        t.entryIn(entries).ifPresent(chosen::add);
        if (chosen.isEmpty()) {
          chosen.add(new CheckpointEntry(t.epoch(), t.toString(), null, "no " + (t.isMovedAside()
              ? "moved-aside" : "published") + " checkpoint directory " + t + " (listed: " + entries.size() + ")"));
        }
      } else if (all) {
        chosen.addAll(entries);
      } else if (!entries.isEmpty()) {
        chosen.add(entries.get(entries.size() - 1));
      }
      if (chosen.isEmpty()) {
        String message = target + " has no checkpoint to verify";
        if (json) {
          out.println(errorJson(target, message));
        }
        err.println("epochal: " + message);
        return ExitCodes.FAILED;
      }
      for (CheckpointEntry e : chosen) {
        results.put(e, verifier.verify(store, e));
      }
      // the running job's retention deleted what was chosen: the newest is another one by now
      for (int relist = 0; relist < 5 && !all && !t.isCheckpoint() && deletedNewest(results); relist++) {
        results.clear();
        List<CheckpointEntry> now = t.listing(store);
        if (!now.isEmpty()) {
          CheckpointEntry newest = now.get(now.size() - 1);
          results.put(newest, verifier.verify(store, newest));
        }
      }
      deleted = results.entrySet().stream().filter(r -> CheckpointVerifier.deleted(r.getValue()))
          .map(r -> r.getKey()).toList();
      if (t.isCheckpoint()) {
        deleted = List.of(); // the one asked for is gone: that is its result
        results.replaceAll((e, lines) -> CheckpointVerifier.deleted(lines)
            ? List.of(CheckLine.fail(lines.get(0).check(), lines.get(0).detail())) : lines);
      } else {
        results.keySet().removeAll(deleted);
      }
      if (!t.isCheckpoint()) {
        checkJobSpec(t.jobDir(), results);
      }
      if (failed(results) && !t.isMovedAside()) {
        fallback = resumeFallback(store, results, verifier);
      }
    }
    boolean ok = !failed(results);
    if (json) {
      out.println(toJson(target, ok, results, fallback));
    } else {
      results.forEach((e, lines) -> lines.forEach(l -> out.println(l.status() + " " + new Path(e.path()).getName() + "  "
          + l.check() + (l.detail().isEmpty() ? "" : ": " + l.detail()))));
      if (!deleted.isEmpty()) {
        out.println("not checked: " + names(deleted) + ", deleted while " + (deleted.size() == 1 ? "it was" : "they were")
            + " verified (the retention of a driver running the job; not damage)");
      }
      if (!movedAside.isEmpty()) {
        out.println("not checked: " + movedAside.size() + " damaged checkpoint" + (movedAside.size() == 1 ? "" : "s")
            + " a resume moved aside and never reads (verify one by its path): " + names(movedAside));
      }
      out.println(ok ? "all checks passed" : "verification FAILED");
      if (fallback != null) {
        out.println(fallback.message());
      }
    }
    return ok ? ExitCodes.OK : ExitCodes.FAILED;
  }

  private static boolean deletedNewest(Map<CheckpointEntry, List<CheckLine>> results) {
    return results.size() == 1 && CheckpointVerifier.deleted(results.values().iterator().next());
  }

  /**
   * Adds to the newest checkpoint that passed every check whether the job's {@code job.json} holds
   * its hyperparameters (nothing when the job has no readable {@code job.json}: {@code status} tells
   * of that).
   */
  private void checkJobSpec(Path jobDir, Map<CheckpointEntry, List<CheckLine>> results) {
    Optional<io.epochal.job.JobSpec> spec;
    try {
      spec = new io.epochal.job.JobSpecStore(jobDir.getFileSystem(conf), jobDir).read();
    } catch (IOException | RuntimeException e) {
      return;
    }
    List<Map.Entry<CheckpointEntry, List<CheckLine>>> passed = results.entrySet().stream()
        .filter(r -> !failed(r.getValue()) && r.getKey().manifest().isPresent()).toList();
    if (spec.isPresent() && !passed.isEmpty()) {
      Map.Entry<CheckpointEntry, List<CheckLine>> newest = passed.get(passed.size() - 1);
      newest.getValue().add(CheckpointVerifier.jobSpecCheck(spec.get(), newest.getKey().manifest().get(),
          newest.getKey().path()));
    }
  }

  /**
   * What a resume of the job does after a failed verification: the checkpoint it picks is the
   * newest whose files are intact ({@link CheckpointStore#latest()}, hashing the older ones); a
   * resume stops on it if it failed one of the checks just run (its probe, its model).
   */
  private static ResumeFallback resumeFallback(CheckpointStore store, Map<CheckpointEntry, List<CheckLine>> results,
      CheckpointVerifier verifier) throws IOException {
    LatestCheckpoint latest = store.latest();
    Optional<CheckpointProblem> newer = latest.skipped().stream().filter(CheckpointProblem::newerFormat).findFirst();
    if (newer.isPresent()) {
      return new ResumeFallback(null, "a resume refuses this job: "
          + io.epochal.driver.train.CheckpointFit.newerFormat(newer.get().path(), newer.get().reason()));
    }
    Optional<String> picked = latest.checkpoint().map(c -> new Path(c.path()).getName());
    if (picked.isEmpty()) {
      return new ResumeFallback(null, "no checkpoint of this job verifies: a resume trains again from epoch 1");
    }
    String name = picked.get();
    Optional<Map.Entry<CheckpointEntry, List<CheckLine>>> checked = results.entrySet().stream()
        .filter(r -> new Path(r.getKey().path()).getName().equals(name) && !r.getKey().isMovedAside()).findFirst();
    boolean pickedFailed;
    if (checked.isPresent()) {
      pickedFailed = failed(checked.get().getValue());
    } else {
      // not verified above (only the newest was): a resume runs the tensor and probe checks on it too
      Optional<CheckpointEntry> entry = store.list().stream().filter(e -> new Path(e.path()).getName().equals(name))
          .findFirst();
      pickedFailed = entry.isPresent() && failed(verifier.verify(store, entry.get()));
    }
    return new ResumeFallback(name, pickedFailed
        ? "a resume picks " + name + ", the newest checkpoint whose files are intact, and stops on a check it "
            + "fails (" + (checked.isPresent() ? "above" : "'bin/epochal verify --all' lists it") + "): fix that "
            + "cause (or " + io.epochal.driver.train.CheckpointFit.moveAside(name) + ") before resuming"
        : "a resume continues after " + name + ", the newest checkpoint whose files are intact");
  }

  /** A resume's checkpoint after a failed verification ({@code null}: none) and the line saying so. */
  private record ResumeFallback(String checkpoint, String message) {
  }

  private static boolean failed(Map<CheckpointEntry, List<CheckLine>> results) {
    return results.values().stream().anyMatch(CheckpointInspector::failed);
  }

  private static boolean failed(List<CheckLine> lines) {
    return lines.stream().anyMatch(l -> l.status() == CheckLine.Status.FAIL);
  }

  private static String toJson(URI target, boolean ok, Map<CheckpointEntry, List<CheckLine>> results,
      ResumeFallback fallback) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("target", target.toString());
    root.put("ok", ok);
    if (fallback != null) {
      root.put("resume_picks", fallback.checkpoint());
      root.put("resume", fallback.message());
    }
    ArrayNode checkpoints = root.putArray("checkpoints");
    results.forEach((e, lines) -> {
      ObjectNode c = checkpoints.addObject();
      c.put("epoch", e.epoch());
      c.put("path", e.path());
      if (e.isMovedAside()) {
        c.put("moved_aside", true);
      }
      c.put("ok", !failed(lines));
      ArrayNode checks = c.putArray("checks");
      for (CheckLine l : lines) {
        checks.addObject().put("status", l.status().name()).put("check", l.check()).put("detail", l.detail());
      }
    });
    return root.toString();
  }

  private static String errorJson(URI target, String error) {
    ObjectNode root = new ObjectMapper().createObjectNode();
    root.put("target", target.toString());
    root.put("ok", false);
    root.put("error", String.valueOf(error));
    root.putArray("checkpoints");
    return root.toString();
  }

}
