package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelCacheTest {

  private static HyperParameters mlp(long hidden) {
    return HyperParameters.builder().put("input_dim", 4).put("hidden", List.of(hidden)).put("output_dim", 2).build();
  }

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  @Test
  void sameModelAndHyperparametersReuseTheBuiltModelAndLoadNewState() {
    try (ModelCache cache = new ModelCache(ModelRegistry.getDefault(), 2);
        EpochalModel source = ModelRegistry.getDefault().create("mlp", 1, mlp(3))) {
      source.initialize(1);
      StateDict round1 = source.stateDict();
      EpochalModel m1 = cache.acquire("mlp", 1, mlp(3), round1);
      assertThat(m1.stateDict()).isEqualTo(round1);
      source.initialize(2);
      StateDict round2 = source.stateDict();
      // the default is filled in by resolution, so stating it explicitly is the same key
      EpochalModel m2 = cache.acquire("mlp", 1, mlp(3).with(HyperParameters.builder().put("dropout", 0.0).build()), round2);
      assertThat(m2).isSameAs(m1);
      assertThat(m2.stateDict()).isEqualTo(round2);
      assertThat(cache.builds()).isEqualTo(1);
    }
  }

  @Test
  void differentHyperparametersBuildAnotherModelAndTheLeastRecentlyUsedIsClosed() {
    try (ModelCache cache = new ModelCache(ModelRegistry.getDefault(), 1)) {
      EpochalModel a = cache.acquire("mlp", 1, mlp(3));
      EpochalModel b = cache.acquire("mlp", 1, mlp(5));
      assertThat(b).isNotSameAs(a);
      assertThat(cache.builds()).isEqualTo(2);
      assertThat(cache.size()).isEqualTo(1);
      assertThatThrownBy(a::stateDict).isInstanceOf(IllegalStateException.class).hasMessageContaining("mlp v1 has been closed");
    }
  }

  @Test
  void eachThreadHasItsOwnCache() throws Exception {
    ModelCache mine = ModelCache.forCurrentThread();
    assertThat(ModelCache.forCurrentThread()).isSameAs(mine);
    AtomicReference<ModelCache> other = new AtomicReference<>();
    Thread t = new Thread(() -> {
      ModelCache c = ModelCache.forCurrentThread();
      other.set(c);
      c.close();
    });
    t.start();
    t.join();
    assertThat(other.get()).isNotNull().isNotSameAs(mine);
    mine.close();
    assertThat(ModelCache.forCurrentThread()).isNotSameAs(mine);
    ModelCache.forCurrentThread().close();
  }

  @Test
  void theCacheOfAThreadThatEndedIsClosedWhenAnotherThreadAsksForItsOwn() throws Exception {
    AtomicReference<EpochalModel> left = new AtomicReference<>();
    Thread task = new Thread(() -> left.set(ModelCache.forCurrentThread().acquire("mlp", 1, mlp(3))));
    task.start();
    task.join(); // a Spark task thread idle for a minute ends, its cache still full
    assertThat(left.get().manager().isOpen()).isTrue();

    ModelCache mine = ModelCache.forCurrentThread();
    assertThat(left.get().manager().isOpen()).as("the ended thread's model's native memory is freed").isFalse();
    assertThat(ModelCache.closeEnded()).as("closed once").isZero();
    mine.close();
  }
}
