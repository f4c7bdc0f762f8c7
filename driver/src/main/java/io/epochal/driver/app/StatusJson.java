package io.epochal.driver.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.MidEpochPosition;
import io.epochal.job.JobProgress;
import io.epochal.job.LeaseRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal status --json}: one JSON document, {@code {"target": ..., "jobs": [...]}} for a job
 * directory (one job, with its checkpoints and the mid-epoch checkpoint a resume continues from) and
 * for a directory of jobs alike, for scripts and monitoring. Each job: its {@code path}, {@code
 * state} (as the table: LOST for a RUNNING job no live driver holds, ERROR for files that cannot be
 * read) and {@code reason}, the newest intact checkpoint's {@code epoch}, {@code train_loss}, {@code
 * val_loss} and time, the job's {@code epochs}, its {@code lease}, the {@code progress} its driver
 * reported (with {@code live} and, while live, the seconds to the end of the epoch and of the job) and
 * {@code problems}, each as the text status prints; under a root, {@code unsearched}: the directories that could
 * not be searched for jobs ({@code dir} under the root, {@code reason}). Numbers are exact; what is unknown is null.
 * Holds no state.
 */
final class StatusJson {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private StatusJson() {}

  /**
   * Prints the status of {@code uri} as one JSON document (also when it cannot be read, with its {@code error},
   * before the failure is reported as usual); the exit code of {@link JobStatusReport#print(URI)}.
   */
  static int print(org.apache.hadoop.conf.Configuration conf, java.io.PrintStream out, java.net.URI uri)
      throws java.io.IOException {
    // as the jobs' paths are written: decoded (no %20), without a trailing slash
    String target = JobSpecResolver.locationText(new Path(new Path(uri).toString()));
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    List<ObjectNode> jobs = new java.util.ArrayList<>();
    try (java.io.PrintStream text = new java.io.PrintStream(said, true, StandardCharsets.UTF_8)) {
      JobStatusReport report = new JobStatusReport(conf, text, jobs);
      int code = report.print(uri);
      // no job read (none there, or only job directories that lost their job.json): what the text says
      ObjectNode doc = jobs.isEmpty() ? error(target, said.toString(StandardCharsets.UTF_8).strip())
          : document(target, jobs);
      ArrayNode unsearched = doc.putArray("unsearched"); // directories that may hold jobs this listing lacks
      report.unsearched().forEach((dir, why) -> unsearched.addObject().put("dir", dir).put("reason", why));
      out.println(doc);
      return code;
    } catch (java.io.IOException | RuntimeException e) {
      out.println(error(target, e.getMessage()));
      throw e;
    }
  }

  /** The document of {@code target} listing {@code jobs}. */
  static ObjectNode document(String target, List<ObjectNode> jobs) {
    ObjectNode root = JSON.objectNode();
    root.put("target", target);
    root.putArray("jobs").addAll(jobs);
    return root;
  }

  /** The document of {@code target} that could not be read: {@code error} says why. */
  static ObjectNode error(String target, String error) {
    ObjectNode root = document(target, List.of());
    root.put("error", String.valueOf(error));
    return root;
  }

