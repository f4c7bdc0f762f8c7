package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ShellWords;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal status}: for a job directory, its state, lease and one line per checkpoint (epoch,
 * train loss and accuracy, held-out metrics, time); for a directory of jobs, one line per job (state, epoch, train
 * loss, held-out loss when any job has one, last checkpoint time, lease holder and expiry).
 */
final class JobStatusReport {

  private final Configuration conf;
  private final PrintStream out;
  /** Reads each job the report shows. */
  private final JobSummaryReader summaries;
  /** With {@code --json}: the jobs read, each as {@link StatusJson#job}; null for the text. */
  private final List<com.fasterxml.jackson.databind.node.ObjectNode> jobsJson;
  /** The directories under a root not searched for jobs, by path under it: why not. */
  private final Map<String, String> unsearched = new java.util.TreeMap<>();

  JobStatusReport(Configuration conf, PrintStream out) {
    this(conf, out, null);
  }

  /** A report that also adds each job it reads to {@code jobsJson} ({@link StatusJson#print}). */
  JobStatusReport(Configuration conf, PrintStream out, List<com.fasterxml.jackson.databind.node.ObjectNode> jobsJson) {
    this.conf = conf;
    this.out = out;
    this.jobsJson = jobsJson;
    this.summaries = new JobSummaryReader(conf);
  }

  /** Prints the status of {@code uri} as {@link #print(URI)}, or with {@code json} as {@link StatusJson#print}. */
  int print(URI uri, boolean json) throws IOException {
    return json ? StatusJson.print(conf, out, uri) : print(uri);
  }

  /** The directories under the root {@link #print(URI)} listed that it could not search for jobs: why not. */
  Map<String, String> unsearched() {
    return java.util.Collections.unmodifiableMap(unsearched);
  }

