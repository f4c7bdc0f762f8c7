package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class DataPathCheckTest {

  @TempDir
  Path tmp;

  /** A file system under {@code down://} whose every lookup fails as the client of a stopped NameNode does. */
  public static class Down extends RawLocalFileSystem {
    @Override
    public URI getUri() {
      return URI.create("down:///");
    }

    @Override
    public boolean exists(org.apache.hadoop.fs.Path f) throws IOException {
      return getFileStatus(f) != null; // as FileSystem's (the local one's asks java.io.File)
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws IOException {
      throw new java.net.ConnectException("Call From test/127.0.0.1 to nn:8020 failed on connection exception: "
          + "java.net.ConnectException: Connection refused");
    }
  }

  /** A file system under {@code denied://} that refuses this user every lookup. */
  public static class Denied extends Down {
    @Override
    public URI getUri() {
      return URI.create("denied:///");
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws IOException {
      throw new AccessControlException("Permission denied: user=alice, access=EXECUTE, inode=\"/data\"");
    }
  }

  private Throwable resolving(String dataPath) throws IOException {
    Configuration conf = new Configuration(false);
    conf.setClass("fs.down.impl", Down.class, FileSystem.class);
    conf.setClass("fs.denied.impl", Denied.class, FileSystem.class);
    conf.setBoolean("fs.down.impl.disable.cache", true);
    conf.setBoolean("fs.denied.impl.disable.cache", true);
    JobSpecResolver.Builder b = SpecFixtures.resolver(SpecFixtures.writeJobFile(tmp))
        .optOverride(JobKeys.DATA_PATH, dataPath).optHadoopConf(conf);
    return catchThrowable(() -> b.build().resolve());
  }

  @Test
  void dataOnAFileSystemThatDoesNotAnswerIsAnIoErrorNamingTheKeyNotAConfigurationError() throws IOException {
    Throwable t = resolving("down:///data/train");

    assertThat(t).isInstanceOf(StorageUnreachableException.class)
        .hasMessageStartingWith("data.path = 'down:/data/train' cannot be read: java.net.ConnectException");
    // the command exits as an I/O error on it (EpochalCliTest), which a supervised driver is restarted on
  }

  @Test
  void dataNamedWithCharactersSparkReadsAsAPatternIsRefusedThoughItExists() throws IOException {
    java.nio.file.Files.writeString(tmp.resolve("t[12].csv"), "label,x\n1,100\n");
    java.nio.file.Files.writeString(tmp.resolve("t1.csv"), "label,x\n0,5\n"); // what Spark would read instead
    Throwable t = resolving(tmp.resolve("t[12].csv").toString());
    assertThat(t).isInstanceOf(ConfigException.class).hasMessageContaining("t[12].csv' holds a character Spark reads "
        + "as a pattern ([ ] { } ? *): it would read the files that pattern matches, not the one named");
    assertThat(((ConfigException) t).key()).isEqualTo(JobKeys.DATA_PATH);
    assertThatThrownBy(() -> io.epochal.driver.predict.PredictInput.check(tmp.resolve("t[12].csv").toString(),
        new Configuration())).hasMessageStartingWith("--input '");
    DataPathCheck.refusePattern(JobKeys.DATA_PATH, "hdfs://[2001:db8::5]:8020/data/train"); // an IPv6 authority
  }

  @Test
  void dataThisUserMayNotReadOrOfASchemeWithoutFileSystemIsAConfigurationError() throws IOException {
    Throwable denied = resolving("denied:///data/train");
    assertThat(denied).isInstanceOf(ConfigException.class).hasMessageContaining("data.path = 'denied:/data/train'"
        + " cannot be read").hasMessageContaining("Permission denied").hasMessageContaining("hdfs dfs -chmod");

    Throwable noScheme = resolving("nosuchfs:///data/train");
    assertThat(noScheme).isInstanceOf(ConfigException.class)
        .hasMessageContaining("data.path = 'nosuchfs:///data/train' is not a usable Hadoop URI");
  }
}
