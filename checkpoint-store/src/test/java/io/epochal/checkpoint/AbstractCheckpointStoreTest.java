package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.retention.CheckpointCleaner;
import io.epochal.checkpoint.retention.MetricGoal;
import io.epochal.checkpoint.retention.RetentionCandidate;
import io.epochal.checkpoint.retention.RetentionPolicy;
import io.epochal.checkpoint.retention.RetentionResult;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Store behaviour that must hold on every file system; subclasses provide one. */
abstract class AbstractCheckpointStoreTest {

  private static int counter;

  /** A fresh, empty job directory URI. */
  abstract String newJobDir(String name) throws IOException;

  /** The configuration for this file system. */
  abstract Configuration conf();

  /** A FileSystem for inspecting and damaging files the way an outside actor would. */
  abstract FileSystem fileSystem() throws IOException;

  String jobDir;
  HadoopCheckpointStore store;

  @BeforeEach
  void openStore() throws Exception {
    jobDir = newJobDir("job" + (++counter));
    store = HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf()).build();
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  private HadoopCheckpointStore storeFailingAfter(String file, long bytes) throws Exception {
    OutputStreamDecorator failing = (name, out) -> !name.equals(file) ? out : new FilterOutputStream(out) {
      long written;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (written + len > bytes) {
          int n = (int) (bytes - written);
          out.write(b, off, n);
          written += n;
          throw new IOException("disk failed after " + bytes + " bytes of " + name);
        }
        out.write(b, off, len);
        written += len;
      }
    };
    return HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf())
        .optOutputDecorator(failing).build();
  }

  private Path checkpoints() {
    return new Path(store.checkpointsDir());
  }

  private List<String> childNames() throws IOException {
    FileSystem fs = fileSystem();
    if (!fs.exists(checkpoints())) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(checkpoints())).map(s -> s.getPath().getName()).sorted()
        .collect(Collectors.toList());
  }

  private byte[] readAll(Path p) throws IOException {
    FileSystem fs = fileSystem();
    try (FSDataInputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  private void overwrite(Path p, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = fileSystem().create(p, true)) {
      out.write(bytes);
    }
  }

  @Test
  void commitListLoadRoundTrip() throws Exception {
    CheckpointContent c1 = TestCheckpoints.content(1);
    CheckpointContent c2 = TestCheckpoints.content(2);
    CheckpointManifest m1 = store.commit(c1, CommitGuard.NONE);
    CheckpointManifest m2 = store.commit(c2, CommitGuard.NONE);

    assertThat(childNames()).containsExactly("epoch-000001", "epoch-000002");
    assertThat(readAll(new Path(checkpoints(), "epoch-000002/manifest.json")))
        .isEqualTo(m2.toJson());
    assertThat(m2.files()).extracting(ManifestFile::name).containsExactly(
        "model.safetensors", "optimizer.safetensors", "probe.safetensors");
    ManifestFile model = m2.file("model.safetensors").orElseThrow();
    byte[] modelBytes = readAll(new Path(checkpoints(), "epoch-000002/model.safetensors"));
    assertThat(model.size()).isEqualTo(modelBytes.length)
        .isEqualTo(SafetensorsWriter.fileSize(c2.model(), Map.of("format", "pt")));
    assertThat(model.sha256()).isEqualTo(
        Sha256.hex(Sha256.newDigest().digest(modelBytes)));

    List<CheckpointEntry> list = store.list();
    assertThat(list).extracting(CheckpointEntry::epoch).containsExactly(1L, 2L);
    assertThat(list.get(0).manifest()).contains(m1);

    LoadedCheckpoint loaded = store.load(1);
    assertThat(loaded.manifest()).isEqualTo(m1);
    assertThat(loaded.model()).isEqualTo(c1.model());
    assertThat(loaded.optimizer()).isEqualTo(c1.optimizer());
    assertThat(loaded.probe()).isEqualTo(c1.probe());
    assertThat(m1.withFiles(List.of())).isEqualTo(c1.manifest());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.skipped()).isEmpty();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(2);
    assertThat(latest.checkpoint().orElseThrow().model()).isEqualTo(c2.model());
    assertThat(store.verifyAll()).allMatch(VerificationReport::ok).hasSize(2);
  }

  @Test
  void emaFileRoundTripsAndIsListedInTheManifest() throws Exception {
    CheckpointContent c = TestCheckpoints.contentWithEma(1);
    CheckpointManifest m = store.commit(c, CommitGuard.NONE);

    assertThat(m.files()).extracting(ManifestFile::name).containsExactly(
        "model.safetensors", "optimizer.safetensors", "probe.safetensors", CheckpointStore.EMA_FILE);
    byte[] bytes = readAll(new Path(checkpoints(), "epoch-000001/ema.safetensors"));
    ManifestFile ema = m.file(CheckpointStore.EMA_FILE).orElseThrow();
    assertThat(ema.size()).isEqualTo(bytes.length);
    assertThat(ema.sha256()).isEqualTo(Sha256.hex(Sha256.newDigest().digest(bytes)));
    StateDict onDisk = io.epochal.safetensors.SafetensorsReader.read(
        new java.io.ByteArrayInputStream(bytes), bytes.length, "ema.safetensors").tensors();
    assertThat(onDisk).isEqualTo(c.ema()).isNotEqualTo(c.model());
    assertThat(onDisk.nameList()).isEqualTo(c.model().nameList()); // what load_state_dict expects

    LoadedCheckpoint loaded = store.load(1);
    assertThat(loaded.ema()).isEqualTo(c.ema());
    assertThat(loaded.model()).isEqualTo(c.model());
    assertThat(store.latest().checkpoint().orElseThrow().ema()).isEqualTo(c.ema());
    assertThat(store.verify(1).ok()).isTrue();
  }

  @Test
  void checkpointWithoutEmaHasNoEmaFile() throws Exception {
    CheckpointContent plain = TestCheckpoints.content(1);
    CheckpointContent emptyEma = TestCheckpoints.withEma(TestCheckpoints.content(2), StateDict.empty());
    assertThat(emptyEma).isEqualTo(TestCheckpoints.content(2));
    assertThat(plain.ema().isEmpty()).isTrue();
    for (CheckpointContent c : List.of(plain, emptyEma)) {
      CheckpointManifest m = store.commit(c, CommitGuard.NONE);
      assertThat(m.files()).extracting(ManifestFile::name).containsExactly(
          "model.safetensors", "optimizer.safetensors", "probe.safetensors");
      Path dir = new Path(checkpoints(), CheckpointLayout.epochName(c.epoch()));
      assertThat(Arrays.stream(fileSystem().listStatus(dir)).map(s -> s.getPath().getName()))
          .containsExactlyInAnyOrder("manifest.json", "model.safetensors", "optimizer.safetensors",
              "probe.safetensors");
      assertThat(store.load(c.epoch()).ema().isEmpty()).isTrue();
    }
    assertThat(store.verifyAll()).hasSize(2).allMatch(VerificationReport::ok);
  }

  @Test
  void damagedEmaFileMakesLatestFallBack() throws Exception {
    store.commit(TestCheckpoints.contentWithEma(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.contentWithEma(2), CommitGuard.NONE);
    Path p = new Path(checkpoints(), "epoch-000002/ema.safetensors");
    byte[] b = readAll(p);
    b[b.length / 2] ^= 0x01;
    overwrite(p, b);

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.checkpoint().orElseThrow().ema()).isEqualTo(TestCheckpoints.contentWithEma(1).ema());
    assertThat(latest.skipped()).singleElement().satisfies(problem -> assertThat(problem.reason())
        .startsWith("ema.safetensors has SHA-256").contains("content changed or damaged"));
    assertThat(store.verify(2).problems()).singleElement().asString().contains("ema.safetensors has SHA-256");
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("ema.safetensors");

    assertThat(fileSystem().delete(p, false)).isTrue();
    assertThat(store.verify(2).problems()).singleElement().asString().contains("ema.safetensors is missing");
    assertThat(store.latest().skipped()).singleElement().satisfies(problem -> assertThat(problem.reason())
        .contains("ema.safetensors is missing"));
  }

  @Test
  void emaWithDifferentNamesThanModelIsRefused() throws Exception {
    CheckpointContent c = TestCheckpoints.content(1);
    StateDict renamed = StateDict.builder().putAll(c.model().filter(n -> !n.equals("net.0.bias")))
        .put("net.0.bias_ema", c.model().require("net.0.bias")).build();
    StateDict extra = StateDict.builder().putAll(c.model())
        .put("ema.decay", io.epochal.tensor.Tensor.scalarFloat(0.999f)).build();
    StateDict reshaped = StateDict.builder().putAll(c.model().filter(n -> !n.equals("net.0.bias")))
        .put("net.0.bias", io.epochal.tensor.Tensor.ofFloats(new long[] {2, 2}, 1f, 2f, 3f, 4f)).build();
    StateDict retyped = StateDict.builder().putAll(c.model().filter(n -> !n.equals("bn1.num_batches_tracked")))
        .put("bn1.num_batches_tracked", io.epochal.tensor.Tensor.scalarFloat(10f)).build();

    assertThatThrownBy(() -> TestCheckpoints.withEma(c, renamed)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("EMA of epoch 1 has no tensor 'net.0.bias' (model: F32 [4]); it must hold exactly the "
            + "model's tensors");
    assertThatThrownBy(() -> TestCheckpoints.withEma(c, extra)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has tensor 'ema.decay' (F32 []), which the model does not have");
    assertThatThrownBy(() -> TestCheckpoints.withEma(c, reshaped)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("EMA tensor 'net.0.bias' of epoch 1 is F32 [2, 2] but the model's is F32 [4]");
    assertThatThrownBy(() -> TestCheckpoints.withEma(c, retyped)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bn1.num_batches_tracked'").hasMessageContaining("F32 [] but the model's is I64 []");
    assertThat(childNames()).isEmpty();
  }

  @Test
  void everyDTypeWithEmptyAndZeroDimensionalTensorsSurvivesACommitAndALoad() throws Exception {
    StateDict every = io.epochal.tensor.TestTensors.everyDType();
    CheckpointContent c = CheckpointContent.builder().setModel(every).optOptimizer(every)
        .optProbe(TestCheckpoints.content(1).probe()).setManifest(TestCheckpoints.manifest(1)).build();
    store.commit(c, CommitGuard.NONE);

    LoadedCheckpoint loaded = store.load(1);
    assertThat(loaded.model()).isEqualTo(every);
    assertThat(loaded.model().nameList()).isEqualTo(every.nameList());
    assertThat(loaded.optimizer()).isEqualTo(every);
    assertThat(store.verify(1).ok()).isTrue();
  }

  @Test
  void aCommitGuardedByATokenThatAnotherDriverSupersededIsRefusedAndTheNewHolderCommits() throws Exception {
    Path dir = new Path(jobDir);
    java.time.Clock now = java.time.Clock.systemUTC();
    io.epochal.job.JobLease first = io.epochal.job.JobLease.builder().setFileSystem(fileSystem()).setJobDir(dir)
        .optHolder("driver-a").optTtl(java.time.Duration.ofMinutes(1)).optClock(now).build();
    long staleToken = first.acquire(1).getToken();
    store.commit(TestCheckpoints.content(1), epoch -> first.checkStillHolder(staleToken));
    io.epochal.job.JobLease second = io.epochal.job.JobLease.builder().setFileSystem(fileSystem()).setJobDir(dir)
        .optHolder("driver-b").optTtl(java.time.Duration.ofMinutes(1))
        .optClock(java.time.Clock.offset(now, java.time.Duration.ofMinutes(5))).build();
    long newToken = second.acquire(2).getToken(); // driver-a's lease expired by driver-b's clock

    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(2), epoch -> first.checkStillHolder(staleToken)))
        .isInstanceOf(CheckpointException.class).hasCauseInstanceOf(io.epochal.job.LeaseLostException.class)
        .hasMessageContaining("driver-b");
    assertThat(childNames()).containsExactly("epoch-000001");
    store.commit(TestCheckpoints.content(2), epoch -> second.checkStillHolder(newToken));
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(2);
  }

  @Test
  void retentionAfterEachOf30CommitsKeepsExactlyWhatAMixedPolicyPromises() throws Exception {
    RetentionPolicy policy = RetentionPolicy.builder().optKeepLast(3).optKeepEvery(10)
        .optKeepBest(2, "val_loss", MetricGoal.MIN).build();
    List<Long> order = new java.util.ArrayList<>();
    for (long e = 1; e <= 30; e++) {
      order.add(e);
    }
    java.util.Collections.shuffle(order, new java.util.Random(5));
    Map<Long, Double> valLoss = new java.util.HashMap<>(); // distinct, in no relation to the epoch
    for (int i = 0; i < order.size(); i++) {
      valLoss.put(order.get(i), 1.0 + i / 100.0);
    }
    CheckpointCleaner cleaner = new CheckpointCleaner(store::delete);
    for (long e = 1; e <= 30; e++) {
      CheckpointContent base = TestCheckpoints.content(e, 64);
      store.commit(CheckpointContent.builder().setModel(base.model()).optOptimizer(base.optimizer())
          .optProbe(base.probe()).setManifest(base.manifest().toBuilder().optMetric("val_loss", valLoss.get(e))
              .build()).build(), CommitGuard.NONE);
      List<RetentionCandidate> candidates = new java.util.ArrayList<>();
      for (CheckpointEntry c : store.list()) {
        candidates.add(RetentionCandidate.of(c.epoch(), c.manifest().orElseThrow().metrics(), true));
      }
      RetentionResult result = cleaner.clean(policy, candidates);
      assertThat(result.getFailures()).isEmpty();

      // what the policy promises over every epoch committed so far: the last 3, every 10th, the 2 best
      java.util.TreeSet<Long> promised = new java.util.TreeSet<>();
      for (long k = Math.max(1, e - 2); k <= e; k++) {
        promised.add(k);
      }
      for (long k = 10; k <= e; k += 10) {
        promised.add(k);
      }
      final long upTo = e;
      valLoss.entrySet().stream().filter(x -> x.getKey() <= upTo).sorted(Map.Entry.comparingByValue()).limit(2)
          .forEach(x -> promised.add(x.getKey()));
      assertThat(store.list()).as("checkpoints after the commit of epoch %d", e)
          .extracting(CheckpointEntry::epoch).containsExactlyElementsOf(promised);
    }
    assertThat(store.verifyAll()).allMatch(VerificationReport::ok);
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(30);
  }

  @Test
  void emptyStoreHasNoLatestAndNothingToList() throws Exception {
    assertThat(store.latest().checkpoint()).isEmpty();
    assertThat(store.latest().skipped()).isEmpty();
    assertThat(store.list()).isEmpty();
    assertThatThrownBy(() -> store.load(3)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("epoch 3").hasMessageContaining("no checkpoint");
  }

  @Test
  void committingAnExistingEpochIsRefused() throws Exception {
    store.commit(TestCheckpoints.content(4), CommitGuard.NONE);
    CheckpointContent other = TestCheckpoints.content(4, 64);
    assertThatThrownBy(() -> store.commit(other, CommitGuard.NONE))
        .isInstanceOf(CheckpointExistsException.class)
        .hasMessageContaining("epoch 4").hasMessageContaining("epoch-000004");
    assertThat(childNames()).containsExactly("epoch-000004");
    assertThat(store.load(4).model()).isEqualTo(TestCheckpoints.content(4).model());
  }

  @Test
  void theGuardIsAskedOnceEveryFileAndTheManifestAreWrittenWholeAndBeforeTheEpochIsPublished() throws Exception {
    // a lease checked before the write would let a driver whose lease expired while it wrote a large state publish
    Map<String, Long> atTheGuard = new java.util.TreeMap<>();
    List<Boolean> publishedAtTheGuard = new ArrayList<>();
    List<byte[]> manifestAtTheGuard = new ArrayList<>();
    CommitGuard looking = epoch -> {
      FileSystem fs = fileSystem();
      publishedAtTheGuard.add(fs.exists(new Path(checkpoints(), "epoch-000002")));
      FileStatus[] temps = fs.listStatus(checkpoints(), p -> p.getName().startsWith("_tmp-epoch-000002-"));
      assertThat(temps).hasSize(1);
      for (FileStatus f : fs.listStatus(temps[0].getPath())) {
        atTheGuard.put(f.getPath().getName(), f.getLen());
      }
      manifestAtTheGuard.add(readAll(new Path(temps[0].getPath(), CheckpointManifest.FILE_NAME)));
    };
    CheckpointManifest committed = store.commit(TestCheckpoints.content(2), looking);

    assertThat(publishedAtTheGuard).containsExactly(false);
    Map<String, Long> listed = new java.util.TreeMap<>();
    committed.files().forEach(f -> listed.put(f.name(), f.size()));
    assertThat(atTheGuard).containsAllEntriesOf(listed).containsKey(CheckpointManifest.FILE_NAME)
        .hasSize(listed.size() + 1);
    byte[] published = readAll(new Path(new Path(checkpoints(), "epoch-000002"), CheckpointManifest.FILE_NAME));
    assertThat(manifestAtTheGuard.get(0)).isNotEmpty().isEqualTo(published);
  }

  @Test
  void epochPublishedWhileCommittingIsRefusedBeforeThePublishingRename() throws Exception {
    // another writer publishes epoch 5 after our files are written, before our rename; one published between the
    // check and the rename itself is refused by the rename (tests of the local, HDFS and other-scheme stores whose
    // names say "between the check and the rename")
    CommitGuard racing = epoch -> store.commit(TestCheckpoints.content(5, 64), CommitGuard.NONE);
    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(5), racing))
        .isInstanceOf(CheckpointExistsException.class);
    assertThat(childNames()).containsExactly("epoch-000005");
    assertThat(store.load(5).model()).isEqualTo(TestCheckpoints.content(5, 64).model());
  }

  @Test
  void writeFailingMidTensorLeavesNoVisibleCheckpoint() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    try (HadoopCheckpointStore failing = storeFailingAfter("model.safetensors", 5000)) {
      assertThatThrownBy(() -> failing.commit(TestCheckpoints.content(2), CommitGuard.NONE))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("epoch 2")
          .hasMessageContaining("disk failed after 5000 bytes of model.safetensors");
    }
    assertThat(childNames()).containsExactly("epoch-000001");
    assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(store.cleanTemporary()).isEmpty();
  }

  @Test
  void aCommitInterruptedWhileItWritesLeavesNoTemporaryDirectory() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    Thread committer = Thread.currentThread();
    OutputStreamDecorator interrupting = (name, out) -> !name.equals("model.safetensors") ? out
        : new FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            committer.interrupt(); // as a driver's stop or a cancelled task interrupts it
            throw new java.io.InterruptedIOException("interrupted while writing " + name);
          }
        };
    try (HadoopCheckpointStore interrupted = HadoopCheckpointStore.builder().setJobDir(jobDir)
        .optConfiguration(conf()).optOutputDecorator(interrupting).build()) {
      assertThatThrownBy(() -> interrupted.commit(TestCheckpoints.content(2), CommitGuard.NONE))
          .isInstanceOf(CheckpointException.class).hasMessageContaining("epoch 2");
      Thread.interrupted(); // cleared for what follows, whether the store kept it or an HDFS call took it
    }
    assertThat(childNames()).as("the failed commit's temporary directory, deleted on an interrupted thread")
        .containsExactly("epoch-000001");
    // the thread interrupted right before the publish (a stop while the guard checks the lease)
    CommitGuard interruptedAtTheGuard = epoch -> {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the lease of epoch " + epoch + " was checked");
    };
    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(2), interruptedAtTheGuard))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("epoch 2");
    assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
    assertThat(childNames()).as("its temporary directory, deleted on an interrupted thread")
        .containsExactly("epoch-000001");
  }

  @Test
  void guardThrowingFailsTheCommitAndLeavesNothingVisible() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    CommitGuard lostLease = epoch -> {
      throw new IOException("lease of job-test lost to attempt 3 before epoch " + epoch);
    };
    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(2), lostLease))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("lease of job-test lost to attempt 3 before epoch 2");
    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(2), e -> {
      throw new IllegalStateException("fencing token 7 is stale");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(childNames()).containsExactly("epoch-000001");
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
  }

  /** A way to damage a stored checkpoint, and what the store must then report. */
  enum Damage {
    TRUNCATED_FILE("model.safetensors has", "(truncated)"),
    FLIPPED_BYTE("optimizer.safetensors has SHA-256", "content changed or damaged"),
    DELETED_FILE("probe.safetensors is missing", "probe.safetensors"),
    GARBAGE_MANIFEST("manifest is not valid JSON", "manifest.json"),
    WRONG_SIZE_IN_MANIFEST("model.safetensors has", "but the manifest lists"),
    MANIFEST_CHANGED_AFTER_WRITING("own SHA-256 (manifest_sha256) does not match its content", "manifest.json");

    final String reason1;
    final String reason2;

    Damage(String reason1, String reason2) {
      this.reason1 = reason1;
      this.reason2 = reason2;
    }
  }

  private void damage(Damage d, Path dir) throws Exception {
    switch (d) {
      case TRUNCATED_FILE: {
        Path p = new Path(dir, "model.safetensors");
        byte[] b = readAll(p);
        overwrite(p, Arrays.copyOf(b, b.length - 100));
        break;
      }
      case FLIPPED_BYTE: {
        Path p = new Path(dir, "optimizer.safetensors");
        byte[] b = readAll(p);
        b[b.length / 2] ^= 0x01;
        overwrite(p, b);
        break;
      }
      case DELETED_FILE:
        assertThat(fileSystem().delete(new Path(dir, "probe.safetensors"), false)).isTrue();
        break;
      case MANIFEST_CHANGED_AFTER_WRITING: {
        // one digit of the global step: the manifest stays valid JSON with valid fields
        Path p = new Path(dir, "manifest.json");
        String text = new String(readAll(p), java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher step = java.util.regex.Pattern.compile("\"global_step\" : (\\d+)").matcher(text);
        assertThat(step.find()).isTrue();
        String changed = text.substring(0, step.start(1)) + (Long.parseLong(step.group(1)) + 1)
            + text.substring(step.end(1));
        overwrite(p, changed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        break;
      }
      case GARBAGE_MANIFEST:
        overwrite(new Path(dir, "manifest.json"), "{\"format_version\": \"1.0\", \u0000garbage".getBytes());
        break;
      case WRONG_SIZE_IN_MANIFEST: {
        Path p = new Path(dir, "manifest.json");
        CheckpointManifest m = CheckpointManifest.parse(readAll(p), p.toString());
        List<ManifestFile> files = m.files().stream()
            .map(f -> f.name().equals("model.safetensors") ? new ManifestFile(f.name(), f.size() + 1, f.sha256()) : f)
            .collect(Collectors.toList());
        overwrite(p, m.withFiles(files).toJson());
        break;
      }
      default:
        throw new AssertionError(d);
    }
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void damagedNewestCheckpointFallsBackToThePreviousAndSaysWhy(Damage d) throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    Path dir = new Path(checkpoints(), "epoch-000002");
    damage(d, dir);

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.checkpoint().orElseThrow().model()).isEqualTo(TestCheckpoints.content(1).model());
    assertThat(latest.skipped()).hasSize(1);
    CheckpointProblem p = latest.skipped().get(0);
    assertThat(p.epoch()).isEqualTo(2);
    assertThat(p.path()).endsWith("epoch-000002");
    assertThat(p.reason()).contains(d.reason1).contains(d.reason2).doesNotContain("epoch-000002");
    assertThat(p.toString()).startsWith("epoch 2 (").contains("epoch-000002").contains(p.reason());
    assertThat(p.newerFormat()).as("damaged, not of a newer format").isFalse();

    VerificationReport report = store.verify(2);
    assertThat(report.ok()).isFalse();
    assertThat(String.join("\n", report.problems())).contains(d.reason1);
    assertThat(store.verify(1).ok()).isTrue();
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("epoch 2").hasMessageContaining(d.reason1);
  }

  @Test
  void aCheckpointMovedAsideIsNoLongerACheckpointButStaysToBeVerifiedAndItsEpochCanBeCommittedAgain()
      throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    damage(Damage.FLIPPED_BYTE, new Path(checkpoints(), "epoch-000002"));

    CheckpointEntry moved = store.moveAside(2);

    assertThat(new Path(moved.path()).getName()).matches("_damaged-epoch-000002-\\d+");
    assertThat(moved.isMovedAside()).isTrue();
    assertThat(moved.manifest().orElseThrow().epoch()).isEqualTo(2);
    assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
    assertThat(store.list().get(0).isMovedAside()).isFalse();
    assertThat(store.latest().skipped()).isEmpty();
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(store.listMovedAside()).containsExactly(moved);
    VerificationReport report = store.verify(moved);
    assertThat(report.ok()).isFalse();
    assertThat(String.join("\n", report.problems())).contains(Damage.FLIPPED_BYTE.reason1);
    assertThatThrownBy(() -> store.load(moved)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining(Damage.FLIPPED_BYTE.reason1);
    assertThat(store.verify(store.list().get(0)).ok()).isTrue();
    assertThat(store.load(store.list().get(0)).model()).isEqualTo(TestCheckpoints.content(1).model());

    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(2);
    assertThat(store.listMovedAside()).containsExactly(moved);
    assertThatThrownBy(() -> store.moveAside(3)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("no checkpoint of this epoch exists");
  }

  @Test
  void aFileNamedAsACheckpointIsListedAsDamagedSkippedByLatestAndCanBeMovedAsideOrDeleted() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    Path stray = new Path(checkpoints(), "epoch-000002");
    try (org.apache.hadoop.fs.FSDataOutputStream out = fileSystem().create(stray, false)) {
      out.write("x\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    List<CheckpointEntry> list = store.list();
    assertThat(list).extracting(CheckpointEntry::epoch).containsExactly(1L, 2L);
    assertThat(list.get(1).manifestProblem().orElseThrow()).contains("epoch-000002 is a file, not a checkpoint "
        + "directory");
    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.toString())
        .contains("is a file, not a checkpoint directory"));
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("is a file, not a checkpoint directory");

    CheckpointEntry moved = store.moveAside(2);
    assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
    assertThat(store.listMovedAside()).singleElement().satisfies(e -> {
      assertThat(e.path()).isEqualTo(moved.path());
      assertThat(e.manifestProblem().orElseThrow()).contains("is a file, not a checkpoint directory");
    });
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(2);

    Path another = new Path(checkpoints(), "epoch-000003");
    fileSystem().create(another, false).close();
    assertThat(store.delete(3)).isTrue();
    assertThat(fileSystem().exists(another)).isFalse();
    assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L, 2L);
  }

  @Test
  void anEntryOfAnotherDirectoryIsRefused() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    CheckpointEntry own = store.list().get(0);
    CheckpointEntry elsewhere = new CheckpointEntry(1, new Path(new Path(own.path()).getParent().getParent(),
        "epoch-000001").toString(), own.manifest().orElseThrow(), null);
    CheckpointEntry misnamed = new CheckpointEntry(2, own.path(), own.manifest().orElseThrow(), null);

    assertThatThrownBy(() -> store.verify(elsewhere)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a checkpoint directory of epoch 1 in");
    assertThatThrownBy(() -> store.load(misnamed)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a checkpoint directory of epoch 2");
  }

  @Test
  void listReportsAnUnparseableManifestWithoutFailing() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    damage(Damage.GARBAGE_MANIFEST, new Path(checkpoints(), "epoch-000002"));
    List<CheckpointEntry> list = store.list();
    assertThat(list).extracting(CheckpointEntry::epoch).containsExactly(1L, 2L);
    assertThat(list.get(1).manifest()).isEmpty();
    assertThat(list.get(1).manifestProblem().orElseThrow()).contains("manifest.json");
  }

  @Test
  void deleteRemovesTheCheckpointAndLatestMovesBack() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    assertThat(store.delete(2)).isTrue();
    assertThat(store.delete(2)).isFalse();
    assertThat(childNames()).containsExactly("epoch-000001");
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
  }

  @Test
  void temporaryDirectoriesAreNeverCheckpointsAndAreCleaned() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    Path leftover = new Path(checkpoints(), "_tmp-epoch-000002-0f0e");
    fileSystem().mkdirs(leftover);
    overwrite(new Path(leftover, "model.safetensors"), new byte[] {1, 2, 3});
    assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
    List<String> removed = store.cleanTemporary();
    assertThat(removed).hasSize(1);
    assertThat(removed.get(0)).endsWith("_tmp-epoch-000002-0f0e");
    assertThat(childNames()).containsExactly("epoch-000001");
  }

  @Test
  void aCheckpointOfANewerManifestFormatIsSkippedAsNewerNotAsDamaged() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    Path p = new Path(new Path(checkpoints(), "epoch-000002"), "manifest.json");
    CheckpointManifest m = CheckpointManifest.parse(readAll(p), p.toString());
    overwrite(p, m.toBuilder().setFormatVersion("2.0").build().toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(problem -> {
      assertThat(problem.newerFormat()).isTrue();
      assertThat(problem.reason()).contains("format_version 2.0 is newer than the supported 1.1");
    });
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(NewerFormatException.class);
  }

  @Test
  void manifestInTheWrongDirectoryIsDamage() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    FileSystem fs = fileSystem();
    FileStatus[] before = fs.listStatus(checkpoints());
    assertThat(before).hasSize(1);
    assertThat(fs.rename(new Path(checkpoints(), "epoch-000001"), new Path(checkpoints(), "epoch-000009")))
        .isTrue();
    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint()).isEmpty();
    assertThat(latest.skipped()).singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("manifest is of epoch 1"));
  }

  @Test
  void aListedCheckpointDeletedBeforeItIsReadIsReportedAsDeletedNotAsMissingOrDamaged() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    CheckpointEntry first = store.list().get(0);
    assertThat(first.epoch()).isEqualTo(1);
    assertThat(store.delete(1)).isTrue(); // a driver's retention, between a reader's listing and its read

    assertThatThrownBy(() -> store.load(first)).isInstanceOf(CheckpointDeletedException.class)
        .hasMessageContaining("deleted while it was being read").hasMessageContaining("it is not damaged");
    assertThatThrownBy(() -> store.verify(first)).isInstanceOf(CheckpointDeletedException.class);
    assertThatThrownBy(() -> store.load(1)).as("an epoch asked for by number: none exists")
        .isNotInstanceOf(CheckpointDeletedException.class).hasMessageContaining("no checkpoint of this epoch exists");
  }
}
