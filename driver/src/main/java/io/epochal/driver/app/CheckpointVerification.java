package io.epochal.driver.app;

import io.epochal.driver.app.CheckLine.Id;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal verify}: one line per check ({@link CheckpointVerifier}) of a checkpoint, of a
 * job's newest checkpoint, or with {@code --all} of every checkpoint of the job, and of a job's
 * mid-epoch checkpoint that a resume continues from ({@link MidEpochVerification}); {@code --json}
 * prints one JSON document instead. A checkpoint the job's running driver deletes while it is
 * checked is not counted as damaged: the newest is looked up again, and {@code --all} names it.
 */
final class CheckpointVerification {

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;

  CheckpointVerification(Configuration conf, PrintStream out, PrintStream err) {
    this.conf = conf;
    this.out = out;
    this.err = err;
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
        out.println(VerifyJson.error(target, e.getMessage()));
      }
      throw e;
    } catch (OutOfMemoryError e) { // the command reports it (exit 52); the document still says what happened
      if (json) {
        out.println(VerifyJson.error(target, "out of memory: " + e.getMessage()));
        out.flush();
      }
      throw e;
    }
  }

  private int verifyTarget(URI target, boolean all, boolean json) throws IOException {
    String shown = CheckpointTarget.shown(target);
    CheckpointTarget t = CheckpointTarget.resolve(target, conf);
    if (all && t.isCheckpoint()) {
      throw new io.epochal.driver.config.ConfigException("--all", shown + " is one checkpoint; --all verifies "
          + "every checkpoint of a job: give the job directory " + t.jobDir());
    }
    CheckpointVerifier verifier = new CheckpointVerifier(ModelRegistry.getDefault(),
        EngineCompatibility.currentVersions(), conf);
    Map<CheckpointEntry, List<CheckLine>> results = new LinkedHashMap<>();
    List<CheckpointEntry> deleted = List.of();
    List<CheckpointEntry> movedAside = List.of();
    ResumeFallback fallback = null;
    MidEpochVerification.Result mid = null; // of a job directory: the mid-epoch checkpoint a resume continues from
    try (CheckpointStore store = t.open(conf)) {
      if (!t.isCheckpoint()) {
        movedAside = store.listMovedAside();
      }
      List<CheckpointEntry> entries = t.listing(store);
      List<CheckpointEntry> chosen = new ArrayList<>();
      if (t.isCheckpoint()) {
        t.entryIn(entries).ifPresent(chosen::add);
        Path named = new Path(t.toString());
        if (chosen.isEmpty() && !named.getFileSystem(conf).exists(named)) {
          throw t.missing(entries);
        }
        if (chosen.isEmpty()) {
          chosen.add(new CheckpointEntry(t.epoch(), t.toString(), null, "no " + (t.isMovedAside()
              ? "moved-aside" : "published") + " checkpoint directory " + t + " (listed: " + entries.size() + ")"));
        }
      } else if (all) {
        chosen.addAll(entries);
      } else if (!entries.isEmpty()) {
        chosen.add(entries.get(entries.size() - 1));
      }
      // stopped (or still) inside its first epoch: a mid-epoch checkpoint only, which a running driver may replace
      // while it is verified (a newer one, or the epoch's checkpoint): looked up again, as a newest epoch one is
      for (int look = 0; chosen.isEmpty() && !t.isCheckpoint() && look < 5; look++) {
        mid = MidEpochVerification.verify(conf, t.jobDir(), null, java.util.Set.of(), verifier, json ? null : err)
            .orElse(null);
        if (mid == null || !CheckpointVerifier.deleted(mid.lines())) {
          break;
        }
        List<CheckpointEntry> now = t.listing(store);
        if (!now.isEmpty()) { // epoch 1 was committed meanwhile
          chosen.add(now.get(now.size() - 1));
          mid = null;
        }
      }
      if (chosen.isEmpty() && (mid == null || CheckpointVerifier.deleted(mid.lines()))) {
        String message = shown + (mid == null ? " has no checkpoint to verify" : " has no checkpoint left to "
            + "verify: mid-epoch checkpoint " + new Path(mid.entry().path()).getName() + " was removed while it was "
            + "verified (by a driver running the job); verify it again");
        if (json) {
          out.println(VerifyJson.error(target, message));
        }
        err.println("epochal: " + message);
        return ExitCodes.FAILED;
      }
      for (int i = 0; i < chosen.size(); i++) {
        CheckpointEntry e = chosen.get(i);
        if (!json) { // every byte is hashed: large checkpoints take a while, and a job may hold many
          err.println("epochal: verifying " + new Path(e.path()).getName() + " (" + (i + 1) + " of " + chosen.size()
              + e.manifest().map(m -> String.format(java.util.Locale.ROOT, ", %.1f MB", m.dataBytes() / 1e6))
              .orElse("") + ")");
          err.flush();
        }
        results.put(e, verifier.verify(store, e));
      }
      // the running job's retention deleted what was chosen: the newest is another one by now
      List<CheckpointEntry> goneBeforeRelist = new java.util.ArrayList<>();
      for (int relist = 0; relist < 5 && !all && !t.isCheckpoint() && deletedNewest(results); relist++) {
        results.forEach((e, lines) -> {
          if (CheckpointVerifier.deleted(lines)) {
            goneBeforeRelist.add(e);
          }
        });
        results.clear();
        List<CheckpointEntry> now = t.listing(store);
        if (!now.isEmpty()) {
          CheckpointEntry newest = now.get(now.size() - 1);
          results.put(newest, verifier.verify(store, newest));
        }
      }
      // --all: those published while the others were checked, as long as some were deleted meanwhile
      for (int relist = 0; relist < 5 && all && results.values().stream().anyMatch(CheckpointVerifier::deleted);
          relist++) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        results.keySet().forEach(e -> seen.add(e.epoch()));
        List<CheckpointEntry> newer = t.listing(store).stream().filter(e -> !seen.contains(e.epoch())).toList();
        if (newer.isEmpty()) {
          break;
        }
        for (CheckpointEntry e : newer) {
          results.put(e, verifier.verify(store, e));
        }
      }
      deleted = results.entrySet().stream().filter(r -> CheckpointVerifier.deleted(r.getValue()))
          .map(r -> r.getKey()).toList();
      if (t.isCheckpoint()) {
        deleted = List.of(); // the one asked for is gone: that is its result
        results.replaceAll((e, lines) -> CheckpointVerifier.deleted(lines)
            ? List.of(CheckLine.fail(lines.get(0).id(), lines.get(0).check(), lines.get(0).detail())) : lines);
      } else {
        results.keySet().removeAll(deleted);
        if (results.isEmpty() && mid == null) { // every one chosen went while it was checked, none is left
          List<CheckpointEntry> gone = new java.util.ArrayList<>(goneBeforeRelist);
          gone.addAll(deleted);
          String message = shown + " has no checkpoint left to verify: " + CheckpointInspector.names(gone)
              + (gone.size() == 1 ? " was" : " were") + " deleted or moved aside while verified (by a driver "
              + "running the job) and none is published now; verify it again once that driver has committed one";
          if (json) {
            out.println(VerifyJson.error(target, message));
          }
          err.println("epochal: " + message);
          return ExitCodes.FAILED;
        }
      }
      if (mid != null) {
        results.put(mid.entry(), mid.lines());
      }
      if (!t.isCheckpoint()) {
        checkJobSpec(t.jobDir(), results);
      }
      if (t.isMovedAside()) {
        ResumeFallback instead = resumeFallback(t, store, conf, results, verifier);
        fallback = new ResumeFallback(instead.checkpoint(), "a resume never reads " + t + ", which a resume moved aside "
            + "as damaged; " + instead.message());
      } else if (failed(results) && mid == null) {
        fallback = resumeFallback(t, store, conf, results, verifier);
        // the mid-epoch checkpoint past damaged ones, or after the newest intact one: of a job, or of the job of one
        // epoch checkpoint named
        if (fallback.continued() != null) {
          long completed = fallback.continued().newest() == null ? 0 : fallback.continued().newest().epoch();
          java.util.Set<Long> damaged = fallback.continued().damaged();
          if (MidEpochListing.continuing(t.jobDir().getFileSystem(conf), conf, t.jobDir(), completed, damaged)
              .isPresent()) {
            mid = MidEpochVerification.verify(conf, t.jobDir(), fallback.continued().newest(), damaged, verifier,
                json ? null : err).orElse(null);
            if (mid != null && !CheckpointVerifier.deleted(mid.lines())) {
              results.put(mid.entry(), mid.lines());
            }
          }
        }
      }
      // where in the next epoch a resume continues: after the newest epoch checkpoint, when it is intact (an older
      // one damaged, as --all finds, changes nothing of that)
      Optional<CheckpointEntry> newestEntry = results.keySet().stream()
          .max(java.util.Comparator.comparingLong(CheckpointEntry::epoch));
      if (!t.isCheckpoint() && mid == null && newestEntry.isPresent() && newestEntry.get().manifest().isPresent()
          && !failed(results.get(newestEntry.get()))) {
        CheckpointManifest newest = newestEntry.get().manifest().get();
        mid = MidEpochVerification.verify(conf, t.jobDir(), newest, java.util.Set.of(), verifier, json ? null : err)
            .orElse(null);
        if (mid != null && !CheckpointVerifier.deleted(mid.lines())) {
          results.put(mid.entry(), mid.lines());
        }
      }
      if (mid != null && !CheckpointVerifier.deleted(mid.lines())) { // where a resume continues, or what it does
        fallback = new ResumeFallback(mid.resumePicks(), mid.resume());
      }
    }
    boolean ok = !failed(results);
    if (json) {
      Map<String, String> notChecked = new java.util.LinkedHashMap<>(); // name -> why, as the text says them
      deleted.forEach(e -> notChecked.put(new Path(e.path()).getName(), "deleted while it was verified (the "
          + "retention of a driver running the job; not damage)"));
      movedAside.forEach(e -> notChecked.put(new Path(e.path()).getName(), "a checkpoint moved aside (as damaged by a "
          + "resume, or by hand) that a resume never reads (verify it by its path)"));
      if (mid != null && CheckpointVerifier.deleted(mid.lines())) {
        notChecked.put(new Path(mid.entry().path()).getName(), "removed while it was verified (a driver running the "
            + "job wrote a newer one or committed the epoch; not damage)");
      }
      out.println(VerifyJson.report(target, ok, results, fallback == null ? null : fallback.checkpoint(),
          fallback == null ? null : fallback.message(), notChecked));
    } else {
      results.forEach((e, lines) -> lines.forEach(l -> out.println(l.status() + " " + new Path(e.path()).getName()
          + "  " + l.check() + (l.detail().isEmpty() ? "" : ": " + l.detail()))));
      if (!deleted.isEmpty()) {
        out.println("not checked: " + CheckpointInspector.names(deleted) + ", deleted while "
            + (deleted.size() == 1 ? "it was" : "they were") + " verified (the retention of a driver running the job; "
            + "not damage)");
      }
      if (!movedAside.isEmpty()) {
        out.println("not checked: " + movedAside.size() + " checkpoint" + (movedAside.size() == 1 ? "" : "s")
            + " moved aside (as damaged by a resume, or by hand) that a resume never reads (verify one by its path): "
            + CheckpointInspector.names(movedAside));
      }
      out.println(ok ? "all checks passed" : "verification FAILED");
      if (fallback != null) {
        out.println(fallback.message());
      }
      if (mid != null && CheckpointVerifier.deleted(mid.lines())) {
        out.println("not checked: mid-epoch checkpoint " + new Path(mid.entry().path()).getName() + ", removed "
            + "while it was verified (a driver running the job wrote a newer one or committed the epoch; not damage)");
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
    List<Map.Entry<CheckpointEntry, List<CheckLine>>> passed = results.entrySet().stream()
        .filter(r -> !failed(r.getValue()) && r.getKey().manifest().isPresent()).toList();
    Optional<io.epochal.job.JobSpec> spec;
    try {
      spec = new io.epochal.job.JobSpecStore(jobDir.getFileSystem(conf), jobDir).read();
    } catch (IOException | RuntimeException e) {
      if (!passed.isEmpty()) { // said, not left out: a resume of this job fails on it
        passed.get(passed.size() - 1).getValue().add(CheckLine.warn(Id.JOB_SPEC, CheckpointVerifier.JOB_SPEC_CHECK,
            "not checked: " + e.getMessage()));
      }
      return;
    }
    if (spec.isPresent() && !passed.isEmpty()) {
      Map.Entry<CheckpointEntry, List<CheckLine>> newest = passed.get(passed.size() - 1);
      newest.getValue().add(CheckpointVerifier.jobSpecCheck(spec.get(), newest.getKey().manifest().get(),
          newest.getKey().path()));
    }
  }

  /** {@link #resumeFallback(CheckpointStore, Map, CheckpointVerifier)} of target {@code t}'s job. */
  private static ResumeFallback resumeFallback(CheckpointTarget t, CheckpointStore store, Configuration conf,
      Map<CheckpointEntry, List<CheckLine>> results, CheckpointVerifier verifier) throws IOException {
    Optional<io.epochal.job.JobSpec> spec = jobSpec(t.jobDir(), conf);
    if (!t.isMidEpoch()) {
      return resumeFallback(store, results, verifier, spec);
    }
    // past a mid-epoch checkpoint it cannot continue from, a resume takes the job's epoch checkpoints
    try (CheckpointStore epochs = io.epochal.checkpoint.HadoopCheckpointStore.builder().setJobDir(
        t.jobDir().toString()).optConfiguration(conf).build()) {
      return resumeFallback(epochs, results, verifier, spec);
    }
  }

  /** The job's {@code job.json}; empty when it has none or it cannot be read ({@link #checkJobSpec} says so). */
  private static Optional<io.epochal.job.JobSpec> jobSpec(Path jobDir, Configuration conf) {
    try {
      return new io.epochal.job.JobSpecStore(jobDir.getFileSystem(conf), jobDir).read();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * What a resume of the job does after a failed verification: the checkpoint it picks is the
   * newest whose files are intact ({@link CheckpointStore#latest()}, hashing the older ones); a
   * resume stops on it if it failed one of the checks just run (its probe, its model), or if the job's {@code
   * spec} ({@code job.json}) does not hold the hyperparameters it was trained with.
   */
  private static ResumeFallback resumeFallback(CheckpointStore store, Map<CheckpointEntry, List<CheckLine>> results,
      CheckpointVerifier verifier, Optional<io.epochal.job.JobSpec> spec) throws IOException {
    LatestCheckpoint latest = store.latest();
    Optional<CheckpointProblem> newer = latest.skipped().stream().filter(CheckpointProblem::newerFormat).findFirst();
    if (newer.isPresent()) {
      return new ResumeFallback(null, "a resume refuses this job: "
          + io.epochal.driver.train.CheckpointFit.newerFormat(newer.get().path(), newer.get().reason()));
    }
    Optional<String> picked = latest.checkpoint().map(c -> new Path(c.path()).getName());
    java.util.Set<Long> damaged = latest.skipped().stream().map(CheckpointProblem::epoch)
        .collect(java.util.stream.Collectors.toSet());
    if (picked.isEmpty()) {
      return new ResumeFallback(null, "no checkpoint of this job verifies: a resume trains again from epoch 1",
          new Continued(null, damaged));
    }
    String name = picked.get();
    Optional<Map.Entry<CheckpointEntry, List<CheckLine>>> checked = results.entrySet().stream()
        .filter(r -> new Path(r.getKey().path()).getName().equals(name) && !r.getKey().isMovedAside()).findFirst();
    boolean pickedFailed;
    if (checked.isPresent() && checked.get().getValue().stream().anyMatch(l -> l.status() == CheckLine.Status.FAIL
        && l.check().equals(CheckpointVerifier.UNREGISTERED_CHECK))) {
      // every checkpoint of the job needs its model: moving one aside does not help
      return new ResumeFallback(name, "a resume, as this command, needs the model's jar on the class path "
          + "(EPOCHAL_CLASSPATH=<jar> bin/epochal resume ...; spark-submit --jars): add it and verify again");
    }
    if (checked.isPresent()) {
      pickedFailed = failed(checked.get().getValue());
    } else {
      // not verified above (only the newest was): a resume runs the tensor and probe checks on it too
      Optional<CheckpointEntry> entry = store.list().stream().filter(e -> new Path(e.path()).getName().equals(name))
          .findFirst();
      pickedFailed = entry.isPresent() && failed(verifier.verify(store, entry.get()));
    }
    // a resume refuses the job when job.json does not hold the spec the checkpoint it picks was trained with
    CheckpointManifest pickedManifest = latest.checkpoint().get().manifest();
    boolean specChecked = checked.isPresent() && checked.get().getValue().stream()
        .anyMatch(l -> l.check().equals(CheckpointVerifier.JOB_SPEC_CHECK));
    if (!pickedFailed && !specChecked && spec.isPresent()) {
      CheckLine fits = CheckpointVerifier.jobSpecCheck(spec.get(), pickedManifest, latest.checkpoint().get().path());
      if (fits.status() == CheckLine.Status.FAIL) {
        return new ResumeFallback(name, "a resume picks " + name + ", the newest checkpoint whose files are intact, "
            + "and refuses the job: " + CheckpointVerifier.JOB_SPEC_CHECK + " fails: " + fits.detail());
      }
    }
    if (pickedFailed) { // the resume stops on it before it looks at mid-epoch checkpoints
      return new ResumeFallback(name, "a resume picks " + name + ", the newest checkpoint whose files are intact, "
          + "and stops on a check it fails (" + (checked.isPresent() ? "above" : "'bin/epochal verify --all' lists it")
          + "): fix that cause (or " + io.epochal.driver.train.CheckpointFit.moveAside(name) + ") before resuming");
    }
    return new ResumeFallback(name, "a resume continues after " + name + ", the newest checkpoint whose files are "
        + "intact", new Continued(latest.checkpoint().get().manifest(), damaged));
  }

  /**
   * The checkpoint a resume takes after a failed verification, or inside the next epoch ({@code null}: none), and the
   * line saying so; {@code continued}, when the resume goes on past it to a mid-epoch checkpoint that follows it or a
   * damaged epoch checkpoint after it, what it continues (null otherwise).
   */
  private record ResumeFallback(String checkpoint, String message, Continued continued) {
    ResumeFallback(String checkpoint, String message) {
      this(checkpoint, message, null);
    }
  }

  /**
   * The newest verified epoch checkpoint a resume takes ({@code null}: none) and the epochs of the damaged ones after
   * it.
   */
  private record Continued(CheckpointManifest newest, java.util.Set<Long> damaged) {
  }

  private static boolean failed(Map<CheckpointEntry, List<CheckLine>> results) {
    return results.values().stream().anyMatch(CheckpointVerification::failed);
  }

  private static boolean failed(List<CheckLine> lines) {
    return lines.stream().anyMatch(l -> l.status() == CheckLine.Status.FAIL);
  }
}
