package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationsTest {

  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aLocalPathWithNonAsciiLettersAndSpacesIsTheFileItNames() throws Exception {
    java.nio.file.Path file = Files.writeString(Files.createDirectories(tmp.resolve("odd root/uü ñ #1")).resolve("x"),
        "x");
    FileSystem local = FileSystem.getLocal(new Configuration()).getRaw();
    Path qualified = local.makeQualified(new Path(file.toString()));

    assertThat(qualified.toUri().getRawPath()).as("Hadoop keeps the letters unescaped").contains("uü");
    assertThat(Locations.localFile(qualified)).isEqualTo(file).exists();
    assertThat(Locations.localFile(local.makeQualified(new Path(file.toUri())))).isEqualTo(file);
  }

  @Test
  void localLocationsAreShownWithThreeSlashes() {
    assertThat(Locations.text("file:/a/b")).isEqualTo("file:///a/b");
    assertThat(Locations.text("file:///a/b")).isEqualTo("file:///a/b");
    assertThat(Locations.text("hdfs://nn:8020/a")).isEqualTo("hdfs://nn:8020/a");
  }
}
