package io.epochal.driver.e2e;

import static io.epochal.driver.e2e.E2eFixtures.CLASSES;
import static io.epochal.driver.e2e.E2eFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.CliRun;
import io.epochal.job.JobEvent;
import io.epochal.job.JobLease;
import io.epochal.job.JobEventType;
import io.epochal.job.JobPaths;
import io.epochal.job.JobState;
import io.epochal.params.ValueChange;
import io.epochal.job.JobStatus;
import io.epochal.job.JobStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code epochal} command in-process with the real Spark launcher on {@code local[2]}: every
 * command starts and stops its own Spark session, as it does from {@code bin/epochal}.
 */
class CliEndToEndTest {

  private static final String MASTER = "local[2]";

  @TempDir
  static Path shared;

  private static String data;

  @TempDir
  Path tmp;

  @BeforeAll
  static void generateData() {
    data = shared.resolve("data").toString();
    CliRun gen = CliRun.of("gen-data", data, "--rows", "512", "--features", Integer.toString(FEATURES),
        "--classes", Integer.toString(CLASSES), "--seed", "9", "--master", MASTER);
    assertThat(gen.code).as("%s", gen).isZero();
  }

  /** A command run through the CLI as given, or as its dry run ({@code --dry-run} added) when {@code dryRun}. */
  private static CliRun cli(boolean dryRun, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    if (dryRun) {
      all.add("--dry-run");
    }
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void placementMistakesAreConfigurationErrorsSaidWithTheOthersAndBeforeADryRunPrintsASpec() throws Exception {
    Path job = tmp.resolve("gpu-job");
    Path file = jobFile("gpu.properties", job, Map.of());
    CliRun counts = CliRun.of("train", file.toString(), "--set", "resources.gpus_per_task=2", "--set",
        "resources.gpus_per_executor=1", "--set", "optimizer.lrr=1", "--master", MASTER);
    assertThat(counts.code).as("%s", counts).isEqualTo(ExitCodes.USAGE);
    assertThat(counts.err).as("both mistakes at once").contains("configuration error: ",
        "resources.gpus_per_task = 2 exceeds resources.gpus_per_executor = 1", "optimizer.lrr");

    CliRun gpu = CliRun.of("train", file.toString(), "--set", "train.device=gpu", "--dry-run", "--master", MASTER);
    assertThat(gpu.code).as("%s", gpu).isEqualTo(ExitCodes.USAGE);
    assertThat(gpu.err).contains("configuration error: ", "train.device = gpu needs a GPU that Spark assigns");
    assertThat(gpu.out).as("no spec printed as if it could run").isEmpty();
    CliRun run = CliRun.of("train", file.toString(), "--set", "train.device=gpu", "--master", MASTER);
    assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err).contains("configuration error: ", "train.device = gpu needs a GPU that Spark assigns");
    // executors, but no GPU scheduled: every task would fail, in every attempt
    CliRun noGpus = CliRun.of("--master", "local-cluster[2,1,1024]", "train", file.toString(), "--set",
        "train.device=gpu", "--dry-run");
    assertThat(noGpus.code).as("%s", noGpus).isEqualTo(ExitCodes.USAGE);
    assertThat(noGpus.err).contains("configuration error: ", "no GPU is scheduled (spark.task.resource.gpu.amount is "
        + "not set)");
    // a discovery script the workers would run and fail on: Spark would wait for executors forever
    Path garbage = tmp.resolve("garbage-gpus.sh");
    java.nio.file.Files.writeString(garbage, "#!/bin/sh\necho hello garbage\n");
    garbage.toFile().setExecutable(true);
    CliRun script = CliRun.of("--master", "local-cluster[2,1,1024]", "train", file.toString(), "--set",
        "resources.gpus_per_executor=1", "--set", "resources.gpus_per_task=1", "--set",
        "resources.gpu_discovery_script=" + garbage);
    assertThat(script.code).as("%s", script).isEqualTo(ExitCodes.USAGE);
    assertThat(script.err).contains("configuration error: ", "printed 'hello garbage', not Spark's");
    assertThat(job).as("nothing written").doesNotExist();
  }

  @Test
  void genDataOntoExistingDataIsRefusedUnlessOverwriting() throws Exception {
    CliRun again = CliRun.of("gen-data", data, "--rows", "16", "--master", MASTER);
    assertThat(again.code).as("%s", again).isEqualTo(2);
    assertThat(again.err).contains("already exists").contains("--overwrite");
    Path copy = tmp.resolve("regenerated");
    java.nio.file.Files.createDirectories(copy);
    CliRun replaced = CliRun.of("gen-data", copy.toString(), "--rows", "16", "--master", MASTER);
    assertThat(replaced.code).as("an empty directory is written into without --overwrite: %s", replaced).isZero();
    assertThat(replaced.out).contains("wrote 16 rows");
    assertThat(java.nio.file.Files.readString(copy.resolve("_EPOCHAL_GENERATED"))).contains("\"rows\": 16");
    CliRun again16 = CliRun.of("gen-data", copy.toString(), "--rows", "24", "--overwrite", "--master", MASTER);
    assertThat(again16.code).as("an earlier output of gen-data is replaced: %s", again16).isZero();
    assertThat(java.nio.file.Files.readString(copy.resolve("_EPOCHAL_GENERATED"))).contains("\"rows\": 24");
    java.nio.file.Files.writeString(copy.resolve("notes.txt"), "keep me");
    CliRun extra = CliRun.of("gen-data", copy.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(extra.code).as("a marked output holding another file: %s", extra).isEqualTo(2);
    assertThat(extra.err).contains("holds what gen-data did not write (notes.txt)");
    assertThat(copy.resolve("notes.txt")).hasContent("keep me");
    CliRun withoutOverwrite = CliRun.of("gen-data", copy.toString(), "--rows", "16", "--master", MASTER);
    assertThat(withoutOverwrite.code).as("%s", withoutOverwrite).isEqualTo(2);
    assertThat(withoutOverwrite.err).as("--overwrite is not offered where it would be refused")
        .contains("holds what gen-data did not write (notes.txt)").doesNotContain("pass --overwrite");
    Path file = tmp.resolve("a-file");
    java.nio.file.Files.writeString(file, "keep me");
    CliRun onFile = CliRun.of("gen-data", file.toString(), "--rows", "16", "--master", MASTER);
    assertThat(onFile.code).as("%s", onFile).isEqualTo(2);
    assertThat(onFile.err).contains("is a file").doesNotContain("pass --overwrite");
  }

  @Test
  void genDataOverwriteNeverReplacesFilesItDidNotWrite() throws Exception {
    Path project = tmp.resolve("project");
    java.nio.file.Files.createDirectories(project.resolve("src"));
    java.nio.file.Files.writeString(project.resolve("notes.txt"), "keep me");
    java.nio.file.Files.writeString(project.resolve("src/Main.java"), "class Main {}");
    CliRun onProject = CliRun.of("gen-data", project.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(onProject.code).as("%s", onProject).isEqualTo(2);
    assertThat(onProject.err).contains("holds what gen-data did not write (", "; it has no _EPOCHAL_GENERATED)")
        .contains("Choose another OUT");
    assertThat(project.resolve("notes.txt")).hasContent("keep me");
    assertThat(project.resolve("src/Main.java")).exists();

    Path file = java.nio.file.Files.writeString(tmp.resolve("data.csv"), "a,b\n1,2\n");
    CliRun onFile = CliRun.of("gen-data", file.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(onFile.code).as("%s", onFile).isEqualTo(2);
    assertThat(onFile.err).contains("is a file");
    assertThat(file).hasContent("a,b\n1,2\n");
  }

  @Test
  void genDataNeverOverwritesAJobDirectoryWhatIsInsideOneOrADirectoryAboveOne() throws Exception {
    Path jobs = tmp.resolve("jobs");
    Path job = jobs.resolve("job-a");
    java.nio.file.Files.createDirectories(job.resolve("checkpoints"));
    java.nio.file.Files.writeString(job.resolve("job.json"), "{}");

    CliRun onJob = CliRun.of("gen-data", job.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(onJob.code).as("%s", onJob).isEqualTo(2);
    assertThat(onJob.err).contains("is an Epochal job directory").contains("Choose another OUT");
    CliRun onRoot = CliRun.of("gen-data", jobs.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(onRoot.code).as("%s", onRoot).isEqualTo(2);
    assertThat(onRoot.err).contains("holds the Epochal job directory").contains("job-a");
    CliRun inside = CliRun.of("gen-data", job.resolve("checkpoints").toString(), "--rows", "16", "--overwrite",
        "--master", MASTER);
    assertThat(inside.code).as("%s", inside).isEqualTo(2);
    assertThat(inside.err).contains("is inside the Epochal job directory");
    CliRun above = CliRun.of("gen-data", tmp.toString(), "--rows", "16", "--overwrite", "--master", MASTER);
    assertThat(above.code).as("%s", above).isEqualTo(2);
    assertThat(above.err).contains("holds the Epochal job directory").contains("job-a");
    assertThat(job.resolve("job.json")).exists();
    assertThat(job.resolve("checkpoints")).isDirectory();
  }

  @Test
  void resumeAfterTheNewestCheckpointEndsBitIdenticalToAnUninterruptedRun() throws Exception {
    Path jobA = tmp.resolve("job-a");
    Path jobB = tmp.resolve("job-b");
    // with gradient clipping (a limit below every step's norm: Adam trains on), which a resume takes from job.json,
    // and schedule plateau lowering the rate after every epoch but the first (no loss falls below 1 % of its best),
    // whose rate and count a resume takes from the checkpoint, and every step summing the gradients of two batches
    Map<String, String> keys = Map.of("train.epochs", "4", "train.clip_grad_norm", "0.0001", "schedule.name",
        "plateau", "schedule.patience", "0", "schedule.threshold", "0.99", "schedule.factor", "0.5",
        "train.accumulate_grad_batches", "2");
    Path fileA = jobFile("a.properties", jobA, keys);
    Path fileB = jobFile("b.properties", jobB, keys);
    assertTrained(CliRun.of("train", fileA.toString(), "--master", MASTER));
    assertTrained(CliRun.of("train", fileB.toString(), "--master", MASTER));

    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dirB = new org.apache.hadoop.fs.Path(jobB.toUri());
    FileSystem fs = dirB.getFileSystem(conf);
    failedAfter(jobB, 2, 4);

    CliRun resume = CliRun.of("resume", jobB.toString(), "--master", MASTER);
    assertThat(resume.code).as("%s", resume).isZero();
    assertThat(resume.out).contains("4 of 4 epochs done (2 in this run, 2 before it)");

    try (CheckpointStore a = E2eFixtures.store(jobA.toUri().toString(), conf);
        CheckpointStore b = E2eFixtures.store(jobB.toUri().toString(), conf)) {
      assertThat(E2eFixtures.checkpointEpochs(b)).containsExactly(1L, 2L, 3L, 4L);
      for (long epoch = 3; epoch <= 4; epoch++) {
        LoadedCheckpoint expected = E2eFixtures.assertVerified(a, epoch);
        LoadedCheckpoint actual = E2eFixtures.assertVerified(b, epoch);
        assertThat(actual.model()).as("model tensors of epoch %s", epoch).isEqualTo(expected.model());
        assertThat(actual.optimizer()).as("optimizer tensors of epoch %s", epoch).isEqualTo(expected.optimizer());
        assertThat(actual.manifest().globalStep()).isEqualTo(expected.manifest().globalStep());
        assertThat(actual.manifest().metrics().get("train_loss"))
            .isEqualTo(expected.manifest().metrics().get("train_loss"));
        assertThat(actual.manifest().hyperParameters().getDouble("train.clip_grad_norm")).isEqualTo(0.0001);
        assertThat(actual.manifest().hyperParameters().getLong("train.accumulate_grad_batches")).isEqualTo(2L);
        assertThat(actual.manifest().learningRateSchedule()).isEqualTo(expected.manifest().learningRateSchedule());
      }
      assertThat(b.load(4).manifest().learningRateSchedule().getDouble("schedule.lr"))
          .as("reduced after epochs 2, 3 and 4").isEqualTo(0.01 * 0.5 * 0.5 * 0.5);
    }
    List<JobEvent> events = E2eFixtures.events(fs, dirB);
    assertThat(events).filteredOn(e -> e.getAttempt() == 2).extracting(JobEvent::getType).containsExactly(
        JobEventType.STARTED, JobEventType.RESUMED, JobEventType.EPOCH_COMMITTED, JobEventType.EPOCH_COMMITTED,
        JobEventType.COMPLETED);
    assertCompletedInAttempt(fs, dirB, 2);

    CliRun status = CliRun.of("status", jobB.toString());
    assertThat(status.out).as("%s", status).containsPattern("CHECKPOINT +EPOCH +STEP +TRAIN_LOSS +TRAIN_ACCURACY "
        + "+GRAD_NORM +NEXT_LR +CREATED")
        .containsPattern("epoch-000004 +4 +[0-9]+ +[0-9.e-]+ +[01]\\.[0-9]{4} +[0-9.e-]+ +0\\.00125 +20");

    // written on this processor with this engine: every checkpoint's probe is checked bit for bit
    CliRun verify = CliRun.of("verify", "--all", jobB.toString());
    assertThat(verify.code).as("%s", verify).isZero();
    assertThat(verify.out).contains("PASS epoch-000004  written with this runtime")
        .contains("PASS epoch-000001  probe output reproduced bit for bit")
        .contains("PASS epoch-000004  probe output reproduced bit for bit").doesNotContain("WARN");
  }

  @Test
  void pathsWithSpacesAndNonAsciiLettersKeepEveryFileOfTheJobInTheDirectoryNamedAndResume() throws Exception {
    Path spaced = tmp.resolve("my data é");
    assertThat(CliRun.of("gen-data", spaced.toString(), "--rows", "256", "--features", Integer.toString(FEATURES),
        "--classes", Integer.toString(CLASSES), "--seed", "4", "--master", MASTER).code).isZero();
    Path job = tmp.resolve("my jobs").resolve("a b ü");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), spaced.toString());
    keys.put("train.epochs", "2");
    CliRun trained = CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("spaced.properties"), keys).toString(),
        "--master", MASTER);
    assertTrained(trained);
    assertThat(trained.out).contains("bin/epochal status 'file://" + job.toAbsolutePath() + "'");
    failedAfter(job, 1, 2);

    CliRun resumed = CliRun.of("resume", job.toString(), "--master", MASTER);

    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.out).contains("2 of 2 epochs done (1 in this run, 1 before it)");
    assertThat(job.resolve("checkpoints/epoch-000002/manifest.json")).exists();
    try (Stream<Path> all = Files.walk(tmp)) {
      assertThat(all.map(Path::toString)).noneMatch(p -> p.contains("%20") || p.contains("%C3"));
    }
  }

