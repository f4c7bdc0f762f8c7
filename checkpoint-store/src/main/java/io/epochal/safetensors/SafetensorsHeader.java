package io.epochal.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed, fully validated safetensors header: the tensor entries in header order and the
 * metadata. Parsing checks everything that can be checked before a data byte is read, so a reader
 * allocates only what the file really holds.
 */
final class SafetensorsHeader {

  /** Largest header accepted, as in the reference implementation. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The most bytes one tensor may hold: the largest Java array (a few bytes short of 2 GiB). */
  static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

  /**
   * Strict duplicate detection (a name twice, at any level, is refused), no field-name
   * canonicalization (it would keep every tensor name in a shared symbol table), Jackson's default
   * limit on number length, and {@link HeaderBudget#MAX_STRING_CHARS} on strings.
   */
  static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
          .maxStringLength(HeaderBudget.MAX_STRING_CHARS).maxNameLength(HeaderBudget.MAX_STRING_CHARS).build())
      .build();

  /** One tensor's entry: name, dtype, shape and its byte range within the data section. */
  static final class Entry {
    final String name;
    final DType dtype;
    final long[] shape;
    final long begin;
    final long end;

    Entry(String name, DType dtype, long[] shape, long begin, long end) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }

    int length() {
      return (int) (end - begin);
    }
  }

  final List<Entry> entries; // header order
  final List<Entry> byOffset; // data order
  final Map<String, String> metadata;

  private SafetensorsHeader(List<Entry> entries, Map<String, String> metadata) {
    this.entries = Collections.unmodifiableList(entries);
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
    this.byOffset = Collections.unmodifiableList(sorted);
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /**
   * Checks the header length read from the first 8 bytes against the limit and the file size.
   *
   * @throws SafetensorsFormatException naming the file
   */
  static void checkHeaderLength(long headerLength, long fileLength, String file)
      throws SafetensorsFormatException {
    if (fileLength < 8) {
      throw new SafetensorsFormatException(file,
          "file has " + fileLength + " bytes, fewer than the 8-byte header length prefix");
    }
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(headerLength)
          + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
    }
    if (headerLength > fileLength - 8) {
      throw new SafetensorsFormatException(file, "header length " + headerLength
          + " exceeds the " + (fileLength - 8) + " bytes that follow the length prefix");
    }
  }

  /**
   * Parses and validates a header whose data section holds {@code dataLength} bytes.
   *
   * @throws SafetensorsFormatException naming the file and the offending tensor
   */
  static SafetensorsHeader parse(byte[] header, long dataLength, String file)
      throws SafetensorsFormatException {
    return parse(header, dataLength, file, () -> HeaderBudget.heap.getAsLong());
  }

  /**
   * Where in the header a parse error lies: the entry being read ({@code current}: a tensor's name, or
   * {@code __metadata__}; none between entries) and the position the parser gives, in bytes or else characters.
   */
  private static String where(String current, JsonProcessingException e) {
    if (current == null) {
      return "";
    }
    com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
    String position = at == null ? "" : at.getByteOffset() >= 0 ? ", at byte " + at.getByteOffset()
        : at.getCharOffset() >= 0 ? ", at character " + at.getCharOffset() : "";
    return " (in the entry of " + (SafetensorsWriter.METADATA_KEY.equals(current) ? current
        : "tensor '" + current + "'") + position + ")";
  }

  /**
   * As {@link #parse(byte[], long, String)}, refusing a header whose index would not fit in the heap
   * {@code availableHeap} reports free.
   */
  static SafetensorsHeader parse(byte[] header, long dataLength, String file,
      java.util.function.LongSupplier availableHeap) throws SafetensorsFormatException {
    try (HeaderBudget.Reservation r = HeaderBudget.reserve(header, file, availableHeap)) {
      return parseWithin(header, dataLength, file);
    }
  }

  private static SafetensorsHeader parseWithin(byte[] header, long dataLength, String file)
      throws SafetensorsFormatException {
    checkUtf8Start(header, file);
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    String current = null; // the entry being read, named in a parse error
    try (JsonParser p = JSON.createParser(header)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new SafetensorsFormatException(file, "header is not a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        current = name;
        p.nextToken();
        if (SafetensorsWriter.METADATA_KEY.equals(name)) {
          readMetadata(p, metadata, file);
        } else {
          entries.add(readEntry(name, p, file));
        }
        current = null; // read whole: an error after it is not its
      }
      if (t != JsonToken.END_OBJECT) {
        throw new SafetensorsFormatException(file, "header JSON is malformed");
      }
      if (p.nextToken() != null) {
        throw new SafetensorsFormatException(file, "header has content after its JSON object");
      }
    } catch (SafetensorsFormatException e) {
      throw e;
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      throw new SafetensorsFormatException(file, "header holds a string (a tensor name or a __metadata__ key or "
          + "value) longer than " + HeaderBudget.MAX_STRING_CHARS + " characters, or a number or nesting beyond "
          + "JSON parsing limits: " + e.getOriginalMessage() + where(current, e), e);
    } catch (JsonProcessingException e) {
      String msg = e.getOriginalMessage();
      String in = where(current, e);
      if (msg != null && msg.startsWith("Duplicate field")) {
        throw new SafetensorsFormatException(file, "header lists a name twice: " + msg + in, e);
      }
      throw new SafetensorsFormatException(file, "header is not valid JSON: " + msg + in, e);
    } catch (IOException e) {
      throw new SafetensorsFormatException(file, "header cannot be parsed: " + e.getMessage(), e);
    }
    SafetensorsHeader h = new SafetensorsHeader(entries, metadata);
    h.checkLayout(dataLength, file);
    return h;
  }

  /**
   * Refuses a header that is not UTF-8 JSON, which the format requires and which Jackson's parser of
   * bytes would otherwise take too: a byte order mark, UTF-16 or UTF-32 (a NUL byte among the
   * first four, which UTF-8 JSON text never has there), or a byte sequence UTF-8 does not allow
   * (Jackson decodes such bytes without checking them, so that two different names could read as one).
   */
  private static void checkUtf8Start(byte[] header, String file) throws SafetensorsFormatException {
    if (header.length >= 3 && (header[0] & 0xff) == 0xEF && (header[1] & 0xff) == 0xBB
        && (header[2] & 0xff) == 0xBF) {
      throw new SafetensorsFormatException(file, "header starts with a UTF-8 byte order mark; the format's header is "
          + "UTF-8 JSON without one");
    }
    for (int i = 0; i < Math.min(4, header.length); i++) {
      if (header[i] == 0) {
        throw new SafetensorsFormatException(file, "header holds a NUL byte at " + i + " (UTF-16 or UTF-32 text?); "
            + "the format's header is UTF-8 JSON");
      }
    }
    java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(header);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192); // checked piece by piece, kept nowhere
    while (true) {
      java.nio.charset.CoderResult r = utf8.decode(in, out, true);
      if (r.isError()) {
        throw new SafetensorsFormatException(file, "header holds bytes that are not UTF-8 at byte " + in.position()
            + " of the header (a malformed, overlong or surrogate sequence); the format's header is UTF-8 JSON");
      }
      out.clear();
      if (r.isUnderflow()) {
        break;
      }
    }
  }

  /** Reads {@code __metadata__}, the parser at its value. */
  private static void readMetadata(JsonParser p, Map<String, String> out, String file) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return; // the reference reader's Option: null is no metadata
    }
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new SafetensorsFormatException(file, "__metadata__ is not a JSON object of strings");
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_STRING) {
        throw new SafetensorsFormatException(file,
            "__metadata__ value of key '" + key + "' is not a string: " + describe(p));
      }
      out.put(key, p.getText());
    }
  }

  /** Reads one tensor's entry, the parser at its value; unknown keys are skipped. */
  private static Entry readEntry(String name, JsonParser p, String file) throws IOException {
    String where = "tensor '" + name + "'";
    if (name.isEmpty()) {
      throw new SafetensorsFormatException(file, "header has a tensor with an empty name");
    }
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new SafetensorsFormatException(file, where + " is not a JSON object");
    }
    String dtypeName = null;
    long[] shape = null;
    long[] offsets = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      switch (key) {
        case "dtype" -> {
          if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new SafetensorsFormatException(file, where + " has no string 'dtype'");
          }
          dtypeName = p.getText();
        }
        case "shape" -> shape = longs(p, where, "shape", HeaderBudget.MAX_RANK, file);
        case "data_offsets" -> offsets = longs(p, where, "data_offsets", 2, file);
        default -> p.skipChildren();
      }
    }
    if (dtypeName == null) {
      throw new SafetensorsFormatException(file, where + " has no string 'dtype'");
    }
    if (shape == null) {
      throw new SafetensorsFormatException(file, where + " has no array 'shape'");
    }
    if (offsets == null) {
      throw new SafetensorsFormatException(file, where + " has no array 'data_offsets'");
    }
    DType dtype;
    try {
      dtype = DType.fromSafetensorsName(dtypeName);
    } catch (IllegalArgumentException e) {
      throw new SafetensorsFormatException(file, where + " has " + e.getMessage(), e);
    }
    if (offsets.length != 2 || offsets[1] < offsets[0]) {
      throw new SafetensorsFormatException(file, where + " has invalid data_offsets "
          + Arrays.toString(offsets) + "; expected [begin, end] with begin <= end");
    }
    long expected;
    try {
      expected = Tensor.byteSize(dtype, shape);
    } catch (ArithmeticException e) {
      throw new SafetensorsFormatException(file, where + " has shape " + Arrays.toString(shape)
          + " whose byte count overflows", e);
    }
    long actual = offsets[1] - offsets[0];
    if (actual != expected) {
      throw new SafetensorsFormatException(file, where + " of dtype " + dtype + " and shape "
          + Arrays.toString(shape) + " needs " + expected + " bytes but data_offsets "
          + Arrays.toString(offsets) + " span " + actual);
    }
    if (actual > MAX_TENSOR_BYTES) {
      throw new SafetensorsFormatException(file, where + " holds " + actual
          + " bytes, more than one tensor may hold (" + MAX_TENSOR_BYTES + "); split it");
    }
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  /** Reads an array of at most {@code max} non-negative 64-bit integers, the parser at its start. */
  private static long[] longs(JsonParser p, String where, String key, int max, String file) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new SafetensorsFormatException(file, where + " has no array '" + key + "'");
    }
    long[] out = new long[Math.min(max, 8)];
    int n = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          || p.getLongValue() < 0) {
        throw new SafetensorsFormatException(file, where + " has a '" + key
            + "' element that is not a non-negative 64-bit integer: " + describe(p));
      }
      if (n == max) {
        throw new SafetensorsFormatException(file, where + " has more than " + max + " '" + key + "' elements"
            + (max == HeaderBudget.MAX_RANK ? " (the most dimensions a tensor may have here)" : ""));
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, Math.min(max, out.length * 2));
      }
      out[n++] = p.getLongValue();
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** The current value for a message: a scalar's text, or what kind of structure it is. */
  private static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      return "an object";
    }
    if (t == JsonToken.START_ARRAY) {
      return "an array";
    }
    String text = p.getText();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }

  private void checkLayout(long dataLength, String file) throws SafetensorsFormatException {
    long expectedBegin = 0;
    for (Entry e : byOffset) {
      if (e.begin != expectedBegin) {
        String what = e.begin < expectedBegin ? "overlaps the tensor before it" : "leaves a gap before it";
        throw new SafetensorsFormatException(file, "tensor '" + e.name + "' with data_offsets ["
            + e.begin + ", " + e.end + "] " + what + " (expected it to start at " + expectedBegin + ")");
      }
      expectedBegin = e.end;
    }
    if (expectedBegin < dataLength) {
      throw new SafetensorsFormatException(file, "file has " + (dataLength - expectedBegin)
          + " trailing bytes after the last tensor's data (header describes " + expectedBegin
          + " data bytes, file holds " + dataLength + ")");
    }
    if (expectedBegin > dataLength) {
      String last = byOffset.get(byOffset.size() - 1).name;
      throw new SafetensorsFormatException(file, "file is missing " + (expectedBegin - dataLength)
          + " data bytes: tensor '" + last + "' ends at " + expectedBegin + " but the data section holds "
          + dataLength + " bytes");
    }
  }
}
