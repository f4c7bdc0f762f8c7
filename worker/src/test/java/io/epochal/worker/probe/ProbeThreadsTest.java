package io.epochal.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint's probe is recorded on the thread that commits it and checked on whichever thread
 * reloads it (another one, or another process's). With an MNIST-sized layer (784 inputs) a matrix
 * product split over two threads rounds differently from a single thread's, so the probe must not
 * take the calling thread's intra-op thread count.
 */
class ProbeThreadsTest {

  private static final HyperParameters MNIST_MLP =
      HyperParameters.builder().put("input_dim", 784).put("hidden", List.of(128L)).put("output_dim", 10).build();

  @Test
  void theProbeHasTheSameBitsOnAFreshThreadOnAOneThreadAndOnATwoThreadThread() throws Exception {
    EngineSettings.intraOpThreads(); // the engine started
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, MNIST_MLP)) {
      m.initialize(11);
      Tensor input = Probe.input(m.inputShape());
      Tensor fresh = onNewThread(() -> Probe.run(m, input));
      Tensor one = onNewThread(() -> {
        JniUtils.setNumThreads(1);
        return Probe.run(m, input);
      });
      AtomicReference<Integer> after = new AtomicReference<>();
      Tensor two = onNewThread(() -> {
        JniUtils.setNumThreads(2);
        Tensor t = Probe.run(m, input);
        after.set(JniUtils.getNumThreads());
        return t;
      });
      assertThat(one).as("probe on a one-thread thread against a fresh thread").isEqualTo(fresh);
      assertThat(two).as("probe on a two-thread thread against a one-thread thread").isEqualTo(one);
      assertThat(after.get()).as("the calling thread's count after the probe").isEqualTo(2);
      assertThat(onNewThread(() -> {
        JniUtils.setNumThreads(2);
        ProbeRecord r = Probe.record(m);
        JniUtils.setNumThreads(1);
        try {
          Probe.check(m, r); // throws on any differing bit
        } catch (ProbeMismatchException e) {
          throw new AssertionError(e.getMessage(), e);
        }
        return r.output();
      })).isEqualTo(one);
    }
  }

  @Test
  void withThreadsRunsTheActionWithTheCountAndRestoresTheThreadsOwn() throws Exception {
    assertThat(onNewThread(() -> {
      JniUtils.setNumThreads(2);
      int inside = EngineSettings.withThreads(1, JniUtils::getNumThreads);
      return List.of(inside, JniUtils.getNumThreads());
    })).containsExactly(1, 2);
  }

  private static <T> T onNewThread(Supplier<T> action) throws InterruptedException {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        result.set(action.get());
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "probe-threads-test");
    t.start();
    t.join();
    if (failure.get() != null) {
      throw new AssertionError("on " + t.getName() + ": " + failure.get(), failure.get());
    }
    return result.get();
  }
}
