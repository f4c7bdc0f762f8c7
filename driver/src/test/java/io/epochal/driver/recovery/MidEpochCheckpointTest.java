package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.tensor.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints inside an epoch ({@code checkpoint.every_n_rounds}, {@code checkpoint.every_n_minutes}) on
 * {@code local[2]}: a run that stops inside an epoch continues at the round after its newest mid-epoch
 * checkpoint and ends bit for bit as a run that never stopped, with the same metrics.
 */
class MidEpochCheckpointTest {

  /** Eight rounds per epoch: 128 rows per worker, batches of 8, two local steps per round. */
  private static final Map<String, String> ROUNDS_OF_TWO_STEPS = Map.of("train.batch_size", "8",
      "retry.max_attempts", "1");

  private static EpochalSpark spark;
  private static Path root;
  private static String data;
  private static TrainingOutcome reference;
  private static String referenceDir;

  @BeforeAll
  static void start(@TempDir Path tmp) throws Exception {
    root = tmp;
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("mid-epoch-checkpoints").build();
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
    referenceDir = tmp.resolve("reference").toUri().toString();
    reference = run(spec(referenceDir, Map.of()), new Rounds());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  /**
   * Runs {@code epochal <args>} in this JVM with the class's Spark session stopped meanwhile: a
   * command that reads data starts a session of its own, and a JVM holds one at a time.
   */
  private static io.epochal.driver.testing.CliRun commandWithItsOwnSession(String... args) {
    spark.close();
    try {
      return io.epochal.driver.testing.CliRun.of(args);
    } finally {
      spark = SparkSessions.builder().setMaster("local[2]").optAppName("mid-epoch-checkpoints").build();
    }
  }

  private static JobSpec spec(String dir, Map<String, String> more) {
    Map<String, String> keys = new HashMap<>(ROUNDS_OF_TWO_STEPS);
    keys.putAll(more);
    return RecoveryFixture.spec(dir, data, keys);
  }

  private static TrainingOutcome run(JobSpec spec, Rounds listener) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
  }

  /** A driver that dies in the middle of its work: an error no run handles, as a SIGKILL leaves the job RUNNING. */
  private static final class DriverDied extends Error {
    private static final long serialVersionUID = 1L;

    DriverDied(String message) {
      super(message);
    }
  }

  /** Records each finished round as {@code epoch.round}; fails the run as round {@code failAt} ends. */
  private static class Rounds extends RecoveryFixture.Recording {
    final List<String> rounds = Collections.synchronizedList(new ArrayList<>());
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final String failAt;
    private boolean dies;

    Rounds() {
      this(null);
    }

    Rounds(String failAt) {
      this.failAt = failAt;
    }

    /** A driver that dies, not fails, as round {@code at} ends ({@link DriverDied}). */
    static Rounds diesAt(String at) {
      Rounds r = new Rounds(at);
      r.dies = true;
      return r;
    }

    @Override
    public void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {
      this.rounds.add(epoch + "." + round);
      if ((epoch + "." + round).equals(failAt)) {
        String said = "the driver stops here (round " + round + " of epoch " + epoch + ")";
        if (dies) {
          throw new DriverDied(said);
        }
        throw new IllegalStateException(said);
      }
    }

    @Override
    public void message(String message) {
      messages.add(message);
    }

    /** Commits and warnings in the order they were reported. */
    final List<String> ordered = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void committed(int epoch, String path, long bytes, long millis) {
      ordered.add("committed " + epoch);
    }

    @Override
    public void warning(String message) {
      super.warning(message);
      ordered.add(message);
    }

    /** Whether epoch {@code epoch}'s commit was reported before any try failed. */
    boolean committedBeforeAFailure(int epoch) {
      synchronized (ordered) {
        int commit = ordered.indexOf("committed " + epoch);
        int failure = java.util.stream.IntStream.range(0, ordered.size())
            .filter(i -> ordered.get(i).contains(" failed (")).findFirst().orElse(Integer.MAX_VALUE);
        return commit >= 0 && commit < failure;
      }
    }
  }

  /** The job's data without its first part file, made once: a resume on it is refused as data that changed. */
  private static synchronized Path fewerRows() throws java.io.IOException {
    Path fewer = root.resolve("data-fewer-rows");
    if (!Files.exists(fewer)) {
      org.apache.commons.io.FileUtils.copyDirectory(Path.of(java.net.URI.create(data)).toFile(), fewer.toFile());
      try (var parts = Files.list(fewer)) {
        Files.delete(parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().findFirst()
            .orElseThrow());
      }
    }
    return fewer;
  }

  private static List<String> midEpochDirs(String jobDir) throws Exception {
    Path dir = Path.of(java.net.URI.create(jobDir)).resolve("mid-epoch");
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static CheckpointManifest finalManifest(String jobDir) throws Exception {
    try (CheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      return store.load(RecoveryFixture.EPOCHS).manifest();
    }
  }

  /**
   * {@code verify} of job {@code jobPath}: passes, checks mid-epoch checkpoint {@code step} as any checkpoint, says it
   * follows {@code follows} holding {@code rounds}, and that a resume continues {@code continues}; its output.
   */
  private static String verifiesMidEpoch(String jobPath, String step, String follows, String rounds, String continues)
      throws Exception {
    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobPath);
    assertThat(verify.code).as(verify.out + verify.err).isZero();
    assertThat(verify.out).contains("PASS " + step + "  every file's size and SHA-256 match the manifest")
        .contains("PASS " + step + "  probe output reproduced bit for bit")
        .contains("PASS " + step + "  continues the newest epoch checkpoint: it follows " + follows + " and holds "
            + rounds).contains("all checks passed")
        .contains("a resume continues " + continues + " from mid-epoch checkpoint " + step);
    return verify.out;
  }

