package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job files' names: every driver must spell a name the same way, since two drivers claiming a lease token
 * race for the one file of that name.
 */
class JobPathsTest {

  private final Locale before = Locale.getDefault();
  private final Path dir = new Path("file:///jobs/j");

  @BeforeEach
  void aLocaleWhoseDigitsAreNotAscii() {
    Locale.setDefault(Locale.forLanguageTag("fa-IR"));
  }

  @AfterEach
  void restoreLocale() {
    Locale.setDefault(before);
  }

  @Test
  void leaseTokensAndHeartbeatsAreNamedInAsciiDigitsWhateverTheDriversLocale() {
    assertThat(JobPaths.leaseToken(dir, 2).getName()).isEqualTo("token-000000000002");
    assertThat(JobPaths.leaseHeartbeat(dir, 2).getName()).isEqualTo("heartbeat-000000000002");
  }

  @Test
  void attemptHistoriesAreNamedInAsciiDigitsWhateverTheDriversLocale() {
    assertThat(JobPaths.attemptEvents(dir, 3).getName()).isEqualTo("attempt-0003.jsonl");
    assertThat(JobPaths.attemptEvents(dir, 3, 2).getName()).isEqualTo("attempt-0003.2.jsonl");
  }
}
