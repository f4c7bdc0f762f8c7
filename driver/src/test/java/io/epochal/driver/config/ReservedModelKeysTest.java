package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.ModelCodeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model's code that declares a hyperparameter whose key is one of Epochal's own job keys. */
class ReservedModelKeysTest {

  @TempDir
  Path tmp;

  /** The test catalog, but for its mlp, which also declares a hyperparameter {@code version}. */
  private static final class VersionDeclaringCatalog implements ModelCatalog {
    private final TestModelCatalog test = new TestModelCatalog();

    @Override
    public Set<String> modelNames() {
      return test.modelNames();
    }

    @Override
    public Optional<ParamSpecs> model(String name, long version) {
      return test.model(name, version).map(specs -> {
        List<ParamSpec> all = new ArrayList<>(specs.all());
        all.add(ParamSpec.builder("version", ParamType.STRING).optDefault("resnet-ish").optDoc("An architecture.")
            .build());
        return new ParamSpecs(specs.owner(), all);
      });
    }

    @Override
    public Set<Long> versions(String name) {
      return test.versions(name);
    }

    @Override
    public Optional<ParamSpecs> optimizer(String name) {
      return test.optimizer(name);
    }

    @Override
    public Set<String> scheduleNames() {
      return test.scheduleNames();
    }

    @Override
    public Optional<ParamSpecs> schedule(String name) {
      return test.schedule(name);
    }
  }

  @Test
  void aModelDeclaringAHyperparameterWhoseKeyIsAJobKeyIsTheModelsCodeToFixNamingIt() throws Exception {
    JobSpecResolver.Builder b = JobSpecResolver.builder().optCatalog(new VersionDeclaringCatalog())
        .optJobFile(SpecFixtures.writeJobFile(tmp));
    assertThatThrownBy(() -> b.build().resolve()).isInstanceOf(ModelCodeException.class)
        .hasMessageContaining("model mlp v1 declares the hyperparameter 'version', whose key model.version is a job "
            + "key of Epochal's own: rename it in its params()");
  }
}
