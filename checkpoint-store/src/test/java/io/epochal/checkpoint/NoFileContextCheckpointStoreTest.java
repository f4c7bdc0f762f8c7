package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;

/**
 * The store on a file system registered only as a {@link FileSystem}, with no {@code
 * AbstractFileSystem} for {@code FileContext} (as many third-party connectors ship): it publishes
 * with {@link FileSystem#rename} after checking that the target is absent, and every behaviour of
 * {@link AbstractCheckpointStoreTest} and {@link OtherSchemeCheckpointStoreTest} holds there too.
 */
class NoFileContextCheckpointStoreTest extends OtherSchemeCheckpointStoreTest {

  @Override
  Configuration conf() {
    return OtherSchemeFileSystem.registerWithoutFileContext(new Configuration());
  }

  @Test
  void theSchemeHasNoFileContextHere() {
    assertThatThrownBy(() -> org.apache.hadoop.fs.FileContext.getFileContext(
        java.net.URI.create(OtherSchemeFileSystem.SCHEME + ":///"), conf()))
        .isInstanceOf(org.apache.hadoop.fs.UnsupportedFileSystemException.class);
  }
}
