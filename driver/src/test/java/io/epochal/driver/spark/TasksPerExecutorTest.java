package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** How many tasks an executor runs at once, as the executor memory estimate counts them. */
class TasksPerExecutorTest {

  @Test
  void aStandaloneExecutorWithoutExecutorCoresRunsAsManyAsTheCoresItRegisteredWith() {
    SparkMaster standalone = SparkMaster.parse("spark://h:7077");
    // a worker of 2 cores: Spark's default gives its one executor both
    assertThat(EpochalSpark.tasksPerExecutor(new SparkConf(false), standalone, 2)).isEqualTo(2);
    assertThat(EpochalSpark.tasksPerExecutor(new SparkConf(false), standalone, 0)).as("none registered yet")
        .isEqualTo(1);
    assertThat(EpochalSpark.tasksPerExecutor(new SparkConf(false).set("spark.executor.cores", "1"), standalone, 2))
        .as("spark.executor.cores decides").isEqualTo(1);
    assertThat(EpochalSpark.tasksPerExecutor(new SparkConf(false).set("spark.task.cpus", "2"), standalone, 4))
        .isEqualTo(2);
  }

  @Test
  void anExecutorWithGpusRunsNoMoreTasksThanItHasGpuSlots() {
    SparkMaster yarn = SparkMaster.parse("yarn");
    SparkConf oneGpuPerTask = withGpus("2", "1", "1");
    assertThat(EpochalSpark.tasksPerExecutor(oneGpuPerTask, yarn, 2)).as("docs/GPU.md's YARN example").isEqualTo(1);
    SparkConf halfAGpuPerTask = withGpus("4", "1", "0.5");
    assertThat(EpochalSpark.tasksPerExecutor(halfAGpuPerTask, yarn, 4)).isEqualTo(2);
    SparkConf twoFifths = withGpus("8", "2", "0.4");
    assertThat(EpochalSpark.tasksPerExecutor(twoFifths, yarn, 8)).as("2 tasks share a GPU, not 2.5").isEqualTo(4);
    SparkConf twoGpusPerTask = withGpus("8", "4", "2");
    assertThat(EpochalSpark.tasksPerExecutor(twoGpusPerTask, yarn, 8)).isEqualTo(2);
    SparkConf fewerCores = withGpus("2", "4", "1");
    assertThat(EpochalSpark.tasksPerExecutor(fewerCores, yarn, 2)).as("the cores decide").isEqualTo(2);
  }

  /** Executors of {@code cores} cores and {@code executorGpus} GPUs, whose tasks take {@code taskGpus} each. */
  private static SparkConf withGpus(String cores, String executorGpus, String taskGpus) {
    return new SparkConf(false).set("spark.executor.cores", cores).set("spark.executor.resource.gpu.amount",
        executorGpus).set("spark.task.resource.gpu.amount", taskGpus);
  }

  @Test
  void aLocalClusterExecutorRunsAsManyAsItsWorkersCores() {
    assertThat(EpochalSpark.tasksPerExecutor(new SparkConf(false), SparkMaster.parse("local-cluster[2,3,1024]"), 0))
        .isEqualTo(3);
  }
}
