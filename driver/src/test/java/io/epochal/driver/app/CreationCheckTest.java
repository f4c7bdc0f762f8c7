package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values a worker would refuse when it creates the optimizer or the schedule are refused with the spec. */
class CreationCheckTest {

  private static JobSpecResolver.Builder quickstart(Map<String, String> overrides) {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("../conf/quickstart.properties")).optCheckDataPath(false).optOverrides(overrides);
  }

  private static ConfigException refused(Map<String, String> overrides) {
    Throwable t = catchThrowable(() -> quickstart(overrides).build().resolve());
    assertThat(t).as("%s", overrides).isInstanceOf(ConfigException.class);
    return (ConfigException) t;
  }

  @Test
  void howToReadStartingWeightsIsRefusedWithoutWeightsAndNotStoredAtItsDefaults() {
    ConfigException prefix = refused(Map.of("init.strip_prefix", "module."));
    assertThat(prefix.key()).isEqualTo("init.strip_prefix");
    assertThat(prefix).hasMessageContaining("init.strip_prefix = module. (from --set init.strip_prefix) says how to "
        + "read init.weights, which is not given");
    assertThat(refused(Map.of("init.strict", "false")).key()).isEqualTo("init.strict");
    assertThat(refused(Map.of("pretrained", "/w.safetensors"))).hasMessageContaining("init.weights");
    io.epochal.params.HyperParameters seeded = quickstart(Map.of("init.strict", "true")).build().resolve()
        .toHyperParameters();
    assertThat(seeded.asMap().keySet()).as("a job of seeded weights reads as one made before the keys existed")
        .noneMatch(k -> k.startsWith("init."));
    io.epochal.driver.config.JobSpec fine = quickstart(Map.of("init.weights", "relative/w.safetensors",
        "init.strict", "false")).build().resolve();
    assertThat(fine.fineTuning().weights()).hasValue("file://" + Path.of("relative/w.safetensors").toAbsolutePath());
    assertThat(fine.fineTuning().strict()).isFalse();
    assertThat(fine.toHyperParameters().asMap()).containsEntry("init.strict", false)
        .doesNotContainKey("init.strip_prefix");
  }

  @Test
  void freezePatternsThatMatchNoParameterOrEveryOneAreRefusedNamingTheModelsParameters() {
    ConfigException typo = refused(Map.of("train.freeze", "layers.0.*, layer.3.*"));
    assertThat(typo.key()).isEqualTo("train.freeze");
    assertThat(typo).hasMessageContaining("train.freeze = layers.0.*, layer.3.* (from --set train.freeze): layer.3.* "
        + "matches no trainable parameter; model mlp v1 trains layers.0.weight, layers.0.bias, layers.3.weight, "
        + "layers.3.bias, layers.6.weight, layers.6.bias");
    assertThat(refused(Map.of("train.freeze", "*"))).hasMessageContaining("freezes every trainable parameter, so "
        + "nothing would train");
    io.epochal.driver.config.JobSpec frozen = quickstart(Map.of("train.freeze", "layers.0.*,*.bias")).build()
        .resolve();
    assertThat(frozen.fineTuning().frozen()).containsExactly("layers.0.*", "*.bias");
    assertThat(frozen.toHyperParameters().asMap()).containsEntry("train.freeze", "layers.0.*,*.bias");
    assertThat(quickstart(Map.of("train.freeze", " ")).build().resolve().toHyperParameters().asMap())
        .doesNotContainKey("train.freeze");
  }

  @Test
  void parameterGroupsThatNameNoTrainedParameterOrOverlapAreRefusedNamingTheModelsParameters() {
    ConfigException typo = refused(Map.of("train.lr_scale", "layers.0.*:0.1, layer.3.*:0.5"));
    assertThat(typo.key()).isEqualTo("train.lr_scale");
    assertThat(typo).hasMessageContaining("train.lr_scale = layers.0.*:0.1, layer.3.*:0.5 (from --set train.lr_scale): "
        + "'layer.3.*' matches no trained parameter; model mlp v1 trains layers.0.weight, layers.0.bias, "
        + "layers.3.weight, layers.3.bias, layers.6.weight, layers.6.bias");
    assertThat(refused(Map.of("train.lr_scale", "layers.*:0.1,*.bias:0"))).hasMessageContaining(
        "'layers.0.bias' is named by layers.* and *.bias, each with a scale of its own");
    ConfigException frozen = refused(Map.of("train.lr_scale", "layers.0.*:0.1", "train.freeze", "layers.0.*"));
    assertThat(frozen).hasMessageContaining("'layers.0.*' matches no trained parameter; model mlp v1 trains "
        + "layers.3.weight, layers.3.bias, layers.6.weight, layers.6.bias (train.freeze leaves out layers.0.weight, "
        + "layers.0.bias)");
    assertThat(refused(Map.of("train.lr_scale", "layers.0.*=0.1"))).hasMessageContaining("train.lr_scale = "
        + "layers.0.*=0.1: 'layers.0.*=0.1' is not pattern:scale").hasMessageContaining("(from --set train.lr_scale)");
    assertThat(refused(Map.of("train.lr_scale", "layers.0.*:-1"))).hasMessageContaining("must be finite and >= 0");
    assertThat(refused(Map.of("train.lr_scale", "layers.0.*:0.1f"))).as("Java's form, not Python's")
        .hasMessageContaining("train.lr_scale = layers.0.*:0.1f: the scale of 'layers.0.*' is '0.1f', not a number")
        .hasMessageContaining("(from --set train.lr_scale)");
    ConfigException norm = refused(Map.of("train.no_weight_decay", "*.bias,*.norm.*", "optimizer.weight_decay",
        "0.01"));
    assertThat(norm.key()).isEqualTo("train.no_weight_decay");
    assertThat(norm).hasMessageContaining("train.no_weight_decay = *.bias,*.norm.* (from --set train.no_weight_decay):"
        + " *.norm.* matches no trained parameter");
  }

  @Test
  void classWeightsOfAnotherCountThanTheModelsOutputsAreRefusedWithTheSpec() {
    ConfigException e = refused(Map.of("loss.class_weights", "1,2"));
    assertThat(e.key()).isEqualTo("loss.class_weights");
    assertThat(e).hasMessage("loss.class_weights = 1,2 (from --set loss.class_weights) gives 2 class weights but model "
        + "mlp v1 predicts 4 classes: give one weight per class, class 0 first");
    assertThat(quickstart(Map.of("loss.class_weights", "1,2,3,4")).build().resolve().lossConfig().classWeights())
        .containsExactly(1, 2, 3, 4);
    assertThat(refused(Map.of("loss.class_weights", "1,x"))).as("one refusal for weights that do not parse")
        .hasMessageContaining("the weight of class 1 is 'x', not a number");
  }

  @Test
  void freezeEpochsNeedFrozenParametersWhichThenMayHaveScalesOfTheirOwn() {
    ConfigException alone = refused(Map.of("train.freeze_epochs", "2"));
    assertThat(alone.key()).isEqualTo("train.freeze_epochs");
    assertThat(alone).hasMessageContaining("train.freeze_epochs = 2 (from --set train.freeze_epochs) says how long "
        + "train.freeze freezes its parameters, but it names none");
    io.epochal.driver.config.JobSpec backbone = quickstart(Map.of("train.freeze", "layers.0.*", "train.freeze_epochs",
        "1", "train.lr_scale", "layers.0.*:0.1")).build().resolve();
    assertThat(backbone.fineTuning().frozenParameters())
        .isEqualTo(io.epochal.worker.round.FrozenParameters.of(java.util.List.of("layers.0.*"), 1));
    assertThat(backbone.toHyperParameters().asMap()).containsEntry("train.freeze_epochs", 1L);
    assertThat(quickstart(Map.of("train.freeze", "layers.0.*", "train.freeze_epochs", "0")).build().resolve()
        .toHyperParameters().asMap()).doesNotContainKey("train.freeze_epochs");
    assertThat(refused(Map.of("train.freeze", "layers.0.*", "train.freeze_epochs", "-1"))).hasMessageContaining(
        "train.freeze_epochs");
  }

  @Test
  void noWeightDecayForAnOptimizerThatDecaysNothingIsRefusedAndGroupsAreStoredOnlyWhenGiven() {
    ConfigException none = refused(Map.of("train.no_weight_decay", "*.bias"));
    assertThat(none).hasMessageContaining("train.no_weight_decay = *.bias (from --set train.no_weight_decay) exempts "
        + "parameters from weight decay, but optimizer.weight_decay is 0 for optimizer adam, which decays none");
    io.epochal.driver.config.JobSpec grouped = quickstart(Map.of("optimizer.name", "adamw", "train.no_weight_decay",
        "*.bias", "train.lr_scale", "layers.0.*:0.1")).build().resolve();
    assertThat(grouped.toHyperParameters().asMap()).containsEntry("train.no_weight_decay", "*.bias")
        .containsEntry("train.lr_scale", "layers.0.*:0.1");
    assertThat(grouped.fineTuning().paramGroups().lrScale("layers.0.bias")).isEqualTo(0.1);
    assertThat(grouped.fineTuning().paramGroups().decays("layers.0.bias")).isFalse();
    assertThat(quickstart(Map.of("train.lr_scale", " ", "train.no_weight_decay", "")).build().resolve()
        .toHyperParameters().asMap()).doesNotContainKeys("train.lr_scale", "train.no_weight_decay");
    assertThat(refused(Map.of("param_groups", "x"))).hasMessageContaining("train.lr_scale");
    assertThat(refused(Map.of("optimizer.no_decay", "*.bias"))).hasMessageContaining("train.no_weight_decay");
    assertThat(refused(Map.of("unfreeze_backbone_at_epoch", "2"))).hasMessageContaining("train.freeze_epochs=N");
  }

  @Test
  void anAdamBetaOfOneIsRefusedByItsDeclaredRangeWhichExcludesOne() {
    ConfigException e = refused(Map.of("optimizer.beta1", "1.0"));
    assertThat(e.key()).isEqualTo("optimizer.beta1");
    assertThat(e).hasMessageContaining("optimizer.beta1 = '1.0' (from --set optimizer.beta1)")
        .hasMessageContaining("[0.0, 1.0)");
    assertThatCode(() -> quickstart(Map.of("optimizer.beta1", "0.999999")).build().resolve())
        .doesNotThrowAnyException();
  }

  @Test
  void valuesOnlyCreationRefusesAreReportedTogetherWithTheOtherKeysProblems() {
    ConfigException e = refused(Map.of("train.epochs", "0", "optimizer.name", "sgd", "optimizer.nesterov", "true",
        "schedule.name", "multistep"));
    assertThat(e).hasMessageContaining("train.epochs").hasMessageContaining("sgd nesterov = true needs momentum > 0")
        .hasMessageContaining("schedule.milestones");
    ConfigException withUnknown = refused(Map.of("optimizer.name", "sgd", "optimizer.nesterov", "true",
        "optimizer.beta1", "0.9"));
    assertThat(withUnknown).as("a key sgd does not declare does not hide the creation check")
        .hasMessageContaining("key 'optimizer.beta1' (from --set optimizer.beta1) is a hyperparameter of optimizer adam, adamw, not of optimizer sgd").hasMessageContaining("sgd nesterov = true needs");
  }

  @Test
  void aBestMetricNoCheckpointRecordsIsRefusedEvenWhileKeepBestIsZero() {
    ConfigException e = refused(Map.of("checkpoint.keep_best", "0", "checkpoint.best_metric", "val_los"));
    assertThat(e.key()).isEqualTo("checkpoint.best_metric");
    assertThat(e).hasMessageContaining("is not a metric a checkpoint records; did you mean 'val_loss'?")
        .hasMessageContaining("with data.validation_path, one of [val_loss, val_accuracy, val_balanced_accuracy, "
            + "val_f1, val_auc, val_ap, val_mae, val_rmse, val_r2, val_rows]");
  }

  @Test
  void aRankedMetricIsRefusedByTheModelsOutputsNotByTheClassesTheLabelsAreCheckedAgainst() {
    // the scores of 200 outputs record no val_auc: early stopping would count every epoch as no improvement
    ConfigException wide = refused(Map.of("model.output_dim", "200", "data.classes", "0", "data.validation_path",
        "/held-out", "early_stop.patience", "3", "early_stop.monitor", "val_auc", "early_stop.mode", "max"));
    assertThat(wide.key()).isEqualTo("early_stop.monitor");
    assertThat(wide).hasMessageContaining("early_stop.monitor = 'val_auc' (from --set early_stop.monitor) is "
        + "recorded only for up to 100 classes, not the 200 outputs of model mlp v1: watch val_accuracy");
    // 50 outputs record it, whatever data.classes checks the labels against
    assertThatCode(() -> quickstart(Map.of("model.output_dim", "50", "data.classes", "150", "data.validation_path",
        "/held-out", "checkpoint.best_metric", "val_ap", "checkpoint.best_mode", "max")).build().resolve())
        .doesNotThrowAnyException();
  }

  @Test
  void howToStopEarlyIsRefusedWithoutAPatienceToStopWithNotIgnored() {
    ConfigException e = refused(Map.of("early_stop.monitor", "train_loss", "early_stop.min_delta", "0.001"));
    assertThat(e.key()).isEqualTo("early_stop.monitor");
    assertThat(e).hasMessageContaining("early_stop.monitor = train_loss (from --set early_stop.monitor) says how to "
        + "stop early, but early_stop.patience = 0 does not stop early: set early_stop.patience");
    assertThat(refused(Map.of("early_stop.mode", "max")).key()).isEqualTo("early_stop.mode");
    assertThatCode(() -> quickstart(Map.of("early_stop.patience", "3", "early_stop.monitor", "train_loss",
        "early_stop.min_delta", "0.001")).build().resolve()).doesNotThrowAnyException();
    assertThatCode(() -> quickstart(Map.of("early_stop.patience", "0", "early_stop.min_delta", "0")).build()
        .resolve()).as("values that stop nothing either").doesNotThrowAnyException();
  }

  @Test
  void earlyStoppingOrAPlateauWatchingTheMachinesSpeedIsRefusedSinceRunsWouldDifferButRankingByItIsAllowed() {
    ConfigException stop = refused(Map.of("early_stop.patience", "2", "early_stop.monitor", "samples_per_second",
        "early_stop.mode", "max"));
    assertThat(stop.key()).isEqualTo("early_stop.monitor");
    assertThat(stop).hasMessageContaining("early_stop.monitor = samples_per_second (from --set early_stop.monitor) "
        + "is the speed of the machines, not a measure of the model: the epoch the job stops at would depend on "
        + "timing").hasMessageContaining("watch train_loss");
    assertThat(refused(Map.of("early_stop.patience", "2", "checkpoint.best_metric", "samples_per_second",
        "checkpoint.best_mode", "max")).key()).as("the ranking's metric, which early stopping watches")
        .isEqualTo("checkpoint.best_metric");
    ConfigException plateau = refused(Map.of("schedule.name", "plateau", "schedule.monitor", "samples_per_second"));
    assertThat(plateau.key()).isEqualTo("schedule.monitor");
    assertThat(plateau).hasMessageContaining("the learning rate would depend on timing");
    assertThatCode(() -> quickstart(Map.of("checkpoint.keep_best", "2", "checkpoint.best_metric",
        "samples_per_second", "checkpoint.best_mode", "max")).build().resolve()).doesNotThrowAnyException();
  }

  @Test
  void aValidationMetricIsRefusedWithoutHeldOutRowsAndAccuracyWithoutClasses() {
    ConfigException e = refused(Map.of("checkpoint.keep_best", "1", "checkpoint.best_metric", "val_loss"));
    assertThat(e.key()).isEqualTo("checkpoint.best_metric");
    assertThat(e).hasMessageContaining("'val_loss' (from --set checkpoint.best_metric) is recorded only for a job "
        + "evaluated on held-out rows: set data.validation_path to them");
    ConfigException regression = refused(Map.of("checkpoint.best_metric", "val_accuracy", "loss", "mse",
        "data.validation_path", "/held-out", "model.output_dim", "1"));
    assertThat(regression).hasMessageContaining("'val_accuracy' (from --set checkpoint.best_metric) is recorded "
        + "only for classification (loss=softmax_cross_entropy), not loss=mse: rank by val_loss");
    assertThat(refused(Map.of("early_stop.monitor", "val_balanced_accuracy", "early_stop.patience", "2", "loss", "mse",
        "data.validation_path", "/held-out", "model.output_dim", "1"))).hasMessageContaining("'val_balanced_accuracy'")
        .hasMessageContaining("is recorded only for classification (loss=softmax_cross_entropy), not loss=mse");
    assertThatCode(() -> quickstart(Map.of("checkpoint.best_metric", "val_balanced_accuracy", "checkpoint.best_mode",
        "max", "checkpoint.keep_best", "1", "data.validation_path", "/held-out")).build().resolve())
        .doesNotThrowAnyException();
  }

  @Test
  void sgdNesterovWithoutMomentumIsRefusedNamingNesterov() {
    ConfigException e = refused(Map.of("optimizer.name", "sgd", "optimizer.nesterov", "true"));
    assertThat(e.key()).isEqualTo("optimizer.nesterov");
    assertThat(e).hasMessageContaining("sgd nesterov = true needs momentum > 0 and dampening = 0");
    assertThatCode(() -> quickstart(Map.of("optimizer.name", "sgd", "optimizer.nesterov", "true",
        "optimizer.momentum", "0.9")).build().resolve()).doesNotThrowAnyException();
  }

  @Test
  void aWarmUpStartingAtZeroIsTakenAsHuggingFacesAndOneBelowZeroIsRefusedByItsDeclaredRange() {
    assertThatCode(() -> quickstart(Map.of("schedule.warmup_steps", "5", "schedule.warmup_start_factor", "0"))
        .build().resolve()).doesNotThrowAnyException();
    ConfigException e = refused(Map.of("schedule.warmup_steps", "5", "schedule.warmup_start_factor", "-0.1"));
    assertThat(e.key()).isEqualTo("schedule.warmup_start_factor");
    assertThat(e).hasMessageContaining("schedule.warmup_start_factor = '-0.1' (from --set "
        + "schedule.warmup_start_factor) is out of range; give a number in [0.0, 1.0]");
  }

  @Test
  void theQuickstartSpecPassesAsItIs() {
    assertThatCode(() -> quickstart(Map.of()).build().resolve()).doesNotThrowAnyException();
  }
}