  /** Job {@code name} in {@code dir} as {@code s} summarizes it, with {@code problems} as status says them. */
  static ObjectNode job(String name, Path dir, JobSummary s, List<String> problems, Instant now) {
    ObjectNode j = JSON.objectNode();
    j.put("job", name);
    j.put("path", JobSpecResolver.locationText(dir));
    // as the table says it: a job whose job.json cannot be read and which has no state.json is no NEW job
    boolean unknown = s.state.equals("NEW") && s.specProblem != null
        && !(s.specProblem instanceof io.epochal.job.NewerJobFileException);
    j.put("state", unknown ? "?" : s.state);
    putText(j, "reason", s.reason);
    j.put("epoch", s.epoch.equals("-") ? null : Long.valueOf(s.epoch));
    j.put("epochs", s.ofEpochs.isEmpty() ? null : Long.valueOf(s.ofEpochs.substring(1)));
    j.put("train_loss", s.metrics.get(EpochMetrics.TRAIN_LOSS));
    j.put("val_loss", s.metrics.get(EpochMetrics.VAL_LOSS));
    putText(j, "last_checkpoint", s.time.equals("-") ? "" : s.time);
    if (s.leaseRecord.isPresent()) {
      LeaseRecord l = s.leaseRecord.get();
      j.putObject("lease").put("holder", l.getHolder()).put("live", l.isLiveAt(now)).put("released", l.isReleased())
          .put("expires_at", l.getExpiresAt().toString());
    } else {
      j.putNull("lease");
    }
    if (ProgressLines.shown(s.progress, s.state, s.leaseRecord, now)) {
      JobProgress p = s.progress.get();
      ObjectNode progress = j.putObject("progress");
      progress.setAll(p.toJson());
      boolean live = ProgressLines.live(s.progress, s.state, s.leaseRecord, now);
      progress.put("live", live);
      Optional<Duration> perRound = live ? p.perRound() : Optional.empty();
      if (perRound.isPresent()) {
        progress.put("seconds_to_epoch_end", perRound.get().multipliedBy(p.roundsToEpochEnd()).toMillis() / 1000.0);
        progress.put("seconds_to_job_end", perRound.get().multipliedBy(p.roundsToJobEnd()).toMillis() / 1000.0);
      }
    } else {
      j.putNull("progress");
    }
    ArrayNode list = j.putArray("problems");
    problems.forEach(list::add);
    return j;
  }

  /** An ERROR job {@code name} in {@code dir}, whose files {@code problems} say cannot be read. */
  static ObjectNode errorJob(String name, Path dir, List<String> problems) {
    JobSummary s = new JobSummary();
    s.state = "ERROR";
    return job(name, dir, s, problems, Instant.now());
  }

  /**
   * Adds to job {@code j} its checkpoints ({@code entries}, each with its epoch, step, time, train and held-out loss,
   * {@code damaged}: what its listing shows wrong, or null, and {@code newer_format}: why a newer Epochal wrote it,
   * or null) and {@code mid}, the mid-epoch checkpoint a resume
   * continues from, or null.
   */
  static void details(ObjectNode j, List<CheckpointEntry> entries, List<Optional<String>> damage,
      Optional<CheckpointManifest> mid) {
    ArrayNode list = j.putArray("checkpoints");
    for (int i = 0; i < entries.size(); i++) {
      CheckpointEntry e = entries.get(i);
      ObjectNode c = list.addObject();
      c.put("epoch", e.epoch());
      c.put("path", JobSpecResolver.locationText(e.path()));
      Optional<CheckpointManifest> m = e.manifest();
      c.put("step", m.map(CheckpointManifest::globalStep).orElse(null));
      c.put("created", m.map(x -> x.createdAt().toString()).orElse(null));
      c.put("train_loss", m.map(x -> x.metrics().get(EpochMetrics.TRAIN_LOSS)).orElse(null));
      c.put("val_loss", m.map(x -> x.metrics().get(EpochMetrics.VAL_LOSS)).orElse(null));
      // a newer Epochal's checkpoint is not damaged: its manifest's problem is said as newer_format
      putText(c, "damaged", damage.get(i).orElse(e.manifest().isEmpty() && !e.newerFormat()
          ? e.manifestProblem().orElse("") : ""));
      putText(c, "newer_format", e.newerFormat() ? e.manifestProblem().orElse("") : "");
    }
    Optional<MidEpochPosition> at = mid.flatMap(MidEpochPosition::of);
    if (at.isPresent()) {
      j.putObject("mid_epoch").put("step", at.get().step()).put("epoch", at.get().epoch())
          .put("rounds_done", at.get().round())
          .put("rounds_per_epoch", at.get().roundsPerEpoch() >= 0 ? at.get().roundsPerEpoch() : null)
          .put("created", mid.get().createdAt().toString());
    } else {
      j.putNull("mid_epoch");
    }
  }

  private static void putText(ObjectNode n, String field, String text) {
    if (text == null || text.isEmpty()) {
      n.putNull(field);
    } else {
      n.put(field, text);
    }
  }
}
