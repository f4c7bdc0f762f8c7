package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.worker.model.builtin.CnnFactory;
import io.epochal.worker.model.builtin.MlpFactory;
import io.epochal.worker.model.builtin.MlpOffsetFactory;
import io.epochal.worker.model.example.ExampleLinearFactory;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

  private static final ModelRegistry REGISTRY = ModelRegistry.getDefault();

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  private static HyperParameters mlp(Object... kv) {
    HyperParameters.Builder b = HyperParameters.builder().put("input_dim", 4L).put("output_dim", 3L);
    for (int i = 0; i < kv.length; i += 2) {
      b.put((String) kv[i], kv[i + 1]);
    }
    return b.build();
  }

  @Test
  void builtInModelsAreFoundThroughServiceLoader() {
    assertThat(REGISTRY.get("mlp", 1)).isInstanceOf(MlpFactory.class);
    assertThat(REGISTRY.get("cnn", 1)).isInstanceOf(CnnFactory.class);
    assertThat(REGISTRY.get("mlp-offset", 1)).isInstanceOf(MlpOffsetFactory.class);
    assertThat(REGISTRY.registered()).contains("mlp v1, cnn v1, mlp-offset v1");
    assertThat(ModelRegistry.getDefault()).isSameAs(REGISTRY);
  }

  @Test
  void aFactoryInAJarOnTheClasspathIsPickedUp() {
    ModelRegistry fresh = ModelRegistry.load(getClass().getClassLoader());
    ModelFactory f = fresh.get("example-linear", 1);
    assertThat(f).isInstanceOf(ExampleLinearFactory.class);
    try (EpochalModel m = fresh.create("example-linear", 1, HyperParameters.empty());
        NDManager io = NDManager.newBaseManager("PyTorch")) {
      m.initialize(1);
      NDArray out = m.forward(io.ones(new Shape(5, 3)), false, null);
      assertThat(out.getShape()).isEqualTo(new Shape(5, 2));
      assertThat(m.stateDict().nameList()).containsExactly("weight", "bias");
    }
  }

  @Test
  void unknownModelNameListsWhatIsRegistered() {
    assertThatThrownBy(() -> REGISTRY.get("resnet", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown model resnet v1")
        .hasMessageContaining("registered: ")
        .hasMessageContaining("mlp v1, cnn v1, mlp-offset v1");
    assertThatThrownBy(() -> REGISTRY.get("mpl", 1))
        .hasMessageContaining("did you mean 'mlp'?");
  }

  @Test
  void unknownVersionNamesTheVersionsThatExist() {
    assertThatThrownBy(() -> REGISTRY.get("mlp", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown model mlp v2; model mlp exists in version 1")
        .hasMessageContaining("mlp v1, cnn v1, mlp-offset v1");
  }

  @Test
  void twoFactoriesWithTheSameNameAndVersionAreRefused() {
    assertThatThrownBy(() -> ModelRegistry.of(List.of(new MlpFactory(), new MlpFactory())))
        .isInstanceOf(ModelCodeException.class)
        .hasMessageContaining("model mlp v1 is registered twice")
        .hasMessageContaining(MlpFactory.class.getName());
  }

  @Test
  void aFactoryListedOnTheClassPathThatCannotBeLoadedLeavesTheOthersUsableAndIsNamedWhenItsModelIsAskedFor(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path services = tmp.resolve("META-INF/services");
    java.nio.file.Files.createDirectories(services);
    java.nio.file.Files.writeString(services.resolve(ModelFactory.class.getName()), "# a team's models\n"
        + "com.team.model.TeamMlpFactroy\n");
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {tmp.toUri().toURL()},
        ModelRegistryTest.class.getClassLoader())) {
      ModelRegistry registry = ModelRegistry.load(loader);

      assertThat(registry.get("mlp", 1)).isInstanceOf(MlpFactory.class);
      assertThat(registry.broken()).singleElement().satisfies(b -> assertThat(b)
          .contains("com.team.model.TeamMlpFactroy").contains(tmp.toString()));
      assertThatThrownBy(() -> registry.get("team-mlp", 1)).isInstanceOf(ModelCodeException.class)
          .hasMessageContaining("unknown model team-mlp v1")
          .hasMessageContaining("not loaded, from a jar on the class path: ")
          .hasMessageContaining("com.team.model.TeamMlpFactroy").hasMessageContaining("Fix or remove that jar");
    }
  }

  @Test
  void aFactoryCompiledForANewerJavaOrWithoutANoArgConstructorLeavesTheOthersUsableAndNamesItsJar(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path services = tmp.resolve("META-INF/services");
    java.nio.file.Files.createDirectories(services);
    java.nio.file.Files.createDirectories(tmp.resolve("com/team/model"));
    // a class file of major version 99, as a compiler for a Java far newer than this one writes: CAFEBABE 0 99
    java.nio.file.Files.write(tmp.resolve("com/team/model/NewJavaFactory.class"),
        new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 99, 0, 0});
    java.nio.file.Files.writeString(services.resolve(ModelFactory.class.getName()),
        "com.team.model.NewJavaFactory\n" + NoArgless.class.getName() + "\n");
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {tmp.toUri().toURL()},
        ModelRegistryTest.class.getClassLoader())) {
      ModelRegistry registry = ModelRegistry.load(loader);

      assertThat(registry.get("mlp", 1)).isInstanceOf(MlpFactory.class);
      assertThat(registry.broken()).hasSize(2).allSatisfy(b -> assertThat(b).contains(tmp.toString()));
      assertThat(registry.broken()).anySatisfy(b -> assertThat(b).contains("UnsupportedClassVersionError")
          .contains("NewJavaFactory"));
      assertThat(registry.broken()).anySatisfy(b -> assertThat(b).contains(NoArgless.class.getName()));
    }
  }

  @Test
  void aFactoryWhoseSuperclassIsMissingIsLeftOutNamingItAndItsJar(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path src = java.nio.file.Files.createDirectories(tmp.resolve("src/com/team/model"));
    java.nio.file.Files.writeString(src.resolve("TeamBase.java"), "package com.team.model;\n"
        + "public abstract class TeamBase implements " + ModelFactory.class.getName() + " {}\n");
    java.nio.file.Files.writeString(src.resolve("TeamFactory.java"), "package com.team.model;\n"
        + "public abstract class TeamFactory extends TeamBase {}\n");
    java.nio.file.Path classes = java.nio.file.Files.createDirectories(tmp.resolve("classes"));
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(),
        src.resolve("TeamBase.java").toString(), src.resolve("TeamFactory.java").toString())).isZero();
    java.nio.file.Files.delete(classes.resolve("com/team/model/TeamBase.class")); // its jar left out of --jars
    java.nio.file.Path services = java.nio.file.Files.createDirectories(classes.resolve("META-INF/services"));
    java.nio.file.Files.writeString(services.resolve(ModelFactory.class.getName()), "com.team.model.TeamFactory\n");
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {classes.toUri().toURL()},
        ModelRegistryTest.class.getClassLoader())) {
      ModelRegistry registry = ModelRegistry.load(loader);

      assertThat(registry.get("mlp", 1)).isInstanceOf(MlpFactory.class);
      assertThat(registry.broken()).singleElement().satisfies(b -> assertThat(b).contains("NoClassDefFoundError")
          .contains("com/team/model/TeamBase").contains("com.team.model.TeamFactory").contains(classes.toString()));
    }
  }

  /** A factory without the public no-arg constructor ServiceLoader needs. */
  public abstract static class NoArgless implements ModelFactory {
    /** A constructor that takes an argument only. */
    public NoArgless(int width) {}
  }

  @Test
  void aFactoryThatThrowsWhileBuildingItsModelIsNamedAsTheModelsOwnCode() {
    ModelFactory throwing = new ModelFactory() {
      @Override
      public String name() {
        return "example-linear";
      }

      @Override
      public int version() {
        return 1;
      }

      @Override
      public io.epochal.params.ParamSpecs params() {
        return new ExampleLinearFactory().params();
      }

      @Override
      public EpochalModel create(HyperParameters resolved) {
        throw new IllegalStateException();
      }
    };
    assertThatThrownBy(() -> ModelRegistry.of(List.of(throwing)).create("example-linear", 1,
        HyperParameters.builder().build()))
        .isInstanceOf(ModelCodeException.class)
        .hasMessageContaining("model example-linear v1: its factory " + throwing.getClass().getName()
            + " failed to build it: java.lang.IllegalStateException")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void resolveFillsDefaults() {
    HyperParameters r = REGISTRY.resolve("mlp", 1, mlp());
    assertThat(r.getList("hidden", Long.class)).containsExactly(256L, 256L);
    assertThat(r.getString("activation")).isEqualTo("relu");
    assertThat(r.getDouble("dropout")).isEqualTo(0.0);
    assertThat(r.getLong("input_dim")).isEqualTo(4L);
    HyperParameters c = REGISTRY.resolve("cnn", 1, HyperParameters.builder().put("classes", 10).build());
    assertThat(c.getLong("image_size")).isEqualTo(28L);
    assertThat(c.getLong("channels")).isEqualTo(16L);
  }

  @Test
  void missingRequiredHyperparameterIsNamedWithTypeAndRange() {
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, HyperParameters.builder().put("output_dim", 3L).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model mlp v1 needs hyperparameter 'input_dim' (integer in [1, 2147483647])");
  }

  @Test
  void unknownHyperparameterSuggestsTheNearestKey() {
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, mlp("hiden", List.of(8L))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model mlp v1 has no hyperparameter 'hiden' (did you mean 'hidden'?)");
  }

  @Test
  void wrongTypeIsNamedWithExpectedTypeAndRange() {
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, mlp("dropout", "half")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dropout' = half has type string; expected number in [0.0, 0.99]");
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, mlp("hidden", List.of(1.5))))
        .hasMessageContaining("'hidden'").hasMessageContaining("expected list of integers");
  }

  @Test
  void outOfRangeValuesAreNamedWithTheRange() {
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, mlp("dropout", 1.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dropout' = 1.0 is out of range; expected number in [0.0, 0.99]");
    assertThatThrownBy(() -> REGISTRY.resolve("mlp", 1, mlp("activation", "swish")))
        .hasMessageContaining("'activation' = \"swish\" is not allowed; expected one of relu, tanh, gelu, sigmoid");
    assertThatThrownBy(() -> REGISTRY.resolve("cnn", 1,
        HyperParameters.builder().put("classes", 10).put("image_size", 1).build()))
        .hasMessageContaining("'image_size' = 1 is out of range; expected integer in [2, 4096]");
  }

  /** A model whose constructor fails after registering a parameter, keeping its manager where the test sees it. */
  private static final class FailingModel extends BaseEpochalModel {
    static NDManager last;

    FailingModel() {
      super("failing v1", new long[] {4}, 2, null);
      state().addParameter("weight", ParameterInit.torchDefault(4), 2, 4);
      last = manager();
      throw new IllegalStateException("the model's own code failed");
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, java.util.SplittableRandom rng) {
      throw new AssertionError("never built");
    }
  }

  @Test
  void aModelWhoseConstructorFailsLeavesNoOpenManagerBehind() {
    ModelFactory failing = factory("failing", FailingModel::new);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> ModelRegistry.build(failing, HyperParameters.empty(), ai.djl.Device.cpu()))
          .isInstanceOf(ModelCodeException.class).hasMessageContaining("the model's own code failed");
      assertThat(FailingModel.last.isOpen()).as("the failed model's manager, with its weight").isFalse();
    }
    try (EpochalModel fine = ModelRegistry.build(new MlpFactory(), new MlpFactory().params().resolve(
        HyperParameters.builder().put("input_dim", 4L).put("output_dim", 2L).build()),
        ai.djl.Device.cpu())) {
      assertThat(fine.manager().isOpen()).as("a model built after a failure is open").isTrue();
    }
  }

  @Test
  void aModelBuiltOnTheCpuOnlyAskedForAGpuSaysWhichDeviceKeyToSetNotToFixItsCode() {
    ModelFactory cpuOnly = new io.epochal.worker.model.example.ExampleLinearFactory(); // create(resolved) alone
    assertThatThrownBy(() -> ModelRegistry.build(cpuOnly, cpuOnly.params().resolve(HyperParameters.empty()),
        ai.djl.Device.gpu(0))).isInstanceOf(ModelCodeException.class)
        .hasMessageContaining("runs on the CPU only, not on gpu(0)")
        .hasMessageContaining("train it with train.device=cpu")
        .hasMessageContaining("override create(HyperParameters, Device)")
        .hasMessageNotContaining("the model's own code");
  }

  /** A model of one module that torch's {@code self.<submodule> = nn.Linear(4, 2)} would name {@code submodule}. */
  private static final class SubmoduleModel extends BaseEpochalModel {
    static NDManager last;

    SubmoduleModel(String submodule) {
      super("submodule v1", new long[] {4}, 2, null);
      state().addParameter(submodule + ".weight", ParameterInit.torchDefault(4), 2, 4);
      last = manager();
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, java.util.SplittableRandom rng) {
      throw new AssertionError("not run");
    }
  }

  private static ModelFactory submoduleFactory(String submodule) {
    return factory("submodule", () -> new SubmoduleModel(submodule));
  }

  /** Model {@code name} v1 of no hyperparameters, built by {@code make}. */
  private static ModelFactory factory(String name, java.util.function.Supplier<EpochalModel> make) {
    return new ModelFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int version() {
        return 1;
      }

      @Override
      public io.epochal.params.ParamSpecs params() {
        return new io.epochal.params.ParamSpecs("model " + name + " v1", List.of());
      }

      @Override
      public EpochalModel create(HyperParameters resolved) {
        return make.get();
      }
    };
  }

  @Test
  void aModelNamingATensorAsTheOptimizersStateOrTheMovingAverageIsRefusedWhenBuiltNotMistakenForThem() {
    for (String submodule : new String[] {"ema", "optimizer"}) {
      assertThatThrownBy(() -> ModelRegistry.build(submoduleFactory(submodule), HyperParameters.empty(),
          ai.djl.Device.cpu())).isInstanceOf(ModelCodeException.class)
          .hasMessageContaining("model submodule v1 names a tensor '" + submodule + ".weight': names starting with "
              + "'optimizer.' or 'ema.' are reserved").hasMessageContaining("register that module under another name");
      assertThat(SubmoduleModel.last.isOpen()).as("the refused model's manager").isFalse();
    }
    try (EpochalModel teacher = ModelRegistry.build(submoduleFactory("teacher"), HyperParameters.empty(),
        ai.djl.Device.cpu())) {
      assertThat(teacher.stateDict().nameList()).containsExactly("teacher.weight");
    }
  }
}
