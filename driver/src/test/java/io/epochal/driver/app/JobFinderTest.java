package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.AccessControlException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which job directories {@code status} and {@code resume --all} find under a root. */
class JobFinderTest {

  @TempDir
  Path root;

  private FileSystem fs;

  @BeforeEach
  void jobs() throws IOException {
    fs = OtherSchemeFileSystem.open();
    job("team-a/mnist");
    job("team-a/cifar");
    job("team-b/secret/job");
    job("solo");
  }

  @AfterEach
  void close() throws IOException {
    OtherSchemeFileSystem.clearFaults();
    fs.close();
  }

  private void job(String relative) throws IOException {
    Path dir = Files.createDirectories(root.resolve(relative));
    Files.writeString(dir.resolve("job.json"), "{}");
  }

  private JobFinder.Found find() throws IOException {
    return JobFinder.find(fs, new org.apache.hadoop.fs.Path(OtherSchemeFileSystem.uri(root)));
  }

  @Test
  void aDirectoryThisUserMayNotListIsSkippedAndNamedWhileTheOthersAreSearched() throws IOException {
    OtherSchemeFileSystem.denyListingOf(p -> p.getName().equals("team-b"));

    JobFinder.Found found = find();

    assertThat(found.jobs()).containsOnlyKeys("solo", "team-a/cifar", "team-a/mnist");
    assertThat(found.unreadable()).containsOnlyKeys("team-b");
    assertThat(found.unreadable().get("team-b")).startsWith("permission denied: ").contains("team-b");
  }

  @Test
  void aDirectoryWithAFileNamedCheckpointsIsSearchedNotTakenForAJobThatLostItsJobJson() throws IOException {
    Path notes = Files.createDirectories(root.resolve("notes"));
    Files.writeString(notes.resolve("checkpoints"), "a list of things to check");
    checkpoint("lost/checkpoints/epoch-000001");

    JobFinder.Found found = find();

    assertThat(found.lostSpecs()).containsOnlyKeys("lost");
    assertThat(found.jobs()).containsOnlyKeys("solo", "team-a/cifar", "team-a/mnist", "team-b/secret/job");
  }

  /** A checkpoint directory of Epochal's layout at {@code relative}: its manifest.json and a weights file. */
  private void checkpoint(String relative) throws IOException {
    Path dir = Files.createDirectories(root.resolve(relative));
    Files.writeString(dir.resolve("manifest.json"), "{}");
    Files.writeString(dir.resolve("model.safetensors"), "weights");
  }

  @Test
  void aCheckpointsFolderOfAnotherToolIsSearchedAndTheJobsBelowAndBesideItAreFound() throws IOException {
    // PyTorch Lightning's checkpoints beside an Epochal job, and a job kept inside that folder
    Path lightning = Files.createDirectories(root.resolve("project/checkpoints"));
    Files.writeString(lightning.resolve("epoch=3-step=1000.ckpt"), "weights");
    Files.createDirectories(lightning.resolve("epoch-000001")); // Epochal's name, but no manifest.json
    Files.writeString(lightning.resolve("epoch-000001/weights.bin"), "weights");
    Files.createDirectories(root.resolve("project/mid-epoch/step-000000100"));
    job("project/epochal-run");
    job("project/checkpoints/sweep");

    JobFinder.Found found = find();

    assertThat(found.lostSpecs()).isEmpty();
    assertThat(found.jobs()).containsKeys("project/epochal-run", "project/checkpoints/sweep");
    ResumePlan plan = ResumePlan.of(new org.apache.hadoop.fs.Path(OtherSchemeFileSystem.uri(root)),
        OtherSchemeFileSystem.register(new Configuration()), Instant.now());
    assertThat(plan.entries()).extracting(ResumePlan.Entry::name).as("no 'holds checkpoints but no job.json' row")
        .contains("project/epochal-run", "project/checkpoints/sweep").doesNotContain("project");
  }

  @Test
  void epochalCheckpointsBeingWrittenMovedAsideOrTakenMidEpochMarkAJobThatLostItsJobJson() throws IOException {
    checkpoint("committing/checkpoints/_tmp-epoch-000001-0f0e");
    checkpoint("moved-aside/checkpoints/_damaged-epoch-000002-1700000000000");
    Files.createDirectories(root.resolve("mid-epoch-only/checkpoints"));
    checkpoint("mid-epoch-only/mid-epoch/step-000000100");
    checkpoint("not-a-checkpoint/checkpoints/_tmp-other-tool");

    JobFinder.Found found = find();

    assertThat(found.lostSpecs()).containsOnlyKeys("committing", "moved-aside", "mid-epoch-only");
  }

  @Test
  void everyJobIsFoundByItsPathUnderTheRootWhenNothingIsDenied() throws IOException {
    JobFinder.Found found = find();

    assertThat(found.jobs()).containsOnlyKeys("solo", "team-a/cifar", "team-a/mnist", "team-b/secret/job");
    assertThat(found.unreadable()).isEmpty();
  }

  @Test
  void aResumePlanCountsADirectoryItMayNotSearchAsAnError() throws IOException {
    OtherSchemeFileSystem.denyListingOf(p -> p.getName().equals("team-b"));

    ResumePlan plan = ResumePlan.of(new org.apache.hadoop.fs.Path(OtherSchemeFileSystem.uri(root)),
        OtherSchemeFileSystem.register(new Configuration()), Instant.now());

    assertThat(plan.entries()).filteredOn(e -> e.name().equals("team-b")).singleElement().satisfies(e -> {
      assertThat(e.action()).isEqualTo(ResumePlan.Action.ERROR);
      assertThat(e.reason()).startsWith("not searched for jobs: permission denied");
    });
    assertThat(plan.entries()).extracting(ResumePlan.Entry::name).contains("team-a/mnist", "solo");
  }

  @Test
  void aDirectoryRemovedWhileTheSearchRunsIsGoneNotAFailureAndTheOthersAreFound() throws IOException {
    OtherSchemeFileSystem.removeWhenListed(p -> p.getName().equals("secret"));

    JobFinder.Found found = find();

    assertThat(found.jobs()).containsOnlyKeys("solo", "team-a/cifar", "team-a/mnist");
    assertThat(found.unreadable()).isEmpty();
  }

  @Test
  void aRootThatCannotBeListedOrAFailingFileSystemFailsTheSearch() {
    OtherSchemeFileSystem.denyListingOf(p -> p.getName().equals(root.getFileName().toString()));
    assertThatThrownBy(this::find).isInstanceOf(AccessControlException.class);

    OtherSchemeFileSystem.clearFaults();
    OtherSchemeFileSystem.failListingOf(p -> p.getName().equals("team-b"));
    assertThatThrownBy(this::find).isInstanceOf(IOException.class).hasMessageContaining("cannot list");
  }
}
