package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.ProgressReporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressListenerTest {

  @Test
  void aCommittedCheckpointIsPrintedWithItsSizeAndHowLongTheCommitTook() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ProgressListener listener = new ProgressListener(new ProgressReporter(out, false), out, dir -> "resume " + dir);

    listener.committed(3, "hdfs://nn:8020/jobs/a/checkpoints/epoch-000003", 268_444_914L, 612);

    assertThat(bytes.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo("checkpoint hdfs://nn:8020/jobs/a/checkpoints/epoch-000003 (268 MB in 0.61 s)");
  }

  @Test
  void aLocalCheckpointIsSpelledAsTheCommandsPrintedWithItSpellTheJob() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ProgressListener listener = new ProgressListener(new ProgressReporter(out, false), out, dir -> "resume " + dir);

    listener.committed(1, "file:/tmp/jobs/a/checkpoints/epoch-000001", 812, 5);

    assertThat(bytes.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo("checkpoint file:///tmp/jobs/a/checkpoints/epoch-000001 (812 B in 0.01 s)");
  }

  @Test
  void anEpochsLineShowsItsAccuracyAndHeldOutMetricsOnceAndTheNextEpochsNotUnlessCountedAgain() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ProgressListener listener = new ProgressListener(new ProgressReporter(out, false), out, dir -> "resume " + dir);

    listener.trainAccuracy(1, 3, 0.625);
    listener.validated(1, 3, new io.epochal.worker.round.EvaluationResult(0, 200, 50.0, 150), 10);
    listener.epoch(1, 3, 0.5, 100);
    listener.trainAccuracy(2, 3, 0.75);
    listener.epoch(2, 3, 0.25, 100);
    listener.validated(3, 3, new io.epochal.worker.round.EvaluationResult(0, 200, 0.1,
        io.epochal.worker.round.EvaluationResult.NOT_COUNTED), 10);
    listener.epoch(3, 3, 0.125, 100);

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceAll("done in [0-9.]+ s", "done")))
        .containsExactly("epoch 1/3 done  loss 0.5000  accuracy 0.6250  val_loss 0.2500  val_accuracy 0.7500  "
            + "checkpointing", "epoch 2/3 done  loss 0.2500  accuracy 0.7500  checkpointing", "epoch 3/3 done  loss 0.1250  val_loss 5.00e-04  checkpointing");
  }

  @Test
  void anEpochsLineShowsTheHeldOutBalancedAccuracyAndSaysWhenTheMovingAverageWasEvaluated() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ProgressListener listener = new ProgressListener(new ProgressReporter(out, false), out, dir -> "resume " + dir);
    // labels 0 0 0 1 2 2 predicted 0 0 1 1 2 0: recalls 2/3, 1, 1/2 (balanced 0.7222), 4 of 6 right
    io.epochal.worker.round.ClassCounts counts = io.epochal.worker.round.ClassCounts.collector(3)
        .add(new int[] {0, 0, 1, 1, 2, 0}, new float[] {0, 0, 0, 1, 2, 2}, new int[] {0, 1, 2, 3, 4, 5}, 0, 6).build();
    io.epochal.worker.round.EvaluationResult held = io.epochal.worker.round.EvaluationResult.classification(0, 6,
        0.6, 4, counts, (io.epochal.worker.round.BinaryScores) null);

    listener.validated(1, 2, held, 10, true);
    listener.epoch(1, 2, 0.5, 100);
    listener.validated(2, 2, held, 10, false);
    listener.epoch(2, 2, 0.25, 100);

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceAll("done in [0-9.]+ s", "done")))
        .containsExactly("epoch 1/2 done  loss 0.5000  val_loss 0.1000  val_accuracy 0.6667  val_balanced_accuracy "
            + "0.7222  val_f1 0.6667 (ema weights)  checkpointing", "epoch 2/2 done  loss 0.2500  val_loss 0.1000  "
            + "val_accuracy 0.6667  val_balanced_accuracy 0.7222  val_f1 0.6667  checkpointing");
  }

  @Test
  void theStartLineCountsEpochsAndRoundsInTheSingularToo() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ProgressListener listener = new ProgressListener(new ProgressReporter(out, false), out, dir -> "resume " + dir);

    listener.started(0, 1, 1, null);
    listener.started(0, 3, 8, null);

    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("training 1 epoch of 1 round\n")
        .contains("training 3 epochs of 8 rounds\n");
  }

  @Test
  void sizesKeepThreeSignificantDigitsInDecimalUnits() {
    assertThat(ProgressListener.size(0)).isEqualTo("0 B");
    assertThat(ProgressListener.size(999)).isEqualTo("999 B");
    assertThat(ProgressListener.size(1000)).isEqualTo("1.00 kB");
    assertThat(ProgressListener.size(61_437)).isEqualTo("61.4 kB");
    assertThat(ProgressListener.size(999_499)).isEqualTo("999 kB");
    assertThat(ProgressListener.size(999_500)).isEqualTo("1.00 MB");
    assertThat(ProgressListener.size(1_073_741_824L)).isEqualTo("1.07 GB");
    assertThat(ProgressListener.size(Long.MAX_VALUE)).isEqualTo("9223 PB");
  }
}
