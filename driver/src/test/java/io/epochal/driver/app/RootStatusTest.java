package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.testing.FormatFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} of a directory of jobs whose storage refuses or fails part of the listing: what it could not see is
 * named, and what storage did not answer is not called damage.
 */
class RootStatusTest {

  @TempDir
  Path root;

  private final Configuration conf = OtherSchemeFileSystem.register(new Configuration());
  private String out;

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  private int status(boolean json) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = new JobStatusReport(conf, print).print(URI.create(OtherSchemeFileSystem.uri(root)), json);
    }
    out = bytes.toString(StandardCharsets.UTF_8);
    return code;
  }

  @Test
  void aRootWhoseOnlyJobsAreInADirectoryThisUserMayNotSearchNamesItAndFailsNotSaysThereIsNoJob() throws Exception {
    FormatFixture.copyJob(root.resolve("team-b/mnist"));
    OtherSchemeFileSystem.denyListingOf(p -> p.getName().equals("team-b"));

    assertThat(status(false)).as(out).isEqualTo(ExitCodes.FAILED);
    assertThat(out).contains("no Epochal job at or under ", "warning: not searched for jobs: team-b (permission "
        + "denied: ");

    assertThat(status(true)).as(out).isEqualTo(ExitCodes.FAILED);
    JsonNode doc = new ObjectMapper().readTree(out);
    assertThat(doc.path("jobs")).isEmpty();
    assertThat(doc.path("unsearched")).singleElement().satisfies(u -> {
      assertThat(u.path("dir").asText()).isEqualTo("team-b");
      assertThat(u.path("reason").asText()).startsWith("permission denied: ");
    });
  }

  @Test
  void theJsonOfARootListsTheDirectoriesItCouldNotSearchBesideTheJobsItFound() throws Exception {
    FormatFixture.copyJob(root.resolve("team-a/mnist"));
    FormatFixture.copyJob(root.resolve("team-b/mnist"));
    OtherSchemeFileSystem.denyListingOf(p -> p.getName().equals("team-b"));

    assertThat(status(true)).as(out).isEqualTo(ExitCodes.OK);

    JsonNode doc = new ObjectMapper().readTree(out);
    assertThat(doc.path("jobs").findValuesAsText("job")).containsExactly("team-a/mnist");
    assertThat(doc.path("unsearched").findValuesAsText("dir")).containsExactly("team-b");
  }

  @Test
  void anEmptyClaimLeftByAKilledDriverExpiresTheJobsOwnTtlAfterItWasWrittenInTheListing() throws Exception {
    // the job's lease.ttl_ms is 60 s; a driver killed between creating its claim and writing it, 90 s ago
    Path job = FormatFixture.copyJob(root.resolve("a"));
    Path claim = java.nio.file.Files.createDirectories(job.resolve("lease")).resolve("token-000000000001");
    java.nio.file.Files.createFile(claim);
    java.nio.file.Files.setLastModifiedTime(claim, java.nio.file.attribute.FileTime.from(java.time.Instant.now()
        .minusSeconds(90)));

    status(false);

    assertThat(out.lines()).as(out).anySatisfy(l -> assertThat(l).startsWith("a ").contains("free since")
        .doesNotContain("held by"));
  }

  @Test
  void aJobWhoseStorageDidNotAnswerIsAnErrorToLookAtAgainNotAFileToRepair() throws Exception {
    FormatFixture.copyJob(root.resolve("a"));
    FormatFixture.copyJob(root.resolve("b"));
    OtherSchemeFileSystem.failListingOf(p -> p.getName().equals("checkpoints") && p.getParent().getName().equals("b"));

    assertThat(status(false)).as(out).isEqualTo(ExitCodes.FAILED);

    assertThat(out.lines()).anySatisfy(l -> assertThat(l).matches("b\\s+ERROR\\s.*"));
    assertThat(out).contains("1 job(s) could not be read now (ERROR above): their storage did not answer; nothing is "
        + "known to be damaged: run status again once it answers").doesNotContain("repaired or restored");
  }
}
