package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.job.JobPaths;
import io.epochal.job.JobSpecMismatchException;
import io.epochal.job.JobSpecStore;
import io.epochal.job.LeaseHeldException;
import io.epochal.job.LeaseRecord;
import io.epochal.params.ValueChange;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job's {@code job.json} as one run writes it: once for a new job (a different spec is refused
 * with its diff), or, for a job whose directory, data, epochs or retention a resume changes (an
 * amendment), checked first and rewritten only once the run has checked what it can, so a refused
 * amendment leaves the job as it was.
 */
final class JobSpecFile {

  private final FileSystem fs;
  private final Path dir;
  private final JobSpec spec;
  /** The stored spec {@link #spec} replaces (its directory or data moved), or null. */
  private final io.epochal.job.JobSpec amendedFrom;
  /** job.json still holds {@link #amendedFrom}: the amendment is written once the run has checked it. */
  private boolean pending;

  JobSpecFile(FileSystem fs, Path dir, JobSpec spec, io.epochal.job.JobSpec amendedFrom) {
    this.fs = checkNotNull(fs, "fs");
    this.dir = checkNotNull(dir, "dir");
    this.spec = checkNotNull(spec, "spec");
    this.amendedFrom = amendedFrom;
  }

  /** Whether {@code job.json} exists: false for a job directory that no driver has started. */
  boolean exists() throws IOException {
    return fs.exists(JobPaths.jobSpec(dir));
  }

  /**
   * Writes {@code job.json} once. For an amended job it only checks that {@code job.json} holds
   * the spec being amended (or the amended one already) and that no live driver holds the job
   * ({@code lease}): {@link #apply} writes it.
   *
   * @throws JobSpecMismatchException if {@code job.json} holds another spec
   * @throws LeaseHeldException if a live driver holds the job to be amended
   */
  void writeOnce(LeaseKeeper lease) throws IOException {
    boolean created = !fs.exists(dir); // the store creates it with job.json (durably, on the local file system)
    JobSpecStore specs = new JobSpecStore(fs, dir);
    if (amendedFrom == null) {
      if (!created && !exists()) { // a new job's directory another driver holds (its job.json lost): nothing written
        Optional<LeaseRecord> holder = lease.liveHolder();
        if (holder.isPresent()) {
          throw new LeaseHeldException(dir, holder.get());
        }
      }
      try {
        specs.writeOnce(spec.toStored());
      } catch (IOException | RuntimeException e) {
        if (created) {
          removeIfEmpty(); // a job that could not be started leaves no directory behind (a full disk)
        }
        throw e;
      }
      return;
    }
    Optional<LeaseRecord> holder = lease.liveHolder();
    if (holder.isPresent()) {
      throw new LeaseHeldException(dir, holder.get());
    }
    io.epochal.job.JobSpec stored = specs.read().orElseThrow(() -> new FileNotFoundException(
        specs.getFile() + " does not exist: no job to amend"));
    if (stored.equals(spec.toStored())) {
      pending = false;
    } else if (stored.equals(amendedFrom)) {
      pending = true;
    } else {
      throw new JobSpecMismatchException(specs.getFile(), stored.diff(spec.toStored()));
    }
  }

  private void removeIfEmpty() {
    try {
      if (fs.listStatus(dir).length == 0) {
        fs.delete(dir, false);
      }
    } catch (IOException | RuntimeException ignored) {
      // only an empty directory would be left
    }
  }

  /** Whether {@code job.json} is still to be amended by this run. */
  boolean amendmentPending() {
    return pending;
  }

  /** Whether this run changes the job's {@code data.path}. */
  boolean amendsData() {
    return amendedFrom != null && !String.valueOf(amendedFrom.getHyperParameters().asMap()
        .get(JobKeys.DATA_PATH)).equals(String.valueOf(spec.dataPathText()));
  }

  /** Whether this run gives the job other held-out rows ({@code data.validation_path}), not none. */
  boolean amendsHeldOut() {
    return amendedFrom != null && spec.validationPathText().isPresent() && !spec.validationPathText().get()
        .equals(String.valueOf(amendedFrom.getHyperParameters().asMap().get(JobKeys.DATA_VALIDATION_PATH)));
  }

  /**
   * Whether this run gives the job held-out rows it never measured: other rows than job.json names, not those of a
   * job whose schedule plateau follows them (the same rows moved).
   */
  boolean givesNewHeldOut() {
    return amendsHeldOut() && io.epochal.driver.config.HeldOutAdvice.plateauMonitor(spec.toHyperParameters()) == null;
  }

  /** The {@code train.epochs} job.json holds while this run's amendment of it is pending; empty when none is. */
  java.util.OptionalInt storedEpochs() {
    return pending && amendsEpochs() ? java.util.OptionalInt.of(Math.toIntExact(amendedFrom.getHyperParameters()
        .getLong(JobKeys.EPOCHS))) : java.util.OptionalInt.empty();
  }

  /** Whether this run changes the job's number of epochs. */
  boolean amendsEpochs() {
    return amendedFrom != null && amendedFrom.getHyperParameters().getLong(JobKeys.EPOCHS) != spec.epochs();
  }

  /**
   * The resume options that give this run's amendment again while it is still pending ({@code
   * --relocate}, {@code --data}, {@code --epochs}, {@code --set}), each with a leading space; empty
   * when nothing is pending. A run stopped before it wrote the amendment continues as amended only
   * with them.
   */
  String pendingOptions() {
    return pending ? io.epochal.driver.config.AmendmentOptions.ofChanges(pendingChanges(), spec) : "";
  }

  /**
   * Amends {@code train.epochs} in {@code job.json} to {@code epochs}, the epoch the job stopped
   * early at (compare-and-replace from what it holds now, this run's own amendment applied).
   *
   * @return the change, or empty when {@code job.json} holds it already
   */
  Optional<List<ValueChange>> amendEpochs(int epochs) throws IOException {
    JobSpecStore specs = new JobSpecStore(fs, dir);
    io.epochal.job.JobSpec stored = specs.read().orElseThrow(() -> new FileNotFoundException(specs.getFile()
        + " does not exist: the job's train.epochs cannot be amended to the epoch it stopped early at"));
    io.epochal.params.HyperParameters hp = stored.getHyperParameters();
    if (hp.getLong(JobKeys.EPOCHS) == epochs) {
      return Optional.empty();
    }
    io.epochal.job.JobSpec ended = io.epochal.job.JobSpec.of(stored.getJobId(), stored.getJobName(),
        hp.with(io.epochal.params.HyperParameters.builder().put(JobKeys.EPOCHS, (long) epochs).build()));
    return specs.amend(stored, ended) ? Optional.of(hp.changes(ended.getHyperParameters())) : Optional.empty();
  }

  /**
   * Writes the pending amendment into {@code job.json} (compare-and-replace); call while holding
   * the lease, after the run's checks.
   *
   * @return the changed hyperparameters, or empty if nothing was pending or another writer got there first
   */
  Optional<List<ValueChange>> apply() throws IOException {
    if (!pending) {
      return Optional.empty();
    }
    boolean amended = new JobSpecStore(fs, dir).amend(amendedFrom, spec.toStored()); // a failure leaves it pending
    pending = false;
    return amended ? Optional.of(pendingChanges()) : Optional.empty();
  }

  /** The changes this run's amendment makes to {@code job.json}. */
  List<ValueChange> pendingChanges() {
    return amendedFrom.getHyperParameters().changes(spec.toStored().getHyperParameters());
  }
}