  @Test
  void aFinishedJobGivenMoreEpochsAndOtherRetentionTrainsThemBitIdenticalToALongerUninterruptedRun() throws Exception {
    Path jobA = tmp.resolve("job-a");
    Path jobB = tmp.resolve("job-b");
    // RMSprop with every buffer it can keep (square_avg, momentum_buffer, grad_avg), which the resume restores
    Map<String, String> rmsProp = Map.of("optimizer.name", "rmsprop", "optimizer.lr", "0.002", "optimizer.momentum",
        "0.5", "optimizer.centered", "true");
    Map<String, String> keysA = new java.util.HashMap<>(rmsProp);
    keysA.put("train.epochs", "3");
    Map<String, String> keysB = new java.util.HashMap<>(rmsProp);
    keysB.put("train.epochs", "2");
    assertTrained(CliRun.of("train", jobFile("a.properties", jobA, keysA).toString(), "--master", MASTER));
    assertTrained(CliRun.of("train", jobFile("b.properties", jobB, keysB).toString(), "--master", MASTER));
    List<CheckpointManifest> firstTwo = new java.util.ArrayList<>();
    try (CheckpointStore b = E2eFixtures.store(jobB.toUri().toString(), new Configuration())) {
      firstTwo.add(b.load(1).manifest());
      firstTwo.add(b.load(2).manifest());
    }

    CliRun fewer = CliRun.of("resume", jobB.toString(), "--epochs", "1", "--master", MASTER);
    assertThat(fewer.code).as("%s", fewer).isEqualTo(ExitCodes.USAGE);
    assertThat(fewer.err).contains("--epochs 1 is fewer than the 2 epochs", "already committed");

    CliRun trained = CliRun.of("resume", jobB.toString(), "--epochs", "3", "--set", "optimizer.lr=0.5",
        "--set", "train.batch_size=4", "--set", "checkpoint.keep_lst=2", "--master", MASTER);
    assertThat(trained.code).as("%s", trained).isEqualTo(ExitCodes.USAGE);
    assertThat(trained.err).as("every refused --set at once").contains("3 problems",
        "resume --set optimizer.lr (optimizer.lr: ", " -> 0.5): a resume changes only the held-out rows and "
        + "retention, early stopping, retry and lease keys",
        "resume --set train.batch_size (train.batch_size: ", "unknown key 'checkpoint.keep_lst'");

    CliRun preview = CliRun.of("resume", jobB.toString(), "--epochs", "3", "--set", "checkpoint.keep_last=1",
        "--set", "train.device=cpu", "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isZero();
    assertThat(preview.err).contains("(COMPLETED, newest verified checkpoint: epoch 2)", "trains epoch 3 of 3, after "
        + "epoch 2", "    checkpoint.keep_last: 10 -> 1", "    train.epochs: 2 -> 3",
        "this run only: train.device=cpu", "data: 512 rows of ", " fit the model, and are the rows epoch 2 trained on (data_sha256)",
        "nothing was written");
    assertThat(preview.out).as("the spec the resume would run with, on standard output")
        .contains("checkpoint.keep_last=1\n", "train.epochs=3\n", "optimizer.lr=").doesNotContain("train.device");
    assertThat(storedKeys(jobB).getLong("train.epochs")).as("the dry run writes nothing").isEqualTo(2);
    org.apache.hadoop.fs.Path leased = new org.apache.hadoop.fs.Path(jobB.toUri());
    JobLease other = JobLease.builder().setFileSystem(leased.getFileSystem(new Configuration())).setJobDir(leased)
        .optHolder("another-driver").optTtl(java.time.Duration.ofHours(1)).build();
    other.acquire(9);
    CliRun whileLeased = CliRun.of("resume", jobB.toString(), "--epochs", "3", "--dry-run", "--master", MASTER);
    // with nothing to train or change, the resume says the job is COMPLETED without taking the lease
    CliRun nothingWhileLeased = CliRun.of("resume", jobB.toString(), "--dry-run", "--master", MASTER);
    other.release();
    assertThat(whileLeased.code).as("%s", whileLeased).isEqualTo(ExitCodes.LEASE_HELD);
    assertThat(whileLeased.err).contains("another-driver holds the job's lease until", "a resume now would exit 3");
    assertThat(nothingWhileLeased.code).as("%s", nothingWhileLeased).isZero();

    // a driver that died holding the lease: the resume waits for its expiry instead of exiting 3
    JobLease killed = JobLease.builder().setFileSystem(leased.getFileSystem(new Configuration())).setJobDir(leased)
        .optHolder("killed-driver").optTtl(java.time.Duration.ofSeconds(20)).build(); // outlasts a slow dry run
    killed.acquire(10);
    CliRun waits = CliRun.of("resume", jobB.toString(), "--epochs", "3", "--dry-run", "--master", MASTER);
    assertThat(waits.err).as("%s", waits).contains("killed-driver holds the job's lease until",
        "a resume now would wait for that expiry and then take the job over, or exit 3 if its holder renews it");
    killed.renew(); // a whole ttl left for the resume to find: the dry run took part of it
    CliRun more = CliRun.of("resume", jobB.toString(), "--epochs", "3", "--set", "checkpoint.keep_last=1",
        "--master", MASTER);

    assertThat(more.code).as("%s", more).isZero();
    assertThat(more.err).contains("waiting up to", "for the lease of killed-driver to expire at");
    assertThat(more.out).contains("is COMPLETED after epoch 2; its train.epochs is now 3: reopened it to train epoch 3",
        "3 of 3 epochs done (1 in this run, 2 before it)",
        "retention deleted the checkpoint of epoch 1 (checkpoint.keep_last 1, ",
        "retention deleted the checkpoint of epoch 2 (checkpoint.keep_last 1, ");
    // a driver of this host known to be gone: the dry run says the resume waits, and checks on as it would
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    JobLease dead = JobLease.builder().setFileSystem(leased.getFileSystem(new Configuration())).setJobDir(leased)
        .optHolder(java.net.InetAddress.getLocalHost().getHostName() + ":" + ended.pid() + ":gone")
        .optTtl(java.time.Duration.ofSeconds(60)).build(); // released right after the dry run: no one waits for it
    dead.acquire(11);
    CliRun afterDeath = CliRun.of("resume", jobB.toString(), "--epochs", "4", "--dry-run", "--master", MASTER);
    dead.release();
    assertThat(afterDeath.code).as("%s", afterDeath).isZero();
    assertThat(afterDeath.err).contains(":gone holds the job's lease until", "but that driver, a process of this "
        + "host, no longer runs: a resume now waits for that expiry (about ", " s) and then takes the job over",
        "nothing was written");
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dirB = new org.apache.hadoop.fs.Path(jobB.toUri());
    FileSystem fs = dirB.getFileSystem(conf);
    // the resume's retention key applies before it trains (freeing space for its commit), then after the commit
    assertThat(E2eFixtures.events(fs, dirB)).filteredOn(e -> e.getAttempt() == 2).extracting(JobEvent::getType)
        .containsSubsequence(JobEventType.RESUMED, JobEventType.CHECKPOINTS_DELETED, JobEventType.EPOCH_COMMITTED,
            JobEventType.CHECKPOINTS_DELETED, JobEventType.COMPLETED);
    assertThat(storedKeys(jobB).getLong("train.epochs")).isEqualTo(3);
    assertThat(E2eFixtures.events(fs, dirB)).filteredOn(e -> e.getType() == JobEventType.AMENDED).singleElement()
        .satisfies(e -> {
          assertThat(e.getMessage()).isEqualTo("checkpoint.keep_last: 10 -> 1; train.epochs: 2 -> 3");
          assertThat(e.getChanges()).as("the same changes, typed").containsExactly(
              ValueChange.of("checkpoint.keep_last", 10L, 1L), ValueChange.of("train.epochs", 2L, 3L));
          assertThat(e.getEpoch()).as("the newest epoch committed when it was amended").isEqualTo(2);
        });
    assertThat(E2eFixtures.state(fs, dirB)).hasValueSatisfying(s -> assertThat(s.getState())
        .isEqualTo(JobState.COMPLETED));
    for (boolean dryRun : new boolean[] {true, false}) {
      CliRun gpu = cli(dryRun, "resume", jobB.toString(), "--set", "train.device=gpu",
          "--master", MASTER);
      assertThat(gpu.code).as("dry run %s, nothing to train: %s", dryRun, gpu).isEqualTo(ExitCodes.USAGE);
      assertThat(gpu.err).contains("train.device = gpu needs a GPU that Spark assigns to every task");
    }
    try (CheckpointStore a = E2eFixtures.store(jobA.toUri().toString(), conf);
        CheckpointStore b = E2eFixtures.store(jobB.toUri().toString(), conf)) {
      assertThat(E2eFixtures.checkpointEpochs(b)).as("checkpoint.keep_last is now 1").containsExactly(3L);
      LoadedCheckpoint expected = E2eFixtures.assertVerified(a, 3);
      LoadedCheckpoint actual = E2eFixtures.assertVerified(b, 3);
      assertThat(actual.model()).isEqualTo(expected.model());
      assertThat(actual.optimizer()).isEqualTo(expected.optimizer());
      assertThat(actual.optimizer().names()).anyMatch(n -> n.endsWith(".square_avg"))
          .anyMatch(n -> n.endsWith(".momentum_buffer")).anyMatch(n -> n.endsWith(".grad_avg"));
      assertThat(actual.manifest().globalStep()).isEqualTo(expected.manifest().globalStep());
      // retention deleted epochs 1 and 2; the history still gives every number their checkpoints recorded
      List<CheckpointManifest> all = new java.util.ArrayList<>(firstTwo);
      all.add(actual.manifest());
      assertHistoryRecords(jobB, all, List.of("1", "1", "2"), List.of("deleted", "deleted", "kept"));
    }
    CliRun history = CliRun.of("history", jobB.toString());
    assertThat(history.code).as("%s", history).isZero();
    assertThat(history.out).contains("epochs:      3 committed of 3; 1 checkpoint kept, 2 deleted (retention)")
        .containsPattern("EPOCH +STEP +TRAIN_LOSS +TRAIN_ACCURACY +ATTEMPT +COMMITTED +CHECKPOINT")
        .containsPattern("\\n +1 +[0-9]+ +[0-9.e-]+ +[01]\\.[0-9]{4} +1 +20[0-9T:-]+Z +deleted\\n")
        .containsPattern("\\n +3 +[0-9]+ +[0-9.e-]+ +[01]\\.[0-9]{4} +2 +20[0-9T:-]+Z +kept\\n");
    assertThat(CliRun.of("status", jobB.toString()).out).contains("history:     3 epochs committed, the checkpoints "
        + "of 2 deleted since (retention); 'bin/epochal history file://" + jobB + "' shows every epoch's metrics");
  }

  /**
   * Asserts that {@code history --csv} of {@code job} has one row per manifest of {@code manifests}, in order, whose
   * step, learning rate and every metric are the manifest's exactly, committed by {@code attempts} and whose
   * checkpoints are as {@code checkpoints} say.
   */
  private static void assertHistoryRecords(Path job, List<CheckpointManifest> manifests, List<String> attempts,
      List<String> checkpoints) {
    CliRun csv = CliRun.of("history", job.toString(), "--csv");
    assertThat(csv.code).as("%s", csv).isZero();
    List<String> lines = csv.out.lines().toList();
    assertThat(lines).hasSize(manifests.size() + 1);
    List<String> header = List.of(lines.get(0).split(","));
    assertThat(header).startsWith("epoch", "step", "train_loss").endsWith("next_lr", "attempt", "committed", "checkpoint");
    for (int i = 0; i < manifests.size(); i++) {
      CheckpointManifest m = manifests.get(i);
      List<String> row = List.of(lines.get(i + 1).split(",", -1));
      assertThat(row).hasSameSizeAs(header);
      assertThat(Long.parseLong(row.get(0))).isEqualTo(m.epoch());
      assertThat(Long.parseLong(row.get(1))).isEqualTo(m.globalStep());
      assertThat(Double.parseDouble(row.get(header.indexOf("next_lr"))))
          .isEqualTo(m.learningRateSchedule().getDouble("schedule.lr"));
      Map<String, Double> metrics = new TreeMap<>();
      for (int c = 2; c < header.indexOf("next_lr"); c++) {
        if (!row.get(c).isEmpty()) {
          metrics.put(header.get(c), Double.parseDouble(row.get(c)));
        }
      }
      assertThat(metrics).as("epoch %s", m.epoch()).isEqualTo(m.metrics());
      assertThat(row.get(header.indexOf("attempt"))).isEqualTo(attempts.get(i));
      assertThat(row.get(header.indexOf("checkpoint"))).isEqualTo(checkpoints.get(i));
    }
  }

  @Test
  void epochsCountFromTheNewestIntactCheckpointWhenANewerOneIsDamaged() throws Exception {
    Path job = tmp.resolve("damaged-newest");
    assertTrained(CliRun.of("train", jobFile("d.properties", job, Map.of("train.epochs", "3")).toString(),
        "--master", MASTER));
    CheckpointManifest epoch3;
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      epoch3 = store.load(3).manifest();
    }
    Files.delete(job.resolve("checkpoints/epoch-000003/model.safetensors"));

    CliRun resumed = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);