  @Test
  void aRunStoppedInsideAnEpochContinuesAtTheRoundAfterItsNewestMidEpochCheckpointAndEndsBitIdentical()
      throws Exception {
    String dir = root.resolve("stopped-in-epoch-2").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    Rounds first = Rounds.diesAt("2.7");
    assertThatThrownBy(() -> run(spec, first)).isInstanceOf(DriverDied.class)
        .hasMessageContaining("the driver stops here (round 7 of epoch 2)");
    assertThat(first.messages).anySatisfy(m -> assertThat(m)
        .contains("the mid-epoch checkpoint of epoch 2 after round 6 of 8 written to"));
    // the newest only: round 3's went when round 6's was written, epoch 1's when epoch 1 was committed
    List<String> left = midEpochDirs(dir);
    assertThat(left).singleElement().satisfies(n -> assertThat(n).startsWith("step-"));
    try (CheckpointStore steps = HadoopCheckpointStore.builder().setJobDir(dir).optSeries(CheckpointSeries.STEPS)
        .build()) {
      LoadedCheckpoint c = steps.latest().checkpoint().orElseThrow();
      assertThat(c.manifest().epoch()).as("epochs completed").isEqualTo(1);
      assertThat(c.manifest().randomState().getLong("round")).isEqualTo(6);
      assertThat(c.manifest().randomState().getLong("rounds_per_epoch")).isEqualTo(8);
      assertThat(c.manifest().globalStep()).isEqualTo(16 + 12);
      assertThat(c.manifest().metrics()).containsEntry("progress.samples", 6 * 32.0)
          .containsKey("progress.loss_sum").containsKey("train_loss"); // epoch 1's, carried
      assertThat(left.get(0)).isEqualTo(CheckpointSeries.STEPS.name(28));
    }

    // what the commands say of it: status names it, inspect and verify read it as any checkpoint directory
    String jobPath = root.resolve("stopped-in-epoch-2").toString();
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobPath);
    assertThat(status.out).as(status.err).contains("mid-epoch:   step-000000028 holds rounds 1-6 of 8 of epoch 2 "
        + "(step 28, ").contains("a resume continues at round 7");
    // where the driver said it was last: epoch 2 began (its rounds are reported at most every 10 s)
    assertThat(status.out).containsPattern("last report: epoch 2/3, round [0-6] of 8 \\(\\d+ %\\)")
        .contains("(attempt 1), which is gone; a resume continues from the checkpoints below");
    io.epochal.driver.testing.CliRun statusJson = io.epochal.driver.testing.CliRun.of("status", jobPath, "--json");
    com.fasterxml.jackson.databind.JsonNode job = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(statusJson.out).get("jobs").get(0);
    assertThat(job.get("state").asText()).isEqualTo("LOST");
    assertThat(job.get("epoch").asLong()).isEqualTo(1);
    assertThat(job.get("progress").get("live").asBoolean()).isFalse();
    assertThat(job.get("progress").get("epoch").asInt()).isEqualTo(2);
    assertThat(job.get("checkpoints")).singleElement().satisfies(c -> assertThat(c.get("step").asLong()).isEqualTo(16));
    assertThat(job.get("mid_epoch").get("step").asLong()).isEqualTo(28);
    assertThat(job.get("mid_epoch").get("rounds_done").asInt()).isEqualTo(6);
    assertThat(job.get("mid_epoch").get("epoch").asLong()).as("the epoch it is inside").isEqualTo(2);
    io.epochal.driver.testing.CliRun dryRun = commandWithItsOwnSession("resume", jobPath, "--dry-run");
    assertThat(dryRun.code).as(dryRun.err).isZero();
    assertThat(dryRun.err).as(dryRun.out).contains("continues epoch 2 at round 7 from mid-epoch checkpoint ")
        .contains("step-000000028 (step 28)");
    String verified = verifiesMidEpoch(jobPath, "step-000000028", "epoch-000001", "rounds 1-6 of 8 of epoch 2",
        "epoch 2 at round 7");
    assertThat(verified).contains("PASS epoch-000001  probe output reproduced bit for bit");
    String midPath = jobPath + "/mid-epoch/step-000000028";
    io.epochal.driver.testing.CliRun plan = io.epochal.driver.testing.CliRun.of("resume", "--all", jobPath,
        "--dry-run");
    assertThat(plan.out).as(plan.err).contains("continues from its mid-epoch checkpoint: step-000000028 holds "
        + "rounds 1-6 of 8 of epoch 2 (step 28, ").contains("), at round 7").doesNotContain("continues after epoch");
    io.epochal.driver.testing.CliRun ofJob = io.epochal.driver.testing.CliRun.of("inspect", jobPath);
    assertThat(ofJob.out).as(ofJob.err).contains("epoch:        1 (global step 16");
    assertThat(ofJob.err).contains("shown is the newest epoch checkpoint; a resume continues from the mid-epoch "
        + "checkpoint after it: step-000000028 holds rounds 1-6 of 8 of epoch 2").contains(midPath + " shows it");
    io.epochal.driver.testing.CliRun inspect = io.epochal.driver.testing.CliRun.of("inspect", midPath);
    assertThat(inspect.code).as(inspect.err).isZero();
    assertThat(inspect.out).contains("epoch:        1 (global step 28; a mid-epoch checkpoint: rounds 1-6 of epoch 2)");
    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", midPath);
    assertThat(verify.code).as(verify.out + verify.err).isZero();
    assertThat(verify.out).contains("PASS step-000000028  probe output reproduced bit for bit");
    // damaged (for a moment), inspect says where a resume then continues: after epoch 1, not from the start
    Path midModel = Path.of(java.net.URI.create(dir)).resolve("mid-epoch").resolve("step-000000028")
        .resolve("model.safetensors");
    byte[] intact = Files.readAllBytes(midModel);
    Files.write(midModel, java.util.Arrays.copyOf(intact, 100));
    io.epochal.driver.testing.CliRun damaged = io.epochal.driver.testing.CliRun.of("inspect", midPath);
    Files.write(midModel, intact);
    assertThat(damaged.code).isEqualTo(1);
    assertThat(damaged.err).contains("a resume continues after the newest verified epoch checkpoint, epoch 1 (")
        .contains("from the first round of epoch 2").doesNotContain("starts from epoch 1");

