package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.TestCheckpoints;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.chaos.ChaosJob;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobRetentionTest {

  @TempDir
  Path tmp;

  @Test
  void whatADryRunSaysRetentionDeletesLeavesOutTheDamagedCheckpointsTheResumeMovesAsideFirst() throws IOException {
    JobSpec spec = spec(Map.of("checkpoint.keep_last", "1", "checkpoint.keep_every", "4", "checkpoint.keep_best", "0"));
    // epochs 1-8 published; 7 and 8 are damaged in a way only hashing finds, so their manifests read
    List<CheckpointEntry> listing = LongStream.rangeClosed(1, 8)
        .mapToObj(e -> new CheckpointEntry(e, tmp.resolve("job/checkpoints/epoch-00000" + e).toString(),
            TestCheckpoints.manifest(e), null))
        .toList();

    assertThat(JobRetention.wouldDelete(spec, listing, List.of(), List.of())).hasValueSatisfying(d -> assertThat(d)
        .startsWith("the checkpoints of epochs 1, 2, 3, 5, 6, 7 (checkpoint.keep_last 1, keep_every 4"));
    assertThat(JobRetention.wouldDelete(spec, listing, List.of(7L, 8L), List.of())).as("the resume starts from epoch 6")
        .hasValueSatisfying(d -> assertThat(d).startsWith("the checkpoints of epochs 1, 2, 3, 5 ("));
    assertThat(JobRetention.wouldDelete(spec, listing.subList(3, 8), List.of(7L, 8L), List.of()))
        .hasValueSatisfying(d -> assertThat(d).startsWith("the checkpoint of epoch 5 ("));
  }

  @Test
  void aDamagedCheckpointLeftInPlaceNeverTakesThePlaceOfAnIntactOneAmongTheLastK() throws IOException {
    JobSpec spec = spec(Map.of("checkpoint.keep_last", "2", "checkpoint.keep_every", "0", "checkpoint.keep_best",
        "0"));
    // epochs 4-6 published; 5 is damaged in a way only hashing finds, and left in place because the mid-epoch
    // checkpoint the resume continued holds the state after it
    List<CheckpointEntry> listing = LongStream.rangeClosed(4, 6)
        .mapToObj(e -> new CheckpointEntry(e, tmp.resolve("job/checkpoints/epoch-00000" + e).toString(),
            TestCheckpoints.manifest(e), null))
        .toList();

    assertThat(JobRetention.wouldDelete(spec, listing, List.of(), List.of())).as("not known damaged")
        .hasValueSatisfying(d -> assertThat(d).startsWith("the checkpoint of epoch 4 ("));
    assertThat(JobRetention.wouldDelete(spec, listing, List.of(), List.of(5L))).as("the intact 4 and 6 are the last "
        + "two verified; the damaged 5 is kept as unverified").isEmpty();
  }

  private JobSpec spec(Map<String, String> overrides) throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Map<String, String> keys = new LinkedHashMap<>(ChaosJob.keys(data.toUri().toString(), 8));
    keys.put("job.name", "retention");
    keys.put("job.dir", tmp.resolve("job").toString());
    keys.putAll(overrides);
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog()).optOverrides(keys).build().resolve();
  }
}