    assertThat(resumed.code).as("%s", resumed).isZero();
    assertThat(resumed.err).contains("the checkpoint of epoch 3 is damaged; --epochs 2 counts from epoch 2, the "
        + "newest intact one");
    assertThat(storedKeys(job).getLong("train.epochs")).isEqualTo(2);
    CliRun fewer = CliRun.of("resume", job.toString(), "--epochs", "1", "--master", MASTER);
    assertThat(fewer.code).as("%s", fewer).isEqualTo(ExitCodes.USAGE);
    assertThat(fewer.err).contains("--epochs 1 is fewer than the 2 epochs");
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      // the job now ends at epoch 2; the damaged epoch 3 keeps the numbers its commit recorded
      assertHistoryRecords(job, List.of(store.load(1).manifest(), store.load(2).manifest(), epoch3), List.of("1", "1",
          "1"), List.of("kept", "kept", "damaged"));
    }

    // damage only a hash shows: the dry run hashes the files, as the resume does
    Path optimizer = job.resolve("checkpoints/epoch-000002/optimizer.safetensors");
    byte[] bytes = Files.readAllBytes(optimizer);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(optimizer, bytes);
    CliRun preview = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isZero();
    assertThat(preview.err).contains("newest verified checkpoint: epoch 1)", "epoch-000002 is damaged: ",
        "optimizer.safetensors has SHA-256", "the resume moves it aside", "trains epoch 2 of 2, after epoch 1");

    // a lost state.json: the attempts' event files still number the next attempt
    Files.delete(job.resolve("state.json"));
    CliRun afterLostState = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(afterLostState.code).as("%s", afterLostState).isZero();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    assertCompletedInAttempt(dir.getFileSystem(new Configuration()), dir, 3);
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      // the resume from epoch 1 moved the damaged epochs 2 and 3 aside and trained epoch 2 again: its second training
      assertHistoryRecords(job, List.of(store.load(1).manifest(), store.load(2).manifest()), List.of("1", "3"),
          List.of("kept", "kept"));
    }
  }

  @Test
  void anAmendmentARunRefusesLeavesJobJsonAsItWasAndOneWithNothingToTrainIsRecorded() throws Exception {
    Path fewer = tmp.resolve("fewer-rows");
    assertThat(CliRun.of("gen-data", fewer.toString(), "--rows", "300", "--features", Integer.toString(FEATURES),
        "--classes", Integer.toString(CLASSES), "--seed", "9", "--master", MASTER).code).isZero();
    Path job = tmp.resolve("job");
    assertTrained(CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "2")).toString(),
        "--master", MASTER));
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    FileSystem fs = dir.getFileSystem(conf);
    io.epochal.job.JobSpec before = new io.epochal.job.JobSpecStore(fs, dir).read().orElseThrow();

    for (List<String> extra : List.of(List.of("--epochs", "3"), List.<String>of())) {
      List<String> dryArgs = new java.util.ArrayList<>(List.of("resume", job.toString(), "--data", fewer.toString(),
          "--dry-run", "--master", MASTER));
      dryArgs.addAll(extra);
      Optional<JobStatus> stateBefore = E2eFixtures.state(fs, dir);
      CliRun dry = CliRun.of(dryArgs.toArray(new String[0]));
      assertThat(dry.code).as("%s", dry).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(dry.err).contains("dry run: the resume would fail (BAD_INPUT): ", "has 300 usable rows",
          "was trained on 512", "nothing was written");
      assertThat(E2eFixtures.state(fs, dir)).as("state after the dry run of %s", extra).isEqualTo(stateBefore);

      List<String> args = new java.util.ArrayList<>(List.of("resume", job.toString(), "--data", fewer.toString(),
          "--master", MASTER));
      args.addAll(extra);
      CliRun refused = CliRun.of(args.toArray(new String[0]));
      assertThat(refused.code).as("%s", refused).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(refused.err).contains("has 300 usable rows", "was trained on 512");
      assertThat(refused.out).as("nothing is said to be trained once the data is refused").doesNotContain("reopened");
      assertThat(new io.epochal.job.JobSpecStore(fs, dir).read()).as("job.json after %s", extra).contains(before);
      assertThat(E2eFixtures.events(fs, dir)).noneMatch(e -> e.getType() == JobEventType.AMENDED);
      assertThat(E2eFixtures.state(fs, dir)).as("state after %s", extra).hasValueSatisfying(s -> {
        assertThat(s.getState()).isEqualTo(JobState.COMPLETED);
        assertThat(s.getReason()).as("the refusal of the run that reopened it").contains(extra.isEmpty() ? ""
            : "was refused and job.json is unchanged (BAD_INPUT: ");
      });
    }

    Path wider = tmp.resolve("wider-rows");
    // more classes too: the rows' shape is what is wrong, not their first label the model cannot take
    assertThat(CliRun.of("gen-data", wider.toString(), "--rows", "512", "--features", Integer.toString(FEATURES + 1),
        "--classes", Integer.toString(CLASSES + 2), "--master", MASTER).code).isZero();
    CliRun otherFeatures = CliRun.of("resume", job.toString(), "--data", wider.toString(), "--dry-run", "--master",
        MASTER);
    assertThat(otherFeatures.code).as("%s", otherFeatures).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(otherFeatures.err).contains("the data has " + (FEATURES + 1) + " features per row", "this job's model "
        + "cannot change: give it data with " + FEATURES + " features per row").doesNotContain("model.input_dim")
        .doesNotContain("out of range");
    CliRun otherFeaturesRun = CliRun.of("resume", job.toString(), "--data", wider.toString(), "--master", MASTER);
    assertThat(otherFeaturesRun.code).as("%s", otherFeaturesRun).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(otherFeaturesRun.err).contains("the data has " + (FEATURES + 1) + " features per row")
        .doesNotContain("out of range");
    // data in another format given to the finished job, nothing to train: bad input, as the dry run says, since
    // the stored spec (its data.format) cannot change
    Path csvRows = Files.createDirectories(tmp.resolve("csv-rows"));
    Files.write(csvRows.resolve("part-0.csv"), List.of("features,label", "1.0,0"));
    for (boolean dryRun : List.of(true, false)) {
      CliRun otherFormat = cli(dryRun, "resume", job.toString(), "--data", csvRows.toString(),
          "--master", MASTER);
      assertThat(otherFormat.code).as("dry run %s: %s", dryRun, otherFormat).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(otherFormat.err).contains("this job reads parquet (data.format is part of its spec, which a resume "
          + "keeps)").doesNotContain("set data.format");
    }
    assertThat(new io.epochal.job.JobSpecStore(fs, dir).read()).contains(before);

    CliRun preview = CliRun.of("resume", job.toString(), "--set", "checkpoint.keep_last=1", "--dry-run", "--master",
        MASTER);
    assertThat(preview.code).as("%s", preview).isZero();
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      List<Long> epochs = store.list().stream().map(io.epochal.checkpoint.CheckpointEntry::epoch).toList();
      assertThat(epochs).as("the dry run deletes nothing").hasSizeGreaterThan(1);
      assertThat(preview.err).contains("  retention deletes the checkpoint" + (epochs.size() == 2 ? " of epoch " : "s of "
          + "epochs ") + epochs.subList(0, epochs.size() - 1).stream().map(String::valueOf)
          .collect(java.util.stream.Collectors.joining(", ")) + " (checkpoint.keep_last 1, keep_every 0, keep_best 0) "
          + "when the resume starts; that cannot be undone");
    }
    // a --set keeping a key at its none value wins over the Spark conf's value for it (spark-defaults.conf's)
    CliRun fromConf = CliRun.of("--conf", "spark.epochal.early_stop.patience=5", "resume", job.toString(),
        "--dry-run", "--master", MASTER);
    assertThat(fromConf.err).as("%s", fromConf).contains("early_stop.patience: <unset> -> 5");
    CliRun setWins = CliRun.of("--conf", "spark.epochal.early_stop.patience=5", "resume", job.toString(),
        "--dry-run", "--set", "early_stop.patience=0", "--master", MASTER);
    assertThat(setWins.code).as("%s", setWins).isZero();
    assertThat(setWins.err + setWins.out).doesNotContain("early_stop.patience: <unset> -> 5");
    // what a retention that failed half-way left, which the warning says the job's next start removes
    Path leftOver = Files.createDirectories(job.resolve("checkpoints/_deleting-epoch-000001-0f3a"));
    Files.writeString(leftOver.resolve("model.safetensors"), "what a failed deletion left");
    Path midLeftOver = Files.createDirectories(job.resolve("mid-epoch/_tmp-step-000000009-77c1"));
    CliRun kept = CliRun.of("--conf", "spark.epochal.train.device=cpu", "resume", job.toString(), "--set",
        "checkpoint.keep_last=1", "--master", MASTER);
    assertThat(leftOver).as("removed by the run that amended the finished job").doesNotExist();
    assertThat(midLeftOver).doesNotExist();
    assertThat(kept.code).as("%s", kept).isZero();
    assertThat(E2eFixtures.events(fs, dir)).filteredOn(e -> e.getType() == JobEventType.AMENDED).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).isEqualTo("checkpoint.keep_last: 10 -> 1"));
    assertThat(E2eFixtures.state(fs, dir)).hasValueSatisfying(s -> assertThat(s.getState())
        .isEqualTo(JobState.COMPLETED));
    assertThat(storedKeys(job).asMap()).doesNotContainKey("train.device").containsEntry("checkpoint.keep_last", 1L);
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      assertThat(store.list()).as("keep_last=1 applied by the run that amended it, not at a next commit")
          .hasSize(1);
    }
  }

  @Test
  void aMovedJobAndItsMovedDataResumeWithRelocateAndEndBitIdenticalToAnUninterruptedRun() throws Exception {
    Path own = ownData(512, false);
    Path jobA = tmp.resolve("job-a");
    Path jobB = tmp.resolve("job-b");
    for (Path job : List.of(jobA, jobB)) {
      Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), own.toString());
      keys.put("train.epochs", "3");
      assertTrained(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve(job.getFileName() + ".properties"), keys)
          .toString(), "--master", MASTER));
    }
    failedAfter(jobB, 1, 3);
    Path moved = Files.createDirectories(tmp.resolve("elsewhere")).resolve("job-b");
    Files.move(jobB, moved);
    Path movedData = tmp.resolve("moved-data");
    Files.move(own, movedData);

    CliRun plain = CliRun.of("resume", moved.toString(), "--data", movedData.toString(), "--master", MASTER);
    assertThat(plain.code).as("%s", plain).isEqualTo(ExitCodes.USAGE);
    assertThat(plain.err).contains("which no longer holds this job: the job directory was moved here",
        "--relocate --data " + movedData + "'");
    CliRun noData = CliRun.of("resume", moved.toString(), "--relocate", "--master", MASTER);
    assertThat(noData.code).as("%s", noData).isEqualTo(ExitCodes.USAGE);
    assertThat(noData.err).contains("does not exist", "if the job's data moved, resume with --data");

    CliRun relocated = CliRun.of("resume", moved.toString(), "--relocate", "--data", movedData.toString(),
        "--master", MASTER);

    assertThat(relocated.code).as("%s", relocated).isZero();
    assertThat(relocated.out).contains("3 of 3 epochs done (2 in this run, 1 before it)");
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dirB = new org.apache.hadoop.fs.Path(moved.toUri());
    FileSystem fs = dirB.getFileSystem(conf);
    io.epochal.params.HyperParameters stored = storedKeys(moved);
    assertThat(stored.getString("job.dir")).startsWith("file:").endsWith("/elsewhere/job-b");
    assertThat(stored.getString("data.path")).endsWith("/moved-data");
    assertThat(E2eFixtures.events(fs, dirB)).filteredOn(e -> e.getType() == JobEventType.AMENDED).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("job.dir: ", "/job-b\" -> \"", "data.path: "));
    try (CheckpointStore a = E2eFixtures.store(jobA.toUri().toString(), conf);
        CheckpointStore b = E2eFixtures.store(moved.toUri().toString(), conf)) {
      for (long epoch = 2; epoch <= 3; epoch++) {
        LoadedCheckpoint expected = E2eFixtures.assertVerified(a, epoch);
        LoadedCheckpoint actual = E2eFixtures.assertVerified(b, epoch);
        assertThat(actual.model()).as("model tensors of epoch %s", epoch).isEqualTo(expected.model());
        assertThat(actual.optimizer()).as("optimizer tensors of epoch %s", epoch).isEqualTo(expected.optimizer());
        assertThat(actual.manifest().globalStep()).isEqualTo(expected.manifest().globalStep());
      }
    }

    // the directory it was moved from: the command that started the job there starts no new one
    assertThat(jobB.resolve("relocated.json")).as("a note where it was").isRegularFile();
    assertThat(moved.resolve("relocated.json")).doesNotExist();
    Map<String, String> there = listing(jobB);
    CliRun restarted = CliRun.of("train", tmp.resolve("job-b.properties").toString(), "--master", MASTER);
    assertThat(restarted.code).as("%s", restarted).isEqualTo(ExitCodes.USAGE);
    assertThat(restarted.err).contains("holds no job: the job that was in file://" + jobB, "was relocated to file://"
        + moved, "continue it with: bin/epochal resume file://" + moved + ";", "delete ", "relocated.json");
    assertThat(listing(jobB)).as("nothing written").isEqualTo(there);
    for (String command : List.of("resume", "status")) {
      CliRun old = CliRun.of(command, jobB.toString());
      assertThat(old.code).as("%s", old).isEqualTo(ExitCodes.USAGE);
      assertThat(old.err).contains("was relocated to file://" + moved);
    }

    Path copy = tmp.resolve("copy-of-b");
    copyTree(moved, copy);
    CliRun copied = CliRun.of("resume", copy.toString(), "--relocate", "--master", MASTER);
    assertThat(copied.code).as("%s", copied).isEqualTo(ExitCodes.USAGE);
    assertThat(copied.err).contains("still holds it", "this directory is a copy");
  }

  @Test
  void aJobWhoseMetricStopsImprovingStopsEarlyAmendsItsEpochsAndContinuesItsCountWhenResumed() throws Exception {
    Path job = tmp.resolve("early");
    // a learning rate of 0: the loss stays where it is, and two epochs in a row do not improve it
    Path file = jobFile("early.properties", job, Map.of("train.epochs", "10", "optimizer.lr", "0",
        "early_stop.patience", "2", "early_stop.min_delta", "0.0001"));
    CliRun trained = CliRun.of("train", file.toString(), "--master", MASTER);
    assertTrained(trained);
    assertThat(trained.out).contains("stopped early after epoch 3 of 10: checkpoint.best_metric train_loss did not "
        + "improve (down by more than early_stop.min_delta = 1.0E-4) for 2 epochs in a row (early_stop.patience = 2; "
        + "best ").contains(" at epoch 1); train.epochs is now 3 (more: bin/epochal --master 'local[2]' resume "
            + job.toUri().toString().replaceAll("/$", "") + " --epochs N, with --set early_stop.patience=<more> to "
            + "wait longer)")
        .contains("3 of 3 epochs done (3 in this run, 0 before it)");
    assertThat(storedKeys(job).getLong("train.epochs")).isEqualTo(3);
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    FileSystem fs = dir.getFileSystem(conf);
    try (CheckpointStore store = E2eFixtures.store(dir.toString(), conf)) {
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactly(1L, 2L, 3L);
      assertThat(store.load(3).manifest().metrics()).containsEntry("early_stop_wait", 2.0)
          .containsEntry("early_stop_best_epoch", 1.0);
    }
    assertThat(E2eFixtures.events(fs, dir)).filteredOn(e -> e.getType() == JobEventType.AMENDED).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).startsWith("train.epochs: 10 -> 3 (stopped early: "
            + "checkpoint.best_metric train_loss did not improve"));
    assertCompletedInAttempt(fs, dir, 1);
    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).as("%s", status).containsPattern("early stop:  2 of 2 epochs without improvement of "
        + "train_loss \\(best [0-9.]+ at epoch 1\\): stopped early\n");
    // its best checkpoint, as Lightning's ckpt_path="best": a learning rate of 0 left every epoch's loss equal, so
    // the earliest of them
    String best = job.resolve("checkpoints").resolve("best").toString();
    CliRun evaluated = CliRun.of("evaluate", best, "--input", data, "--master", MASTER);
    assertThat(evaluated.code).as("%s", evaluated).isZero();
    assertThat(evaluated.err).contains("the best checkpoint by train_loss (min): epoch 1, train_loss ");
    assertThat(evaluated.out).containsPattern("\nepoch-000001 +1 +");
    CliRun verifyBest = CliRun.of("verify", best);
    assertThat(verifyBest.code).as("%s", verifyBest).isEqualTo(2);
    assertThat(verifyBest.err).contains("names the best checkpoint by checkpoint.best_metric, which export, predict "
        + "and evaluate take");
    CliRun root = CliRun.of("status", tmp.toString());
    assertThat(root.out).as("%s", root).containsPattern("\nearly +COMPLETED +3/3 ")
        .containsPattern("\nearly stopped early at epoch 3: 2 of 2 epochs without improvement of train_loss \\(best "
            + "[0-9.]+ at epoch 1\\)\n");
    CliRun again = CliRun.of("train", file.toString(), "--master", MASTER);
    assertThat(again.code).as("%s", again).isZero();
    assertThat(again.out).as("the job file that started it continues it as amended").contains("nothing to train");

    // the driver ended between the last checkpoint and the amendment: the resume ends the job where it stopped
    io.epochal.job.JobSpecStore specs = new io.epochal.job.JobSpecStore(fs, dir);
    io.epochal.job.JobSpec stopped = specs.read().orElseThrow();
    specs.amend(stopped, io.epochal.job.JobSpec.of(stopped.getJobId(), stopped.getJobName(), stopped
        .getHyperParameters().with(io.epochal.params.HyperParameters.builder().put("train.epochs", 10L).build())));
    failedAfter(job, 3, 3);
    CliRun preview = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(preview.err).as("%s", preview).contains("trains nothing: the job stopped early at epoch 3 "
        + "(checkpoint.best_metric train_loss did not improve").contains("the resume amends train.epochs to 3 and "
        + "marks the job COMPLETED");
    CliRun recovered = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(recovered.code).as("%s", recovered).isZero();
    assertThat(recovered.out).contains("stopped early after epoch 3 of 10")
        .contains("nothing to train: 3 of 3 epochs done (0 in this run, 3 before it)");
    assertThat(storedKeys(job).getLong("train.epochs")).isEqualTo(3);

    // more epochs continue the count: one more without improvement ends it again; also where the resume that
    // asked for them wrote them and was stopped before epoch 4's checkpoint, and a plain resume continues the job
    io.epochal.job.JobSpec ended = specs.read().orElseThrow();
    specs.amend(ended, io.epochal.job.JobSpec.of(ended.getJobId(), ended.getJobName(), ended.getHyperParameters()
        .with(io.epochal.params.HyperParameters.builder().put("train.epochs", 6L).build())));
    try (io.epochal.job.JobEventLog.Writer events = new io.epochal.job.JobEventLog(fs, dir).openAttempt(9)) {
      events.append(io.epochal.job.JobEvent.builder(JobEventType.AMENDED, java.time.Instant.now(), 9).optEpoch(3)
          .optRound(0).optMessage("train.epochs: 3 -> 6")
          .optChanges(List.of(io.epochal.params.ValueChange.of("train.epochs", 3L, 6L))).build());
    }
    failedAfter(job, 3, 3);
    CliRun extended = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(extended.err).as("%s", extended).contains("trains epochs 4 to 6 of 6, after epoch 3")
        .doesNotContain("trains nothing");
    // status says so too: the early stop at epoch 3 is over
    assertThat(CliRun.of("status", job.toString()).out).containsPattern("early stop:  2 of 2 epochs without "
        + "improvement of train_loss \\(best [0-9.]+ at epoch 1\\): stopped early, then train.epochs was raised by a "
        + "resume: training goes on\n");
    assertThat(CliRun.of("status", tmp.toString()).out).doesNotContain("early stopped early at epoch 3");
    // a history that cannot be read says nothing of the extension: the resume fails, it does not end the job at 3
    java.nio.file.Path history = job.resolve("events").resolve("attempt-0009.jsonl");
    byte[] intact = Files.readAllBytes(history);
    Files.write(history, "{\"type\": \n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.file.StandardOpenOption.APPEND);
    CliRun unreadPreview = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    CliRun unread = CliRun.of("resume", job.toString(), "--master", MASTER);
    Files.write(history, intact);
    assertThat(unreadPreview.code).as("%s", unreadPreview).isEqualTo(unread.code);
    assertThat(unreadPreview.err).contains("but the resume would stop: the job stopped early at epoch 3, and whether")
        .doesNotContain("amends train.epochs to 3");
    assertThat(unread.code).as("%s", unread).isNotZero();
    assertThat(unread.err).contains("the job stopped early at epoch 3, and whether a resume raised train.epochs "
        + "after that, to train on, is in its event history, which cannot be read").contains("attempt-0009.jsonl")
        .contains("resume with --epochs N to train on to epoch N");
    assertThat(storedKeys(job).getLong("train.epochs")).as("not amended down").isEqualTo(6);
    CliRun more = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(more.code).as("%s", more).isZero();
    assertThat(more.out).contains("stopped early after epoch 4 of 6").contains("for 3 epochs in a row")
        .contains("4 of 4 epochs done (1 in this run, 3 before it)");
    CliRun off = CliRun.of("resume", job.toString(), "--epochs", "6", "--set", "early_stop.patience=0",
        "--master", MASTER);
    assertThat(off.code).as("%s", off).isZero();
    assertThat(off.out).doesNotContain("stopped early").contains("6 of 6 epochs done (2 in this run, 4 before it)");
    assertThat(storedKeys(job).contains("early_stop.patience")).as("0 is stored as no key").isFalse();

    // a monitor of its own, set by a resume: counted afresh from the checkpoint's accuracy, which a rate of 0 holds
    CliRun monitored = CliRun.of("resume", job.toString(), "--epochs", "10", "--set", "early_stop.patience=2",
        "--set", "early_stop.monitor=train_accuracy", "--set", "early_stop.mode=max", "--master", MASTER);
    assertThat(monitored.code).as("%s", monitored).isZero();
    assertThat(monitored.out).contains("stopped early after epoch 8 of 10: early_stop.monitor train_accuracy did not "
        + "improve (up by more than early_stop.min_delta = 1.0E-4) for 2 epochs in a row (early_stop.patience = 2; "
        + "best ").contains(" at epoch 6)");
    assertThat(storedKeys(job).getString("early_stop.monitor")).isEqualTo("train_accuracy");
    assertThat(storedKeys(job).getString("checkpoint.best_metric")).as("checkpoints still ranked by the loss")
        .isEqualTo("train_loss");
    assertThat(CliRun.of("status", job.toString()).out).contains("2 of 2 epochs without improvement of "
        + "train_accuracy");
  }

  /** The hyperparameters in the job.json of {@code job}. */
  private static io.epochal.params.HyperParameters storedKeys(Path job) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    return new io.epochal.job.JobSpecStore(dir.getFileSystem(new Configuration()), dir).read().orElseThrow()
        .getHyperParameters();
  }

  @Test
  void resumeOnDataWhoseBadRowsWereFixedContinuesSinceItsUsableRowsAreTheSame() throws Exception {
    Path csv = Files.createDirectories(tmp.resolve("csv-with-bad-rows"));
    String good = E2eFixtures.csvRows(128, 5, (r, f) -> false);
    String bad = "oops," + "1,".repeat(FEATURES - 1) + "0\n";
    Files.writeString(csv.resolve("part-0.csv"), good + bad + bad);
    Path job = tmp.resolve("bad-rows-fixed");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), csv.toUri().toString());
    keys.putAll(Map.of("data.format", "csv", "data.features", "f0..f" + (FEATURES - 1), "data.bad_rows", "skip",
        "train.epochs", "2"));
    assertTrained(CliRun.of("train", E2eFixtures.writeJobFile(tmp.resolve("bad.properties"), keys).toString(),
        "--master", MASTER));
    failedAfter(job, 1, 2);
    Files.writeString(csv.resolve("part-0.csv"), good); // the bad rows fixed, as the skip warning asks

    CliRun resume = CliRun.of("resume", job.toString(), "--master", MASTER);

    assertThat(resume.code).as("%s", resume).isZero();
    assertThat(resume.err).contains("has 0 bad rows now, 2 when checkpoint ")
        .contains("the same usable rows (data_sha256), so the resume continues the same training");
  }

  /** {@code tmp/own-data}, generated with {@code rows} rows. */
  private Path ownData(int rows, boolean overwrite) {
    return ownData(rows, overwrite, 9);
  }

  private Path ownData(int rows, boolean overwrite, long seed) {
    Path own = tmp.resolve("own-data");
    List<String> args = new java.util.ArrayList<>(List.of("gen-data", own.toString(), "--rows", Integer.toString(rows),
        "--features", Integer.toString(FEATURES), "--classes", Integer.toString(CLASSES), "--seed", Long.toString(seed),
        "--master", MASTER));
    if (overwrite) {
      args.add("--overwrite");
    }
    assertThat(CliRun.of(args.toArray(new String[0])).code).isZero();
    return own;
  }

  /**
   * Edits manifest {@code p} with {@code edit} and seals it again as the store seals it: its
   * SHA-256 over the manifest with 64 zeros in its place.
   */
  @Test
  void predictAndEvaluateRefuseOnTheRuntimeThatWroteItAWeightChangeTooSmallForTheCrossRuntimeTolerance()
      throws Exception {
    Path job = tmp.resolve("nudged");
    assertTrained(CliRun.of("train", jobFile("n.properties", job, Map.of("train.epochs", "1")).toString(),
        "--master", MASTER));
    Path checkpoint = job.resolve("checkpoints/epoch-000001");
    Path model = checkpoint.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(model);
    long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    com.fasterxml.jackson.databind.JsonNode header = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8));
    com.fasterxml.jackson.databind.JsonNode weight = header.get("layers.0.weight");
    assertThat(weight.get("dtype").asText()).isEqualTo("F32");
    int from = 8 + (int) headerLength + weight.at("/data_offsets/0").asInt();
    int to = 8 + (int) headerLength + weight.at("/data_offsets/1").asInt();
    for (int at = from; at < to; at += 4) {
      bytes[at] ^= (byte) 0x80; // each weight of the first layer moves by 2^-16 of itself
    }
    Files.write(model, bytes);
    String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(bytes));
    editManifest(checkpoint.resolve("manifest.json"), tree -> tree.get("files").forEach(f -> {
      if (f.get("name").asText().equals("model.safetensors")) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) f).put("sha256", digest);
      }
    }));

    Path predictions = tmp.resolve("nudged-predictions");
    CliRun predict = CliRun.of("predict", job.toString(), "--input", data, "--output", predictions.toString(),
        "--master", MASTER);
    assertThat(predict.code).as("%s", predict).isEqualTo(ExitCodes.FAILED);
    assertThat(predict.err).contains("nothing predicted").contains("does not reproduce")
        .contains("(tolerance: bit-exact)");
    assertThat(predictions).doesNotExist();
    CliRun evaluate = CliRun.of("evaluate", job.toString(), "--input", data, "--master", MASTER);
    assertThat(evaluate.code).as("%s", evaluate).isEqualTo(ExitCodes.FAILED);
    assertThat(evaluate.err).contains("not evaluated: ").contains("(tolerance: bit-exact)");
  }

  private static void editManifest(Path p, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
      throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(p.toFile());
    edit.accept(tree);
    String zeros = "0".repeat(64);
    tree.remove("manifest_sha256");
    tree.put("manifest_sha256", zeros);
    String unsealed = json.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(unsealed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    int at = unsealed.lastIndexOf(zeros);
    Files.writeString(p, unsealed.substring(0, at) + digest + unsealed.substring(at + zeros.length()));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  @Test
  void resumeOnDataThatChangedSinceTheCheckpointIsRefusedNamingRowCountsOrTheDataDigest() throws Exception {
    Path own = ownData(512, false);
    Path trainedOn = tmp.resolve("trained-on");
    copyTree(own, trainedOn); // the files the job trains on, kept aside
    Path job = tmp.resolve("job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), own.toString());
    keys.put("train.epochs", "2");
    Path file = E2eFixtures.writeJobFile(tmp.resolve("job.properties"), keys);
    assertTrained(CliRun.of("train", file.toString(), "--master", MASTER));
    failedAfter(job, 1, 2);
    ownData(300, true);

    CliRun resume = CliRun.of("resume", job.toString(), "--master", MASTER);

    assertThat(resume.code).as("%s", resume).isNotZero();
    assertThat(resume.err).contains("BAD_INPUT").contains("has 300 usable rows (0 bad) now")
        .contains("epoch-000001 was trained on 512 (0 bad)").contains("the data changed since the job started");

    ownData(512, true, 10); // as many rows, other values
    CliRun preview = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(preview.err).contains("has the 512 usable rows checkpoint ").contains("epoch-000001 was trained on, "
        + "but not the same values or order (data_sha256 ");
    CliRun sameCount = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(sameCount.code).as("%s", sameCount).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(sameCount.err).contains("but not the same values or order").contains("restore the data as it was and resume");

    // the files it was trained on, put back
    try (Stream<Path> walk = Files.walk(own)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    copyTree(trainedOn, own);
    CliRun restored = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(restored.code).as("%s", restored).isZero();
    assertThat(restored.err).contains("and are the rows epoch 1 trained on (data_sha256)");
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      assertThat(E2eFixtures.checkpointEpochs(store)).containsExactly(1L);
    }
  }

  @Test
  void aJobStoredBeforeDataRowOrderExistedKeepsSparksReadOrderThroughResumeAndTrain() throws Exception {
    Path job = tmp.resolve("job");
    Path file = jobFile("job.properties", job, Map.of("train.epochs", "1"));
    assertTrained(CliRun.of("train", file.toString(), "--master", MASTER));
    assertThat(storedKeys(job).getString("data.row_order")).isEqualTo("file_name");
    // as a job created before the key: job.json and the manifest without it (nor a data digest)
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Path spec = job.resolve("job.json");
    Path manifest = job.resolve("checkpoints/epoch-000001/manifest.json");
    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(spec.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("hyperParameters")).remove("data.row_order");
    json.writerWithDefaultPrettyPrinter().writeValue(spec.toFile(), tree);
    editManifest(manifest, m -> {
      ((com.fasterxml.jackson.databind.node.ObjectNode) m.get("hyperparameters")).remove("data.row_order");
      m.remove("data_sha256");
    });
    CliRun verify = CliRun.of("verify", job.toString());
    assertThat(verify.code).as("the edited checkpoint verifies: %s", verify).isZero();

    CliRun preview = CliRun.of("train", file.toString(), "--dry-run", "--master", MASTER);
    assertThat(preview.code).as("%s", preview).isZero();
    assertThat(preview.err).contains("already holds this job (its job.json matches)")
        .as("no placement key was given").doesNotContain("this run only");
    assertThat(preview.out).as("the spec as the stored job trains it").contains("data.path=")
        .doesNotContain("data.row_order");
    assertThat(preview.err).as("not the request's default").contains("holds a job created before "
        + "data.row_order existed: train keeps reading its rows in Spark's order", "not by data.row_order=file_name");
    CliRun byName = CliRun.of("train", file.toString(), "--set", "data.row_order=file_name", "--dry-run", "--master",
        MASTER);
    assertThat(byName.code).as("asked for explicitly, the new order is a change: %s", byName)
        .isEqualTo(ExitCodes.USAGE);
    assertThat(byName.err).contains("already holds a different job spec", "data.row_order");
    CliRun more = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);
    assertThat(more.code).as("%s", more).isZero();
    assertThat(more.out).as("it continued after the edited checkpoint").contains("(1 in this run, 1 before it)");
    assertThat(storedKeys(job).contains("data.row_order")).as("job.json keeps its keys").isFalse();
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), new Configuration())) {
      io.epochal.checkpoint.CheckpointManifest second = store.load(2).manifest();
      assertThat(second.hyperParameters().contains("data.row_order")).isFalse();
      assertThat(second.dataDigest()).isPresent();
    }
  }

  @Test
  void aJobJsonEditedAwayFromItsCheckpointsIsRefusedByTheDryRunAsByTheResume() throws Exception {
    Path job = tmp.resolve("job");
    assertTrained(CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "1")).toString(),
        "--master", MASTER));
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Path spec = job.resolve("job.json");
    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(spec.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("hyperParameters")).put("optimizer.lr", 0.5);
    json.writerWithDefaultPrettyPrinter().writeValue(spec.toFile(), tree);

    for (boolean dryRun : List.of(true, false)) {
      CliRun run = dryRun ? CliRun.of("resume", job.toString(), "--epochs", "2", "--dry-run", "--master", MASTER)
          : CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);
      assertThat(run.code).as("a configuration error, not bad data: %s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("was trained with different hyperparameters (checkpoint -> job)",
          "optimizer.lr: 0.01 -> 0.5", "if the job's other checkpoints agree with job.json",
          "this checkpoint's manifest is the one that was changed: move it aside by renaming it to ");
    }
  }

  @Test
  void aCheckpointANewerEpochalWroteIsLeftAsItIsAndTheResumeRefused() throws Exception {
    Path job = tmp.resolve("job");
    assertTrained(CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "2")).toString(),
        "--master", MASTER));
    Path manifest = job.resolve("checkpoints/epoch-000002/manifest.json");
    editManifest(manifest, m -> m.put("format_version", "2.0"));
    // as a job a newer Epochal stopped: FAILED, its lease free
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    io.epochal.job.JobStateStore states = new io.epochal.job.JobStateStore(dir.getFileSystem(new Configuration()), dir);
    states.reopen(2, "reopened by a newer Epochal");
    states.transition(JobState.FAILED, 2, "stopped");
    Map<String, String> before = listing(job);

    for (boolean dryRun : List.of(true, false)) {
      CliRun run = dryRun ? CliRun.of("resume", job.toString(), "--epochs", "3", "--dry-run", "--master", MASTER)
          : CliRun.of("resume", job.toString(), "--epochs", "3", "--master", MASTER);
      assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("epoch-000002 was written by a newer Epochal",
          "format_version 2.0 is newer than the supported 1.1", "continue the job with the Epochal that wrote it")
          .doesNotContain("moved damaged checkpoint").doesNotContain("is damaged");
    }
    CliRun train = CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "2")).toString(),
        "--master", MASTER);
    assertThat(train.code).as("%s", train).isEqualTo(ExitCodes.USAGE);
    assertThat(listing(job)).as("nothing written: no lease taken, no event, no state").isEqualTo(before);

    CliRun status = CliRun.of("status", job.toString());
    assertThat(status.out).contains("NEWER FORMAT: ", "was written by a newer Epochal").doesNotContain("DAMAGED");
    com.fasterxml.jackson.databind.JsonNode newest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        CliRun.of("status", job.toString(), "--json").out).get("jobs").get(0).get("checkpoints").get(1);
    assertThat(newest.get("damaged").isNull()).as("not damaged: %s", newest).isTrue();
    assertThat(newest.get("newer_format").asText()).contains("format_version 2.0 is newer than the supported 1.1");
    CliRun plan = CliRun.of("resume", "--all", "--dry-run", tmp.toString());
    assertThat(plan.out).containsPattern("job\\s+FAILED\\s+\\S+\\s+SKIP\\s+checkpoint .* was written by a newer "
        + "Epochal");
    CliRun export = CliRun.of("export", job.toString(), "--format", "onnx", "--out", tmp.resolve("m.onnx").toString());
    assertThat(export.code).as("not epoch 1 in its place: %s", export).isEqualTo(ExitCodes.USAGE);
    assertThat(export.err).contains("was written by a newer Epochal");
    CliRun verify = CliRun.of("verify", job.toString());
    assertThat(verify.out + verify.err).contains("a resume refuses this job").doesNotContain("a resume continues");

    try (java.util.stream.Stream<Path> names = Files.list(job.resolve("checkpoints"))) {
      assertThat(names.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
          .containsExactlyInAnyOrder("epoch-000001", "epoch-000002");
    }

    // a newer Epochal's job.json alone
    assertThat(org.apache.hadoop.fs.FileUtil.fullyDelete(job.resolve("checkpoints/epoch-000002").toFile())).isTrue();
    Path spec = job.resolve("job.json");
    Files.writeString(spec, Files.readString(spec).replaceFirst("\"format\"\\s*:\\s*1", "\"format\" : 2"));
    CliRun newerSpec = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(newerSpec.code).as("%s", newerSpec).isEqualTo(ExitCodes.USAGE);
    assertThat(newerSpec.err).contains("job.json was written by a newer Epochal (format 2; this build reads format 1)")
        .doesNotContain("corrupt").doesNotContain("restore it");
    CliRun statusOfJob = CliRun.of("status", job.toString());
    assertThat(statusOfJob.out).contains("was written by a newer Epochal (format 2").doesNotContain("repaired or restored");
    CliRun statusOfRoot = CliRun.of("status", job.getParent().toString());
    assertThat(statusOfRoot.code).as("as for the job alone: %s", statusOfRoot).isEqualTo(statusOfJob.code);
    assertThat(statusOfRoot.out + statusOfRoot.err).contains("was written by a newer Epochal (format 2")
        .doesNotContain("repaired or restored").doesNotContain("ERROR");
  }

  @Test
  void trainWithAChangedSpecOnAnExistingJobIsRefusedButTheSpecThatStartedAnAmendedJobContinuesItAsAmended() throws Exception {
    Path job = tmp.resolve("job");
    Path file = jobFile("job.properties", job, Map.of("train.epochs", "1"));
    CliRun fresh = CliRun.of("train", file.toString(), "--dry-run", "--set", "train.device=cpu", "--master", MASTER);
    assertThat(fresh.code).as("%s", fresh).isZero();
    assertThat(fresh.err).contains("this run only (not in job.json): train.device=cpu")
        .doesNotContain("resources.gpus_per_task=");
    assertThat(fresh.err).contains("holds no job yet; train would start this one at epoch 1 on 512 rows of ",
        "which fit the model");
    assertThat(fresh.err).as("the heap the new job will need").containsPattern("  memory: a state of [0-9.]+ kB, "
        + "held about \\d+ times while it trains, and [0-9.]+ kB of cached rows: about [0-9.]+ [kM]B of the driver's "
        + "heap of at most [0-9.]+ [MG]B");
    CliRun gpus = CliRun.of("train", file.toString(), "--set", "resources.gpus_per_executor=1", "--set",
        "resources.gpus_per_task=1", "--dry-run", "--master", MASTER);
    assertThat(gpus.code).as("%s", gpus).isEqualTo(ExitCodes.USAGE);
    assertThat(gpus.err).contains("runs tasks inside the driver where Spark assigns no GPU");
    CliRun moreThanExecutor = CliRun.of("train", file.toString(), "--set", "resources.gpus_per_executor=1", "--set",
        "resources.gpus_per_task=2", "--dry-run", "--master", MASTER);
    assertThat(moreThanExecutor.code).as("%s", moreThanExecutor).isEqualTo(ExitCodes.USAGE);
    assertThat(moreThanExecutor.err).contains("resources.gpus_per_task = 2 exceeds resources.gpus_per_executor = 1");
    CliRun misfit = CliRun.of("train", file.toString(), "--set", "model.input_dim=" + (FEATURES + 3), "--dry-run",
        "--master", MASTER);
    assertThat(misfit.code).as("%s", misfit).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(misfit.err).contains("dry run: train would fail (BAD_INPUT)", "nothing was written to");
    CliRun sized = CliRun.of("train", file.toString(), "--set", "data.feature_size=" + (FEATURES + 2), "--dry-run",
        "--master", MASTER);
    assertThat(sized.code).as("the spec against itself: %s", sized).isEqualTo(ExitCodes.USAGE);
    assertThat(sized.err).contains("data.feature_size = " + (FEATURES + 2) + " but model mlp v1 takes " + FEATURES
        + " features per sample").doesNotContain("the data has");
    assertThat(job).doesNotExist();
    assertTrained(CliRun.of("train", file.toString(), "--master", MASTER));
    Map<String, String> before = listing(job);

    CliRun same = CliRun.of("train", file.toString(), "--dry-run");
    assertThat(same.code).as("%s", same).isZero();
    // given a master, the command to train more names it
    assertThat(CliRun.of("train", file.toString(), "--dry-run", "--master", MASTER).err).contains("to train more, "
        + "bin/epochal --master 'local[2]' resume ");
    assertThat(same.err).contains("already holds this job (its job.json matches); train continues it as a resume does",
        "(COMPLETED, newest verified checkpoint: epoch 1)", "trains nothing: its 1 epoch is committed; to train more, "
        + "bin/epochal resume ", "nothing was written; run the same command without --dry-run to train")
        .as("nothing to train: no data to check").doesNotContain("data: ");
    CliRun otherForm = CliRun.of("train", file.toString(), "--set", "job.dir=file:" + job.toAbsolutePath(),
        "--set", "data.path=file:" + Path.of(data).toAbsolutePath(), "--dry-run");
    assertThat(otherForm.code).as("the same places written file:/ instead of file:///: %s", otherForm).isZero();
    assertThat(otherForm.err).contains("already holds this job (its job.json matches)");
    // a Spark conf's job key that --set overrides is no change, as train continues the job
    CliRun overridden = CliRun.of("--conf", "spark.epochal.optimizer.lr=0.05", "train", file.toString(),
        "--set", "optimizer.lr=0.01", "--dry-run");
    assertThat(overridden.code).as("%s", overridden).isZero();
    assertThat(overridden.err).contains("already holds this job (its job.json matches)")
        .doesNotContain("optimizer.lr");
    CliRun changedDry = CliRun.of("train", file.toString(), "--set", "optimizer.lr=0.05", "--dry-run");
    assertThat(changedDry.code).as("%s", changedDry).isEqualTo(ExitCodes.USAGE);
    assertThat(changedDry.out).contains("optimizer.lr=0.05");
    assertThat(changedDry.err).contains("already holds a different job spec", "optimizer.lr: 0.01 -> 0.05");
    assertThat(listing(job)).isEqualTo(before);

    CliRun changed = CliRun.of("train", file.toString(), "--set", "optimizer.lr=0.05", "--master", MASTER);

    assertThat(changed.code).as("%s", changed).isEqualTo(ExitCodes.USAGE);
    assertThat(changed.err).contains("optimizer.lr: 0.01 -> 0.05").contains("this job is COMPLETED: ")
        .contains(" --epochs N trains more epochs of it unchanged").doesNotContain("to continue it unchanged");
    assertThat(listing(job)).isEqualTo(before);
    // the change given as a job key through Spark's conf: the advice leaves it out, as a resume would refuse it
    CliRun changedConf = CliRun.of("train", file.toString(), "--conf", "spark.epochal.optimizer.lr=0.05",
        "--conf", "spark.epochal.train.device=cpu", "--master", MASTER);
    assertThat(changedConf.code).as("%s", changedConf).isEqualTo(ExitCodes.USAGE);
    assertThat(changedConf.err).contains("optimizer.lr: 0.01 -> 0.05", "this job is COMPLETED: bin/epochal --master "
        + "'local[2]' --conf spark.epochal.train.device=cpu resume ")
        .doesNotContain("--conf spark.epochal.optimizer.lr");
    assertThat(listing(job)).isEqualTo(before);

    CliRun longer = CliRun.of("train", file.toString(), "--set", "train.epochs=2", "--set", "checkpoint.keep_last=1",
        "--master", MASTER);

    assertThat(longer.code).as("%s", longer).isEqualTo(ExitCodes.USAGE);
    assertThat(longer.err).contains("these keys can change on the existing job; to continue it with them, run: "
        + "bin/epochal --master 'local[2]' resume file://" + job.toAbsolutePath() + " --set checkpoint.keep_last=1 "
        + "--epochs 2\n");
    assertThat(listing(job)).isEqualTo(before);

    CliRun renamed = CliRun.of("train", file.toString(), "--set", "job.name=renamed", "--master", MASTER);

    assertThat(renamed.code).as("%s", renamed).isEqualTo(ExitCodes.USAGE);
    assertThat(renamed.err).contains("job.name: \"e2e\" -> \"renamed\"").doesNotContain("jobId").doesNotContain("jobName")
        .contains("bin/epochal --master 'local[2]' resume ");
    assertThat(listing(job)).isEqualTo(before);

    // amended by a resume, the job is continued as amended by the command that started it (a supervised restart)
    // (checkpoint.every_n_rounds set anew: the job's spec did not hold it, and the command does not set it)
    assertTrained(CliRun.of("resume", job.toString(), "--set", "checkpoint.keep_last=1", "--set",
        "checkpoint.every_n_rounds=50", "--epochs", "2", "--master", MASTER));
    CliRun restarted = CliRun.of("train", file.toString(), "--master", MASTER);
    assertThat(restarted.code).as("%s", restarted).isZero();
    assertThat(restarted.err).contains("was amended by a resume since this spec started it; the job continues as "
        + "amended: ", "checkpoint.keep_last=1 (this spec: ", "train.epochs=2 (this spec: 1)");
    assertThat(restarted.out).contains("nothing to train: 2 of 2 epochs done");
    // so does a resume whose Spark conf still carries the values the job started with (a supervised spark-submit)
    String keepLast = E2eFixtures.jobKeys(job.toString(), data).get("checkpoint.keep_last"); // as the job started
    CliRun resubmitted = CliRun.of("--conf", "spark.epochal.train.epochs=1", "--conf",
        "spark.epochal.checkpoint.keep_last=" + keepLast, "resume", job.toString(), "--master", MASTER);
    assertThat(resubmitted.code).as("%s", resubmitted).isZero();
    assertThat(resubmitted.err).contains("was amended by a resume since its Spark conf was written; the job continues "
        + "as amended: ", "train.epochs=2 (Spark conf: 1)", "checkpoint.keep_last=1 (Spark conf: " + keepLast + ")");
    CliRun notAmended = CliRun.of("train", file.toString(), "--set", "checkpoint.keep_every=5", "--master", MASTER);
    assertThat(notAmended.code).as("a key no resume amended: %s", notAmended).isEqualTo(ExitCodes.USAGE);
    assertThat(notAmended.err).contains("already holds a different job spec", "checkpoint.keep_every: 0 -> 5")
        .as("the amended keys are the job's, no difference to fix").doesNotContain("train.epochs", "keep_last")
        .contains(" --set checkpoint.keep_every=5\n");
    CliRun third = CliRun.of("train", file.toString(), "--set", "train.epochs=5", "--master", MASTER);
    assertThat(third.code).as("a value no resume amended the key away from: %s", third).isEqualTo(ExitCodes.USAGE);
    assertThat(third.err).contains("already holds a different job spec", "train.epochs: 2 -> 5", "--epochs 5\n");
  }

  @Test
  void theSpecThatStartedAJobWhoseDataAResumeMovedContinuesItWithTheNewDataThoughTheOldPathIsGone() throws Exception {
    Path before = tmp.resolve("data-before");
    try (java.util.stream.Stream<Path> files = Files.walk(Path.of(data))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = before.resolve(Path.of(data).relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    Path job = tmp.resolve("moved-data-job");
    Path file = jobFile("moved-data.properties", job, Map.of("train.epochs", "1", "data.path", before.toString()));
    assertTrained(CliRun.of("train", file.toString(), "--master", MASTER));
    Path after = Files.move(before, tmp.resolve("data-after"));
    assertTrained(CliRun.of("resume", job.toString(), "--data", after.toString(), "--master", MASTER));

    CliRun restarted = CliRun.of("train", file.toString(), "--master", MASTER);
    assertThat(restarted.code).as("%s", restarted).isZero();
    assertThat(restarted.err).contains("the job continues as amended: data.path=file://" + after)
        .doesNotContain("does not exist");
  }

  @Test
  void aCopyOfAJobWithoutItsJobJsonIsNotContinuedWhileTheOriginalHoldsTheJob() throws Exception {
    Path original = tmp.resolve("original");
    Path file = jobFile("original.properties", original, Map.of("train.epochs", "2"));
    assertTrained(CliRun.of("train", file.toString(), "--epochs", "1", "--master", MASTER));
    Path copy = tmp.resolve("copy");
    org.apache.commons.io.FileUtils.copyDirectory(original.toFile(), copy.toFile());
    Files.delete(copy.resolve("job.json"));
    Map<String, String> before = listing(copy);

    for (boolean dryRun : new boolean[] {true, false}) {
      CliRun run = cli(dryRun, "train", file.toString(), "--job-dir", copy.toString(),
          "--master", MASTER);
      assertThat(run.code).as("dry run %s: %s", dryRun, run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("holds no job.json, and its checkpoints (newest readable: epoch 1) were trained "
          + "by the job at ", "which still holds it: this directory is a copy", "Nothing was written");
      assertThat(listing(copy)).as("dry run %s writes nothing", dryRun).isEqualTo(before);
    }

    // the original gone, the directory was moved, not copied: training it continues the job there
    org.apache.commons.io.FileUtils.deleteDirectory(original.toFile());
    CliRun moved = CliRun.of("train", file.toString(), "--job-dir", copy.toString(), "--master", MASTER);
    assertThat(moved.code).as("%s", moved).isZero();
    assertThat(moved.out).contains("(1 in this run, 1 before it)");
  }

  @Test
  void aJobLeftRunningAfterItsFinalCommitIsCompletedByAResumeThoughItsDataIsGone() throws Exception {
    Path own = tmp.resolve("own-data");
    org.apache.commons.io.FileUtils.copyDirectory(Path.of(data).toFile(), own.toFile());
    Path job = tmp.resolve("job");
    assertTrained(CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "1", "data.path",
        own.toString())).toString(), "--master", MASTER));
    // the driver killed after the final commit, before it marked the job: RUNNING, its lease expired
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf
        .Configuration());
    new JobStateStore(fs, new org.apache.hadoop.fs.Path(job.toUri())).reopen(1, "killed after its final commit");
    // held-out rows a resume gives it are checked before job.json takes them, though nothing is left to train
    Path narrow = tmp.resolve("narrow-rows");
    assertThat(CliRun.of("gen-data", narrow.toString(), "--rows", "40", "--features", Integer.toString(FEATURES - 1),
        "--classes", Integer.toString(CLASSES), "--master", MASTER).code).isZero();
    String jobJson = Files.readString(job.resolve("job.json"));
    for (boolean dryRun : List.of(true, false)) {
      CliRun unfit = cli(dryRun, "resume", job.toString(), "--set",
          "data.validation_path=" + narrow, "--master", MASTER);
      assertThat(unfit.code).as("dry run %s: %s", dryRun, unfit).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(unfit.err).contains("data.validation_path file://" + narrow);
      assertThat(Files.readString(job.resolve("job.json"))).isEqualTo(jobJson);
    }
    org.apache.commons.io.FileUtils.deleteDirectory(own.toFile());
    CliRun dry = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("the dry run reads no rows either: %s", dry).isZero();
    assertThat(dry.err).doesNotContain("would fail");
    // held-out rows given anew to a job not marked COMPLETED are read with its training rows: refused up front
    CliRun withRows = CliRun.of("resume", job.toString(), "--conf", "spark.epochal.data.validation_path=" + data,
        "--master", MASTER);
    assertThat(withRows.code).as("%s", withRows).isEqualTo(ExitCodes.USAGE);
    assertThat(withRows.err).contains("if the job's data moved, resume with --data").doesNotContain("reads no rows");
    CliRun resume = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(resume.code).as("%s", resume).isZero();
    assertThat(resume.err).contains("does not exist, but every epoch of the job is committed: the resume trains "
        + "nothing and reads no rows");
    assertThat(resume.out + resume.err).contains("nothing to train, its data is not read");
    assertThat(new JobStateStore(fs, new org.apache.hadoop.fs.Path(job.toUri())).read().orElseThrow().getState())
        .isEqualTo(JobState.COMPLETED);

    // retention given anew reads no rows either: job.json takes it
    CliRun kept = CliRun.of("resume", job.toString(), "--set", "checkpoint.keep_last=1", "--master", MASTER);
    assertThat(kept.code).as("%s", kept).isZero();
    assertThat(kept.err).contains("every epoch of the job is committed: the resume trains nothing and reads no rows")
        .doesNotContain("resume with --data");
    assertThat(new io.epochal.job.JobSpecStore(fs, new org.apache.hadoop.fs.Path(job.toUri())).read().orElseThrow()
        .getHyperParameters().getLong("checkpoint.keep_last")).isEqualTo(1L);
    // and, the job COMPLETED, held-out rows given anew are checked against its model alone
    CliRun rows = CliRun.of("resume", job.toString(), "--set", "data.validation_path=" + data, "--master", MASTER);
    assertThat(rows.code).as("%s", rows).isZero();
    assertThat(new io.epochal.job.JobSpecStore(fs, new org.apache.hadoop.fs.Path(job.toUri())).read().orElseThrow()
        .getHyperParameters().getString("data.validation_path")).endsWith(Path.of(data).getFileName().toString());

    // a lease left live (a driver whose release failed): a COMPLETED job with nothing to do takes no lease
    io.epochal.job.JobLease.builder().setFileSystem(fs).setJobDir(new org.apache.hadoop.fs.Path(job.toUri()))
        .optHolder("other-host:4242:0a1b").optTtl(java.time.Duration.ofHours(1)).build().acquire(3);
    CliRun leasedDry = CliRun.of("resume", job.toString(), "--dry-run", "--master", MASTER);
    assertThat(leasedDry.code).as("as the run: %s", leasedDry).isZero();
    assertThat(leasedDry.err).doesNotContain("holds the job's lease");
    CliRun leased = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(leased.code).as("%s", leased).isZero();
  }

  @Test
  void aJobDirectoryThatLostItsJobJsonIsContinuedOnlyWithTheSpecItsCheckpointsWereTrainedWith() throws Exception {
    Path job = tmp.resolve("job");
    assertTrained(CliRun.of("train", jobFile("job.properties", job, Map.of("train.epochs", "1")).toString(),
        "--master", MASTER));
    Files.delete(job.resolve("job.json"));
    Map<String, String> before = listing(job);
    CliRun resume = CliRun.of("resume", job.toString(), "--master", MASTER);
    assertThat(resume.code).as("%s", resume).isEqualTo(ExitCodes.USAGE);
    assertThat(resume.err).contains("holds checkpoints but no job.json (it was lost?)", "bin/epochal inspect ")
        .doesNotContain("not an Epochal job directory");

    Path other = jobFile("other.properties", job, Map.of("train.epochs", "2", "optimizer.lr", "0.02"));
    for (boolean dryRun : new boolean[] {true, false}) {
      CliRun run = dryRun ? CliRun.of("train", other.toString(), "--dry-run", "--master", MASTER)
          : CliRun.of("train", other.toString(), "--master", MASTER);
      assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("holds no job.json, but it holds checkpoints (newest readable: epoch 1) trained "
          + "with other hyperparameters (checkpoint -> given): ", "optimizer.lr: 0.01 -> 0.02. Nothing was written",
          "bin/epochal inspect ").doesNotContain("train.epochs");
      assertThat(listing(job)).as("dry run %s writes nothing", dryRun).isEqualTo(before);
    }

    Path same = jobFile("same.properties", job, Map.of("train.epochs", "2"));
    assertTrained(CliRun.of("train", same.toString(), "--master", MASTER));
    Files.delete(job.resolve("job.json"));
    Map<String, String> atTwo = listing(job);
    Path fewer = jobFile("fewer.properties", job, Map.of("train.epochs", "1"));
    for (boolean dryRun : new boolean[] {true, false}) {
      CliRun run = dryRun ? CliRun.of("train", fewer.toString(), "--dry-run", "--master", MASTER)
          : CliRun.of("train", fewer.toString(), "--master", MASTER);
      assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("train.epochs = 1 is fewer than the 2 epochs job.dir ", "give at least 2");
      assertThat(listing(job)).as("dry run %s writes nothing", dryRun).isEqualTo(atTwo);
    }

    Path three = jobFile("three.properties", job, Map.of("train.epochs", "3"));
    CliRun dry = CliRun.of("train", three.toString(), "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("holds no job.json, but checkpoints up to epoch-000002 trained with this spec; train "
        + "would write job.json and continue after the newest verified one");
    CliRun run = CliRun.of("train", three.toString(), "--master", MASTER);
    assertTrained(run);
    assertThat(run.out).contains("is COMPLETED and its newest checkpoint is of epoch 2; the job.json written now has "
        + "train.epochs 3: reopened it to train epoch 3", "3 of 3 epochs done (1 in this run, 2 before it)");
    assertThat(run.err).as("nothing is damaged").doesNotContain("COMPLETED, but its newest verified checkpoint");
  }

  @Test
  void aNewJobInsideAnotherJobOrAroundOtherJobsIsRefusedSoStatusAndResumeAllKeepFindingThem() throws Exception {
    Path root = tmp.resolve("jobs");
    Path inner = root.resolve("team/a");
    assertTrained(CliRun.of("train", jobFile("a.properties", inner, Map.of("train.epochs", "1")).toString(),
        "--master", MASTER));
    Map<String, String> before = listing(root);

    for (boolean dryRun : List.of(true, false)) {
      CliRun around = cli(dryRun, "train", jobFile("around.properties", root,
          Map.of("train.epochs", "1")).toString(), "--master", MASTER);
      assertThat(around.code).as("%s", around).isEqualTo(ExitCodes.USAGE);
      assertThat(around.err).contains("configuration error: job.dir ", " holds the job directory team/a: a job "
          + "created here would hide it from 'status' and 'resume --all'");
    }
    CliRun nested = CliRun.of("train", jobFile("nested.properties", inner.resolve("sub"), Map.of("train.epochs",
        "1")).toString(), "--master", MASTER);
    assertThat(nested.code).as("%s", nested).isEqualTo(ExitCodes.USAGE);
    assertThat(nested.err).contains("is inside the directory of job ", "give a job.dir outside every job directory");
    assertThat(listing(root)).as("nothing written").isEqualTo(before);
    CliRun status = CliRun.of("status", root.toString());
    assertThat(status.out).contains("team/a");
  }

  @Test
  void batchesSmallerThanTheModelCanTrainOnAreAConfigErrorBeforeAnythingIsWritten() throws Exception {
    Path images = tmp.resolve("images-3x3");
    assertThat(CliRun.of("gen-data", images.toString(), "--rows", "40", "--features", "9", "--classes", "3",
        "--master", MASTER).code).isZero();
    Path job = tmp.resolve("cnn-job");
    Map<String, String> keys = E2eFixtures.jobKeys(job.toString(), images.toString());
    keys.keySet().removeIf(k -> k.startsWith("model."));
    keys.putAll(Map.of("model.name", "cnn", "model.version", "1", "model.image_size", "3", "model.channels", "2",
        "model.classes", "3", "data.classes", "3", "train.batch_size", "1", "train.epochs", "1"));
    Path file = E2eFixtures.writeJobFile(tmp.resolve("cnn.properties"), keys);

    for (String dryRun : List.of("--dry-run", "--verbose")) {
      CliRun run = CliRun.of("train", file.toString(), dryRun, "--master", MASTER);
      assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("model cnn v1 trains on batches of at least 2 samples, but worker 0's shard of 20 "
          + "rows with train.batch_size=1 leaves a batch of 1 in every epoch");
      assertThat(job.resolve("job.json")).doesNotExist();
    }
    CliRun fits = CliRun.of("train", file.toString(), "--set", "train.batch_size=4", "--master", MASTER);
    assertTrained(fits);
  }

  @Test
  void aNewJobsDryRunWarnsOfACosineScheduleThatEndsBeforeTheJob() {
    Path job = tmp.resolve("cosine-job");
    CliRun dry = CliRun.of("train", jobFile("cosine.properties", job, Map.of("schedule.name", "cosine",
        "schedule.total_steps", "1")).toString(), "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("epochal: warning: schedule.total_steps = 1: the cosine schedule reaches "
        + "schedule.min_lr = 0.0 at step 1 of the job's ");
    assertThat(job).doesNotExist();

    CliRun step = CliRun.of("train", jobFile("step.properties", job, Map.of("schedule.name", "step",
        "schedule.step_size", "1", "schedule.warmup_steps", "100000")).toString(), "--dry-run", "--master", MASTER);
    assertThat(step.code).as("%s", step).isZero();
    assertThat(step.err).as("a StepLR step_size read as steps, and a warm-up the job never finishes")
        .contains("schedule.warmup_steps = 100000 is not shorter than the job's ")
        .doesNotContain("multiplies the rate");
    CliRun decay = CliRun.of("train", jobFile("step2.properties", job, Map.of("schedule.name", "step",
        "schedule.step_size", "1")).toString(), "--dry-run", "--master", MASTER);
    assertThat(decay.err).contains("schedule.step_size = 1 multiplies the rate by schedule.gamma = 0.1 every 1 "
        + "optimizer steps").contains("step_size counts optimizer steps, not epochs as PyTorch's StepLR does");
    CliRun late = CliRun.of("train", jobFile("multistep.properties", job, Map.of("schedule.name", "multistep",
        "schedule.milestones", "2,100000,200000")).toString(), "--dry-run", "--master", MASTER);
    assertThat(late.code).as("%s", late).isZero();
    assertThat(late.err).containsPattern("schedule.milestones 100000, 200000 come at or after the job's [0-9]+ "
        + "optimizer steps, so the rate is never lowered there; milestones count optimizer steps, not epochs")
        .doesNotContain("milestones 2,");
  }

  @Test
  void aResumeGivingMoreEpochsWarnsAgainOfACosineScheduleThatEndsBeforeTheLongerJob() {
    Path job = tmp.resolve("cosine-more");
    Path file = jobFile("cosine-more.properties", job, Map.of("schedule.name", "cosine", "schedule.total_steps", "1",
        "train.epochs", "1"));
    CliRun first = CliRun.of("train", file.toString(), "--master", MASTER);
    assertTrained(first);
    String warning = "epochal: warning: schedule.total_steps = 1: the cosine schedule reaches schedule.min_lr = 0.0 "
        + "at step 1 of the job's ";
    assertThat(first.err).contains(warning);
    java.util.regex.Matcher steps = java.util.regex.Pattern.compile("of the job's (\\d+) and").matcher(first.err);
    assertThat(steps.find()).isTrue();
    long one = Long.parseLong(steps.group(1));

    CliRun dry = CliRun.of("resume", job.toString(), "--epochs", "2", "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).as("the dry run warns as the resume does").contains(warning + (2 * one) + " and");
    assertThat(dry.err).as("the heap the resume will need").containsPattern("  memory: a state of [0-9.]+ kB, held about "
        + "\\d+ times while it trains, and [0-9.]+ kB of cached rows: about [0-9.]+ [kM]B of the driver's heap of at "
        + "most [0-9.]+ [MG]B");

    CliRun more = CliRun.of("resume", job.toString(), "--epochs", "2", "--master", MASTER);

    assertThat(more.code).as("%s", more).isZero();
    assertThat(more.err).as("the longer job's steps").contains(warning + (2 * one) + " and");
    for (String resumed : List.of(dry.err, more.err)) {
      assertThat(resumed).as("no --set a resume would refuse").contains("for a decay over the whole job train a new "
          + "job (in another job.dir) with schedule.total_steps=").doesNotContain("job set schedule.total_steps");
    }
  }

  @Test
  void aDryRunRefusesACheckpointStoreKeyAsTheRunWould() {
    Path job = tmp.resolve("job");
    Path file = jobFile("job.properties", job, Map.of());
    for (String dryRun : List.of("--dry-run", "--verbose")) {
      CliRun run = CliRun.of("--conf", "spark.hadoop.epochal.checkpoint.shard-bytes=64x", "train", file.toString(),
          dryRun, "--master", MASTER);
      assertThat(run.code).as("%s %s", dryRun, run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err).contains("epochal.checkpoint.shard-bytes", "64x");
      assertThat(job.resolve("job.json")).doesNotExist();
    }
  }

  @Test
  void aNewJobInADirectoryHoldingOtherFilesIsWarnedOfOnceAndLeavesThemAsTheyAre() throws Exception {
    Path job = Files.createDirectories(tmp.resolve("shared-dir"));
    Files.writeString(job.resolve("notes.txt"), "mine");
    Files.createDirectories(job.resolve("plots"));
    Path file = jobFile("shared.properties", job, Map.of("train.epochs", "1"));
    String warning = "already holds 2 entries that are not a job's (notes.txt, plots/): the job's files";

    CliRun dry = CliRun.of("train", file.toString(), "--dry-run", "--master", MASTER);
    assertThat(dry.code).as("%s", dry).isZero();
    assertThat(dry.err).contains("epochal: dry run: warning: job.dir file://" + job.toAbsolutePath() + " " + warning);
    CliRun trained = CliRun.of("train", file.toString(), "--master", MASTER);
    assertTrained(trained);
    assertThat(trained.err).containsOnlyOnce("epochal: warning: job.dir file://" + job.toAbsolutePath() + " "
        + warning);
    assertThat(job.resolve("notes.txt")).hasContent("mine");
    assertThat(job.resolve("plots")).isEmptyDirectory();

    CliRun again = CliRun.of("train", file.toString(), "--master", MASTER);
    assertThat(again.code).as("%s", again).isZero();
    assertThat(again.err).as("the job exists now: nothing new is made there").doesNotContain("not a job's");
  }

  @Test
  void aRegressionLossOnAModelOfSeveralOutputsIsAConfigErrorBeforeAnythingIsWritten() {
    Path job = tmp.resolve("job");
    CliRun run = CliRun.of("train", jobFile("mse.properties", job, Map.of("loss", "mse")).toString(),
        "--master", MASTER);

    assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err).contains("loss = mse compares one numeric label per row with one model output",
        "has " + CLASSES + " outputs", "model.output_dim=1").startsWith("epochal: configuration error: ");
    assertThat(run.err.lines()).hasSize(1);
    assertThat(job).as("refused with the spec: no job directory made").doesNotExist();
  }

  @Test
  void aMasterUrlSparkCannotParseIsAUsageErrorNamingTheFormsItTakes() {
    Path job = tmp.resolve("job");
    CliRun run = CliRun.of("train", jobFile("job.properties", job, Map.of()).toString(), "--master", "bogus://x");

    assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err).startsWith("epochal: --master 'bogus://x' is not a Spark master URL")
        .contains("local-cluster[N,CORES,MB]").doesNotContain("internal error").doesNotContain("\tat ");
    assertThat(run.err.lines()).hasSize(1);
    assertThat(job.resolve("job.json")).doesNotExist();

    CliRun dry = CliRun.of("train", jobFile("job.properties", job, Map.of()).toString(), "--master", "bogus://x",
        "--dry-run");
    assertThat(dry.code).as("%s", dry).isEqualTo(ExitCodes.USAGE);
    assertThat(dry.err).isEqualTo(run.err);
    assertThat(dry.out).as("no spec printed as runnable").isEmpty();
  }

  @Test
  void aHugeLearningRateFailsTheJobWithNonFiniteStateAndNoCheckpoint() throws Exception {
    Path job = tmp.resolve("job");
    Path file = jobFile("job.properties", job, Map.of("optimizer.name", "sgd", "optimizer.lr", "1e38"));

    CliRun run = CliRun.of("train", file.toString(), "--master", MASTER);

    assertThat(run.code).as("%s", run).isEqualTo(ExitCodes.FAILED);
    assertThat(run.err).contains("NON_FINITE_STATE").contains("epoch 1 round 1")
        // the worker whose loss or state is not finite, named
        .containsPattern("worker \\d's training loss is (NaN|-?Infinity)|the state of worker \\d|the aggregated state")
        .contains("resuming this job repeats the same steps; train with a lower optimizer.lr");
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    FileSystem fs = dir.getFileSystem(conf);
    try (CheckpointStore store = E2eFixtures.store(job.toUri().toString(), conf)) {
      assertThat(store.list()).isEmpty();
    }
    assertThat(job.resolve("checkpoints")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(),
        p -> assertThat(listing(p)).isEmpty());
    assertThat(E2eFixtures.state(fs, dir)).hasValueSatisfying(s -> assertThat(s.getState())
        .isEqualTo(JobState.FAILED));
    assertThat(E2eFixtures.events(fs, dir)).filteredOn(e -> e.getType() == JobEventType.FAILURE)
        .singleElement().satisfies(e -> {
          assertThat(e.getReason()).isEqualTo("NON_FINITE_STATE");
          assertThat(e.getEpoch()).isEqualTo(1);
          assertThat(e.getRound()).isEqualTo(1);
          assertThat(e.getMessage()).containsPattern("worker \\d|aggregated state");
        });
  }

  /**
   * Leaves a finished job as a driver that failed after committing epoch {@code epoch} of {@code
   * epochs} leaves it: the later checkpoints deleted, the state FAILED.
   */
  private static void failedAfter(Path job, long epoch, long epochs) throws IOException {
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(job.toUri());
    FileSystem fs = dir.getFileSystem(conf);
    try (CheckpointStore store = E2eFixtures.store(dir.toString(), conf)) {
      for (long e = epochs; e > epoch; e--) {
        assertThat(store.delete(e)).isTrue();
      }
      assertThat(E2eFixtures.checkpointEpochs(store)).hasSize((int) epoch).last().isEqualTo(epoch);
    }
    fs.delete(JobPaths.state(dir), false);
    JobStateStore states = new JobStateStore(fs, dir);
    states.transition(JobState.RUNNING, 1, "started");
    states.transition(JobState.FAILED, 1, "driver lost after epoch " + epoch);
  }

  private Path jobFile(String name, Path jobDir, Map<String, String> overrides) {
    Map<String, String> keys = E2eFixtures.jobKeys(jobDir.toString(), data);
    keys.putAll(overrides);
    return E2eFixtures.writeJobFile(tmp.resolve(name), keys);
  }

  private static void assertTrained(CliRun run) {
    assertThat(run.code).as("%s", run).isZero();
    assertThat(run.out).contains("checkpoints: ");
  }

  /** Every file under {@code dir} with its size and modification time. */
  private static Map<String, String> listing(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        if (!p.equals(dir)) {
          files.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir"
              : Files.size(p) + " bytes, modified " + Files.getLastModifiedTime(p));
        }
      }
    }
    return files;
  }

  /** The job in {@code dir} is COMPLETED, by attempt {@code attempt}. */
  private static void assertCompletedInAttempt(FileSystem fs, org.apache.hadoop.fs.Path dir, int attempt)
      throws IOException {
    assertThat(E2eFixtures.state(fs, dir)).hasValueSatisfying(s -> {
      assertThat(s.getState()).isEqualTo(JobState.COMPLETED);
      assertThat(s.getAttempt()).isEqualTo(attempt);
    });
  }
}
