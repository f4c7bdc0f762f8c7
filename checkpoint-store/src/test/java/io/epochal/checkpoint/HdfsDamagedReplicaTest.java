package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DFSTestUtil;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.ExtendedBlock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads on a two-DataNode HDFS whose replicas are damaged on disk: the store reads data files
 * without HDFS's checksums, so these tests prove that a damaged replica neither fails a load that a
 * good replica can serve nor slips through when it is the only one.
 */
class HdfsDamagedReplicaTest {

  @TempDir
  static Path base;

  private static MiniHdfs hdfs;

  @BeforeAll
  static void startHdfs() throws IOException {
    hdfs = MiniHdfs.start(base.resolve("dfs").toFile(), 2);
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  private static HadoopCheckpointStore store(String job, int replication) throws CheckpointException {
    Configuration conf = hdfs.conf();
    conf.setInt("dfs.replication", replication);
    return HadoopCheckpointStore.builder().setJobDir(hdfs.uri() + "/jobs/" + job).optConfiguration(conf).build();
  }

  private static ExtendedBlock firstBlock(HadoopCheckpointStore store, String file) throws IOException {
    return firstBlock(store, 1, file);
  }

  private static ExtendedBlock firstBlock(HadoopCheckpointStore store, long epoch, String file) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(store.checkpointsDir() + "/"
        + String.format("epoch-%06d", epoch) + "/" + file);
    return DFSTestUtil.getFirstBlock(hdfs.fileSystem(), p);
  }

  /** The replicas of {@code blocks} the NameNode counts as corrupt (other tests' damaged blocks are not counted). */
  private static int corruptReplicas(ExtendedBlock... blocks) {
    int n = 0;
    for (ExtendedBlock b : blocks) {
      n += hdfs.cluster().getNamesystem().getBlockManager().numCorruptReplicas(b.getLocalBlock());
    }
    return n;
  }

  @Test
  void aDamagedReplicaIsReadAroundAndReportedToTheNameNode() throws Exception {
    CheckpointContent content = TestCheckpoints.content(1, 1 << 16);
    try (HadoopCheckpointStore store = store("two-replicas", 2)) {
      store.commit(content, CommitGuard.NONE);
      MiniDFSCluster cluster = hdfs.cluster();
      // one file damaged on each DataNode: whichever the client prefers, one read meets a damaged replica
      ExtendedBlock model = firstBlock(store, CheckpointStore.MODEL_FILE);
      ExtendedBlock optimizer = firstBlock(store, CheckpointStore.OPTIMIZER_FILE);
      cluster.getMaterializedReplica(0, model).corruptData();
      cluster.getMaterializedReplica(1, optimizer).corruptData();
      assertThat(corruptReplicas(model, optimizer)).as("none reported before a load").isZero();

      // each open may start at either DataNode (both are on this host): a load meets a damaged replica, and
      // reports it, only now and then, so the loads go on until the NameNode counts one
      long deadline = System.nanoTime() + 30_000_000_000L;
      int loads = 0;
      do {
        LoadedCheckpoint loaded = store.load(1);
        loads++;
        assertThat(loaded.model()).isEqualTo(content.model());
        assertThat(loaded.optimizer()).isEqualTo(content.optimizer());
        Thread.sleep(50);
      } while (corruptReplicas(model, optimizer) == 0 && loads < 60 && System.nanoTime() < deadline);
      assertThat(corruptReplicas(model, optimizer)).as("damaged replicas of this checkpoint reported after %s loads",
          loads).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void aFileWhoseOnlyReplicaIsDamagedFailsTheLoadOnItsChecksumAfterTheUncheckedReadSawTheDamage() throws Exception {
    try (HadoopCheckpointStore store = store("one-replica", 1)) {
      store.commit(TestCheckpoints.content(1, 1 << 16), CommitGuard.NONE);
      // changes the file's first bytes, its safetensors header
      assertThat(hdfs.cluster().corruptBlockOnDataNodes(firstBlock(store, CheckpointStore.MODEL_FILE))).isEqualTo(1);

      // the unchecked read got the damaged bytes (no CRC error); the checked one failed on its CRC
      assertThatThrownBy(() -> store.load(1))
          .isInstanceOf(CheckpointCorruptedException.class)
          .hasMessageContaining(CheckpointStore.MODEL_FILE)
          .hasMessageContaining("ChecksumException")
          .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
              .isInstanceOf(CheckpointCorruptedException.class)
              .satisfies(unchecked -> assertThat(unchecked.getMessage())
                  .contains("is not a valid safetensors file")
                  .doesNotContain("ChecksumException")));
    }
  }

  @Test
  void aFileWhoseEveryReplicaIsDamagedIsDamageTheStoreFallsBackFrom() throws Exception {
    try (HadoopCheckpointStore store = store("every-replica", 2)) {
      store.commit(TestCheckpoints.content(1, 1 << 16), CommitGuard.NONE);
      store.commit(TestCheckpoints.content(2, 1 << 16), CommitGuard.NONE);
      assertThat(hdfs.cluster().corruptBlockOnDataNodes(firstBlock(store, 2, CheckpointStore.MODEL_FILE)))
          .isEqualTo(2);

      assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
          .hasMessageContaining(CheckpointStore.MODEL_FILE);
      LatestCheckpoint latest = store.latest();
      assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.manifest().epoch()).isEqualTo(1));
      assertThat(latest.skipped()).singleElement().satisfies(p -> {
        assertThat(p.epoch()).isEqualTo(2);
        assertThat(p.reason()).contains(CheckpointStore.MODEL_FILE);
      });
    }
  }
}
