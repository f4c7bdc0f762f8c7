package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.epochal.driver.testing.ChildCli;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver JVM started without the {@code --add-opens} flags Spark needs on Java 17 (a standalone
 * cluster's driver in cluster mode gets none) is refused before Spark starts, naming the flags and
 * where to give them, instead of failing later in a broadcast or a data read.
 */
class JavaModuleAccessTest {

  private static final List<String> SPARKS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
      "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true");

  @TempDir
  Path tmp;

  @Test
  void onlyTheAddOpensEntriesWhosePackageIsClosedAreMissing() {
    Set<String> open = Set.of("java.base/java.lang");
    assertThat(JavaModuleAccess.missingOpens(SPARKS, (module, pkg) -> open.contains(module + "/" + pkg)))
        .containsExactly("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    assertThat(JavaModuleAccess.missingOpens(SPARKS, (module, pkg) -> true)).isEmpty();
  }

  @Test
  void malformedEntriesAreNotChecked() {
    assertThat(JavaModuleAccess.missingOpens(List.of("--add-opens=java.nio=ALL-UNNAMED", "--add-opens=/x=ALL-UNNAMED",
        "--add-opens=java.base/=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"), (m, p) -> false))
        .isEmpty();
  }

  @Test
  void theRefusalNamesTheMissingFlagsAndTheSettingThatGivesThem() {
    assertThat(JavaModuleAccess.refusal(List.of())).isEmpty();
    String message = JavaModuleAccess.refusal(List.of("--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")).orElseThrow();
    assertThat(message).contains("without 2 of the flags Spark needs on Java 17 (--add-opens=java.base/java.nio="
        + "ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)")
        .contains("--conf spark.driver.extraJavaOptions='--add-opens=java.base/java.nio=ALL-UNNAMED "
            + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dai.djl.offline=true'")
        .contains("--deploy-mode cluster");
  }

  @Test
  void aJvmGivenSparksFlagsPasses() {
    // the build starts test JVMs with the flags (spark.java.opens), as bin/epochal starts drivers
    assertThatCode(JavaModuleAccess::check).doesNotThrowAnyException();
  }

  @Test
  void aDriverWithoutTheFlagsIsRefusedBeforeSparkStarts() throws Exception {
    Path spec = ChildCli.smallJobFile(tmp, "no-opens");
    ChildCli run = ChildCli.run(tmp, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp),
        "--master", "local[1]", "train", spec.toString());
    assertThat(run.code).as(run.err).isEqualTo(2);
    assertThat(run.err).contains("epochal: this driver's JVM was started without")
        .contains("--add-opens=java.base/java.nio=ALL-UNNAMED").contains("spark.driver.extraJavaOptions")
        .doesNotContain("InaccessibleObjectException:").doesNotContain("Exception in thread");
    assertThat(tmp.resolve("job")).as("nothing written").doesNotExist();
  }
}
