package io.epochal.driver.app;

import io.epochal.driver.app.CheckLine.Id;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.MidEpochPosition;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal verify} of a job directory, for the mid-epoch checkpoint a resume of the job would
 * continue from: the newest in {@code <job-dir>/mid-epoch/} after the newest verified epoch
 * checkpoint, checked as any checkpoint ({@link CheckpointVerifier}: files, digests, tensors, probe),
 * plus whether it continues that epoch checkpoint as a resume requires, and, when it fails, what a
 * resume does instead (the resume itself skips one whose files do not verify, and stops on one that
 * fails another check). Holds no state.
 */
final class MidEpochVerification {

  /** The check that says where a resume continues: the epoch checkpoint it follows and the next round. */
  static final String CONTINUES_CHECK = "continues the newest epoch checkpoint";

  private MidEpochVerification() {}

  /**
   * The result of verifying a job's mid-epoch checkpoint.
   *
   * @param entry the mid-epoch checkpoint verified
   * @param lines its check lines ({@link CheckpointVerifier#deleted} when a driver running the job removed it
   *     while it was checked)
   * @param resume what a resume does with it: where it continues, or, when a check failed, what it does instead
   * @param resumePicks the checkpoint a resume continues from (a directory name), or null for none (from the start)
   */
  record Result(CheckpointEntry entry, List<CheckLine> lines, String resume, String resumePicks) {

    /** Whether a check failed. */
    boolean failed() {
      return lines.stream().anyMatch(l -> l.status() == CheckLine.Status.FAIL);
    }
  }

  /**
   * Verifies the newest mid-epoch checkpoint of job {@code jobDir} that follows its newest verified
   * epoch checkpoint {@code newest} (null when the job has none yet), if there is one.
   *
   * @param damaged the epochs of the epoch checkpoints after {@code newest} found damaged: a mid-epoch checkpoint
   *     that follows one of them holds its state, and a resume continues from it ({@link MidEpochPosition#continues})
   * @param progress where to say that it is being verified, or null
   */
  static Optional<Result> verify(Configuration conf, Path jobDir, CheckpointManifest newest,
      java.util.Set<Long> damaged, CheckpointVerifier verifier, PrintStream progress) throws IOException {
    if (!jobDir.getFileSystem(conf).exists(new Path(jobDir, CheckpointSeries.STEPS.directory()))) {
      return Optional.empty();
    }
    long completed = newest == null ? 0 : newest.epoch();
    long after = newest == null ? 0 : newest.globalStep();
    try (CheckpointStore steps = HadoopCheckpointStore.builder().setJobDir(jobDir.toString())
        .optConfiguration(conf).optSeries(CheckpointSeries.STEPS).build()) {
      List<CheckpointEntry> listed = steps.list().stream().filter(e -> e.epoch() > after).toList();
      if (listed.isEmpty()) {
        return Optional.empty();
      }
      CheckpointEntry chosen = listed.get(listed.size() - 1);
      if (progress != null) { // every byte is hashed, as for an epoch's checkpoint
        progress.println("epochal: verifying mid-epoch checkpoint " + new Path(chosen.path()).getName()
            + chosen.manifest().map(m -> String.format(java.util.Locale.ROOT, " (%.1f MB)", m.dataBytes() / 1e6))
            .orElse(""));
        progress.flush();
      }
      List<CheckLine> lines = new ArrayList<>(verifier.verify(steps, chosen));
      if (CheckpointVerifier.deleted(lines)) {
        return Optional.of(new Result(chosen, lines, null, null));
      }
      String from = newest == null ? "the job's start" : CheckpointSeries.EPOCHS.name(newest.epoch());
      Optional<MidEpochPosition> at = chosen.manifest().flatMap(MidEpochPosition::of);
      long follows = completed;
      long stepAfter = after;
      Optional<CheckpointManifest> meanwhile = chosen.manifest().filter(m -> m.epoch() > completed
          && !damaged.contains(m.epoch())).flatMap(m -> committedMeanwhile(conf, jobDir, m.epoch()));
      if (meanwhile.isPresent()) { // a driver running the job committed the epoch it follows while this verify ran
        follows = meanwhile.get().epoch();
        stepAfter = meanwhile.get().globalStep();
        from = CheckpointSeries.EPOCHS.name(follows) + " (committed while this verify ran, not verified by it)";
      }
      if (chosen.manifest().isPresent()) {
        CheckpointManifest m = chosen.manifest().get();
        if (at.isPresent() && at.get().continues(follows, stepAfter, damaged) && m.epoch() > follows) {
          lines.add(new CheckLine(Id.CONTINUES, CheckLine.Status.PASS, CONTINUES_CHECK, "it follows damaged "
              + CheckpointSeries.EPOCHS.name(m.epoch()) + ", whose state it holds, and holds " + at.get().rounds()));
        } else if (m.epoch() != follows) {
          lines.add(CheckLine.fail(Id.CONTINUES,
              CONTINUES_CHECK, "its manifest says " + m.epoch() + " epochs were completed "
              + "before it, but it follows " + from + ": a resume does not continue it and removes it"));
        } else if (at.isEmpty()) {
          lines.add(CheckLine.fail(Id.CONTINUES,
              CONTINUES_CHECK, "its random state records no round, so a resume cannot tell "
              + "where in epoch " + (follows + 1) + " it ends and stops on it"));
        } else {
          lines.add(new CheckLine(Id.CONTINUES,
              CheckLine.Status.PASS, CONTINUES_CHECK, "it follows " + from + " and holds "
              + at.get().rounds()));
        }
      }
      String name = new Path(chosen.path()).getName();
      if (lines.stream().noneMatch(l -> l.status() == CheckLine.Status.FAIL)) {
        long passed = at.get().completedEpochs(); // past damaged epoch checkpoints, more than completed
        return Optional.of(new Result(chosen, lines, "a resume continues epoch " + (passed + 1) + " "
            + at.get().next() + " from mid-epoch checkpoint " + name + (passed > follows ? ", which holds "
            + "the state after damaged " + CheckpointSeries.EPOCHS.name(passed) + " (left in place, its epoch not "
            + "trained again)" : ""), name));
      }
      return Optional.of(instead(steps, chosen, lines, newest, after, damaged,
          chosen.manifest().map(m -> m.epoch() == completed || (m.epoch() > completed
          && damaged.contains(m.epoch()))).orElse(false)));
    }
  }

