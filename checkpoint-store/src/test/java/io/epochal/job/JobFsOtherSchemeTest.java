package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing a job file where an overwriting rename is a delete and a rename
 * ({@link OtherSchemeFileSystem}, through {@code DelegateToFileSystem}, as on object stores).
 */
class JobFsOtherSchemeTest {

  @TempDir java.nio.file.Path tmp;

  @Test
  void concurrentReplacesOfOneFileAllSucceedAndLeaveOneWholeVersion() throws Exception {
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      JobFs files = new JobFs(fs);
      Path target = new Path(OtherSchemeFileSystem.uri(tmp), "lease.json");
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
          String content = "writer " + w;
          writers.add(pool.submit(() -> {
            for (int i = 0; i < 40; i++) {
              files.replace(target, (content + " version " + i).getBytes(StandardCharsets.UTF_8));
            }
            return null;
          }));
        }
        for (Future<?> f : writers) {
          f.get(); // a rename that lost the race to the other writer's would throw here
        }
      } finally {
        pool.shutdownNow();
        pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      String last = new String(files.readIfExists(target).orElseThrow(), StandardCharsets.UTF_8);
      assertThat(last).matches("writer [01] version 39");
      try (var left = java.nio.file.Files.list(tmp)) {
        assertThat(left.map(p -> p.getFileName().toString())).containsExactly("lease.json");
      }
    }
  }

  @Test
  void aReplaceIsNeitherFailedNorMaskedByAFailureToRemoveItsTemporaryFile() throws Exception {
    try (SafeModeFileSystem fs = SafeModeFileSystem.forJob(new Path(OtherSchemeFileSystem.uri(tmp)))) {
      FileSystem failingCleanup = new org.apache.hadoop.fs.FilterFileSystem(fs) {
        @Override
        public boolean delete(Path p, boolean recursive) throws java.io.IOException {
          if (p.getName().startsWith("_tmp-")) {
            throw new java.io.IOException("cannot delete " + p + " (a flaky store)");
          }
          return super.delete(p, recursive);
        }
      };
      JobFs files = new JobFs(failingCleanup);
      Path target = new Path(OtherSchemeFileSystem.uri(tmp), "lease.json");
      files.replace(target, "first".getBytes(StandardCharsets.UTF_8));
      files.replace(target, "second".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(files.readIfExists(target).orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("second");

      fs.refuse(true); // the rename fails: its own error is the one reported, not the cleanup's
      assertThatThrownBy(() -> files.replace(target, "third".getBytes(StandardCharsets.UTF_8)))
          .hasMessageContaining("safe mode").hasMessageNotContaining("a flaky store");
    }
  }

  @Test
  void aCreateLostAsItClosesOnAStoreThatDecidesCreatesThenLeavesTheWinnersFile() throws Exception {
    // gs:// checks a create that must not overwrite as the file is closed: the other writer's file is there by then
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      FileSystem decidesAtClose = new org.apache.hadoop.fs.FilterFileSystem(fs) {
        @Override
        public org.apache.hadoop.fs.FSDataOutputStream create(Path p, org.apache.hadoop.fs.permission.FsPermission perm,
            boolean overwrite, int buffer, short replication, long block, org.apache.hadoop.util.Progressable progress)
            throws java.io.IOException {
          if (overwrite) {
            return super.create(p, perm, true, buffer, replication, block, progress);
          }
          return new org.apache.hadoop.fs.FSDataOutputStream(new java.io.ByteArrayOutputStream() {
            @Override
            public void close() throws java.io.IOException {
              try (java.io.OutputStream theirs = fs.create(p, true)) { // the other driver's close came first
                theirs.write("theirs".getBytes(StandardCharsets.UTF_8));
              }
              throw new org.apache.hadoop.fs.FileAlreadyExistsException(p + " already exists");
            }
          }, null);
        }
      };
      JobFs files = new JobFs(decidesAtClose);
      Path token = new Path(OtherSchemeFileSystem.uri(tmp), "token-000000000007");
      assertThat(files.createExclusive(token, "mine".getBytes(StandardCharsets.UTF_8))).as("lost").isFalse();
      assertThat(new String(files.readIfExists(token).orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("theirs");
    }
  }

  @Test
  void aWriteThatFailsAsHdfsFailsIsReportedWithItsCauseForEveryKindOfJobFile() throws Exception {
    // HDFS's stream throws its first failure (an exceeded quota, no DataNode left) again from close
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      JobFs files = new JobFs(fs);
      Path dir = new Path(OtherSchemeFileSystem.uri(tmp));
      OtherSchemeFileSystem.failWritesTo(p -> p.getName().startsWith("_tmp-") || p.getName().equals("claim"));
      assertThatThrownBy(() -> files.replace(new Path(dir, "state.json"), new byte[] {'{', '}'}))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("cannot write " + new Path(dir, "state.json"))
          .hasMessageContaining("injected fault");
      assertThatThrownBy(() -> files.createExclusive(new Path(dir, "claim"), new byte[] {'{', '}'}))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("injected fault");
      // created in place, then not written: the empty file is removed, not left to read as a damaged one
      assertThat(tmp.resolve("claim")).doesNotExist();
      OtherSchemeFileSystem.clearFaults();
      assertThat(files.createExclusive(new Path(dir, "claim"), new byte[] {'{', '}'})).as("a new try creates it")
          .isTrue();
    } finally {
      OtherSchemeFileSystem.clearFaults();
    }
  }
}
