package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.RoundResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {

  private static EpochalSpark spark;

  @BeforeAll
  static void start() {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("sessions-test")
        .optConf("spark.default.parallelism", "3").build();
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void theResultsARoundSendsTheDriverAreNotLimitedUnlessTheUserSetALimit() {
    assertThat(spark.jsc().getConf().get(SparkSessions.MAX_RESULT_SIZE)).isEqualTo("0");
    System.setProperty(SparkSessions.MAX_RESULT_SIZE, "2g"); // as spark-submit --conf passes it
    try {
      assertThat(SparkSessions.epochalConf(SparkMaster.parse("local[1]"), "t", false).get(SparkSessions.MAX_RESULT_SIZE))
          .isEqualTo("2g");
    } finally {
      System.clearProperty(SparkSessions.MAX_RESULT_SIZE);
    }
  }

  @Test
  void whatSparkSubmitSetsIsKeptAndAUsersKryoRegistratorRunsBesideEpochals() {
    Map<String, String> given = Map.of("spark.ui.enabled", "true", "spark.kryoserializer.buffer.max", "512m",
        "spark.kryo.registrator", "com.example.Registrator", "spark.kryo.registrationRequired", "false");
    given.forEach(System::setProperty); // as spark-submit passes --conf and spark-defaults.conf
    try {
      org.apache.spark.SparkConf conf = SparkSessions.epochalConf(SparkMaster.parse("local[1]"), "t", false);
      assertThat(conf.get("spark.ui.enabled")).isEqualTo("true");
      assertThat(conf.get("spark.kryoserializer.buffer.max")).isEqualTo("512m");
      assertThat(conf.get("spark.kryo.registrator"))
          .isEqualTo("com.example.Registrator," + EpochalKryoRegistrator.class.getName());
      assertThat(conf.get("spark.kryo.registrationRequired")).as("the wire format needs it").isEqualTo("true");
    } finally {
      given.keySet().forEach(System::clearProperty);
    }
    org.apache.spark.SparkConf plain = SparkSessions.epochalConf(SparkMaster.parse("local[1]"), "t", false);
    assertThat(plain.get("spark.ui.enabled")).isEqualTo("false");
    assertThat(plain.get("spark.kryo.registrator")).isEqualTo(EpochalKryoRegistrator.class.getName());
  }

  @Test
  void aSerializerOtherThanKryoIsRefusedBeforeSparkStartsNotFailedInEveryRound() {
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("local[1]").optConf("spark.serializer",
        "org.apache.spark.serializer.JavaSerializer").build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spark.serializer = org.apache.spark.serializer.JavaSerializer: Epochal sends its state "
            + "dicts between driver and executors with Kryo")
        .hasMessageContaining("remove the --conf spark.serializer");
  }

  @Test
  void sparksOwnTaskResourceKeysOnALocalMasterAreRefusedInsteadOfWaitingForever() {
    for (String key : List.of("spark.task.resource.gpu.amount", "spark.executor.resource.gpu.amount")) {
      assertThatThrownBy(() -> SparkSessions.builder().setMaster("local[1]").optConf(key, "1").build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(key + " = 1 asks Spark for a resource per")
          .hasMessageContaining("master local[1] runs tasks inside the driver")
          .hasMessageContaining("would wait for it forever");
    }
  }

  @Test
  void aMasterThisSparkCannotRunIsRefusedBeforeSparkStartsNamingWhatDoes() {
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("yarn").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--master yarn needs Spark's YARN support, which is not on this classpath")
        .hasMessageContaining("spark-submit of a Spark distribution");
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("k8s://https://host:6443").build())
        .hasMessageContaining("needs Spark's Kubernetes support");
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("foo").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--master 'foo' is not a Spark master URL; give local[N]");
  }

  @Test
  void aLocalClusterWhoseWorkersAreSmallerThanAnExecutorIsRefusedNamingBothSizes() {
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("local-cluster[2,1,512]").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--master local-cluster[2,1,512] gives each worker 512 MB, but an executor asks for 1024 MB")
        .hasMessageContaining("e.g. local-cluster[2,1,1024], or set --conf spark.executor.memory=512m");
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("local-cluster[2,1,1024]")
        .optConf("spark.executor.memory", "2g").build())
        .hasMessageContaining("an executor asks for 2048 MB");
  }

  @Test
  void aSparkMasterNoHostOfWhichAnswersIsRefusedBeforeSparkRetriesForAMinute() throws Exception {
    int port;
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    String url = "spark://127.0.0.1:" + port;
    assertThatThrownBy(() -> SparkSessions.builder().setMaster(url).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot reach Spark master " + url + " (127.0.0.1:" + port + ": Connection refused)")
        .hasMessageContaining("is the master running");
  }

  @Test
  void sessionCarriesEpochalConfAndUserEntries() {
    SparkConf conf = spark.jsc().getConf();
    assertThat(conf.get("spark.serializer")).isEqualTo("org.apache.spark.serializer.KryoSerializer");
    assertThat(conf.get("spark.kryo.registrationRequired")).isEqualTo("true");
    assertThat(conf.get("spark.kryo.registrator")).isEqualTo(EpochalKryoRegistrator.class.getName());
    assertThat(conf.get("spark.ui.enabled")).isEqualTo("false");
    assertThat(conf.get("spark.driver.host")).isEqualTo("127.0.0.1");
    assertThat(conf.get("spark.app.name")).isEqualTo("sessions-test");
    assertThat(spark.jsc().defaultParallelism()).isEqualTo(3);
    assertThat(spark.slots()).isEqualTo(2);
    assertThat(spark.session().sparkContext().uiWebUrl().isEmpty()).isTrue();
  }

  @Test
  void wireValuesTravelThroughJobsWithRegistrationRequired() {
    List<DataShard> shards = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      shards.add(new DataShard(w, 2, new long[] {3}, 1, new float[] {w, 1, 2, 3, 4, 5}, new float[] {0, 1}));
    }
    List<RoundResult> results = spark.jsc().parallelize(shards, 2)
        .map(s -> new RoundResult(s.worker(), s.rows(), 1, s.features()[0],
            StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, s.features()[0])).build()))
        .collect();
    assertThat(results).extracting(RoundResult::worker).containsExactly(0, 1, 2, 3);
    assertThat(results.get(3).state().require("w").toFloatArray()).containsExactly(3f);
    List<Integer> grouped = spark.jsc().parallelize(List.of(1, 2, 3, 4), 2)
        .mapToPair(i -> new scala.Tuple2<>(i % 2, i)).groupByKey(2)
        .map(t -> t._2().iterator().next() * 0 + t._1()).collect();
    assertThat(grouped).containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void jobGroupAndDescriptionAreSetDuringTheBodyAndClearedAfter() {
    JavaSparkContext jsc = spark.jsc();
    String label = SparkJobs.roundLabel(3, 10, 2, 8);
    assertThat(label).isEqualTo("epoch 3/10 \u00b7 round 2/8");
    String seen = SparkJobs.inJobGroup(jsc, "epoch-3", label, () -> {
      assertThat(jsc.getLocalProperty("spark.jobGroup.id")).isEqualTo("epoch-3");
      jsc.parallelize(List.of(1), 1).count();
      return jsc.getLocalProperty("spark.job.description");
    });
    assertThat(seen).isEqualTo(label);
    assertThat(jsc.getLocalProperty("spark.jobGroup.id")).isNull();
    assertThat(jsc.getLocalProperty("spark.job.description")).isNull();
    assertThatThrownBy(() -> SparkJobs.roundLabel(11, 10, 1, 1)).hasMessageContaining("epoch 11");
  }

  @Test
  void broadcastIsReadableInTheBodyAndDestroyedAfter() {
    List<Broadcast<StateDict>> kept = new ArrayList<>();
    StateDict state = StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    int n = SparkJobs.withBroadcast(spark.jsc(), state, b -> {
      kept.add(b);
      return spark.jsc().parallelize(List.of(1, 2, 3), 3).map(i -> b.value().size() + i).reduce((x, y) -> x + y);
    });
    assertThat(n).isEqualTo(3 * 1 + 6);
    assertThatThrownBy(() -> kept.get(0).value()).hasMessageContaining("destroyed");
  }

  @Test
  void aTaskThatThrowsOnALocalMasterIsTriedAgainAsOnACluster() {
    assertThat(spark.jsc().sc().master()).isEqualTo("local[2,4]");
    String marker = "epochal-test-" + System.nanoTime();
    // the first try of partition 1 throws; its retry (attempt number 1) succeeds
    List<Integer> tried = spark.jsc().parallelize(List.of(0, 1), 2).map(i -> {
      if (i == 1 && org.apache.spark.TaskContext.get().attemptNumber() == 0) {
        throw new IllegalStateException(marker + " first try fails");
      }
      return org.apache.spark.TaskContext.get().attemptNumber();
    }).collect();
    assertThat(tried).containsExactly(0, 1);
  }

  @Test
  void aLocalMasterTriesATaskAsOftenAsSparkTaskMaxFailuresSaysUnlessItSaysItself() {
    assertThat(SparkMaster.parse("local[2]").withTaskMaxFailures(4)).isEqualTo("local[2,4]");
    assertThat(SparkMaster.parse("local[*]").withTaskMaxFailures(3)).isEqualTo("local[*,3]");
    assertThat(SparkMaster.parse("local").withTaskMaxFailures(4)).isEqualTo("local[1,4]");
    assertThat(SparkMaster.parse("local[2,1]").withTaskMaxFailures(4)).as("the user's own").isEqualTo("local[2,1]");
    assertThat(SparkMaster.parse("local[2, 1]").withTaskMaxFailures(4)).as("with a blank, as Spark takes it")
        .isEqualTo("local[2, 1]");
    assertThat(SparkMaster.parse("local[2, 1]").coresPerWorker()).isEqualTo(2);
    assertThatThrownBy(() -> SparkMaster.parse("local[2;1]")).hasMessageContaining("local[N,F]");
    assertThat(SparkMaster.parse("local-cluster[2,1,1024]").withTaskMaxFailures(4))
        .isEqualTo("local-cluster[2,1,1024]");
    assertThat(SparkMaster.parse("spark://h:7077").withTaskMaxFailures(4)).isEqualTo("spark://h:7077");
    assertThatThrownBy(() -> SparkMaster.parse("local[2]").withTaskMaxFailures(0))
        .hasMessageContaining("spark.task.maxFailures");
    assertThatThrownBy(() -> SparkSessions.builder().setMaster("local[1]").optConf("spark.task.maxFailures", "four")
        .build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--conf spark.task.maxFailures=four is not a whole number");
  }

  @Test
  void mastersAreParsedAndMistakesNamed() {
    assertThat(SparkMaster.parse("local[4]").slots()).isEqualTo(4);
    SparkMaster lc = SparkMaster.parse("local-cluster[2,1,1024]");
    assertThat(lc.kind()).isEqualTo(SparkMaster.Kind.LOCAL_CLUSTER);
    assertThat(lc.workers()).isEqualTo(2);
    assertThat(lc.memoryPerWorkerMb()).isEqualTo(1024);
    assertThat(SparkMaster.parse("spark://host:7077").kind()).isEqualTo(SparkMaster.Kind.REMOTE);
    assertThatThrownBy(() -> SparkMaster.parse("local-cluster[2,1]"))
        .hasMessageContaining("local-cluster[2,1]").hasMessageContaining("local-cluster[workers");
    assertThatThrownBy(() -> SparkMaster.parse("local[x]")).hasMessageContaining("local[x]");
    assertThatThrownBy(() -> SparkSessions.builder().build()).hasMessageContaining("setMaster");
  }
}