  /** Prints the status of {@code uri}: one job, or every job under it ({@link JobFinder}). */
  int print(URI uri) throws IOException {
    Path dir = new Path(uri);
    // a bad store key is a configuration error of the command, not a damaged job
    io.epochal.checkpoint.StoreOptions.check(conf, uri.toString());
    FileSystem fs = dir.getFileSystem(conf);
    if (fs.exists(JobPaths.jobSpec(dir))) {
      try {
        return printJob(fs, dir) ? ExitCodes.OK : ExitCodes.FAILED;
      } catch (io.epochal.job.JobFileFormatException e) {
        // state.json (or another job file) cannot be read: say which, as the listing of a root does
        out.println("job:         " + io.epochal.driver.config.JobSpecResolver.locationText(dir));
        out.println("error:       " + e.getMessage());
        String warning = "warning: the job's files cannot be read (above): a resume of this job fails until the file "
            + "named is repaired or restored";
        out.println(warning);
        if (jobsJson != null) { // an ERROR job, as in the listing of a root
          com.fasterxml.jackson.databind.node.ObjectNode j = StatusJson.errorJob(dir.getName(), dir,
              List.of("error: " + e.getMessage(), warning));
          j.putNull("checkpoints"); // as one job's entry: not read, so unknown
          j.putNull("mid_epoch");
          jobsJson.add(j);
        }
        return ExitCodes.FAILED;
      }
    }
    Optional<io.epochal.driver.config.RelocationNote> moved = io.epochal.driver.config.RelocationNote.read(fs, dir);
    if (moved.isPresent()) {
      throw new ConfigException("URI", ShellWords.location(dir) + " holds no job: " + moved.get().refusal(dir));
    }
    if (!fs.exists(dir)) {
      throw new ConfigException("URI", ShellWords.location(dir) + " does not exist; give a job directory, or a "
          + "directory with jobs under it");
    }
    if (fs.getFileStatus(dir).isFile()) {
      throw new ConfigException("URI", ShellWords.location(dir) + " is a file; give a job directory, or a "
          + "directory with jobs under it");
    }
    JobFinder.Found found = JobFinder.find(fs, dir);
    Map<String, Path> jobs = found.jobs();
    if (jobs.isEmpty() && found.lostSpecs().isEmpty() && JobFinder.holdsCheckpoints(fs, dir)) {
      // a checkpoint inspect takes: the job's newest published one, of an epoch or inside one
      java.util.Optional<Path> newest = JobFinder.newestPublished(fs, dir);
      out.println(ShellWords.location(dir) + " holds checkpoints but no job.json (it was lost?): " + newest.map(p ->
          "'bin/epochal inspect " + ShellWords.location(p) + "' shows the newest and the spec it was trained with; "
          + "'bin/epochal train' with that spec and job.dir continues it").orElse("none of them is published (only "
          + "the temporary, deleted or damaged directories of commits: nothing a resume reads), so a train there "
          + "starts the job anew"));
      return ExitCodes.FAILED;
    }
    if (jobs.isEmpty()) {
      for (Path up = dir.getParent(); up != null; up = up.getParent()) {
        if (fs.exists(JobPaths.jobSpec(up))) {
          throw new ConfigException("URI", ShellWords.location(dir) + " is inside the Epochal job directory "
              + ShellWords.location(up) + ": bin/epochal status " + ShellWords.location(up) + " (verify and inspect "
              + "take a checkpoint directory too)");
        }
      }
      String none = "no Epochal job at or under " + ShellWords.location(dir) + " (a job directory holds job.json; "
          + "searched " + JobFinder.MAX_DEPTH + " levels deep)";
      if (found.lostSpecs().isEmpty() && found.unreadable().isEmpty()) {
        throw new ConfigException("URI", none);
      }
      out.println(none);
      printUnreadable(found);
      // job directories whose job.json cannot be read, or directories not searched that may hold jobs
      return ExitCodes.FAILED;
    }
    // the JOB column as wide as the longest job's path under the root, 24 at least
    int width = Math.max(24, jobs.keySet().stream().mapToInt(String::length).max().orElse(0));
    // every row is read before the table is printed: warnings logged while a job's files are read (a
    // corrupt lease.json) come before the table, not between its header and its rows
    List<String[]> rows = new java.util.ArrayList<>();
    List<String> warnings = new java.util.ArrayList<>();
    List<String> failures = new java.util.ArrayList<>();
    int unreadable = 0;
    int notAnswered = 0; // of those, the jobs whose storage did not answer: nothing to repair
    for (Map.Entry<String, Path> job : jobs.entrySet()) {
      int failuresBefore = failures.size();
      int warningsBefore = warnings.size();
      JobSummary s;
      try {
        s = summaries.read(fs, job.getValue());
        if (s.specProblem instanceof io.epochal.job.NewerJobFileException) {
          // not damaged: a newer Epochal wrote it, which reads it (as the status of the job alone says)
          warnings.add("warning: " + job.getKey() + ": " + s.specProblem.getMessage());
        } else if (s.specProblem != null) {
          throw s.specProblem; // an unreadable job.json stops any resume: an ERROR row
        }
        if (s.spec.isPresent()) {
          new JobRelocator(conf, System.err).foreignJobDir(s.spec.get().getHyperParameters(), fs.makeQualified(job.getValue()))
              .ifPresent(why -> warnings.add("warning: " + job.getKey() + ": " + why));
        }
      } catch (IOException | RuntimeException e) {
        s = new JobSummary();
        s.state = "ERROR";
        unreadable++;
        notAnswered += JobResumePlanner.readMayPass(e) ? 1 : 0;
        warnings.add("warning: " + job.getKey() + ": its files cannot be read: " + String.valueOf(e.getMessage())
            .replaceAll("\\s*[\\r\\n]+\\s*", " ") + "; 'bin/epochal status " + ShellWords.location(job.getValue())
            + "' shows which");
      }
      rows.add(new String[] {job.getKey(), s.state, s.epoch + s.ofEpochs, ProgressLines.column(s.progress, s.state,
          s.leaseRecord, Instant.now()), s.loss, s.valLoss, s.time, s.leaseBrief});
      if (s.state.equals("LOST")) {
        failures.add(job.getKey() + " is LOST: " + s.reason); // with the command that continues it
      } else if (s.state.equals("FAILED") && !s.reason.isBlank()) {
        // bad input and a Ctrl-C look alike in the table: how the last run ended tells them apart
        String first = s.reason.lines().findFirst().orElse("");
        failures.add("last run of " + job.getKey() + ": " + (first.length() > 160 ? first.substring(0, 157) + "..."
            : first));
      }
      if (s.finalProblem != null) {
        warnings.add("warning: " + job.getKey() + ": " + s.finalProblem);
      }
      final JobSummary summary = s; // the table's state says COMPLETED: this says why it ended before train.epochs
      // not once a resume raised train.epochs past it: that job trains on
      s.spec.flatMap(sp -> ContinuationLines.stoppedEarly(sp.getHyperParameters(), summary.metrics))
          .filter(why -> !summary.epoch.matches("\\d+") || !io.epochal.driver.train.EarlyStopping
              .epochsExtendedAfter(fs, job.getValue(), Long.parseLong(summary.epoch)))
          .ifPresent(why -> failures.add(job.getKey() + " stopped early at epoch " + summary.epoch + ": " + why));
      if (!s.damage.isEmpty()) {
        warnings.add("warning: " + job.getKey() + ": " + s.damage.size() + " damaged checkpoint"
            + (s.damage.size() == 1 ? "" : "s") + " after the epoch shown (" + String.join("; ", s.damage)
            + "); 'bin/epochal status " + ShellWords.location(job.getValue()) + "' lists them");
      }
      if (jobsJson != null) { // what the lines under the table say of this job
        List<String> problems = new java.util.ArrayList<>(failures.subList(failuresBefore, failures.size()));
        problems.addAll(warnings.subList(warningsBefore, warnings.size()));
        jobsJson.add(StatusJson.job(job.getKey(), job.getValue(), s, problems, Instant.now()));
      }
    }
    // a VAL_LOSS column when any job's newest checkpoint was evaluated on held-out rows
    boolean heldOut = rows.stream().anyMatch(r -> !r[5].equals("-"));
    // a ROUND column (of the epoch after EPOCH) when a running driver reports where it is
    boolean rounds = rows.stream().anyMatch(r -> !r[3].equals("-"));
    String table = "%-" + width + "s %-10s %9s" + (rounds ? " %11s" : "%.0s") + " %12s" + (heldOut ? " %12s" : "%.0s")
        + " %-20s %s%n";
    out.printf(Locale.ROOT, table, "JOB", "STATE", "EPOCH", "ROUND", "TRAIN_LOSS", "VAL_LOSS", "LAST_CHECKPOINT",
        "LEASE");
    rows.forEach(r -> out.printf(Locale.ROOT, table, (Object[]) r));
    out.flush();
    failures.forEach(out::println);
    warnings.forEach(out::println);
    printUnreadable(found);
    if (!found.lostSpecs().isEmpty()) {
      return ExitCodes.FAILED; // a job without its job.json: nothing resumes it as it is
    }
    if (unreadable > notAnswered) {
      int damaged = unreadable - notAnswered;
      out.println(damaged + " job(s) could not be read (ERROR above): a resume of " + (damaged == 1 ? "it" : "them")
          + " fails until the file named is repaired or restored");
    }
    if (notAnswered > 0) { // a resume waits for such storage (retry.storage_wait_ms): nothing is damaged
      out.println(notAnswered + " job(s) could not be read now (ERROR above): their storage did not answer; nothing "
          + "is known to be damaged: run status again once it answers");
    }
    if (unreadable > 0) {
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }

  private void printUnreadable(JobFinder.Found found) {
    found.lostSpecs().forEach((name, dir) -> unreadableEntry(name, dir, "warning: " + name + " holds checkpoints but "
        + "no job.json (it was lost?): 'bin/epochal status " + ShellWords.location(dir) + "' says how to continue it"));
    // a directory not searched fails no command: a warning, not a job of the document
    found.unreadable().forEach((name, why) -> out.println("warning: not searched for jobs: " + name + " (" + why
        + ")"));
    unsearched.putAll(found.unreadable());
  }

  /** Says {@code warning} of {@code name}, a directory the listing could not take as a job; an ERROR job in JSON. */
  private void unreadableEntry(String name, Path dir, String warning) {
    out.println(warning);
    if (jobsJson != null) { // what makes the command exit 1 is in the document too
      jobsJson.add(StatusJson.errorJob(name, dir, List.of(warning)));
    }
  }

  /** Prints one job's status; false if its {@code job.json} cannot be read (the rest is printed still). */
  private boolean printJob(FileSystem fs, Path dir) throws IOException {
    JobSummary s = summaries.read(fs, dir);
    List<String> problems = new java.util.ArrayList<>(); // the lines below that say what is wrong, for --json
    java.util.function.Consumer<String> problem = line -> {
      out.println(line);
      problems.add(line);
    };
    out.println("job:         " + io.epochal.driver.config.JobSpecResolver.locationText(dir));
    boolean specReadable = true;
    if (s.spec.isPresent()) {
      new JobRelocator(conf, System.err).foreignJobDir(s.spec.get().getHyperParameters(), fs.makeQualified(dir))
          .ifPresent(why -> problem.accept("location:    " + why));
    } else if (s.specProblem != null) {
      problem.accept("job.json:    " + s.specProblem.getMessage()); // the rest of the status is still worth showing
      specReadable = s.specProblem instanceof io.epochal.job.NewerJobFileException; // not damaged: said above
    }
    out.println("state:       " + (!specReadable && s.state.equals("NEW") ? "? (no state.json, and job.json cannot be "
        + "read: not a NEW job)" : s.state + (s.reason.isEmpty() || s.reason.equalsIgnoreCase(s.state) ? ""
        : " (" + s.reason + ")")));
    out.println("lease:       " + s.lease);
    ProgressLines.line(s.progress, s.state, s.leaseRecord, Instant.now()).ifPresent(out::println);
    out.println("checkpoints: " + s.entries.size() + " in " + (s.checkpointsDir.isEmpty() ? s.checkpointsDir
        : JobSpecResolver.locationText(new Path(s.checkpointsDir))));
    // the rate, early stop and weights a resume continues with: of the newest checkpoint without visible damage
    Optional<CheckpointManifest> continued = Optional.empty();
    for (int i = s.entries.size() - 1; i >= 0 && continued.isEmpty() && !s.entries.get(i).newerFormat(); i--) {
      continued = s.damageOf(fs, i).isPresent() ? Optional.empty() : s.entries.get(i).manifest();
    }
    // a resume's next step: the round after the mid-epoch checkpoint it continues, if there is one
    Optional<CheckpointManifest> mid = MidEpochListing.continuing(fs, conf, dir, s.entries);
    Optional<CheckpointManifest> intact = continued;
    CheckpointManifest next = mid.orElse(intact.orElse(null));
    // one after damaged epoch checkpoints holds their state: their epochs are not trained again
    Optional<CheckpointManifest> past = mid.filter(m -> continuedFrom(intact, m));
    // every epoch checkpoint damaged: the mid-epoch one after them holds what a resume continues with
    Optional<CheckpointManifest> continuedFrom = past.or(() -> intact).or(() -> Optional.ofNullable(next));
    boolean extended = continuedFrom.isPresent() && io.epochal.driver.train.EarlyStopping.epochsExtendedAfter(fs, dir,
        continuedFrom.get().epoch());
    s.spec.ifPresent(sp -> continuedFrom.ifPresent(m -> ContinuationLines.print(out, sp.getHyperParameters(), m,
        next, extended)));
    CheckpointTable table = new CheckpointTable(s.entries.stream().flatMap(e -> e.manifest().stream())
        .map(io.epochal.driver.train.EpochValues::of).toList());
    if (!s.entries.isEmpty()) {
      table.header(out);
    }
    int damaged = 0;
    List<Optional<String>> damages = new java.util.ArrayList<>();
    for (int i = 0; i < s.entries.size(); i++) {
      CheckpointEntry e = s.entries.get(i);
      Optional<CheckpointManifest> m = e.manifest();
      Optional<String> damage = s.damageOf(fs, i);
      damages.add(damage);
      damaged += damage.isPresent() ? 1 : 0;
      table.row(out, e.epoch(), m, e.newerFormat() ? "NEWER FORMAT: " + e.manifestProblem().orElse("")
          : damage.map(why -> "DAMAGED: " + why).orElseGet(() -> m.get().createdAt().toString()));
    }
    EpochHistory.deletedLine(fs, dir, java.util.stream.Stream.concat(s.entries.stream(), s.movedAside.stream())
        .toList()).ifPresent(out::println);
    MidEpochListing.statusLine(fs, conf, dir, s.entries).ifPresent(out::println);
    if (damaged > 0) {
      boolean all = damaged == s.entries.size();
      String resume = past.map(m -> "a resume continues from the mid-epoch checkpoint after epoch " + m.epoch()
          + " (above), which holds the state after it, and does not train the damaged epochs again")
          .orElse(all ? "a resume trains again from epoch 1" : "a resume continues after the newest intact one");
      problem.accept("warning: " + (all ? (damaged == 1 ? "its only checkpoint is" : "all " + damaged
          + " checkpoints are") : damaged + (damaged == 1 ? " checkpoint is" : " checkpoints are")) + " damaged; "
          + resume + " ('bin/epochal verify " + ShellWords.location(dir) + " --all' also checks every file's "
          + "SHA-256)");
    }
    if (s.finalProblem != null) {
      problem.accept("warning: " + s.finalProblem);
    }
    if (!s.movedAside.isEmpty()) {
      problem.accept("moved aside: " + s.movedAside.size() + " checkpoint" + (s.movedAside.size() == 1 ? "" : "s")
          + " set aside (as damaged by a resume, or by hand), kept for inspection and never read ('bin/epochal "
          + "inspect <path>' or 'verify <path>' says what is wrong):");
      for (CheckpointEntry e : s.movedAside) {
        out.println("  " + ShellWords.location(new Path(e.path())));
      }
    }
    if (!specReadable) {
      problem.accept("warning: job.json cannot be read (above): a resume of this job fails until it is repaired or "
          + "restored");
    }
    if (jobsJson != null) {
      com.fasterxml.jackson.databind.node.ObjectNode j = StatusJson.job(dir.getName(), dir, s, problems, Instant.now());
      StatusJson.details(j, s.entries, damages, MidEpochListing.continuing(fs, conf, dir, s.entries));
      jobsJson.add(j);
    }
    return specReadable;
  }

  /** Whether mid-epoch checkpoint {@code mid} follows a damaged epoch checkpoint newer than {@code intact}. */
  private static boolean continuedFrom(Optional<CheckpointManifest> intact, CheckpointManifest mid) {
    return intact.map(c -> mid.epoch() > c.epoch()).orElse(true);
  }

  /** A lease holder ({@code host:pid:uuid}) without its UUID, which only tells one driver from another. */
  static String briefHolder(String holder) {
    int cut = holder.lastIndexOf(':');
    return cut > 0 && holder.length() - cut - 1 == 36 ? holder.substring(0, cut) : holder;
  }

  /** A loss: six decimals, or three significant digits in exponent form when that would round it to zero. */
  static String lossText(Double d) {
    if (d == null) {
      return "-";
    }
    return d == 0 || Math.abs(d) >= 1e-3 || !Double.isFinite(d) ? String.format(Locale.ROOT, "%.6f", d)
        : String.format(Locale.ROOT, "%.3e", d);
  }
}
