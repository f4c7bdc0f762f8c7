package io.epochal.driver.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.CliRun;
import io.epochal.driver.testing.FormatFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code epochal predict} without {@code --output} prints every cell as {@code --output-format csv}
 * writes it: binary and timestamp columns passed through from a parquet input, with a Spark session
 * time zone other than the JVM's, read the same printed and written.
 */
class PrintedCsvCellsTest {

  private static final int ROWS = 5;
  /** The first row's timestamp; row i's is i seconds later. */
  private static final Instant AT = Instant.parse("2024-01-02T03:04:05.123456Z");
  /** A zone of a half-hour offset, unlikely to be the JVM's: a value printed in the JVM's zone would differ. */
  private static final String SESSION_ZONE = "Asia/Kolkata";

  @TempDir
  Path tmp;

  private Path job;
  private Path input;

  @BeforeEach
  void copyFixtureAndWriteParquetInput() throws IOException {
    job = tmp.resolve("job");
    FormatFixture.copyJob(job);
    input = tmp.resolve("in.parquet");
    MessageType schema = MessageTypeParser.parseMessageType("message input { required binary id (STRING); "
        + "optional binary blob; required int64 at (TIMESTAMP(MICROS,true)); required float f0; required float f1; "
        + "required float f2; required float f3; }");
    Configuration conf = new Configuration();
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(input.toUri()))
        .withType(schema).withConf(conf).build()) {
      for (int i = 0; i < ROWS; i++) {
        Group g = groups.newGroup().append("id", "r" + i);
        if (i != 1) { // row 1's blob is null
          g.append("blob", Binary.fromConstantByteArray(new byte[] {(byte) i, (byte) 0xab, 'z'}));
        }
        g.append("at", ChronoUnit.MICROS.between(Instant.EPOCH, AT.plusSeconds(i)));
        for (int j = 0; j < 4; j++) {
          g.append("f" + j, (float) (i - j) / 4);
        }
        w.write(g);
      }
    }
  }

  /** The lines predict prints for {@link #input}, header first. */
  private List<String> printed() {
    CliRun run = CliRun.of("predict", job.toString(), "--master", "local[2]", "--conf",
        "spark.sql.session.timeZone=" + SESSION_ZONE, "--input", input.toString(), "--features", "f0,f1,f2,f3");
    assertThat(run.code).as(run.toString()).isEqualTo(0);
    return run.out.lines().collect(Collectors.toList());
  }

  /** The lines predict writes for {@link #input} with --output-format csv, header first, data lines by row_id. */
  private List<String> written() throws IOException {
    Path output = tmp.resolve("predictions");
    CliRun run = CliRun.of("predict", job.toString(), "--master", "local[2]", "--conf",
        "spark.sql.session.timeZone=" + SESSION_ZONE, "--input", input.toString(), "--features", "f0,f1,f2,f3",
        "--output", output.toString(), "--output-format", "csv");
    assertThat(run.code).as(run.toString()).isEqualTo(0);
    List<String> header = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    try (Stream<Path> parts = Files.list(output)) {
      for (Path p : parts.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
        List<String> lines = Files.readAllLines(p);
        header.add(lines.get(0));
        rows.addAll(lines.subList(1, lines.size()));
      }
    }
    assertThat(header).as("the header line of every part file").containsOnly(header.get(0));
    rows.sort(java.util.Comparator.comparingLong(l -> Long.parseLong(l.split(",")[3])));
    header.subList(1, header.size()).clear();
    header.addAll(rows);
    return header;
  }

  @Test
  void printedBinaryCellsAreHexBytesAsWrittenNotJavaIdentityStrings() throws IOException {
    List<String> printed = printed();
    assertThat(printed.get(0)).isEqualTo("id,blob,at,row_id,prediction,score_0,score_1,probability_0,probability_1");
    assertThat(printed).hasSize(ROWS + 1);
    assertThat(printed.get(1)).startsWith("r0,[00 AB 7A],");
    assertThat(printed.get(2)).as("a null blob").startsWith("r1,,");
    assertThat(printed.get(5)).startsWith("r4,[04 AB 7A],");
    assertThat(printed).noneMatch(l -> l.contains("[B@"));
    assertThat(printed).isEqualTo(written());
  }

  @Test
  void printedTimestampsAreInTheSparkSessionTimeZoneWithItsOffsetAsWritten() throws IOException {
    List<String> printed = printed();
    assertThat(printed).hasSize(ROWS + 1);
    for (int i = 0; i < ROWS; i++) {
      // 03:04:05.123456 UTC is 08:34:05.123 at +05:30; Spark's CSV writer keeps milliseconds
      assertThat(printed.get(i + 1).split(",")[2]).as("row %d", i)
          .isEqualTo("2024-01-02T08:34:0" + (5 + i) + ".123+05:30");
    }
    assertThat(printed).isEqualTo(written());
  }
}
