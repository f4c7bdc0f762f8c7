package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.train.TrainingConfigs;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code loss.class_weights}: read, refused, stored only when set, and carried to the workers. */
class ClassWeightsKeyTest {

  @TempDir
  Path tmp;

  private Path jobFile;

  @BeforeEach
  void writeJobFile() throws IOException {
    jobFile = SpecFixtures.writeJobFile(tmp);
  }

  private JobSpecResolver.Builder resolver() {
    return SpecFixtures.resolver(jobFile);
  }

  private static ConfigException errorOf(JobSpecResolver.Builder b) {
    return SpecFixtures.errorOf(b);
  }

  @Test
  void classWeightsReachTheWorkersAndAreStoredOnlyWhenSet() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.lossConfig().classWeights()).isEmpty();
    assertThat(none.toHyperParameters().contains(LossKeys.CLASS_WEIGHTS)).as("job.json as before the key existed")
        .isFalse();
    assertThat(resolver().optOverride(LossKeys.CLASS_WEIGHTS, " ").build().resolve().toHyperParameters())
        .isEqualTo(none.toHyperParameters());

    JobSpec weighted = resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1, 4.5,0.25").build().resolve();
    assertThat(weighted.toHyperParameters().getString(LossKeys.CLASS_WEIGHTS)).isEqualTo("1, 4.5,0.25");
    assertThat(JobSpec.fromHyperParameters(weighted.toHyperParameters())).isEqualTo(weighted);
    assertThat(TrainingConfigs.of(weighted).lossConfig().classWeights()).containsExactly(1, 4.5, 0.25);
    assertThat(TrainingConfigs.of(weighted)).isNotEqualTo(TrainingConfigs.of(none));
    assertThat(TrainingConfigs.of(weighted).newLoss().toString())
        .isEqualTo("softmax_cross_entropy(weight=[1.0, 4.5, 0.25])");
  }

  @Test
  void aWeightThatIsNotANumberAboveZeroIsRefusedNamingTheClass() {
    ConfigException word = errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,two,3"));
    assertThat(word.key()).isEqualTo(LossKeys.CLASS_WEIGHTS);
    assertThat(word).hasMessageContaining("loss.class_weights = 1,two,3 (from --set loss.class_weights): the weight "
        + "of class 1 is 'two', not a number (write one number per class, class 0 first: 1,4.5,1)");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,0,3")))
        .hasMessageContaining("the weight of class 1 is 0; a class weight must be finite and above 0");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,2,")))
        .hasMessageContaining("the weight of class 2 is '', not a number");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,2f,3"))).as("Java's form, not Python's")
        .hasMessageContaining("the weight of class 1 is '2f', not a number");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,2,0x1p1")))
        .hasMessageContaining("the weight of class 2 is '0x1p1', not a number");
    io.epochal.params.HyperParameters stored = resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,2,3").build()
        .resolve().toHyperParameters().with(io.epochal.params.HyperParameters.builder()
        .put(LossKeys.CLASS_WEIGHTS, "1,2f,3").build()); // a job an earlier build stored with it
    assertThat(JobSpec.fromHyperParameters(stored).toHyperParameters().getString(LossKeys.CLASS_WEIGHTS))
        .as("resumes as it was stored").isEqualTo("1,2f,3");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "-1,2,3")))
        .hasMessageContaining("the weight of class 0 is -1");
    assertThat(errorOf(resolver().optOverride(LossKeys.CLASS_WEIGHTS, "1,2,1e-60")))
        .hasMessageContaining("the weight of class 2 is 1e-60");
  }

  @Test
  void aRegressionLossTakesNoClassWeights() {
    ConfigException regression = errorOf(resolver().optOverride("loss", "mse").optOverride("model.classes", "1")
        .optOverride(LossKeys.CLASS_WEIGHTS, "1,2"));
    assertThat(regression.key()).isEqualTo(LossKeys.CLASS_WEIGHTS);
    assertThat(regression).hasMessageContaining("loss.class_weights = 1,2 (from --set loss.class_weights) weighs "
        + "classes, but loss = mse has none (only softmax_cross_entropy does): remove it");
  }

  @Test
  void balancedWeightsAreScikitLearnsRowsOverClassesTimesTheClasssRows() {
    // compute_class_weight("balanced", classes=[0, 1], y=[0, 1, 1, 1]) = 4 / (2 * [1, 3]) = [2, 0.6666...]
    assertThat(LossKeys.balancedWeights(new long[] {1, 3})).contains("2,0.666667");
    assertThat(LossKeys.balancedWeights(new long[] {5, 5, 5})).contains("1,1,1");
    assertThat(LossKeys.balancedWeights(new long[] {1079, 985, 1001, 1031}))
        .contains("0.949027,1.03959,1.02298,0.99321");
    assertThat(LossKeys.balancedWeights(new long[] {4, 0})).as("a class without rows").isEmpty();
    String balanced = LossKeys.balancedWeights(new long[] {7, 1, 2}).orElseThrow();
    assertThat(resolver().optOverride(LossKeys.CLASS_WEIGHTS, balanced).build().resolve().lossConfig().classWeights())
        .as("a value the key takes").hasSize(3);
  }

  @Test
  void pytorchAndKerasSpellingsPointAtTheKey() {
    for (String key : new String[] {"class_weight", "class_weights", "loss.weight", "loss.class_weight", "weight"}) {
      assertThat(errorOf(resolver().optOverride(key, "1,2,3"))).as(key).hasMessageContaining("loss.class_weights");
    }
  }
}