    // what a driver killed while it wrote a later mid-epoch checkpoint leaves: the resume removes it
    Path killedCommit = Files.createDirectories(Path.of(java.net.URI.create(dir)).resolve("mid-epoch")
        .resolve("_tmp-step-000000031-0b5d2a"));
    Files.write(killedCommit.resolve("model.safetensors"), new byte[64]);
    Rounds second = new Rounds();
    TrainingOutcome resumed = run(spec, second);
    assertThat(second.rounds).as("epoch 2 goes on at round 7").startsWith("2.7", "2.8", "3.1");
    assertThat(killedCommit).as("a killed commit's temporary directory").doesNotExist();
    assertThat(second.messages).anySatisfy(m -> assertThat(m).contains("the mid-epoch checkpoint holds rounds 1-6 "
        + "of epoch 2: training continues at round 7 of 8"));
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    org.apache.hadoop.fs.Path hadoopDir = new org.apache.hadoop.fs.Path(dir);
    List<io.epochal.job.JobEvent> events = new io.epochal.job.JobEventLog(hadoopDir.getFileSystem(
        new org.apache.hadoop.conf.Configuration()), hadoopDir).readAll();
    assertThat(events).filteredOn(e -> e.getType() == io.epochal.job.JobEventType.RESUMED).last().satisfies(e -> {
      assertThat(e.getEpoch()).as("epochs completed").isEqualTo(1);
      assertThat(e.getRound()).as("the rounds the mid-epoch checkpoint holds").isEqualTo(6);
      assertThat(e.getMessage()).contains("step-000000028 (rounds 1-6 of epoch 2 done)");
    });
    CheckpointManifest expected = finalManifest(referenceDir);
    CheckpointManifest got = finalManifest(dir);
    assertThat(got.globalStep()).isEqualTo(expected.globalStep());
    for (String metric : List.of("train_loss", "train_accuracy", "samples")) {
      assertThat(got.metrics().get(metric)).as(metric).isEqualTo(expected.metrics().get(metric));
      // epoch 2's sums: those of rounds 1-6 from the mid-epoch checkpoint, the rest added after the resume
      assertThat(manifest(dir, 2).metrics().get(metric)).as("epoch 2 " + metric).isNotNull()
          .isEqualTo(manifest(referenceDir, 2).metrics().get(metric));
    }
    assertThat(RecoveryFixture.checkpointTensors(dir, 2, new org.apache.hadoop.conf.Configuration()))
        .isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, 2, new org.apache.hadoop.conf.Configuration()));
    assertThat(midEpochDirs(dir)).as("the final epoch's checkpoint removed them").isEmpty();
  }

  @Test
  void verifyOfAJobWhoseDriverCommitsAnEpochAndAMidEpochCheckpointAfterItWhileItRunsPassesThem() throws Exception {
    String dir = root.resolve("committed-while-verified").toUri().toString();
    assertThatThrownBy(() -> run(spec(dir, Map.of("checkpoint.every_n_rounds", "3")), Rounds.diesAt("3.7")))
        .isInstanceOf(DriverDied.class);
    Path job = Path.of(java.net.URI.create(dir));
    Path aside = Files.createDirectories(root.resolve("committed-while-verified-later"));
    String mid = midEpochDirs(dir).get(0);
    Files.move(job.resolve("checkpoints/epoch-000002"), aside.resolve("epoch-000002"));
    Files.move(job.resolve("mid-epoch").resolve(mid), aside.resolve(mid));
    // what the driver running the job writes once this verify listed epoch 1 as the newest
    java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
    java.io.PrintStream err = new java.io.PrintStream(progress, true, java.nio.charset.StandardCharsets.UTF_8) {
      @Override
      public void println(String line) {
        super.println(line);
        if (line.startsWith("epochal: verifying epoch-000001")) {
          try {
            Files.move(aside.resolve("epoch-000002"), job.resolve("checkpoints/epoch-000002"));
            Files.move(aside.resolve(mid), job.resolve("mid-epoch").resolve(mid));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    };
    java.io.ByteArrayOutputStream report = new java.io.ByteArrayOutputStream();
    int code = io.epochal.driver.app.Verifications.verify(job.toUri(), false, new java.io.PrintStream(report, true,
        java.nio.charset.StandardCharsets.UTF_8), err);
    String out = report.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(code).as(out + progress).isZero();
    assertThat(out).contains("PASS " + mid + "  continues the newest epoch checkpoint: it follows epoch-000002 "
        + "(committed while this verify ran, not verified by it) and holds rounds 1-6 of 8 of epoch 3")
        .contains("a resume continues epoch 3 at round 7 from mid-epoch checkpoint " + mid);
  }

  @Test
  void aStopAfterAnEpochsLastRoundBeforeItsCheckpointKeepsEveryRoundAndTheResumeTrainsNoneOfThemAgain()
      throws Exception {
    String dir = root.resolve("stopped-before-commit").toUri().toString();
    JobSpec spec = spec(dir, Map.of());
    io.epochal.driver.train.CapturedStopHooks captured = new io.epochal.driver.train.CapturedStopHooks();
    List<String> said = Collections.synchronizedList(new ArrayList<>());
    Rounds first = new Rounds() {
      @Override
      public void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
        if (epoch == 2) { // as SIGTERM does after the epoch's last round (held-out rows evaluated), before its commit
          captured.runAll();
        }
      }

      @Override
      public void stopped(String message) {
        said.add(message);
      }
    };
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(first)
        .optStopHooks(captured).build().run()).as("the stopped driver publishes nothing more").isNotNull();
    assertThat(first.rounds).contains("2.8");
    assertThat(said).singleElement().asString().contains("is marked FAILED (INTERRUPTED)")
        .contains("the newest of epoch 1, and a mid-epoch checkpoint holds rounds 1-8 of epoch 2 (step 32)");
    assertThat(midEpochDirs(dir)).containsExactly(CheckpointSeries.STEPS.name(32));
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status",
        root.resolve("stopped-before-commit").toString());
    assertThat(status.out).as(status.err).contains("mid-epoch:   step-000000032 holds rounds 1-8 of 8 of epoch 2 "
        + "(step 32, ").contains("a resume continues with the epoch's checkpoint (all 8 rounds done)");

    Rounds second = new Rounds();
    TrainingOutcome resumed = run(spec, second);
    assertThat(second.rounds).as("epoch 2 is only committed").startsWith("3.1").doesNotContain("2.8");
    assertThat(second.messages).anySatisfy(m -> assertThat(m).contains("the mid-epoch checkpoint holds rounds 1-8 "
        + "of epoch 2, every round of it: the epoch's checkpoint follows"));
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    for (long epoch = 2; epoch <= RecoveryFixture.EPOCHS; epoch++) {
      try (CheckpointStore got = HadoopCheckpointStore.open(dir);
          CheckpointStore expected = HadoopCheckpointStore.open(referenceDir)) {
        CheckpointManifest m = got.load(epoch).manifest();
        CheckpointManifest e = expected.load(epoch).manifest();
        assertThat(m.globalStep()).isEqualTo(e.globalStep());
        for (String metric : List.of("train_loss", "train_accuracy", "samples")) {
          assertThat(m.metrics().get(metric)).as("epoch %s %s", epoch, metric).isEqualTo(e.metrics().get(metric));
        }
      }
      assertThat(RecoveryFixture.checkpointTensors(dir, epoch, new org.apache.hadoop.conf.Configuration())).as(
          "epoch %s", epoch).isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, epoch,
          new org.apache.hadoop.conf.Configuration()));
    }
    assertThat(midEpochDirs(dir)).isEmpty();
  }

  @Test
  void verifyOfAJobChecksTheMidEpochCheckpointAResumeTakesAndSaysWhatTheResumeDoesWhenItIsDamaged() throws Exception {
    String dir = root.resolve("verified-in-epoch-1").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("1.5"))).isInstanceOf(IllegalStateException.class);
    String jobPath = root.resolve("verified-in-epoch-1").toString();
    // no epoch committed yet: the mid-epoch checkpoint is the job's only checkpoint, and verified as one
    assertThat(verifiesMidEpoch(jobPath, "step-000000006", "the job's start", "rounds 1-3 of 8 of epoch 1",
        "epoch 1 at round 4")).doesNotContain("epoch-0");
    io.epochal.driver.testing.CliRun inspect = io.epochal.driver.testing.CliRun.of("inspect", jobPath);
    assertThat(inspect.code).as("the job's only checkpoint, as verify checks it: %s", inspect.err).isZero();
    assertThat(inspect.out).contains("a mid-epoch checkpoint: rounds 1-3 of epoch 1");
    assertThat(inspect.err).contains("has no epoch checkpoint yet; shown is its mid-epoch checkpoint");
    io.epochal.driver.testing.CliRun json = io.epochal.driver.testing.CliRun.of("verify", jobPath, "--json");
    assertThat(json.code).as(json.out + json.err).isZero();
    com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out);
    assertThat(doc.get("ok").asBoolean()).isTrue();
    assertThat(doc.get("resume_picks").asText()).isEqualTo("step-000000006");
    assertThat(doc.get("resume").asText()).isEqualTo("a resume continues epoch 1 at round 4 from mid-epoch checkpoint "
        + "step-000000006");
    assertThat(doc.get("checkpoints")).singleElement().satisfies(c -> {
      assertThat(c.get("mid_epoch").asBoolean()).isTrue();
      assertThat(c.get("step").asLong()).isEqualTo(6);
      assertThat(c.get("epoch").asLong()).as("epochs completed before it").isZero();
    });

    // one flipped byte in its model file: verify fails and says what a resume does, which the resume then does
    Path model = root.resolve("verified-in-epoch-1").resolve("mid-epoch").resolve("step-000000006")
        .resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(model, bytes);
    io.epochal.driver.testing.CliRun damaged = io.epochal.driver.testing.CliRun.of("verify", jobPath);
    assertThat(damaged.code).as(damaged.out + damaged.err).isEqualTo(1);
    assertThat(damaged.out).contains("FAIL step-000000006").contains("verification FAILED")
        .contains("a resume skips step-000000006, removes it and trains epoch 1 from its first round: the rounds it "
            + "holds are trained again");
    io.epochal.driver.testing.CliRun inspectDamaged = io.epochal.driver.testing.CliRun.of("inspect", jobPath);
    assertThat(inspectDamaged.code).as(inspectDamaged.err).isEqualTo(1);
    assertThat(inspectDamaged.err).contains("skipping damaged mid-epoch checkpoint ", "step-000000006")
        .contains("has no epoch checkpoint yet, and its mid-epoch checkpoint is damaged (named above)");
    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.warnings).anySatisfy(w -> assertThat(w)
        .contains("skipping damaged mid-epoch checkpoint step 6 ("));
    assertThat(resumed.rounds.get(0)).isEqualTo("1.1");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
  }

  @Test
  void aFineTunedJobStoppedInItsFirstEpochContinuesFromItsMidEpochCheckpointWithoutItsStartingWeights()
      throws Exception {
    Path init = Files.createDirectories(root.resolve("init-weights"));
    Files.copy(Path.of(java.net.URI.create(referenceDir)).resolve("checkpoints")
        .resolve(CheckpointSeries.EPOCHS.name(RecoveryFixture.EPOCHS)).resolve("model.safetensors"),
        init.resolve("model.safetensors"));
    String whole = root.resolve("fine-tuned-whole").toUri().toString();
    TrainingOutcome expected = run(spec(whole, Map.of("init.weights", init.toString())), new Rounds());
    String dir = root.resolve("fine-tuned-stopped").toUri().toString();
    JobSpec spec = spec(dir, Map.of("init.weights", init.toString(), "checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("1.5"))).isInstanceOf(IllegalStateException.class);
    Files.delete(init.resolve("model.safetensors")); // the job holds the state it started from now
    io.epochal.driver.testing.CliRun dryRun = commandWithItsOwnSession("resume", dir, "--dry-run");
    assertThat(dryRun.code).as("the dry run of a resume that needs no weights:%n%s", dryRun.err).isZero();
    assertThat(dryRun.err).contains("continues epoch 1 at round 4 from mid-epoch checkpoint ")
        .doesNotContain("init.weights");
    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.rounds.get(0)).as("epoch 1 goes on at round 4").isEqualTo("1.4");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(expected.state()));
    assertThat(finalManifest(dir).initDigest()).isPresent().isEqualTo(finalManifest(whole).initDigest());
  }

  @Test
  void theDryRunOfAJobStoppedInItsFirstEpochComparesTheDataWithTheRowsItsMidEpochCheckpointTrainedOn()
      throws Exception {
    Path copied = root.resolve("data-first-epoch");
    org.apache.commons.io.FileUtils.copyDirectory(Path.of(java.net.URI.create(data)).toFile(), copied.toFile());
    String dir = root.resolve("stopped-in-epoch-1-data").toUri().toString();
    Map<String, String> keys = new HashMap<>(ROUNDS_OF_TWO_STEPS);
    keys.put("checkpoint.every_n_rounds", "3");
    JobSpec spec = RecoveryFixture.spec(dir, copied.toUri().toString(), keys);
    assertThatThrownBy(() -> run(spec, new Rounds("1.5"))).isInstanceOf(IllegalStateException.class);
    io.epochal.driver.testing.CliRun same = commandWithItsOwnSession("resume", dir, "--dry-run");
    assertThat(same.code).as(same.err).isZero();
    assertThat(same.err).contains("and are the rows the mid-epoch checkpoint trained on (data_sha256)");
    try (var parts = Files.list(copied)) { // one of its files gone: fewer rows than the checkpoint trained on
      Files.delete(parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().findFirst()
          .orElseThrow());
    }
    io.epochal.driver.testing.CliRun changed = commandWithItsOwnSession("resume", dir, "--dry-run");
    assertThat(changed.code).as("as the resume refuses it: %s", changed.err).isEqualTo(4);
    assertThat(changed.err).contains("the data changed since the job started", "mid-epoch");
    assertThatThrownBy(() -> run(spec, new Rounds())).as("the resume itself")
        .hasMessageContaining("the data changed since the job started");
    assertThat(midEpochDirs(dir)).as("kept for the rows it trained on").isNotEmpty();
  }

  @Test
  void aJobStoppedInItsFirstEpochThatLostItsJobJsonIsContinuedOnlyWithTheSpecItsMidEpochCheckpointHolds()
      throws Exception {
    String dir = root.resolve("lost-spec-in-epoch-1").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("1.5"))).isInstanceOf(IllegalStateException.class);
    Path jobJson = root.resolve("lost-spec-in-epoch-1").resolve("job.json");
    Files.delete(jobJson);
    JobSpec other = spec(dir, Map.of("checkpoint.every_n_rounds", "3", "optimizer.lr", "0.5"));
    assertThatThrownBy(() -> run(other, new Rounds())).isInstanceOf(io.epochal.driver.config.ConfigException.class)
        .hasMessageContaining("holds checkpoints (newest readable: mid-epoch checkpoint step-000000006) trained "
            + "with other hyperparameters").hasMessageContaining("optimizer.lr");
    assertThat(jobJson).as("a job.json its checkpoint refuses would be there for good").doesNotExist();
    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.rounds.get(0)).as("epoch 1 goes on at round 4").isEqualTo("1.4");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
  }

  @Test
  void aSingleWorkersChainsOfRoundsEndWhereAMidEpochCheckpointIsDueAndAResumeContinuesAfterIt() throws Exception {
    Map<String, String> one = Map.of("train.workers", "1");
    TrainingOutcome alone = run(spec(root.resolve("one-worker-reference").toUri().toString(), one), new Rounds());
    String dir = root.resolve("one-worker").toUri().toString();
    Map<String, String> keys = new HashMap<>(one);
    keys.put("checkpoint.every_n_rounds", "3");
    // one worker: 256 rows in batches of 8 = 16 rounds; its chains of rounds are cut at rounds 3, 6, 9, ...
    Rounds first = new Rounds("2.6");
    assertThatThrownBy(() -> run(spec(dir, keys), first)).isInstanceOf(IllegalStateException.class);
    assertThat(first.rounds.stream().filter(r -> r.startsWith("2.")).toList()).as("chain ends").contains("2.3", "2.6");
    assertThat(first.messages).anySatisfy(m -> assertThat(m).contains("epoch 2 after round 3 of 16 written"));
    Rounds second = new Rounds();
    TrainingOutcome resumed = run(spec(dir, keys), second);
    assertThat(second.rounds.get(0)).as("the chain after round 3 of epoch 2").isEqualTo("2.4");
    assertThat(second.rounds).contains("2.6", "2.9", "2.12", "2.15", "2.16");
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(RecoveryFixture.tensors(alone.state()));
    // the epochs' sums are added round by round wherever the chains were cut: the same bits
    String aloneDir = root.resolve("one-worker-reference").toUri().toString();
    for (long epoch = 1; epoch <= RecoveryFixture.EPOCHS; epoch++) {
      Map<String, Double> expected = manifest(aloneDir, epoch).metrics();
      Map<String, Double> got = manifest(dir, epoch).metrics();
      for (String metric : List.of("train_loss", "train_accuracy", "samples")) {
        assertThat(got.get(metric)).as("epoch %s %s", epoch, metric).isNotNull().isEqualTo(expected.get(metric));
      }
    }
  }

  private static CheckpointManifest manifest(String jobDir, long epoch) throws Exception {
    try (CheckpointStore store = HadoopCheckpointStore.open(jobDir)) {
      return store.load(epoch).manifest();
    }
  }

  @Test
  void aRetryThatReloadsContinuesFromTheNewestMidEpochCheckpointInsteadOfTheEpochsStart() throws Exception {
    record Tried(String dir, java.util.concurrent.atomic.AtomicInteger fired, Rounds listener,
        TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("reloaded-" + attempt).toUri().toString();
      // round 8 of epoch 2 aborts twice: run again in place, then the run reloads
      java.util.concurrent.atomic.AtomicInteger fired = new java.util.concurrent.atomic.AtomicInteger();
      org.apache.spark.scheduler.SparkListener canceller = cancelOnStart(Map.of("epochal-e1-r7", 2), fired);
      Rounds listener = new Rounds();
      spark.jsc().sc().addSparkListener(canceller);
      try {
        return new Tried(dir, fired, listener,
            run(spec(dir, Map.of("checkpoint.every_n_rounds", "3", "retry.max_attempts", "3")), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.listener().warnings.stream().anyMatch(w -> w.contains("attempt 2 failed (TASK_FAILED)")));
    String dir = t.dir();
    Rounds listener = t.listener();
    assertThat(t.fired().get()).isGreaterThanOrEqualTo(2);
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("reloading the newest verified checkpoint"));
    assertThat(listener.messages).anySatisfy(m -> assertThat(m).contains("the mid-epoch checkpoint holds rounds 1-6 "
        + "of epoch 2: training continues at round 7 of 8"));
    // rounds 1-6 of epoch 2 ran once; round 7 before the failures and again after the reload
    assertThat(listener.rounds.stream().filter(r -> r.startsWith("2.")).toList())
        .containsExactly("2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.7", "2.8");
    assertThat(RecoveryFixture.tensors(t.outcome().state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    assertThat(finalManifest(dir).metrics().get("train_loss"))
        .isEqualTo(finalManifest(referenceDir).metrics().get("train_loss"));
    for (String metric : List.of("train_loss", "train_accuracy", "samples")) { // round 7 counted once after the reload
      assertThat(manifest(dir, 2).metrics().get(metric)).as("epoch 2 " + metric).isNotNull()
          .isEqualTo(manifest(referenceDir, 2).metrics().get(metric));
    }
  }

  @Test
  void aMidEpochCheckpointStartsTheAttemptsAgainSoFailuresSpreadOverALongEpochDoNotEndTheRun() throws Exception {
    record Tried(Rounds listener, TrainingOutcome outcome) {}
    Tried t = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("spread-in-epoch-" + attempt).toUri().toString();
      // two attempts at most; rounds 2 and 5 of epoch 2 abort once each, a mid-epoch checkpoint after round 3
      org.apache.spark.scheduler.SparkListener canceller = cancelOnStart(Map.of("epochal-e1-r1", 1,
          "epochal-e1-r4", 1), new java.util.concurrent.atomic.AtomicInteger());
      Rounds listener = new Rounds();
      spark.jsc().sc().addSparkListener(canceller);
      try {
        return new Tried(listener, run(spec(dir, Map.of("checkpoint.every_n_rounds", "3", "retry.max_attempts", "2",
            "retry.backoff_ms", "10")), listener));
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> RecoveryFixture.cancelledTries(tried.listener()) == 2);
    assertThat(RecoveryFixture.cancelledTries(t.listener())).as("rounds 2 and 5 each failed once").isEqualTo(2);
    assertThat(RecoveryFixture.tensors(t.outcome().state())).isEqualTo(RecoveryFixture.tensors(reference.state()));

    // the control: the same two failures without a checkpoint between them use up both attempts (a run that
    // started the attempts again after any round that trained would go on), once epoch 1's commit, which also
    // starts them again, was published before the first failure
    record Control(Rounds listener, java.util.concurrent.atomic.AtomicInteger fired, Exception failure) {}
    Control c = RecoveryFixture.untilCancelsLand(attempt -> {
      String dir = root.resolve("spread-in-epoch-control-" + attempt).toUri().toString();
      java.util.concurrent.atomic.AtomicInteger fired = new java.util.concurrent.atomic.AtomicInteger();
      org.apache.spark.scheduler.SparkListener canceller = cancelOnStart(Map.of("epochal-e1-r1", 1,
          "epochal-e1-r4", 1), fired);
      Rounds listener = new Rounds();
      spark.jsc().sc().addSparkListener(canceller);
      try {
        run(spec(dir, Map.of("retry.max_attempts", "2", "retry.backoff_ms", "10")), listener);
        return new Control(listener, fired, null);
      } catch (Exception e) {
        return new Control(listener, fired, e);
      } finally {
        spark.jsc().sc().removeSparkListener(canceller);
      }
    }, tried -> tried.fired().get() == 2 && tried.listener().committedBeforeAFailure(1));
    assertThat(c.listener().committedBeforeAFailure(1)).as("epoch 1 published before the first failure").isTrue();
    assertThat(c.failure()).as("both attempts used: %s", c.listener().ordered).isNotNull()
        .hasMessageContaining("gave up after 2 of 2 attempts");
  }

  /**
   * A real Spark job abort: the job of each group of {@code times} is cancelled as soon as it
   * starts, as many times as given; {@code fired} counts the cancels sent.
   */
  private static org.apache.spark.scheduler.SparkListener cancelOnStart(Map<String, Integer> times,
      java.util.concurrent.atomic.AtomicInteger fired) {
    Map<String, java.util.concurrent.atomic.AtomicInteger> seen = new java.util.concurrent.ConcurrentHashMap<>();
    times.keySet().forEach(g -> seen.put(g, new java.util.concurrent.atomic.AtomicInteger()));
    return new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        String group = start.properties().getProperty("spark.jobGroup.id");
        if (group != null && seen.containsKey(group) && seen.get(group).getAndIncrement() < times.get(group)) {
          fired.incrementAndGet();
          new Thread(() -> spark.jsc().cancelJobGroup(group)).start();
        }
      }
    };
  }
  @Test
  void midEpochCheckpointsByTimeAfterEveryRoundChangeNothingTheRunComputes() throws Exception {
    String dir = root.resolve("by-time").toUri().toString();
    Rounds listener = new Rounds();
    // a millisecond: every round's end but an epoch's last is checkpointed, unless a write is still under way
    TrainingOutcome outcome = run(spec(dir, Map.of("checkpoint.every_n_minutes", "0.00001")), listener);
    assertThat(listener.messages.stream().filter(m -> m.contains("the mid-epoch checkpoint of epoch")).count())
        .isGreaterThanOrEqualTo(3);
    assertThat(listener.messages).noneMatch(m -> m.contains("after round 8 of 8"));
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    assertThat(finalManifest(dir).metrics().get("train_loss"))
        .isEqualTo(finalManifest(referenceDir).metrics().get("train_loss"));
    assertThat(midEpochDirs(dir)).isEmpty();
  }

  @Test
  void aMidEpochCheckpointANewerEpochalWroteIsLeftAsItIsAndTheResumeRefusedNamingIt() throws Exception {
    String dir = root.resolve("newer-mid-epoch").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("1.5"))).isInstanceOf(IllegalStateException.class);
    Path manifest = root.resolve("newer-mid-epoch").resolve("mid-epoch").resolve("step-000000006")
        .resolve("manifest.json");
    String json = Files.readString(manifest);
    assertThat(json).containsPattern("\"format_version\" : \"1\\.[0-9]+\"");
    // as a newer Epochal writes it: its own digest, over its bytes with 64 zeros in its place, matches
    String unsealed = json.replaceFirst("\"format_version\" : \"1\\.[0-9]+\"", "\"format_version\" : \"2.0\"")
        .replaceFirst("\"manifest_sha256\" : \"[0-9a-f]{64}\"", "\"manifest_sha256\" : \"" + "0".repeat(64) + "\"");
    String seal = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(unsealed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Files.writeString(manifest, unsealed.replace("0".repeat(64), seal));
    Rounds resumed = new Rounds();
    assertThatThrownBy(() -> run(spec, resumed)).isInstanceOf(io.epochal.driver.train.TrainingException.class)
        .hasMessageContaining("step-000000006 was written by a newer Epochal");
    assertThat(resumed.rounds).isEmpty();
    assertThat(manifest).as("left as it is").exists();
    // the commands that say what a resume does say it too
    String jobPath = root.resolve("newer-mid-epoch").toString();
    io.epochal.driver.testing.CliRun dryRun = io.epochal.driver.testing.CliRun.of("resume", jobPath, "--dry-run");
    assertThat(dryRun.code).as(dryRun.out + dryRun.err).isNotZero();
    assertThat(dryRun.err).contains("step-000000006 was written by a newer Epochal");
    io.epochal.driver.testing.CliRun all = io.epochal.driver.testing.CliRun.of("resume", "--all",
        root.toString(), "--dry-run");
    assertThat(all.out + all.err).containsPattern("newer-mid-epoch.*SKIP|SKIP.*newer-mid-epoch")
        .contains("step-000000006 was written by a newer Epochal");
    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobPath);
    assertThat(verify.out).contains("a resume refuses the job: checkpoint ");
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobPath);
    assertThat(status.out + status.err).containsPattern("warning: checkpoint \\S+step-000000006 was written by a "
        + "newer Epochal: mid-epoch checkpoint of step 6 .*; no command of this build resumes it");
  }

  @Test
  void verifyAllOfAJobWithAnOldDamagedCheckpointStillVerifiesTheMidEpochCheckpointAResumeContinues() throws Exception {
    String dir = root.resolve("old-damaged-then-mid").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3", "checkpoint.keep_last", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("3.7"))).isInstanceOf(IllegalStateException.class);
    Path jobDir = root.resolve("old-damaged-then-mid");
    Path model = jobDir.resolve("checkpoints").resolve("epoch-000001").resolve("model.safetensors");
    Files.write(model, java.util.Arrays.copyOf(Files.readAllBytes(model), 100));

    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobDir.toString(),
        "--all");

    assertThat(verify.code).as("epoch 1 is damaged: %s", verify.out).isNotZero();
    assertThat(verify.out).contains("FAIL epoch-000001").contains("PASS epoch-000002")
        .contains("PASS step-000000044  continues the newest epoch checkpoint: it follows epoch-000002 and holds "
            + "rounds 1-6 of 8 of epoch 3")
        .contains("a resume continues epoch 3 at round 7 from mid-epoch checkpoint step-000000044");

    // status: a resume's next step is the one after the mid-epoch checkpoint's, not after epoch 2's
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobDir.toString());
    assertThat(status.out).as(status.out).containsPattern("next rate: +[0-9.Ee-]+ at step 44 ")
        .contains("a resume continues at round 7");
    io.epochal.driver.testing.CliRun dry = commandWithItsOwnSession("resume", jobDir.toString(), "--dry-run");
    assertThat(dry.code).as(dry.err).isZero();
    assertThat(dry.err).as(dry.err).contains("continues epoch 3 at round 7")
        .containsPattern("\n  learning rate: [0-9.Ee-]+ at step 44 ");

    // the mid-epoch checkpoint damaged and verified by its own path: a resume takes the job's epoch checkpoints
    Path step = jobDir.resolve("mid-epoch").resolve("step-000000044");
    Path stepModel = step.resolve("model.safetensors");
    Files.write(stepModel, java.util.Arrays.copyOf(Files.readAllBytes(stepModel), 100));
    io.epochal.driver.testing.CliRun one = io.epochal.driver.testing.CliRun.of("verify", step.toString(), "--json");
    assertThat(one.code).as(one.out + one.err).isEqualTo(1);
    com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(one.out);
    assertThat(doc.get("resume_picks").asText()).as("not 'the whole job is lost': %s", one.out)
        .isEqualTo("epoch-000002");
    assertThat(doc.get("resume").asText()).contains("a resume continues after epoch-000002");
  }

  @Test
  void aMidEpochCheckpointOfAnEpochWhoseCheckpointIsGoneIsRemovedWithAWarningAndItsRoundsTrainedAgain()
      throws Exception {
    String dir = root.resolve("mid-epoch-after-lost-epoch").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    Path jobDir = root.resolve("mid-epoch-after-lost-epoch");
    // epoch 1's checkpoint deleted (not damaged, which a resume continues past): rolled back on purpose
    try (Stream<Path> files = Files.walk(jobDir.resolve("checkpoints").resolve("epoch-000001"))) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobDir.toString());
    assertThat(status.out).as(status.err).contains("checkpoints: 0").doesNotContain("mid-epoch:");
    io.epochal.driver.testing.CliRun json = io.epochal.driver.testing.CliRun.of("status", jobDir.toString(), "--json");
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out).get("jobs").get(0)
        .get("mid_epoch").isNull()).isTrue();
    io.epochal.driver.testing.CliRun inspect = io.epochal.driver.testing.CliRun.of("inspect", jobDir.toString());
    assertThat(inspect.err).as(inspect.out).contains("its mid-epoch checkpoint, which a resume does not continue: it "
        + "holds rounds of epoch 2, after epoch checkpoints that are gone").doesNotContain("which a resume continues");
    // a path status printed before a newer mid-epoch checkpoint replaced it: said in steps, not epochs
    String replaced = jobDir.resolve("mid-epoch").resolve("step-000000020").toString();
    for (String command : List.of("inspect", "verify")) {
      io.epochal.driver.testing.CliRun gone = io.epochal.driver.testing.CliRun.of(command, replaced);
      assertThat(gone.code).as(gone.err).isEqualTo(io.epochal.driver.cli.ExitCodes.USAGE);
      assertThat(gone.err).contains("mid-epoch/step-000000020 does not exist; ").contains(" holds mid-epoch "
          + "checkpoint step-000000028 (a newer one replaces it").doesNotContain("epoch 28").doesNotContain("epochs 28");
    }
    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.warnings).anySatisfy(w -> assertThat(w).contains("removing mid-epoch checkpoint ")
        .contains("step-000000028: it does not continue the newest verified checkpoint (the start, step 0)"));
    assertThat(resumed.rounds.get(0)).isEqualTo("1.1");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
  }

  @Test
  void aMidEpochCheckpointAfterAnEpochWhoseCheckpointIsGoneIsKeptByAResumeRefusedAndRemovedByOneThatTrainsItAgain()
      throws Exception {
    String dir = root.resolve("mid-epoch-after-lost-epoch-refused").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("3.7"))).isInstanceOf(IllegalStateException.class);
    org.apache.commons.io.FileUtils.deleteDirectory(Path.of(java.net.URI.create(dir)).resolve("checkpoints")
        .resolve("epoch-000002").toFile());
    assertThat(midEpochDirs(dir)).containsExactly(CheckpointSeries.STEPS.name(44));

    // resume --data <other rows>: refused against epoch 1's rows, it leaves the mid-epoch checkpoint inside epoch 3,
    // which epoch 2's checkpoint put back would let a resume continue
    io.epochal.job.JobSpec stored = new io.epochal.job.JobSpecStore(org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(dir)).read().orElseThrow();
    Map<String, String> moved = new HashMap<>(ROUNDS_OF_TWO_STEPS);
    moved.put("checkpoint.every_n_rounds", "3");
    Rounds refused = new Rounds();
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(RecoveryFixture.spec(dir, fewerRows().toUri().toString(),
        moved)).setSpark(spark).optListener(refused).optAmendedFrom(stored).build().run())
        .hasMessageContaining("the data changed since the job started");
    assertThat(midEpochDirs(dir)).as("the refused resume removed nothing").containsExactly(
        CheckpointSeries.STEPS.name(44));
    assertThat(refused.warnings).noneSatisfy(w -> assertThat(w).contains("removing mid-epoch checkpoint"));

    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.warnings).anySatisfy(w -> assertThat(w).contains("removing mid-epoch checkpoint ")
        .contains("step-000000044: it does not continue the newest verified checkpoint (epoch 1, step 16)"));
    assertThat(resumed.rounds.get(0)).isEqualTo("2.1");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
  }

  /**
   * The job of {@code spec} in {@code jobDir} stopped inside epoch 2 and then inside epoch 3, its mid-epoch checkpoint
   * inside epoch 2 (step 28) put back after epoch 2's commit removed it, as a driver killed between epoch 2's publish
   * and that removal leaves it; returns the mid-epoch directory.
   */
  private static Path stoppedInEpoch3WithTheOneInsideEpoch2Back(JobSpec spec, Path jobDir) throws Exception {
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    Path mid = jobDir.resolve("mid-epoch");
    Path kept = jobDir.resolveSibling(jobDir.getFileName() + "-step-28");
    org.apache.commons.io.FileUtils.copyDirectory(mid.resolve("step-000000028").toFile(), kept.toFile());
    assertThatThrownBy(() -> run(spec, new Rounds("3.7"))).isInstanceOf(IllegalStateException.class);
    org.apache.commons.io.FileUtils.copyDirectory(kept.toFile(), mid.resolve("step-000000028").toFile());
    return mid;
  }

  @Test
  void anOlderMidEpochCheckpointThatContinuesIsResumedWhenTheNewestFollowsAnEpochMovedAsideAndSupersededOnesGo()
      throws Exception {
    Path jobDir = root.resolve("mid-epoch-older-continues");
    JobSpec spec = spec(jobDir.toUri().toString(), Map.of("checkpoint.every_n_rounds", "3"));
    Path mid = stoppedInEpoch3WithTheOneInsideEpoch2Back(spec, jobDir);
    // and epoch 2's checkpoint is moved aside by hand to go back: the newest mid-epoch checkpoint, inside epoch 3,
    // follows it and goes
    Files.move(jobDir.resolve("checkpoints/epoch-000002"), root.resolve("epoch-2-set-aside"));
    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobDir.toString());
    assertThat(verify.out).as("verify says what the resume does").contains("and continues epoch 2 at round 7 "
        + "from mid-epoch checkpoint step-000000028");
    io.epochal.driver.testing.CliRun dryRun = commandWithItsOwnSession("resume", jobDir.toString(), "--dry-run");
    assertThat(dryRun.code).as(dryRun.err).isZero();
    assertThat(dryRun.err).as("and its dry run").contains("continues epoch 2 at round 7 from mid-epoch checkpoint ")
        .contains("mid-epoch/step-000000028 (step 28)");

    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.rounds.get(0)).as("continued from the older one, after its round 6 of epoch 2")
        .isEqualTo("2.7");
    assertThat(RecoveryFixture.tensors(outcome.state())).as("its state, not the newer one's")
        .isEqualTo(RecoveryFixture.tensors(reference.state()));
    try (java.util.stream.Stream<Path> left = Files.list(mid)) {
      assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")))
          .as("each removed once an epoch's checkpoint holds what it holds").isEmpty();
    }
  }

  @Test
  void aMidEpochCheckpointAnEpochCheckpointSupersededIsRemovedByTheNextResume() throws Exception {
    Path jobDir = root.resolve("mid-epoch-superseded");
    JobSpec spec = spec(jobDir.toUri().toString(), Map.of("checkpoint.every_n_rounds", "3"));
    Path mid = stoppedInEpoch3WithTheOneInsideEpoch2Back(spec, jobDir);

    Rounds resumed = new Rounds("3.8");
    assertThatThrownBy(() -> run(spec, resumed)).isInstanceOf(IllegalStateException.class);
    try (org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.newInstance(jobDir.toUri(),
        new org.apache.hadoop.conf.Configuration())) {
      assertThat(new io.epochal.job.JobStateStore(fs, new org.apache.hadoop.fs.Path(jobDir.toUri())).read())
          .as("an error the run does not handle fails the job, not leaves it RUNNING").hasValueSatisfying(st -> {
            assertThat(st.getState()).isEqualTo(io.epochal.job.JobState.FAILED);
            assertThat(st.getReason()).contains("internal error, not retried").contains("the driver stops here");
          });
    }
    assertThat(resumed.rounds.get(0)).as("the newest, inside epoch 3, continues epoch 2's checkpoint")
        .isEqualTo("3.7");
    assertThat(resumed.messages).anySatisfy(m -> assertThat(m).startsWith("removed mid-epoch checkpoint ")
        .contains("step-000000028: the checkpoint continued"));
    assertThat(mid.resolve("step-000000028")).doesNotExist();
  }

  @Test
  void verifyOfAJobWhoseNewestEpochCheckpointIsDamagedNamesTheMidEpochCheckpointThatContinuesTheOneBefore()
      throws Exception {
    Path jobDir = root.resolve("mid-epoch-under-damaged-newest");
    JobSpec spec = spec(jobDir.toUri().toString(), Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    // epoch 2 published as its mid-epoch checkpoint was still there (a driver killed before it removed it), then
    // damaged: the resume falls back to epoch 1 and continues that mid-epoch checkpoint
    Path checkpoints = jobDir.resolve("checkpoints");
    org.apache.commons.io.FileUtils.copyDirectory(checkpoints.resolve("epoch-000001").toFile(),
        checkpoints.resolve("epoch-000002").toFile());
    Files.writeString(checkpoints.resolve("epoch-000002").resolve("manifest.json"), "{ damaged");

    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobDir.toString());
    assertThat(verify.code).as("epoch 2 is damaged: %s", verify.out).isEqualTo(1);
    assertThat(verify.out).contains("FAIL epoch-000002").contains("PASS step-000000028")
        .contains("continues epoch 2 at round 7 from mid-epoch checkpoint step-000000028")
        .doesNotContain("a resume continues after epoch-000001");
    io.epochal.driver.testing.CliRun dryRun = commandWithItsOwnSession("resume", jobDir.toString(), "--dry-run");
    assertThat(dryRun.code).as(dryRun.err).isZero();
    assertThat(dryRun.err).as("as the resume does").contains("continues epoch 2 at round 7 from mid-epoch checkpoint ");
  }

  @Test
  void aVerifiedMidEpochCheckpointAfterTheOnlyEpochCheckpointDamagedIsContinuedAndThatEpochNotTrainedAgain()
      throws Exception {
    String dir = root.resolve("mid-epoch-after-damaged-epoch").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3", "checkpoint.keep_last", "1"));
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    Path jobDir = root.resolve("mid-epoch-after-damaged-epoch");
    String jobPath = jobDir.toString();
    Path model = jobDir.resolve("checkpoints").resolve("epoch-000001").resolve("model.safetensors");
    Files.write(model, java.util.Arrays.copyOf(Files.readAllBytes(model), 100));

    // every command says what the resume does: continue from the mid-epoch checkpoint, not train from the start
    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobPath);
    assertThat(status.out).as(status.err).contains("DAMAGED")
        .contains("mid-epoch:   step-000000028 holds rounds 1-6 of 8 of epoch 2").contains("at step 28 ");
    assertThat(status.out + status.err).contains("its only checkpoint is damaged; a resume continues from the "
        + "mid-epoch checkpoint after epoch 1 (above), which holds the state after it");
    io.epochal.driver.testing.CliRun dryRun = commandWithItsOwnSession("resume", jobPath, "--dry-run");
    assertThat(dryRun.code).as(dryRun.err).isZero();
    assertThat(dryRun.err).as(dryRun.out).contains("the resume leaves it in place and does not train its epoch again")
        .contains("trains epochs 2 to 3 of 3, after epoch 1")
        .contains("continues epoch 2 at round 7 from mid-epoch checkpoint ").doesNotContain("from the start")
        .contains("fit the model").contains("nothing was written");
    io.epochal.driver.testing.CliRun plan = io.epochal.driver.testing.CliRun.of("resume", "--all", jobPath,
        "--dry-run");
    assertThat(plan.out).as(plan.err).contains("continues from its mid-epoch checkpoint: step-000000028 holds "
        + "rounds 1-6 of 8 of epoch 2");
    io.epochal.driver.testing.CliRun inspect = io.epochal.driver.testing.CliRun.of("inspect", jobPath);
    assertThat(inspect.code).isEqualTo(1);
    assertThat(inspect.err).contains("a resume continues from the mid-epoch checkpoint after it, which holds the "
        + "state after damaged epoch 1: step-000000028 holds rounds 1-6 of 8 of epoch 2");
    io.epochal.driver.testing.CliRun verify = io.epochal.driver.testing.CliRun.of("verify", jobPath);
    assertThat(verify.code).as("epoch 1 is damaged: %s", verify.out).isEqualTo(1);
    assertThat(verify.out).contains("FAIL epoch-000001")
        .contains("PASS step-000000028  continues the newest epoch checkpoint: it follows damaged epoch-000001, "
            + "whose state it holds, and holds rounds 1-6 of 8 of epoch 2")
        .contains("continues epoch 2 at round 7 from mid-epoch checkpoint step-000000028");
    io.epochal.driver.testing.CliRun verifyEpoch = io.epochal.driver.testing.CliRun.of("verify", jobPath
        + "/checkpoints/epoch-000001");
    assertThat(verifyEpoch.out).as("the damaged checkpoint named: %s", verifyEpoch.err).contains("FAIL epoch-000001")
        .contains("continues epoch 2 at round 7 from mid-epoch checkpoint step-000000028");

    // the resume stops again before epoch 2 is committed: the next one continues the same checkpoint
    Rounds stopped = new Rounds("2.8");
    assertThatThrownBy(() -> run(spec, stopped)).isInstanceOf(IllegalStateException.class);
    assertThat(stopped.warnings).anySatisfy(w -> assertThat(w).contains("is left in place; epoch 1 is not trained "
        + "again: mid-epoch checkpoint ").contains("step-000000028"));
    assertThat(stopped.warnings).noneSatisfy(w -> assertThat(w).contains("training starts again from epoch 1"));
    assertThat(stopped.rounds.get(0)).isEqualTo("2.7");
    io.epochal.driver.testing.CliRun movedStatus = io.epochal.driver.testing.CliRun.of("status", jobPath);
    assertThat(movedStatus.out).as(movedStatus.err).contains("mid-epoch:   step-000000028 holds rounds 1-6 of 8");
    io.epochal.driver.testing.CliRun movedVerify = io.epochal.driver.testing.CliRun.of("verify", jobPath);
    assertThat(movedVerify.out).as(movedVerify.err).contains("PASS step-000000028  continues the newest epoch "
        + "checkpoint: it follows damaged epoch-000001").contains("from mid-epoch checkpoint step-000000028, which "
        + "holds the state after damaged epoch-000001 (left in place, its epoch not trained again)");
    io.epochal.driver.testing.CliRun history = io.epochal.driver.testing.CliRun.of("history", jobPath);
    assertThat(history.out).as(history.err).contains("damaged").doesNotContain("deleted (retention)");

    Rounds resumed = new Rounds();
    TrainingOutcome outcome = run(spec, resumed);
    assertThat(resumed.rounds.get(0)).isEqualTo("2.7");
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(RecoveryFixture.tensors(reference.state()));
    assertThat(finalManifest(dir).globalStep()).isEqualTo(reference.globalStep());
  }

  @Test
  void statusDoesNotNameAMidEpochCheckpointWhoseFileIsGoneAsWhatAResumeContinues() throws Exception {
    String dir = root.resolve("mid-epoch-file-gone").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    String jobPath = root.resolve("mid-epoch-file-gone").toString();
    assertThat(io.epochal.driver.testing.CliRun.of("status", jobPath).out).as("the control")
        .contains("mid-epoch:   step-000000028 holds rounds 1-6 of 8");

    Files.delete(root.resolve("mid-epoch-file-gone/mid-epoch/step-000000028").resolve(CheckpointStore.MODEL_FILE));

    io.epochal.driver.testing.CliRun status = io.epochal.driver.testing.CliRun.of("status", jobPath);
    assertThat(status.out).as(status.err).doesNotContain("mid-epoch:   step-000000028");
    Rounds resumed = new Rounds();
    run(spec, resumed);
    assertThat(resumed.rounds.get(0)).as("as the resume: epoch 2 from its first round").isEqualTo("2.1");
  }

  @Test
  void aResumeEndingTheJobAtItsNewestEpochCheckpointRemovesTheMidEpochCheckpointAfterItAndTrainsNothing()
      throws Exception {
    String dir = root.resolve("ended-before-mid-epoch").toUri().toString();
    JobSpec spec = spec(dir, Map.of("checkpoint.every_n_rounds", "3"));
    assertThatThrownBy(() -> run(spec, new Rounds("2.7"))).isInstanceOf(IllegalStateException.class);
    io.epochal.job.JobSpec stored = new io.epochal.job.JobSpecStore(org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(dir)).read().orElseThrow();

    // resume --epochs 1 --data <other rows>: refused, it leaves the mid-epoch checkpoint a plain resume continues
    Path fewer = fewerRows();
    Map<String, String> moved = new HashMap<>(ROUNDS_OF_TWO_STEPS);
    moved.putAll(Map.of("checkpoint.every_n_rounds", "3", "train.epochs", "1"));
    Rounds refused = new Rounds();
    assertThatThrownBy(() -> TrainingJob.builder().setSpec(RecoveryFixture.spec(dir, fewer.toUri().toString(), moved))
        .setSpark(spark).optListener(refused).optAmendedFrom(stored).build().run())
        .hasMessageContaining("the data changed since the job started");
    assertThat(midEpochDirs(dir)).as("the refused resume changed nothing").isNotEmpty();
    assertThat(new io.epochal.job.JobSpecStore(org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf
        .Configuration()), new org.apache.hadoop.fs.Path(dir)).read().orElseThrow()).isEqualTo(stored);

    // resume --epochs 1: the job ends at epoch 1, which is committed
    Rounds resumed = new Rounds();
    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec(dir, Map.of("checkpoint.every_n_rounds", "3",
        "train.epochs", "1"))).setSpark(spark).optListener(resumed).optAmendedFrom(stored).build().run();

    assertThat(resumed.rounds).isEmpty();
    assertThat(resumed.messages).anySatisfy(m -> assertThat(m).contains("removed mid-epoch checkpoint ")
        .contains("step-000000028: it holds rounds of epoch 2, beyond train.epochs = 1"));
    assertThat(outcome.globalStep()).as("epoch 1's, not the mid-epoch checkpoint's").isEqualTo(16);
    assertThat(midEpochDirs(dir)).isEmpty();
  }
}
