package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tasks the executors cannot deserialize (their classes are not the driver's) are said as that,
 * with what gives them the driver's classes, rather than only as the data or round that failed.
 */
class TrainingFailureReportTest {

  private static String report(TrainingException e) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainingFailureReport.report(e, "bin/epochal resume /jobs/a", new PrintStream(err, true,
        StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(ExitCodes.FAILED);
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tasksTheExecutorsCannotDeserializeAreSaidWithWhatGivesThemTheDriversClasses() {
    TrainingException unread = new TrainingException(FailureReason.TASK_FAILED, 0, 0, "cannot read data.path "
        + "file:/data: java.lang.IllegalStateException: unread block data", new RuntimeException("Job aborted due to "
        + "stage failure", new IllegalStateException("unread block data")));
    assertThat(report(unread)).contains("epochal: the executors could not load the tasks the driver sent them: their "
        + "classes are not the driver's").contains("spark-submit").contains("bin/epochal")
        .contains("Spark is this build's (4.0");
  }

  @Test
  void workersReturningOtherModelsAreAConfigurationOfTheExecutorsNotBadInput() {
    io.epochal.tensor.StateDict small = io.epochal.tensor.StateDict.builder()
        .put("fc.weight", io.epochal.tensor.Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    io.epochal.tensor.StateDict large = io.epochal.tensor.StateDict.builder()
        .put("fc.weight", io.epochal.tensor.Tensor.ofFloats(new long[] {3}, 1f, 2f, 3f)).build();
    IllegalArgumentException differ = org.assertj.core.api.Assertions.catchThrowableOfType(
        IllegalArgumentException.class, () -> io.epochal.driver.aggregate.WeightedAverager.average(List.of(
            new io.epochal.worker.round.RoundResult(0, 4, 1, 0, small),
            new io.epochal.worker.round.RoundResult(1, 4, 1, 0, large))));
    RuntimeException fromTask = new RuntimeException("Job aborted due to stage failure: " + differ);
    assertThat(io.epochal.driver.train.FailureClassifier.ofRound(fromTask)).isEqualTo(FailureReason.BAD_INPUT);
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = TrainingFailureReport.report(new TrainingException(FailureReason.BAD_INPUT, 2, 1, "epoch 2 round 1 "
        + "failed: " + fromTask.getMessage(), fromTask), "bin/epochal resume /jobs/a", new PrintStream(err, true,
        StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("the executors built models that differ")
        .contains("continue with: bin/epochal resume /jobs/a").doesNotContain("fix the input");
  }

  @Test
  void anotherTaskFailureIsSaidWithoutIt() {
    TrainingException other = new TrainingException(FailureReason.TASK_FAILED, 2, 1, "epoch 2 round 1 failed",
        new RuntimeException("java.lang.ArithmeticException: / by zero"));
    assertThat(report(other)).doesNotContain("could not load the tasks").contains("continue with: bin/epochal resume");
  }

  @Test
  void executorsThatCannotStartAreAConfigurationErrorContinuedByAResumeOrByTrainingANewJobAgain() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    TrainingException running = new TrainingException(FailureReason.EXECUTORS_FAILING, 3, 2, "8 executors in a row "
        + "exited before they registered with the driver", null);
    assertThat(TrainingFailureReport.report(running, "bin/epochal resume /jobs/a", new PrintStream(err, true,
        StandardCharsets.UTF_8))).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("not retried").contains("bin/epochal resume /jobs/a");
    err.reset();
    TrainingException fresh = new TrainingException(FailureReason.EXECUTORS_FAILING, 0, 0, "8 executors in a row "
        + "exited before they registered with the driver" + io.epochal.driver.train.TrainingJob.NOTHING_WRITTEN
        + "/jobs/b)", null);
    assertThat(TrainingFailureReport.report(fresh, "bin/epochal resume /jobs/b", new PrintStream(err, true,
        StandardCharsets.UTF_8))).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("train again once the cause above is fixed")
        .doesNotContain("resume /jobs/b");
  }
}
