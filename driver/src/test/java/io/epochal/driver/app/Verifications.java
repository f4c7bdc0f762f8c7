package io.epochal.driver.app;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;

/** {@code epochal verify} for tests of other packages that watch, or act on, what it says as it goes. */
public final class Verifications {

  private Verifications() {}

  /** Verifies {@code target} (with {@code all}, every checkpoint): report on {@code out}, progress on {@code err}. */
  public static int verify(URI target, boolean all, PrintStream out, PrintStream err) throws IOException {
    return new CheckpointVerification(new Configuration(), out, err).verify(target, all, false);
  }
}
