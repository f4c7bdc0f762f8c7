package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.MiniHdfs;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEventType;
import io.epochal.tensor.StateDict;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HDFS faults while a job runs with its job directory on a MiniDFSCluster of two DataNodes and
 * replication 2 (the data stays on the local file system): a DataNode stopped while a checkpoint
 * is written, the NameNode restarted between epochs, a space quota exhausted by a checkpoint, and a run stopped
 * inside an epoch that continues from its mid-epoch checkpoint in HDFS.
 * Every scenario ends with the tensors of an uninterrupted run.
 */
class HdfsFaultTest {

  private static MiniDFSCluster cluster;
  private static File base;
  private static EpochalSpark spark;
  private static String data;
  private static StateDict reference;
  private static String referenceDir;

  @BeforeAll
  static void start(@TempDir Path tmp) throws Exception {
    base = tmp.resolve("hdfs").toFile();
    Configuration conf = new Configuration();
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    // Closing a file waits for the DataNode to report the block; on a busy 2-core machine the
    // default 5 retries (about 3 s) are not always enough, and real clusters often raise it too;
    // the first wait 10 ms, as the store's own clients wait (io.epochal.checkpoint.MiniHdfs#fastCloses)
    io.epochal.checkpoint.MiniHdfs.fastCloses(conf);
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setInt("dfs.replication", 2);
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
    cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(2).format(true).build();
    cluster.waitActive();
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("recovery-hdfs-faults").build();
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
    referenceDir = tmp.resolve("reference").toUri().toString();
    reference = RecoveryFixture.tensors(TrainingJob.builder()
        .setSpec(RecoveryFixture.spec(referenceDir, data)).setSpark(spark)
        .build().run().state());
  }

  @AfterAll
  static void stop() {
    try {
      if (spark != null) {
        spark.close();
      }
    } finally {
      if (cluster != null) {
        MiniHdfs.shutdown(cluster, base);
      }
    }
  }

  /**
   * The driver's client configuration for the cluster. With as many DataNodes as replicas no
   * replacement exists for a lost one, so an open, synced stream (the event history, a checkpoint
   * file) must go on with the DataNode left instead of failing: clusters with at most
   * {@code dfs.replication} DataNodes need {@code replace-datanode-on-failure.best-effort}.
   */
  private static Configuration hdfsConf() {
    Configuration c = new Configuration(cluster.getConfiguration(0));
    c.setBoolean("dfs.client.block.write.replace-datanode-on-failure.best-effort", true);
    // A client of its own, so that the setting is not lost to a cached one made with another configuration.
    c.setBoolean("fs.hdfs.impl.disable.cache", true);
    return c;
  }

  private static String jobDir(String name) {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/jobs/" + name;
  }

