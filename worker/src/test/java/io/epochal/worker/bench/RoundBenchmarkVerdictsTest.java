package io.epochal.worker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundBenchmarkVerdictsTest {

  @Test
  void eachEpochalRowsMedianIsJudgedAgainstTheDjlRowOfItsOptimizerKind() {
    Map<String, double[]> wall = new LinkedHashMap<>();
    Map<String, double[]> cpu = new LinkedHashMap<>();
    wall.put("djl Trainer|sgd (fused sgdUpdate)", new double[] {100, 90, 110});
    cpu.put("djl Trainer|sgd (fused sgdUpdate)", new double[] {100, 100, 100});
    wall.put("epochal LocalRound|sgd (fused sgdUpdate)", new double[] {96, 10, 200}); // median 96
    cpu.put("epochal LocalRound|sgd (fused sgdUpdate)", new double[] {101, 101, 101});
    wall.put("djl Trainer|adam (DJL fused, beta2 0.999)", new double[] {50, 60, 70, 80}); // median 65
    cpu.put("djl Trainer|adam (DJL fused, beta2 0.999)", new double[] {50, 50, 50, 50});
    wall.put("epochal LocalRound|adam (exact, beta2 0.999)", new double[] {60, 61, 60, 61}); // median 60.5
    cpu.put("epochal LocalRound|adam (exact, beta2 0.999)", new double[] {49, 49, 49, 49});

    assertThat(RoundBenchmark.verdicts(wall, cpu)).containsExactly(
        "sgd (fused sgdUpdate): 0.960 met (by CPU time 1.010)",
        "adam (exact, beta2 0.999): 0.931 NOT met (by CPU time 0.980)");
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(RoundBenchmark.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(RoundBenchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
  }
}
