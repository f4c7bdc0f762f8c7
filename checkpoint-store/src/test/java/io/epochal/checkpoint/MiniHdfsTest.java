package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test cluster's own life cycle: what closing it leaves behind in the JVM and on disk. */
class MiniHdfsTest {

  @Test
  void closingTheClusterKeepsOtherShutdownHooksAndDeletesItsData(@TempDir Path tmp) throws Exception {
    Runnable hook = () -> { };
    ShutdownHookManager.get().addShutdownHook(hook, 5);
    try {
      File base = tmp.resolve("dfs").toFile();
      MiniHdfs hdfs = MiniHdfs.start(base);
      hdfs.fileSystem().mkdirs(new org.apache.hadoop.fs.Path("/a"));
      hdfs.close();

      assertThat(ShutdownHookManager.get().hasShutdownHook(hook))
          .as("a hook registered before the cluster (Spark's temporary-folder cleanup, say) is still there")
          .isTrue();
      assertThat(base).as("the cluster's data folder").doesNotExist();
    } finally {
      ShutdownHookManager.get().removeShutdownHook(hook);
    }
  }
}
