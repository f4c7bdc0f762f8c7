package io.epochal.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed input is refused with a typed exception naming the file and the tensor. */
class SafetensorsMalformedTest {

  private static final String FILE = "bad.safetensors";

  @TempDir
  Path tmp;

  private static byte[] file(long headerLength, String json, int dataBytes) {
    return file(headerLength, json.getBytes(StandardCharsets.UTF_8), dataBytes);
  }

  private static byte[] file(long headerLength, byte[] header, int dataBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
    out.writeBytes(header);
    out.writeBytes(new byte[dataBytes]);
    return out.toByteArray();
  }

  /** A file of exactly {@code header}'s bytes as its header (not necessarily UTF-8) and no data. */
  private static byte[] withHeader(byte[] header) {
    return file(header.length, header, 0);
  }

  private static byte[] file(String json, int dataBytes) {
    return file(json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":["
        + begin + "," + end + "]}";
  }

  private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(byte[] bytes) throws Exception {
    // the stream reader and the memory-mapped reader refuse alike
    Path p = tmp.resolve(FILE);
    Files.write(p, bytes);
    assertThatThrownBy(() -> SafetensorsReader.readMapped(p))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageStartingWith(p.toString());
    return assertThatThrownBy(
            () -> SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, FILE))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageStartingWith(FILE + ": ");
  }

  @Test
  void headerLengthAboveTheLimitIsRefusedBeforeAllocating() throws Exception {
    assertRefused(file(100_000_001L, "{}", 0)).hasMessageContaining("exceeds the limit of 100000000");
    assertRefused(file(-1L, "{}", 0)).hasMessageContaining("exceeds the limit");
  }

  @Test
  void headerLengthBeyondTheFileIsRefused() throws Exception {
    assertRefused(file(99_999_999L, "{}", 0)).hasMessageContaining("exceeds the 2 bytes that follow");
  }

  @Test
  void fileShorterThanTheLengthPrefixIsRefused() throws Exception {
    assertRefused(new byte[] {1, 2, 3}).hasMessageContaining("fewer than the 8-byte header length prefix");
  }

  @Test
  void invalidJsonIsRefused() throws Exception {
    assertRefused(file("{\"w\":{\"dtype\":", 0)).hasMessageContaining("not valid JSON");
    assertRefused(file("[1,2]", 0)).hasMessageContaining("not a JSON object");
    assertRefused(file("{} {}", 0)).hasMessageContaining("content after its JSON object");
  }

  @Test
  void unknownDTypeIsRefusedNamingTheTensor() throws Exception {
    assertRefused(file("{" + entry("w", "F8_E4M3", "[2]", 0, 2) + "}", 2))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("unknown dtype 'F8_E4M3'");
  }