  private static TrainingOutcome run(JobSpec spec, RecoveryFixture.Recording listener) throws Exception {
    return TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).optHadoopConf(hdfsConf())
        .build().run();
  }

  /** Verifies every committed checkpoint of {@code dir}; returns their epochs. */
  private static List<Long> verifiedEpochs(String dir) throws Exception {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir).optConfiguration(hdfsConf())
        .build()) {
      List<VerificationReport> reports = store.verifyAll();
      assertThat(reports).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
      List<Long> listed = store.list().stream().map(CheckpointEntry::epoch).toList();
      assertThat(reports).as("one report per checkpoint").extracting(VerificationReport::epoch)
          .containsExactlyElementsOf(listed);
      return listed;
    }
  }

  @Test
  void aRunStoppedInsideAnEpochOnHdfsContinuesFromItsMidEpochCheckpointToTheSameTensors() throws Exception {
    String dir = jobDir("mid-epoch");
    JobSpec spec = RecoveryFixture.spec(dir, data, Map.of("checkpoint.every_n_rounds", "1"));
    List<String> rounds = new java.util.concurrent.CopyOnWriteArrayList<>();
    RecoveryFixture.Recording stopping = new RecoveryFixture.Recording() {
      @Override
      public void round(int epoch, int epochs, int round, int total, double samplesPerSecond, double meanLoss) {
        if (epoch == 2 && round == 2) {
          throw new IllegalStateException("the driver stops inside epoch 2");
        }
      }
    };
    assertThatThrownBy(() -> run(spec, stopping)).isInstanceOf(IllegalStateException.class);
    org.apache.hadoop.fs.Path mid = new org.apache.hadoop.fs.Path(dir, "mid-epoch");
    org.apache.hadoop.fs.FileSystem fs = mid.getFileSystem(hdfsConf());
    // epoch 2's round 1 (global step 4 + 2), in HDFS; epoch 1's went with the commit of epoch 1
    assertThat(java.util.Arrays.stream(fs.listStatus(mid)).map(st -> st.getPath().getName()))
        .containsExactly("step-000000006");
    RecoveryFixture.Recording resuming = new RecoveryFixture.Recording() {
      @Override
      public void round(int epoch, int epochs, int round, int total, double samplesPerSecond, double meanLoss) {
        rounds.add(epoch + "." + round);
      }
    };
    TrainingOutcome resumed = run(spec, resuming);
    assertThat(rounds).as("epoch 2 goes on at its round 2").startsWith("2.2", "3.1");
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(reference);
    assertThat(fs.listStatus(mid)).isEmpty();
  }

  @Test
  void dataNodeStoppedWhileACheckpointIsWrittenStillCommitsEveryEpochVerifiedAndBitIdentical() throws Exception {
    String dir = jobDir("datanode-lost");
    AtomicReference<MiniDFSCluster.DataNodeProperties> stopped = new AtomicReference<>();
    // the DataNode goes as the checkpoint of epoch 2 creates its second file: the first one may still be open
    StopDataNodeOnCreate.armed = () -> stopped.compareAndSet(null, cluster.stopDataNode(0));
    Configuration conf = hdfsConf();
    conf.setClass("fs.hdfs.impl", StopDataNodeOnCreate.class, org.apache.hadoop.fs.FileSystem.class);
    try {
      TrainingOutcome outcome = TrainingJob.builder().setSpec(RecoveryFixture.spec(dir, data, Map.of("lease.ttl_ms",
          "60000"))).setSpark(spark).optListener(new RecoveryFixture.Recording()).optHadoopConf(conf).build().run();
      assertThat(stopped.get()).as("a DataNode was stopped while epoch 2's checkpoint was written").isNotNull();
      assertThat(cluster.getDataNodes()).hasSize(1);
      assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(reference);
      assertThat(verifiedEpochs(dir)).containsExactly(1L, 2L, 3L);
      assertSameCheckpointAsReference(dir, 2); // written while the DataNode went
      assertThat(RecoveryFixture.events(dir, hdfsConf())).filteredOn(e -> e.getType() == JobEventType.EPOCH_COMMITTED)
          .extracting(e -> e.getEpoch()).containsExactly(1L, 2L, 3L);
    } finally {
      StopDataNodeOnCreate.armed = null;
      if (stopped.get() != null) {
        cluster.restartDataNode(stopped.get(), true);
        cluster.waitActive();
      }
    }
  }

  /**
   * The HDFS client of the DataNode test: runs {@link #armed} once, before it creates the second file of the
   * checkpoint of epoch 2 (in its {@code _tmp-epoch-000002-*} directory).
   */
  public static final class StopDataNodeOnCreate extends DistributedFileSystem {
    static volatile Runnable armed;
    private static final java.util.concurrent.atomic.AtomicInteger CREATED =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public org.apache.hadoop.fs.FSDataOutputStream create(org.apache.hadoop.fs.Path f,
        org.apache.hadoop.fs.permission.FsPermission permission,
        java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags,
        int bufferSize, short replication, long blockSize, org.apache.hadoop.util.Progressable progress,
        org.apache.hadoop.fs.Options.ChecksumOpt checksumOpt) throws java.io.IOException {
      Runnable hook = armed;
      if (hook != null && f.getParent() != null && f.getParent().getName().startsWith("_tmp-epoch-000002-")
          && CREATED.incrementAndGet() == 2) {
        armed = null;
        hook.run();
      }
      return super.create(f, permission, flags, bufferSize, replication, blockSize, progress, checksumOpt);
    }
  }

  @Test
  void nameNodeRestartedBetweenEpochsDoesNotStopTheJob() throws Exception {
    String dir = jobDir("namenode-restart");
    CountDownLatch committed1 = new CountDownLatch(1);
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicReference<Throwable> restartFailure = new AtomicReference<>();
    Thread[] restarter = new Thread[1];
    RecoveryFixture.Recording listener = new RecoveryFixture.Recording() {
      @Override
      public void committed(int epoch, String path, long bytes, long millis) {
        if (epoch == 1) {
          committed1.countDown();
        }
      }

      @Override
      public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
        if (epoch == 2 && round == 1 && restarted.compareAndSet(false, true)) {
          try {
            committed1.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          // The driver keeps going while the NameNode is down and comes back on the same port.
          restarter[0] = new Thread(() -> {
            try {
              cluster.restartNameNode(true);
            } catch (Throwable t) {
              restartFailure.set(t);
            }
          }, "restart-namenode");
          restarter[0].start();
        }
      }
    };
    int port = cluster.getNameNodePort();
    // The default retries (3 attempts, backoff from 1 s): a retry waits for the NameNode's restart and
    // its safe mode (retry.storage_wait_ms), which share this JVM's cores with Spark, without using attempts.
    JobSpec spec = RecoveryFixture.spec(dir, data, Map.of("lease.ttl_ms", "120000"));
    TrainingOutcome outcome = run(spec, listener);
    restarter[0].join(120_000);
    assertThat(restarted).isTrue();
    assertThat(restartFailure.get()).isNull();
    assertThat(cluster.getNameNodePort()).isEqualTo(port);
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(reference);
    assertThat(verifiedEpochs(dir)).containsExactly(1L, 2L, 3L);
    assertSameCheckpointAsReference(dir, 2);
    System.out.println("HdfsFaultTest: during the NameNode restart: " + listener.warnings);
    // waits for the NameNode use no attempt; what it refuses while its DataNodes register again (a write to no
    // DataNode) may, and is written again from memory: no epoch is trained again
    assertThat(RecoveryFixture.events(dir, hdfsConf())).as("the outage trained no epoch again")
        .filteredOn(e -> e.getType() == JobEventType.FAILURE)
        .allSatisfy(e -> assertThat(e.getMessage()).contains("retried in place from the state in memory")
            .doesNotContain("NameNode still not started"));
  }

  @Test
  void exhaustedSpaceQuotaFailsOnceNamingTheCheckpointKeepsThePreviousOneAndResumesAfterTheQuotaIsRaised()
      throws Exception {
    String dir = jobDir("quota");
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(dir + "/checkpoints");
    DistributedFileSystem dfs = cluster.getFileSystem();
    QuotaAfterEpochOne listener = new QuotaAfterEpochOne(dfs, checkpoints);
    // the write is tried again for 2 s (retry.storage_wait_ms), then the job fails
    JobSpec spec = RecoveryFixture.spec(dir, data, Map.of("lease.ttl_ms", "60000", "retry.storage_wait_ms", "2000"));
    assertThatThrownBy(() -> run(spec, listener))
        .isInstanceOfSatisfying(TrainingException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.CHECKPOINT_WRITE_FAILED);
          assertThat(e.epoch()).isEqualTo(2);
        })
        .hasMessageNotContaining("gave up after") // not an attempt: a retry would be refused the same way
        .hasMessageContaining("the write was tried again for 2 s (retry.storage_wait_ms)")
        .hasMessageContaining("checkpoint " + dir + "/checkpoints/epoch-000002 was not committed")
        .hasMessageContaining("quota is exhausted")
        .hasMessageContaining("DiskSpace quota of /jobs/quota/checkpoints is exceeded")
        .hasMessageContaining("the previous checkpoint stays the latest");
    assertThat(listener.limited).isTrue();
    assertThat(verifiedEpochs(dir)).containsExactly(1L);
    assertThat(RecoveryFixture.events(dir, hdfsConf()))
        .filteredOn(e -> e.getType() == JobEventType.FAILURE)
        .singleElement()
        .satisfies(e -> assertThat(e.getReason()).isEqualTo("CHECKPOINT_WRITE_FAILED"));

    dfs.setQuota(checkpoints, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
    TrainingOutcome resumed = run(spec, new RecoveryFixture.Recording());
    assertThat(resumed.resumedFrom()).isEqualTo(1);
    assertThat(RecoveryFixture.tensors(resumed.state())).isEqualTo(reference);
    assertThat(verifiedEpochs(dir)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aCheckpointRefusedForAnExhaustedQuotaIsWrittenFromMemoryOnceTheQuotaIsRaisedWithoutTrainingAgain()
      throws Exception {
    String dir = jobDir("quota-raised");
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(dir + "/checkpoints");
    DistributedFileSystem dfs = cluster.getFileSystem();
    AtomicBoolean raised = new AtomicBoolean();
    java.util.Map<Integer, Integer> roundsOfEpoch = new java.util.concurrent.ConcurrentHashMap<>();
    QuotaAfterEpochOne listener = new QuotaAfterEpochOne(dfs, checkpoints) {
      @Override
      public void round(int epoch, int epochs, int round, int rounds, double sps, double loss) {
        roundsOfEpoch.merge(epoch, 1, Integer::sum);
      }

      @Override
      public void warning(String message) {
        super.warning(message);
        // an operator sees the warning and raises the quota
        if (message.contains("to take writes again") && raised.compareAndSet(false, true)) {
          try {
            dfs.setQuota(checkpoints, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    };
    TrainingOutcome outcome = run(RecoveryFixture.spec(dir, data, Map.of("lease.ttl_ms", "60000")), listener);
    assertThat(raised).isTrue();
    assertThat(listener.warnings).anySatisfy(w -> assertThat(w).contains("the checkpoint of epoch 2 is refused")
        .contains("DiskSpace quota of /jobs/quota-raised/checkpoints is exceeded")
        .contains("raise its quota (hdfs dfsadmin -setSpaceQuota)")
        .contains("the epoch's state is kept in memory, and training goes on"));
    assertThat(roundsOfEpoch).as("no epoch trained again").isEqualTo(Map.of(1, 2, 2, 2, 3, 2));
    assertThat(RecoveryFixture.tensors(outcome.state())).isEqualTo(reference);
    assertThat(verifiedEpochs(dir)).containsExactly(1L, 2L, 3L);
    assertSameCheckpointAsReference(dir, 2); // written from memory once the quota was raised
    assertThat(RecoveryFixture.events(dir, hdfsConf())).as("the wait is not an attempt")
        .noneMatch(e -> e.getType() == JobEventType.FAILURE);
  }

  @Test
  void aCheckpointWaitingForSpaceStopsOnceAnotherDriverTookTheJob() throws Exception {
    String dir = jobDir("quota-taken-over");
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(dir + "/checkpoints");
    DistributedFileSystem dfs = cluster.getFileSystem();
    AtomicBoolean claimed = new AtomicBoolean();
    QuotaAfterEpochOne listener = new QuotaAfterEpochOne(dfs, checkpoints) {
      @Override
      public void warning(String message) {
        super.warning(message);
        // while the write waits, another driver claims the job (a newer fencing token), as after a pause
        if (message.contains("to take writes again") && claimed.compareAndSet(false, true)) {
          try {
            dfs.create(io.epochal.job.JobPaths.leaseToken(new org.apache.hadoop.fs.Path(dir), 1_000_000), false)
                .close();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    };
    // renewed every second; a wait of a minute for space, said every 15 s
    JobSpec spec = RecoveryFixture.spec(dir, data, Map.of("lease.ttl_ms", "3000", "retry.storage_wait_ms", "60000"));

    assertThatThrownBy(() -> run(spec, listener)).isInstanceOfSatisfying(TrainingException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.LEASE_LOST));

    assertThat(claimed).isTrue();
    assertThat(listener.warnings).as("the wait ended at the takeover, before it was said again")
        .filteredOn(w -> w.contains("to take writes again")).hasSize(1);
    assertThat(verifiedEpochs(dir)).containsExactly(1L);
  }

  /** Asserts that {@code dir}'s checkpoint of {@code epoch} holds the reference run's tensors of that epoch. */
  private static void assertSameCheckpointAsReference(String dir, long epoch) throws Exception {
    assertThat(RecoveryFixture.checkpointTensors(dir, epoch, hdfsConf())).as("checkpoint of epoch %d", epoch)
        .isEqualTo(RecoveryFixture.checkpointTensors(referenceDir, epoch, new Configuration()));
  }

  /**
   * Once epoch 2 has trained and epoch 1 is committed, limits {@code checkpoints}' space quota far below one block:
   * no new checkpoint file can be written there.
   */
  private static class QuotaAfterEpochOne extends RecoveryFixture.Recording {
    final CountDownLatch committed1 = new CountDownLatch(1);
    final AtomicBoolean limited = new AtomicBoolean();
    private final DistributedFileSystem dfs;
    private final org.apache.hadoop.fs.Path checkpoints;

    QuotaAfterEpochOne(DistributedFileSystem dfs, org.apache.hadoop.fs.Path checkpoints) {
      this.dfs = dfs;
      this.checkpoints = checkpoints;
    }

    @Override
    public void committed(int epoch, String path, long bytes, long millis) {
      if (epoch == 1) {
        committed1.countDown();
      }
    }

    @Override
    public void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
      if (epoch == 2 && limited.compareAndSet(false, true)) {
        try {
          committed1.await();
          dfs.setQuota(checkpoints, HdfsConstants.QUOTA_DONT_SET, 4096);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
