package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.job.LeaseLostException;
import io.epochal.job.LeaseRecord;
import java.time.Instant;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

  @Test
  void aRoundInterruptedOnTheDriverStopsTheRunAndKeepsTheInterrupt() {
    try {
      // Spark's wait for a job rethrows the interruption, its flag cleared
      assertThat(FailureClassifier.ofRound(new InterruptedException())).isEqualTo(FailureReason.INTERRUPTED);
      assertThat(Thread.interrupted()).as("set again, and cleared here").isTrue();
      assertThat(FailureClassifier.ofRound(new java.net.SocketTimeoutException("Read timed out")))
          .as("a time-out is no interruption").isNotEqualTo(FailureReason.INTERRUPTED);
      assertThat(Thread.interrupted()).isFalse();
      Thread.currentThread().interrupt();
      assertThat(FailureClassifier.ofRound(new RuntimeException("cancelled while the thread was interrupted")))
          .isEqualTo(FailureReason.INTERRUPTED);
    } finally {
      Thread.interrupted();
    }
  }

  private static final Path JOB = new Path("hdfs://nn:8020/jobs/a");

  private static Throwable refusedCommit(LeaseLostException guard) {
    return new CheckpointException(3, "hdfs://nn:8020/jobs/a/checkpoints/epoch-000003", "commit refused", guard);
  }

  @Test
  void aModelKeepingStateOutsideItsStateDictIsNotReproducibleAndNotRetriedAndSaidWithoutSparksPreamble() {
    io.epochal.worker.model.StateOutsideStateDictException e =
        new io.epochal.worker.model.StateOutsideStateDictException("drifting-linear v1", false, 4.0, 0);
    String preamble = "Job aborted due to stage failure: Task 1 in stage 11.0 failed 1 times, most recent failure: "
        + "Lost task 1.0 in stage 11.0 (TID 15) (localhost executor driver): ";
    // as a cause, and as Spark's text only (an exception the driver could not deserialize)
    for (Throwable failure : new Throwable[] {new RuntimeException(preamble + e, e),
        new RuntimeException(preamble + e + "\n\tat io.epochal.worker.round.ReloadCheck.verify(ReloadCheck.java:1)")}) {
      FailureReason r = FailureClassifier.ofRound(failure);
      assertThat(r).isEqualTo(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE);
      assertThat(r.retryable()).isFalse();
      assertThat(FailureClassifier.taskMessage(failure)).contains(e.getMessage());
    }
    assertThat(FailureClassifier.taskMessage(new RuntimeException(preamble + "boom"))).isEmpty();
  }

  @Test
  void anExecutorWithoutAUsableGpuForTrainDeviceGpuIsDeviceUnavailableNotRetriedAndSaidWithoutSparksPreamble() {
    io.epochal.worker.device.DeviceUnavailableException e = new io.epochal.worker.device.DeviceUnavailableException("1",
        "train.device=gpu but executor 1 cannot train on a GPU: Spark assigned no GPU to its task");
    String preamble = "Job aborted due to stage failure: Task 0 in stage 3.0 failed 4 times, most recent failure: ";
    for (Throwable failure : new Throwable[] {new RuntimeException(preamble + e, e), new RuntimeException(preamble + e)}) {
      FailureReason r = FailureClassifier.ofRound(failure);
      assertThat(r).isEqualTo(FailureReason.DEVICE_UNAVAILABLE);
      assertThat(r.retryable()).isFalse();
      assertThat(FailureClassifier.taskMessage(failure)).contains(e.getMessage());
    }
  }

  @Test
  void aDataFileReadWhoseServerDoesNotAnswerIsStorageUnavailableAndABlockNoReplicaOfWhichReadsIsNot() {
    // as Spark reports a read of a file whose NameNode refuses connections (an executor's failure, as text)
    Exception read = new Exception("[FAILED_READ_FILE.NO_HINT] Encountered error while reading file "
        + "hdfs://localhost:8020/data/part-00000.parquet.  SQLSTATE: KD001", new RuntimeException(
        "java.net.ConnectException: Call From host/127.0.0.1 to localhost:8020 failed on connection exception: "
        + "java.net.ConnectException: Connection refused"));
    assertThat(FailureClassifier.ofRound(read)).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
    // every replica of a block corrupt (or on DataNodes that are down): no wait mends the first
    Exception missing = new Exception("[FAILED_READ_FILE.NO_HINT] Encountered error while reading file "
        + "hdfs://localhost:8020/data/part-00000.parquet.  SQLSTATE: KD001", new RuntimeException(
        "org.apache.hadoop.hdfs.BlockMissingException: Could not obtain block: BP-1:blk_1073741825_1001 "
        + "file=/data/part-00000.parquet"));
    assertThat(FailureClassifier.ofRound(missing)).isEqualTo(FailureReason.TASK_FAILED);
    assertThat(FailureClassifier.ofRound(new Exception("Job aborted due to stage failure: Task 0 in stage 3.0 "
        + "failed 1 times: java.lang.IllegalStateException: no such column"))).isEqualTo(FailureReason.TASK_FAILED);
  }

  @Test
  void aCommitRefusedBecauseANewerDriverHoldsTheJobIsLeaseLostAndNotRetried() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    LeaseRecord newer = LeaseRecord.of("driver-b", 2, 8, now, now, now.plusSeconds(60));
    FailureReason r = FailureClassifier.ofCommit(refusedCommit(new LeaseLostException(JOB, 7, newer, "taken over")));
    assertThat(r).isEqualTo(FailureReason.LEASE_LOST);
    assertThat(r.retryable()).isFalse();
  }

  @Test
  void aCommitRefusedBecauseTheLeaseExpiredWithNobodyElseHoldingItIsRetried() {
    // a GC pause longer than the ttl: the job is still this driver's, and the retry renews it
    FailureReason r = FailureClassifier.ofCommit(refusedCommit(
        new LeaseLostException(JOB, 7, null, "our lease expired at 2026-01-01T00:00:30Z")));
    assertThat(r).isEqualTo(FailureReason.CHECKPOINT_WRITE_FAILED);
    assertThat(r.retryable()).isTrue();
  }

  @Test
  void aCommitRefusedBecauseTheLeaseCouldNotBeReadIsAStorageFailureAndRetried() {
    LeaseLostException unconfirmed = new LeaseLostException(JOB, 7, null, "could not confirm the lease");
    unconfirmed.initCause(new java.net.ConnectException("Connection refused"));
    FailureReason r = FailureClassifier.ofCommit(refusedCommit(unconfirmed));
    assertThat(r).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
    assertThat(r.retryable()).isTrue();
  }

  @Test
  void aNameNodeStillStartingOrInSafeModeAsTheRemoteExceptionTheClientGetsIsTheStoreBeingUnreachable() {
    for (String remote : new String[] {"org.apache.hadoop.ipc.RetriableException",
        "org.apache.hadoop.hdfs.server.namenode.SafeModeException"}) {
      Throwable refused = new CheckpointException(2, "hdfs://nn/jobs/a/checkpoints/_tmp-epoch-000002-x",
          "commit failed", new org.apache.hadoop.ipc.RemoteException(remote, "NameNode still not started"));
      assertThat(FailureClassifier.ofCommit(refused)).as(remote).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
    }
    Throwable denied = new CheckpointException(2, "hdfs://nn/jobs/a/checkpoints/_tmp-epoch-000002-x",
        "commit failed", new org.apache.hadoop.ipc.RemoteException("java.io.IOException", "disk error"));
    assertThat(FailureClassifier.ofCommit(denied)).isEqualTo(FailureReason.CHECKPOINT_WRITE_FAILED);
  }

  @Test
  void aConnectionResetOrBrokenPipeIsTheStoreBeingUnreachable() {
    for (String what : new String[] {"Connection reset", "Broken pipe"}) {
      Throwable reset = new CheckpointException(3, "hdfs://nn/jobs/a/checkpoints/_tmp-epoch-000003-x", "write failed",
          new java.net.SocketException(what));
      assertThat(FailureClassifier.ofCommit(reset)).as(what).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
    }
  }

  @Test
  void aFullDiskIsRecognisedThroughAWrappedErrorAndHadoopsOwnException() {
    Throwable local = new CheckpointException(2, "file:/jobs/a/checkpoints/_tmp-epoch-000002-x/model.safetensors",
        "write failed", new java.io.IOError(new java.io.IOException("No space left on device")));
    assertThat(FailureClassifier.isOutOfSpace(local)).isTrue();
    assertThat(FailureClassifier.isOutOfSpace(new java.io.IOException("wrapped",
        new org.apache.hadoop.util.DiskChecker.DiskOutOfSpaceException("no volume has room")))).isTrue();
    assertThat(FailureClassifier.isOutOfSpace(new java.io.IOException("Connection refused"))).isFalse();
    assertThat(FailureClassifier.isReadOnly(new CheckpointException(2, "file:/jobs/a/checkpoints", "commit failed",
        new java.nio.file.FileSystemException("/jobs/a/checkpoints/_tmp-x: Read-only file system")))).isTrue();
    assertThat(FailureClassifier.isReadOnly(local)).isFalse();
  }

  @Test
  void aRefusedWriteIsRecognisedWhetherLocalPermissionImmutableOrHdfs() {
    assertThat(FailureClassifier.isPermissionDenied(new CheckpointException(4, "file:/jobs/a/checkpoints",
        "commit failed", new java.io.IOException("/jobs/a/checkpoints/_tmp-epoch-000004-x (Operation not permitted)"))))
        .isTrue();
    assertThat(FailureClassifier.isPermissionDenied(new java.io.IOException("wrapped",
        new java.nio.file.AccessDeniedException("/jobs/a/checkpoints")))).isTrue();
    assertThat(FailureClassifier.isPermissionDenied(new java.io.IOException("wrapped",
        new org.apache.hadoop.security.AccessControlException("Permission denied: user=x, access=WRITE")))).isTrue();
    assertThat(FailureClassifier.isPermissionDenied(new java.io.IOException("No space left on device"))).isFalse();
  }

  /** Spark's marker that carries only a caller's stack trace, attached as a suppressed exception. */
  static final class OriginalTryStackTraceException extends Exception {
    OriginalTryStackTraceException() {
      super("Full stacktrace of original doTryWithCallerStacktrace caller");
    }
  }

  @Test
  void theRootCauseIsTheFailureNotSparksSuppressedStackTraceMarker() {
    Exception failure = new IllegalStateException("[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for CSV");
    failure.addSuppressed(new OriginalTryStackTraceException());
    assertThat(FailureClassifier.rootCause(new RuntimeException("wrapped", failure)))
        .isEqualTo("java.lang.IllegalStateException: [UNABLE_TO_INFER_SCHEMA] Unable to infer schema for CSV");
  }

  @Test
  void anOutOfMemoryErrorInTheChainOrNamedInATaskFailureIsOutOfMemoryAndNothingElseIs() {
    assertThat(FailureClassifier.isOutOfMemory(new RuntimeException("round", new OutOfMemoryError("Java heap space"))))
        .isTrue();
    // how Spark reports a task that ran out: the error's text inside the stage failure's message
    assertThat(FailureClassifier.isOutOfMemory(new IllegalStateException("Job aborted due to stage failure: Task 0 in "
        + "stage 26.0 failed 1 times, most recent failure: Lost task 0.0 (executor driver): java.lang.OutOfMemoryError: "
        + "Java heap space"))).isTrue();
    assertThat(FailureClassifier.isOutOfMemory(new IllegalStateException("Job aborted due to stage failure: "
        + "TaskResultLost (result lost from block manager)"))).isFalse();
    assertThat(FailureClassifier.isOutOfMemory(new java.io.IOException("No space left on device"))).isFalse();
  }

  @Test
  void aRemoteExceptionsServerStackTraceIsLeftOutOfMessagesAndTheirLinesKept() {
    String safeMode = "Cannot create file/jobs/a/lease.json. Name node is in safe mode.\n"
        + "The reported blocks 0 needs additional 2 blocks to reach the threshold 0.9990.\n"
        + "\tat org.apache.hadoop.hdfs.server.namenode.FSNamesystem.newSafemodeException(FSNamesystem.java:1636)\n"
        + "\tat org.apache.hadoop.ipc.Server$Handler$1.run(Server.java:1246)\n"
        + "\tat java.base/java.security.AccessController.doPrivileged(AccessController.java:712)\n"
        + "\t... 12 more\n";
    TrainingException e = new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 2, 3,
        "cannot renew the lease in hdfs://nn/jobs/a: " + safeMode, null);

    assertThat(e.getMessage()).isEqualTo("cannot renew the lease in hdfs://nn/jobs/a: Cannot create file/jobs/a/"
        + "lease.json. Name node is in safe mode.\nThe reported blocks 0 needs additional 2 blocks to reach the "
        + "threshold 0.9990.");
    assertThat(FailureClassifier.rootCause(new java.io.IOException(safeMode))).doesNotContain("FSNamesystem", "more")
        .endsWith("threshold 0.9990.");
    assertThat(FailureClassifier.withoutStackFrames("checkpoint epoch-000002 does not fit:\n  model.x: shape"))
        .as("lines that are no stack frames stay").isEqualTo("checkpoint epoch-000002 does not fit:\n  model.x: shape");
  }

  @Test
  void hdfssNamespaceQuotaIsToldApartFromItsSpaceQuotaAndABlockNoDataNodeTookIsRecognised() {
    Throwable names = new CheckpointException(4, "hdfs://nn/jobs/a/checkpoints/_tmp-epoch-000004-x", "commit failed",
        new java.io.IOException("org.apache.hadoop.hdfs.protocol.NSQuotaExceededException: The NameSpace quota "
            + "(directories and files) of directory /jobs/a is exceeded: quota=25 file count=26"));
    assertThat(FailureClassifier.isQuotaExceeded(names)).isTrue();
    assertThat(FailureClassifier.isNamespaceQuotaExceeded(names)).isTrue();
    Throwable space = new CheckpointException(4, "hdfs://nn/jobs/a", "commit failed", new java.io.IOException(
        "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException: The DiskSpace quota of /jobs/a is exceeded"));
    assertThat(FailureClassifier.isQuotaExceeded(space)).isTrue();
    assertThat(FailureClassifier.isNamespaceQuotaExceeded(space)).isFalse();
    Throwable noDataNode = new CheckpointException(4, "hdfs://nn/jobs/a", "commit failed", new java.io.IOException(
        "File /jobs/a/checkpoints/_tmp-epoch-000004-x/model.safetensors could only be written to 0 of the 1 "
            + "minReplication nodes. There are 1 datanode(s) running and 1 node(s) are excluded in this operation."));
    assertThat(FailureClassifier.isNoDataNode(noDataNode)).isTrue();
    assertThat(FailureClassifier.isNoDataNode(space)).isFalse();
  }

  @Test
  void aNonFiniteStateOrChangedDataWrappedBySparkIsClassifiedByTheCauseNotRetriedAsATaskFailure() {
    RuntimeException nonFinite = new RuntimeException("Job aborted due to stage failure",
        new IllegalStateException("task 0.0 failed", io.epochal.driver.aggregate.NonFiniteStateException.ofLoss(0,
            Double.NaN)));
    assertThat(FailureClassifier.ofRound(nonFinite)).isEqualTo(FailureReason.NON_FINITE_STATE);
    RuntimeException changed = new RuntimeException("Job aborted due to stage failure",
        new io.epochal.driver.data.DataChangedException(1, "file:/data", "0123abcd", "4567ef01"));
    assertThat(FailureClassifier.ofRound(changed)).isEqualTo(FailureReason.BAD_INPUT);
  }

  @Test
  void statesThatCannotBeAveragedFailTheRoundAsBadInputNotRetriedWhetherThrownOrSentAsATasksText() {
    io.epochal.tensor.StateDict f16 = io.epochal.tensor.StateDict.builder()
        .put("w", io.epochal.tensor.Tensor.of(io.epochal.tensor.DType.F16, new long[] {1},
            java.nio.ByteBuffer.allocate(2))).build();
    IllegalArgumentException refused = org.assertj.core.api.Assertions.catchThrowableOfType(() ->
        io.epochal.driver.aggregate.WeightedAverager.average(java.util.List.of(
            new io.epochal.worker.round.RoundResult(0, 4, 1, 1.0, f16))), IllegalArgumentException.class);
    assertThat(refused).hasMessageContaining("dtype F16");
    assertThat(FailureClassifier.ofRound(refused)).isEqualTo(FailureReason.BAD_INPUT);
    RuntimeException asText = new RuntimeException("Job aborted due to stage failure: Task 0 failed: "
        + "java.lang.IllegalArgumentException: " + refused.getMessage());
    assertThat(FailureClassifier.ofRound(asText)).isEqualTo(FailureReason.BAD_INPUT);
    assertThat(FailureClassifier.ofRound(new IllegalArgumentException("another"))).isEqualTo(FailureReason.TASK_FAILED);
  }

  @Test
  void aFirstLineEndingWithAColonIsSaidWithTheLineItAnnounces() {
    assertThat(FailureClassifier.firstLine("ResultStage 19 (collect at RoundRunner.java:154) has failed the maximum "
        + "allowable number of times: 4. Most recent failure reason:\norg.apache.spark.shuffle.FetchFailedException: "
        + "Failed to connect to /127.0.0.1:40123\n\tat org.apache.spark.storage.ShuffleBlockFetcherIterator.next"))
        .isEqualTo("ResultStage 19 (collect at RoundRunner.java:154) has failed the maximum allowable number of times: "
            + "4. Most recent failure reason: org.apache.spark.shuffle.FetchFailedException: Failed to connect to "
            + "/127.0.0.1:40123");
    assertThat(FailureClassifier.firstLine("failed:\n\tat a.b.C.d(C.java:1)")).isEqualTo("failed:");
    assertThat(FailureClassifier.firstLine("done\nmore")).isEqualTo("done");
  }

  @Test
  void tasksExecutorsCannotDeserializeAreAClassMismatch() {
    assertThat(FailureClassifier.isTaskClassMismatch(new RuntimeException("Job aborted",
        new IllegalStateException("unread block data")))).isTrue();
    assertThat(FailureClassifier.isTaskClassMismatch(new RuntimeException("Job aborted", new java.io.InvalidClassException(
        "org.apache.spark.scheduler.Task; local class incompatible: stream classdesc serialVersionUID = 1")))).isTrue();
    assertThat(FailureClassifier.isTaskClassMismatch(new RuntimeException("Lost task 0.0",
        new ClassNotFoundException("io.epochal.driver.data.RowDecoder")))).isTrue();
    assertThat(FailureClassifier.isTaskClassMismatch(new RuntimeException("Lost task 0.0",
        new ClassNotFoundException("com.team.Model")))).isFalse();
    assertThat(FailureClassifier.isTaskClassMismatch(new RuntimeException("Job aborted",
        new IllegalStateException("block data")))).isFalse();
  }
}