  @Test
  void duplicateNamesAreDetectedInTheJson() throws Exception {
    String json = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}";
    assertRefused(file(json, 8)).hasMessageContaining("twice").hasMessageContaining("'w'");
    String twiceInOne = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    assertRefused(file(twiceInOne, 4)).hasMessageContaining("Duplicate field 'dtype'")
        .hasMessageContaining("in the entry of tensor 'w', at character ").hasMessageNotContaining("-1");
    String unclosed = "{" + entry("a", "F32", "[1]", 0, 4) + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1}}";
    assertRefused(file(unclosed, 4)).hasMessageContaining("not valid JSON").hasMessageContaining("tensor 'b'");
    String againLater = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("x", "F32", "[1]", 4, 8) + ","
        + entry("w", "F32", "[1]", 8, 12) + "}";
    assertRefused(file(againLater, 12)).hasMessageContaining("'w'").as("x was read whole: not its error")
        .hasMessageNotContaining("tensor 'x'");
  }

  @Test
  void offsetsNotStartingAtZeroAreRefused() throws Exception {
    assertRefused(file("{" + entry("w", "F32", "[1]", 4, 8) + "}", 8))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("leaves a gap");
  }

  @Test
  void overlappingOffsetsAreRefused() throws Exception {
    String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}";
    assertRefused(file(json, 12)).hasMessageContaining("tensor 'b'").hasMessageContaining("overlaps");
  }

  @Test
  void gapsBetweenTensorsAreRefused() throws Exception {
    String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}";
    assertRefused(file(json, 12)).hasMessageContaining("tensor 'b'").hasMessageContaining("gap");
  }

  @Test
  void byteCountNotMatchingTheShapeIsRefused() throws Exception {
    assertRefused(file("{" + entry("w", "F32", "[3]", 0, 8) + "}", 8))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("needs 12 bytes")
        .hasMessageContaining("span 8");
  }

  @Test
  void dataOffsetsWiderThanTheShapeAreRefused() throws Exception {
    // 12 bytes spanned, all present, where shape [2] of F32 needs 8: refused, not read with 4 bytes left over
    assertRefused(file("{" + entry("w", "F32", "[2]", 0, 12) + "}", 12))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("needs 8 bytes")
        .hasMessageContaining("span 12");
  }

  @Test
  void shapeWhoseByteCountOverflowsIsRefused() throws Exception {
    assertRefused(file("{" + entry("w", "F32", "[4611686018427387904,4]", 0, 8) + "}", 8))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("overflows");
  }

  @Test
  void hugeDeclaredTensorWithoutTheBytesIsRefusedWithoutAllocating() throws Exception {
    // 2,000,000,000 bytes declared, 8 present: must fail on the size check, not with an OutOfMemoryError
    assertRefused(file("{" + entry("w", "F32", "[500000000]", 0, 2_000_000_000L) + "}", 8))
        .hasMessageContaining("missing 1999999992 data bytes").hasMessageContaining("tensor 'w'");
  }

  @Test
  void trailingBytesAreRefused() throws Exception {
    assertRefused(file("{" + entry("w", "F32", "[1]", 0, 4) + "}", 12))
        .hasMessageContaining("8 trailing bytes");
  }

  @Test
  void missingBytesAreRefused() throws Exception {
    String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "I64", "[2]", 4, 20) + "}";
    assertRefused(file(json, 10)).hasMessageContaining("missing 10 data bytes")
        .hasMessageContaining("tensor 'b'");
  }

  @Test
  void streamEndingBeforeItsDeclaredLengthIsRefusedNamingTheTensor() {
    String json = "{" + entry("a", "F32", "[2]", 0, 8) + "}";
    byte[] bytes = file(json, 8);
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> SafetensorsReader.read(new ByteArrayInputStream(cut), bytes.length, FILE))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining(FILE).hasMessageContaining("inside tensor 'a'");
  }

  @Test
  void badMetadataIsRefused() throws Exception {
    assertRefused(file("{\"__metadata__\":{\"k\":1}}", 0)).hasMessageContaining("key 'k'");
  }

  @Test
  void aShapeWithMoreThan64DimensionsIsRefusedNamingTheTensorWhile64AreRead() throws Exception {
    String ones64 = "[" + "1,".repeat(63) + "1]";
    String json64 = "{" + entry("deep", "U8", ones64, 0, 1) + "}";
    assertThat(SafetensorsReader.read(new ByteArrayInputStream(file(json64, 1)), file(json64, 1).length, FILE)
        .tensors().get("deep").shape()).hasSize(64);

    // a hostile header's shape can be millions of dimensions long: refused at the 65th
    String ones65 = "[" + "1,".repeat(100_000) + "1]";
    assertRefused(file("{" + entry("deep", "U8", ones65, 0, 1) + "}", 1))
        .hasMessageContaining("tensor 'deep'").hasMessageContaining("more than 64 'shape' elements");
    // and the writer never produces what readers refuse
    long[] shape65 = new long[65];
    java.util.Arrays.fill(shape65, 1);
    io.epochal.tensor.StateDict deep = io.epochal.tensor.StateDict.builder()
        .put("deep", io.epochal.tensor.Tensor.of(io.epochal.tensor.DType.U8, shape65, ByteBuffer.allocate(1))).build();
    assertThatThrownBy(() -> SafetensorsWriter.header(deep, java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 'deep' has 65 dimensions");
  }

  @Test
  void dataOffsetsWithMoreThanTwoNumbersAreRefused() throws Exception {
    assertRefused(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1))
        .hasMessageContaining("tensor 'w'").hasMessageContaining("more than 2 'data_offsets' elements");
  }

  /** A well-formed header of {@code tensors} empty F32 tensors (about 50 bytes each). */
  private static byte[] emptyTensorsHeader(int tensors) {
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < tensors; i++) {
      json.append(i == 0 ? "" : ",").append(entry(String.format("t%06d", i), "F32", "[0]", 0, 0));
    }
    return json.append("}").toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aHeaderListingMoreTensorsThanTheHeapCanIndexIsRefusedWithTheNumbersNotAnOutOfMemoryError() {
    int tensors = 150_000;
    byte[] header = emptyTensorsHeader(tensors);

    assertThatThrownBy(() -> SafetensorsHeader.parse(header, 0, FILE, () -> 64L << 20))
        .isInstanceOf(SafetensorsHeapException.class)
        .hasMessageStartingWith(FILE + ": ")
        .hasMessageContaining("lists " + tensors + " tensors").hasMessageContaining("64 MiB are free")
        .hasMessageContaining("larger heap");
  }

  @Test
  void aHeaderOfMillionsOfSmallMetadataEntriesIsRefusedWithTheNumbersNotAnOutOfMemoryError() {
    // each entry costs its strings, two map entries and a duplicate check: far more than its 14 bytes of JSON
    int entries = 1_000_000;
    StringBuilder json = new StringBuilder("{\"__metadata__\":{");
    for (int i = 0; i < entries; i++) {
      json.append(i == 0 ? "" : ",").append(String.format("\"k%07d\":\"\"", i));
    }
    byte[] header = json.append("}}").toString().getBytes(StandardCharsets.UTF_8);
    assertThat(HeaderBudget.count(header).metadataEntries).isEqualTo(entries);
    assertThat(HeaderBudget.count(header).tensors).isZero();

    assertThatThrownBy(() -> SafetensorsHeader.parse(header, 0, FILE, () -> 256L << 20))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageStartingWith(FILE + ": ")
        .hasMessageContaining("lists 0 tensors, " + entries + " metadata entries").hasMessageContaining("larger heap");
  }

  @Test
  void aNameHoldingBytesThatAreNotUtf8IsRefusedNotReadAsReplacementCharacters() throws Exception {
    // an overlong NUL, an encoded surrogate and a 5-byte sequence: the reference reader refuses each
    for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}}) {
      ByteArrayOutputStream json = new ByteArrayOutputStream();
      json.writeBytes("{\"a".getBytes(StandardCharsets.UTF_8));
      json.writeBytes(bad);
      json.writeBytes("\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}".getBytes(StandardCharsets.UTF_8));
      while (json.size() % 8 != 0) {
        json.write(' ');
      }
      assertRefused(withHeader(json.toByteArray())).hasMessageContaining("not UTF-8 at byte 3 of the header");
    }
  }

  @Test
  void headersIndexedAtOnceShareTheFreeHeapInsteadOfEachCountingAllOfIt() throws Exception {
    byte[] header = emptyTensorsHeader(150_000); // about 96 MiB to index
    java.util.function.LongSupplier free = () -> 200L << 20; // 80 %: 160 MiB, one header's and not two

    HeaderBudget.Reservation first = HeaderBudget.reserve(header, "a.safetensors", free);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<SafetensorsHeader> second = pool.submit(() -> SafetensorsHeader.parse(header, 0,
          FILE, free));
      Thread.sleep(500);
      assertThat(second.isDone()).as("it waits for the heap promised to the first").isFalse();
      first.close();
      assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS).entries).as("once the first is indexed")
          .hasSize(150_000);
    } finally {
      first.close();
      pool.shutdownNow();
    }
  }

  @Test
  void aStringBeyondTheParsersLimitsNamesTheTensorItIsIn() throws Exception {
    String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + "9".repeat(1_001) + "],\"data_offsets\":[0,4]}}";
    assertRefused(file(json, 4)).hasMessageContaining("JSON parsing limits").hasMessageContaining("tensor 'w'");
  }

  @Test
  void aLargeHeaderThatFitsTheHeapIsRead() throws Exception {
    int tensors = 150_000;
    byte[] header = emptyTensorsHeader(tensors);
    assertThat(HeaderBudget.count(header).tensors).isEqualTo(tensors);

    assertThat(SafetensorsHeader.parse(header, 0, FILE, () -> 4L << 30).entries).hasSize(tensors);
  }

  @Test
  void aTensorLargerThanTheLargestJavaArrayIsRefusedNamingTheLimitNotAnOutOfMemoryError() throws Exception {
    assertRefused(file("{" + entry("t", "U8", "[2147483647]", 0, 2147483647L) + "}", 0))
        .hasMessageContaining("tensor 't'").hasMessageContaining("more than one tensor may hold (2147483639)");
  }

  @Test
  void aHeaderWithAByteOrderMarkOrInUtf16IsRefusedAsNotUtf8Json() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}', ' ', ' ', ' '};
    assertRefused(withHeader(bom)).hasMessageContaining("byte order mark");
    byte[] utf16 = {'{', 0, '}', 0, ' ', 0, ' ', 0};
    assertRefused(withHeader(utf16)).hasMessageContaining("NUL byte at 1");
  }

  @Test
  void aTensorNameLongerThanJsonParsersDefaultLimitIsWrittenAndReadBack() throws Exception {
    String name = "w".repeat(50_001);
    StateDict state = StateDict.builder().put(name, Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(state, java.util.Map.of("k".repeat(50_001), "v"), out);
    byte[] bytes = out.toByteArray();
    SafetensorsFile back = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, FILE);
    assertThat(back.tensors().equals(state)).as("the tensors read back equal those written").isTrue();
    assertThat(back.metadata().keySet()).as("the metadata key read back").containsExactly("k".repeat(50_001));
  }

  @Test
  void aTensorNameOfAsManyCharactersAsTheWriterTakesIsReadBackWhateverItsUtf8Length() throws Exception {
    // the parser counts a name's length in UTF-8 bytes: 'é' takes 2, '€' 3
    for (String c : new String[] {"\u00e9", "\u20ac"}) {
      String name = c.repeat(HeaderBudget.MAX_STRING_CHARS);
      StateDict state = StateDict.builder().put(name, Tensor.ofFloats(new long[] {1}, 1f)).build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SafetensorsWriter.write(state, java.util.Map.of(), out);
      byte[] bytes = out.toByteArray();
      SafetensorsFile back = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, FILE);
      assertThat(back.tensors().nameList()).as(c).containsExactly(name);
    }
  }

  @Test
  void aHeaderLargerThanReadersAcceptIsRefusedByTheWriterNotWrittenToBeRefusedOnRead() {
    // 19 million control characters are written as \u0001, 114 MB of JSON: more than 100,000,000 bytes
    java.util.Map<String, String> metadata = java.util.Map.of("note", "\u0001".repeat(19_000_000));
    StateDict state = StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, 1f)).build();
    assertThatThrownBy(() -> SafetensorsWriter.header(state, metadata)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readers of these files accept at most 100000000");
  }

  @Test
  void aTensorLargerThanReadersAcceptIsRefusedByTheWriterNotWrittenToBeRefusedOnRead(
      @TempDir Path dir) throws Exception {
    // a buffer may hold up to 2^31 - 1 bytes; a reader takes at most 2^31 - 9 in one tensor (a sparse file mapped:
    // nothing is allocated or read)
    long size = SafetensorsHeader.MAX_TENSOR_BYTES + 1;
    java.nio.ByteBuffer bytes;
    try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(dir.resolve("sparse").toFile(), "rw")) {
      file.setLength(size);
      bytes = file.getChannel().map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size);
    }
    StateDict state = StateDict.builder().put("embedding", Tensor.wrap(io.epochal.tensor.DType.U8, new long[] {size},
        bytes)).build();
    assertThatThrownBy(() -> SafetensorsWriter.header(state, java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor 'embedding' holds 2147483640 "
            + "bytes; readers of these files accept at most 2147483639 in one tensor: split it");
  }

  @Test
  void formatExceptionIsACheckedIoException() {
    assertThat(new SafetensorsFormatException("f", "m")).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aNullMetadataIsNoMetadataAsTheReferenceReaderTakesIt() throws Exception {
    Path p = tmp.resolve("null-metadata.safetensors");
    Files.write(p, file("{\"__metadata__\":null," + entry("a", "F32", "[1]", 0, 4) + "}", 4));
    for (SafetensorsFile f : new SafetensorsFile[] {SafetensorsReader.read(p), SafetensorsReader.readMapped(p)}) {
      assertThat(f.metadata()).isEmpty();
      assertThat(f.tensors().names()).containsExactly("a");
    }
  }
}
