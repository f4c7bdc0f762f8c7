package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.safetensors.TensorAllocator;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A load that runs out of memory says which file of which checkpoint it was loading, and how large it is. */
class LoadOutOfMemoryTest {

  @TempDir
  Path dir;

  @Test
  void directMemoryRunningOutWhileLoadingNamesTheFileItsSizeAndTheEpoch() throws Exception {
    org.apache.hadoop.fs.Path epochDir;
    try (HadoopCheckpointStore store = HadoopCheckpointStore.open(dir.resolve("job").toUri().toString())) {
      store.commit(TestCheckpoints.content(1, 4096), CommitGuard.NONE);
      epochDir = new org.apache.hadoop.fs.Path(store.checkpointsDir(), "epoch-000001");
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (RawLocalFileSystem raw = new RawLocalFileSystem()) {
      raw.initialize(URI.create("file:///"), new Configuration());
      TensorAllocator exhausted = bytes -> {
        throw new OutOfMemoryError("Cannot reserve " + bytes + " bytes of direct buffer memory");
      };
      CheckpointReader reader = new CheckpointReader(raw, raw, pool, exhausted, false, CheckpointSeries.EPOCHS);

      assertThatThrownBy(() -> reader.load(1, epochDir)).isInstanceOf(OutOfMemoryError.class)
          .hasMessageContaining("of direct buffer memory while loading " + epochDir)
          .hasMessageMatching("(?s).*\\.safetensors \\(\\d+ bytes\\) of the checkpoint of epoch 1")
          .hasCauseInstanceOf(OutOfMemoryError.class);
    } finally {
      pool.shutdownNow();
    }
  }
}
