package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on a federated namespace ({@code viewfs://}), its mount on a file system of another
 * scheme ({@link OtherSchemeFileSystem}): every contract of the store holds through the mount table,
 * and the files of a checkpoint reach the mount's file system with {@code SYNC_BLOCK}, which
 * {@code ViewFileSystem}'s create with flags drops (it passes on {@code OVERWRITE} alone).
 */
class ViewFsCheckpointStoreTest extends AbstractCheckpointStoreTest {

  private static final String MOUNT_TABLE = "jobs";

  @TempDir
  static Path root;

  private static FileSystem fs;

  @BeforeAll
  static void openFs() throws IOException {
    fs = FileSystem.newInstance(URI.create("viewfs://" + MOUNT_TABLE + "/"), mounted());
  }

  @AfterAll
  static void closeFs() throws IOException {
    fs.close();
  }

  /** A mount table whose /teams is {@code root} on {@link OtherSchemeFileSystem}. */
  private static Configuration mounted() {
    Configuration conf = OtherSchemeFileSystem.register(new Configuration());
    conf.set("fs.viewfs.mounttable." + MOUNT_TABLE + ".link./teams", OtherSchemeFileSystem.uri(root));
    return conf;
  }

  @Override
  String newJobDir(String name) {
    return "viewfs://" + MOUNT_TABLE + "/teams/" + name;
  }

  @Override
  Configuration conf() {
    return mounted();
  }

  @Override
  FileSystem fileSystem() {
    return fs;
  }

  @Test
  void everyFileOfACheckpointIsCreatedWithSyncBlockOnTheMountsFileSystem() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    LoadedCheckpoint c = store.latest().checkpoint().orElseThrow();
    assertThat(c.path()).startsWith("viewfs://" + MOUNT_TABLE + "/teams/");
    assertThat(c.manifest().files()).isNotEmpty();
    // created in the commit's temporary directory, renamed after
    String checkpoints = root.resolve(URI.create(jobDir).getPath().substring("/teams/".length()))
        .resolve("checkpoints").toUri().getPath();
    java.util.Map<String, java.util.EnumSet<CreateFlag>> created = OtherSchemeFileSystem.createdWith();
    for (String name : c.manifest().files().stream().map(ManifestFile::name).toList()) {
      assertThat(created).as(name).hasEntrySatisfying(created.keySet().stream()
          .filter(p -> p.startsWith(checkpoints + "_tmp-epoch-000001-") && p.endsWith("/" + name)).findFirst()
          .orElse("(" + name + " not created with flags)"), flags -> assertThat(flags)
          .contains(CreateFlag.CREATE, CreateFlag.SYNC_BLOCK));
    }
  }
}
