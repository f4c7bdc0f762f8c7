package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A small job file and the resolution failures of the spec tests. */
final class SpecFixtures {

  private SpecFixtures() {}

  /**
   * Writes {@code job.properties} in {@code tmp}: an sgd-trained mlp of 8 inputs and 3 classes reading the (empty)
   * directory {@code tmp/data}, which it creates.
   */
  static Path writeJobFile(Path tmp) throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path jobFile = tmp.resolve("job.properties");
    Files.write(jobFile, List.of(
        "job.name=test",
        "job.dir=" + tmp.resolve("job"),
        "model.name=mlp",
        "model.inputs=8",
        "model.classes=3",
        "optimizer.name=sgd",
        "optimizer.lr=0.1",
        "train.epochs=1",
        "data.path=" + data.toUri(),
        "data.features=features"), StandardCharsets.UTF_8);
    return jobFile;
  }

  /** A resolver of job file {@code jobFile} with the test catalog's models. */
  static JobSpecResolver.Builder resolver(Path jobFile) {
    return JobSpecResolver.builder().optCatalog(new TestModelCatalog()).optJobFile(jobFile);
  }

  /** The {@link ConfigException} resolving {@code b} fails with, checked to be one line. */
  static ConfigException errorOf(JobSpecResolver.Builder b) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> b.build().resolve());
    assertThat(t).isInstanceOf(ConfigException.class);
    assertThat(t.getMessage()).doesNotContain("\n");
    return (ConfigException) t;
  }
}