  /**
   * The manifest of the epoch checkpoint of {@code epoch} of job {@code jobDir}, when one is there now that was not
   * when the job's epoch checkpoints were listed: a driver running the job committed it while they were verified.
   */
  private static Optional<CheckpointManifest> committedMeanwhile(Configuration conf, Path jobDir, long epoch) {
    try (CheckpointStore epochs = HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optConfiguration(conf)
        .build()) {
      return epochs.list().stream().filter(e -> e.epoch() == epoch).findFirst()
          .flatMap(CheckpointEntry::manifest);
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty(); // judged against the epochs listed
    }
  }

  /**
   * What a resume does when mid-epoch checkpoint {@code chosen}, after global step {@code after} of the newest
   * epoch checkpoint {@code newest}, failed a check in {@code lines}.
   */
  private static Result instead(CheckpointStore steps, CheckpointEntry chosen, List<CheckLine> lines,
      CheckpointManifest newest, long after, java.util.Set<Long> damaged, boolean continuable) throws IOException {
    long completed = newest == null ? 0 : newest.epoch();
    String name = new Path(chosen.path()).getName();
    Optional<io.epochal.checkpoint.CheckpointProblem> newer = steps.latest().skipped().stream()
        .filter(io.epochal.checkpoint.CheckpointProblem::newerFormat).findFirst();
    if (newer.isPresent()) { // left as it is, and the job with it (MidEpochCheckpoints#continuing)
      return new Result(chosen, lines, "a resume refuses the job: " + io.epochal.driver.train.CheckpointFit
          .newerFormat(newer.get().path(), newer.get().reason()), null);
    }
    String start = "trains epoch " + (completed + 1) + " from its first round"
        + (newest == null ? "" : ", after " + CheckpointSeries.EPOCHS.name(completed));
    // a resume takes the newest mid-epoch checkpoint whose files are intact, if it continues that epoch
    Optional<LoadedCheckpoint> intact = MidEpochPosition.newestContinuing(steps, steps.latest(), after,
        MidEpochPosition.continuing(completed, after, damaged), new java.util.HashSet<>(), damage -> { });
    Optional<String> picked = intact.map(c -> new Path(c.path()).getName());
    if (picked.isPresent() && picked.get().equals(name) && continuable) {
      return new Result(chosen, lines, "a resume continues from " + name + " and stops on the check it fails "
          + "above: fix that cause, or move it aside (hdfs dfs -mv / mv " + JobSpecResolver.locationText(chosen.path())
          + " to a name outside mid-epoch/) so that a resume " + start, name);
    }
    if (picked.isPresent() && !picked.get().equals(name)) {
      String next = intact.flatMap(c -> MidEpochPosition.of(c.manifest())).map(MidEpochPosition::next)
          .orElse("at round 1");
      long passed = intact.get().manifest().epoch(); // more than completed past damaged epoch checkpoints
      return new Result(chosen, lines, "a resume skips " + name + " and continues epoch " + (passed + 1)
          + " " + next + " from mid-epoch checkpoint " + picked.get()
          + " ('bin/epochal verify' of its directory checks it)", picked.get());
    }
    return new Result(chosen, lines, "a resume skips " + name + ", removes it and " + start
        + ": the rounds it holds are trained again", newest == null ? null : CheckpointSeries.EPOCHS.name(completed));
  }
}
