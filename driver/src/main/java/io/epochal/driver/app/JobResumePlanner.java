package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.app.ResumePlan.Action;
import io.epochal.driver.app.ResumePlan.Entry;
import io.epochal.driver.app.ResumePlan.Wait;
import io.epochal.job.JobState;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How {@link ResumePlan} plans one job: by where its directory came from, its checkpoints' format,
 * its final checkpoint, its lease, its state and how its last run ended. It reads the job's files
 * (names, sizes and manifests, never the checkpoints' bytes) and writes nothing.
 */
final class JobResumePlanner {

  private static final String LOST = ResumePlan.LOST;

  private JobResumePlanner() {}

  /**
   * The plan of the job in {@code job} (shown as {@code name}) as of {@code now}; with {@code relocate}, a job
   * directory moved here is planned like any other, to be resumed with {@code --relocate}.
   */
  static Entry plan(FileSystem fs, Path job, String name, Configuration conf, Instant now, boolean relocate) {
    String state = "?"; // until state.json is read
    long epoch = 0;
    try {
      Optional<io.epochal.job.JobSpec> spec = new io.epochal.job.JobSpecStore(fs, job).read();
      StateAndLease read = StateAndLease.read(fs, job, spec); // a driver starting or ending now is not LOST
      Optional<JobStatus> status = read.status();
      state = status.map(s -> s.getState().name()).orElse("NEW");
      List<CheckpointEntry> checkpoints = entries(job, conf);
      epoch = newestEpoch(checkpoints, Long.MAX_VALUE);
      Optional<JobRelocator.Foreign> foreign = spec.isEmpty() ? Optional.empty()
          : new JobRelocator(conf, System.err).foreign(spec.get().getHyperParameters(), fs.makeQualified(job));
      if (foreign.isPresent()) {
        boolean unfinished = status.isEmpty() || status.get().getState() != JobState.COMPLETED;
        if (!relocate || !foreign.get().moved()) {
          // unfinished and not a copy (moved here, or its original cannot be checked): work left for its operator
          return new Entry(job, name, state, epoch, Action.SKIP, foreign.get().reason(),
              unfinished && !foreign.get().copy() ? Wait.RELOCATION : Wait.NONE, null, null);
        }
        // moved here, and --relocate says to continue it here: planned as any job, then marked
        return plan(fs, job, name, conf, now, read, spec, checkpoints)
            .relocating(spec.get().getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.JOB_DIR),
                JobRelocator.identity(spec.get().getHyperParameters()));
      }
      return plan(fs, job, name, conf, now, read, spec, checkpoints);
    } catch (io.epochal.job.NewerJobFileException e) {
      return new Entry(job, name, state, epoch, Action.SKIP, e.getMessage()); // not damaged: another build's job
    } catch (IOException | RuntimeException e) {
      return unreadable(job, name, state, epoch, e);
    }
  }

  /** The plan of a job whose files were read: by its format, final checkpoint, lease and state. */
  private static Entry plan(FileSystem fs, Path job, String name, Configuration conf, Instant now,
      StateAndLease read, Optional<io.epochal.job.JobSpec> spec, List<CheckpointEntry> checkpoints) {
    Optional<JobStatus> status = read.status();
    String state = status.map(s -> s.getState().name()).orElse("NEW");
    long epoch = newestEpoch(checkpoints, Long.MAX_VALUE);
    try {
      // the epoch a resume continues after: the newest checkpoint without visible damage (a file missing
      // or of another size), as status says and the resume's fallback finds
      epoch = VisibleDamage.newestIntactEpoch(fs, checkpoints, Long.MAX_VALUE);
      Optional<CheckpointEntry> newer = NewerFormatCheck.newest(checkpoints);
      if (newer.isEmpty()) { // a mid-epoch checkpoint of a newer Epochal: the resume refuses the job alike
        newer = NewerFormatCheck.newestOfJob(job, conf);
      }
      if (newer.isPresent()) {
        return new Entry(job, name, state, epoch, Action.SKIP, NewerFormatCheck.describe(newer.get()));
      }
      Optional<String> damaged = Optional.empty();
      if (status.isPresent() && status.get().getState() == JobState.COMPLETED) {
        Object epochs = spec.map(s -> s.getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.EPOCHS))
            .orElse(null);
        damaged = VisibleDamage.finalCheckpointProblem(fs, spec, checkpoints);
        if (damaged.isEmpty()) {
          return new Entry(job, name, state, epoch, Action.SKIP, "completed");
        }
        // the final epoch's checkpoint will not be used: show the newest one below it without visible damage
        epoch = VisibleDamage.newestIntactEpoch(fs, checkpoints, ((Number) epochs).longValue());
      }
      Optional<LeaseRecord> lease = read.lease();
      if (lease.isPresent() && lease.get().isLiveAt(now)) {
        if (lease.get().holderGoneFromThisHost() && !state.equals("COMPLETED")) {
          // its driver is gone, its lease not yet expired: also FAILED or NEW (a driver that died between
          // marking the job and releasing the lease, or between taking it and marking it), which waits alike
          state = LOST;
        }
        // a COMPLETED job reopened for its damaged final checkpoint waits too, though shown as status shows it
        boolean gone = lease.get().holderGoneFromThisHost();
        return new Entry(job, name, state, epoch, Action.SKIP, "leased by " + lease.get().getHolder() + " until "
            + lease.get().getExpiresAt() + (gone ? " (LOST: that driver, a process of"
            + " this host, no longer runs; run resume --all again after the expiry)" : ""),
            gone ? Wait.EXPIRY : Wait.NONE, null, null);
      }
      String why = lease.isEmpty() ? "lease free"
          : "lease of " + lease.get().getHolder() + (lease.get().isReleased() ? " released at " : " expired at ")
          + lease.get().getExpiresAt();
      if (state.equals("RUNNING")) {
        state = LOST; // as status shows it: RUNNING, but no driver holds its lease
      }
      if (PreparedResume.modelKeepsStateOutside(status)) {
        // a resume starts the model's unsaved state afresh: it would train on to other weights (refused first)
        return new Entry(job, name, state, epoch, Action.SKIP, "its last run found that its model keeps state outside "
            + "its state dict, which no checkpoint holds and every resume starts afresh: fix the model and train it in "
            + "a new job.dir" + lastFailure(status));
      }
      long at = epoch;
      Optional<CheckpointManifest> trained = checkpoints.stream().filter(e -> e.epoch() == at).findFirst()
          .flatMap(CheckpointEntry::manifest).filter(m -> !m.hyperParameters().asMap().isEmpty());
      List<String> diff = spec.isEmpty() || trained.isEmpty() ? List.of() : io.epochal.driver.train.CheckpointFit
          .trainingDiff(trained.get().hyperParameters(), spec.get().getHyperParameters());
      // the resume refuses it (INCOMPATIBLE_JOB), as resume <dir> --dry-run says; a reopened COMPLETED job alike
      if (!diff.isEmpty()) {
        return new Entry(job, name, state, epoch, Action.ERROR, "job.json does not hold the spec its checkpoint of "
            + "epoch " + epoch + " was trained with (checkpoint -> job: " + String.join("; ", diff) + "): a resume "
            + "refuses it; restore that spec ('bin/epochal inspect' of the checkpoint lists it)");
      }
      if (damaged.isPresent()) {
        // which older checkpoint verifies is for the resumed driver to find: it hashes them
        return new Entry(job, name, state, epoch, Action.RESUME, damaged.get() + "; " + why + (epoch == 0
            ? ", reopens it and trains again from epoch 1 (no older intact checkpoint)"
            : ", reopens it and continues after epoch " + epoch + ", its newest intact checkpoint (the resume hashes "
            + "it)"));
      }
      if (failedWith(status, io.epochal.driver.train.FailureReason.NON_FINITE_STATE)) {
        // the same steps from the same checkpoint give the same NaN: a resume would only fail again
        return new Entry(job, name, state, epoch, Action.SKIP, "its last run failed NON_FINITE_STATE, which a resume "
            + "repeats step for step (its hyperparameters cannot change): train the job with a lower optimizer.lr in "
            + "a new job.dir" + lastFailure(status));
      }
      boolean badInput = failedWith(status, io.epochal.driver.train.FailureReason.BAD_INPUT);
      boolean noGpu = failedWith(status, io.epochal.driver.train.FailureReason.DEVICE_UNAVAILABLE);
      String from = MidEpochListing.continuing(fs, conf, job, epoch, checkpoints).map(m -> { // once its files verify
        io.epochal.driver.train.MidEpochPosition mid = io.epochal.driver.train.MidEpochPosition.of(m).orElseThrow();
        return ", continues from its mid-epoch checkpoint: " + MidEpochListing.describe(m, mid) + ", " + mid.next();
      }).orElse(epoch == 0 ? ", trains from epoch 1 (no checkpoint yet)" : ", continues after epoch " + epoch);
      return new Entry(job, name, state, epoch, Action.RESUME, why + from
          + lastFailure(status) + (badInput ? " (the plan reads no data: "
          + "unless the data was fixed since, the resume fails the same way)" : "") + (noGpu ? " (placement keys are "
          + "not stored: this resume trains with train.device = auto, on the CPU where no GPU is scheduled, unless "
          + "--conf spark.epochal.train.device=gpu and the resources.* keys are given)" : ""));
    } catch (IOException | RuntimeException e) {
      return unreadable(job, name, state, epoch, e);
    }
  }

  /**
   * The ERROR entry of a job whose files could not be read ({@code e}): one a later run may plan when the read
   * failed on its storage (an I/O failure but a damaged or missing file, or no permission), else one that stays so.
   */
  static Entry unreadable(Path job, String name, String state, long epoch, Exception e) {
    return new Entry(job, name, state, epoch, Action.ERROR, "unreadable: " + e.getMessage(),
        readMayPass(e) ? Wait.STORAGE : Wait.NONE, null, null);
  }

  /**
   * Whether a job's files that could not be read ({@code e}) may be read later: an I/O failure of their storage, not a
   * damaged or missing file, nor one this user may not read.
   */
  static boolean readMayPass(Exception e) {
    return e instanceof IOException && !(e instanceof io.epochal.job.JobFileFormatException)
        && !(e instanceof java.io.FileNotFoundException) && !(e instanceof io.epochal.checkpoint
        .CheckpointCorruptedException) && !io.epochal.driver.train.FailureClassifier.isPermissionDenied(e);
  }

  /** Whether the job is FAILED with {@code reason}. */
  private static boolean failedWith(Optional<JobStatus> status, io.epochal.driver.train.FailureReason reason) {
    return status.isPresent() && status.get().getState() == JobState.FAILED && status.get().getReason() != null
        && status.get().getReason().startsWith(reason.name());
  }

  /** For a FAILED job, how its last run ended (its first line, shortened): a resume may end so again. */
  private static String lastFailure(Optional<JobStatus> status) {
    if (status.isEmpty() || status.get().getState() != JobState.FAILED || status.get().getReason() == null) {
      return "";
    }
    String reason = status.get().getReason().lines().findFirst().orElse("");
    return reason.isEmpty() ? "" : "; last run: " + (reason.length() > 160 ? reason.substring(0, 157) + "..." : reason);
  }

  private static long newestEpoch(List<CheckpointEntry> list, long below) {
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i).epoch() < below && list.get(i).manifest().isPresent()) {
        return list.get(i).epoch();
      }
    }
    return 0;
  }

  private static List<CheckpointEntry> entries(Path job, Configuration conf) throws IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toString())
        .optConfiguration(conf).build()) {
      return store.list();
    } catch (io.epochal.checkpoint.CheckpointException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
