package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelocationNoteTest {

  @TempDir
  java.nio.file.Path tmp;

  private FileSystem fs() throws IOException {
    return FileSystem.getLocal(new Configuration());
  }

  @Test
  void aNoteIsLeftWhereTheJobWasAndTakenFromWhereItCameBack() throws IOException {
    Path old = new Path(tmp.resolve("old").toUri());
    Path now = new Path(tmp.resolve("new").toUri());
    fs().mkdirs(now);
    Files.writeString(tmp.resolve("new/relocated.json"), "{\"moved_to\": \"elsewhere\"}"); // moved back here
    List<String> warnings = new ArrayList<>();

    RelocationNote.of("job-1", "file:///x/new", Instant.parse("2026-01-02T03:04:05Z")).leave(fs(), now, old,
        warnings::add);

    assertThat(warnings).isEmpty();
    assertThat(tmp.resolve("new/relocated.json")).doesNotExist();
    RelocationNote read = RelocationNote.read(fs(), old).orElseThrow();
    assertThat(read.movedTo()).isEqualTo("file:///x/new");
    assertThat(read.refusal(old)).contains("(job-1) was relocated to file:///x/new at 2026-01-02T03:04:05Z",
        "continue it with: bin/epochal resume file:///x/new;", "delete " + ShellWords.location(new Path(old,
            "relocated.json")));
    // a location with a blank is one shell word in the command to paste
    assertThat(RelocationNote.of("job-1", "file:///x/new jobs/a", Instant.EPOCH).refusal(old))
        .contains("continue it with: bin/epochal resume 'file:///x/new jobs/a';");
  }

  @Test
  void noNoteIsWrittenWhereAnotherJobStartedSince() throws IOException {
    Path old = new Path(tmp.resolve("old").toUri());
    fs().mkdirs(old);
    Files.writeString(tmp.resolve("old/job.json"), "{}");

    assertThat(RelocationNote.of("job-1", "file:///x/new", Instant.now()).writeTo(fs(), old)).isFalse();
    assertThat(tmp.resolve("old/relocated.json")).doesNotExist();
  }

  @Test
  void aDamagedNoteStillRefusesAndSaysItCannotBeRead() throws IOException {
    Path old = new Path(tmp.resolve("old").toUri());
    fs().mkdirs(old);
    Files.writeString(tmp.resolve("old/relocated.json"), "{\"moved_to\": ");

    RelocationNote read = RelocationNote.read(fs(), old).orElseThrow();

    assertThat(read.refusal(old)).contains("relocated.json cannot be read", "delete ");
    assertThat(RelocationNote.read(fs(), new Path(tmp.resolve("none").toUri()))).isEmpty();
  }

  @Test
  void aNoteThatCannotBeWrittenIsAWarningNotAFailure() throws IOException {
    java.nio.file.Path file = Files.writeString(tmp.resolve("a-file"), "x"); // no directory can be made under it
    List<String> warnings = new ArrayList<>();

    RelocationNote.of("job-1", "file:///x/new", Instant.now()).leave(fs(), new Path(tmp.resolve("new").toUri()),
        new Path(file.resolve("old").toUri()), warnings::add);

    assertThat(warnings).singleElement().asString().contains("cannot leave a note in ", "a-file/old",
        "a train with that job.dir would start a new job there");
  }
}
