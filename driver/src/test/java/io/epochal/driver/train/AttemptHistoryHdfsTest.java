package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.MiniHdfs;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.job.JobPaths;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real HDFS (one DataNode on loopback): an attempt's history whose DataNode went away goes on
 * in a new part once the DataNode is back, and the part whose stream broke, open under the
 * driver's own lease, is closed through lease recovery so that its events can be read again.
 */
class AttemptHistoryHdfsTest {

  @TempDir
  Path tmp;

  private static JobEvent committed(int epoch) {
    return JobEvent.builder(JobEventType.EPOCH_COMMITTED, Instant.parse("2025-01-01T00:00:00Z").plusSeconds(epoch), 1)
        .optEpoch(epoch).optRound(0).build();
  }

  @Test
  void aHistoryWhoseDataNodeWentAwayGoesOnInANewPartAndTheBrokenPartIsReadableAgain() throws Exception {
    File base = tmp.resolve("hdfs").toFile();
    Configuration conf = new Configuration();
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setInt("dfs.replication", 1);
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).format(true).build();
    try {
      cluster.waitActive();
      Configuration client = new Configuration(cluster.getConfiguration(0));
      client.setBoolean("fs.hdfs.impl.disable.cache", true);
      client.setInt("dfs.client.block.write.locateFollowingBlock.retries", 2);
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path("hdfs://127.0.0.1:" + cluster.getNameNodePort()
          + "/jobs/history");
      List<String> warnings = Collections.synchronizedList(new ArrayList<>());
      TrainingListener listener = new TrainingListener() {
        @Override
        public void warning(String message) {
          warnings.add(message);
        }
      };
      try (FileSystem fs = FileSystem.newInstance(dir.toUri(), client)) {
        JobEventLog log = new JobEventLog(fs, dir);
        AttemptHistory history = AttemptHistory.open(log, dir, 1, listener);
        history.append(committed(1));
        history.append(committed(2));

        MiniDFSCluster.DataNodeProperties dataNode = cluster.stopDataNode(0);
        history.append(committed(3)); // lost with the broken stream
        cluster.restartDataNode(dataNode, true);
        cluster.waitActive();
        history.append(committed(4));
        history.close();

        org.apache.hadoop.fs.Path first = JobPaths.attemptEvents(dir, 1);
        DistributedFileSystem dfs = cluster.getFileSystem();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!dfs.isFileClosed(first) && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertThat(dfs.isFileClosed(first)).as("the broken part's lease was recovered").isTrue();
        assertThat(log.readAll()).extracting(JobEvent::getEpoch).containsExactly(1L, 2L, 4L);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("cannot append to the event history"))
            .anySatisfy(w -> assertThat(w).contains("the event history is written again"));
      }
    } finally {
      MiniHdfs.shutdown(cluster, base);
    }
  }
}
