package io.epochal.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Bounds on what a safetensors header may make a reader allocate. A header may be up to 100 MB, and
 * a well-formed one that lists millions of empty tensors, or strings tens of megabytes long, needs
 * several times its own size in heap to index. Before such a header is parsed, one pass without
 * allocation counts what it lists; if the index would not fit in the heap the JVM has free, the
 * file is refused with the numbers and what to do, never with an {@link OutOfMemoryError}.
 * Headers under {@value #SCAN_FROM_BYTES} bytes (every real checkpoint's) are not scanned.
 */
final class HeaderBudget {

  /** The most dimensions a tensor may have; the writer refuses more too. */
  static final int MAX_RANK = 64;
  /** The longest tensor name, metadata key or value, in characters; the writer refuses longer ones too. */
  static final int MAX_STRING_CHARS = 20_000_000;
  /** Headers from this size on are scanned before they are parsed. */
  static final int SCAN_FROM_BYTES = 1 << 20;
  /** Below this estimate a header is never refused. */
  static final long MIN_CHECKED_BYTES = 64L << 20;
  /** Heap per tensor: its entry, name, duplicate check, tensor, buffer view and state-dict slot. */
  static final long BYTES_PER_TENSOR = 640;
  /** Heap per {@code __metadata__} entry: its key and value strings, two map entries and the duplicate check. */
  static final long BYTES_PER_METADATA_ENTRY = 256;
  /** The longest a header waits for the heap promised to others before it is refused. */
  static final long MAX_WAIT_MS = 60_000;
  /** Heap per number (shape dimension or offset), kept in several arrays. */
  static final long BYTES_PER_NUMBER = 24;

  /** The parse's factory without duplicate detection, which would keep every name. */
  private static final JsonFactory SCAN = SafetensorsHeader.JSON.rebuild()
      .disable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** The heap free now, as a reader asks it: {@link #availableHeap}, or a smaller one a test puts here. */
  static volatile java.util.function.LongSupplier heap = HeaderBudget::availableHeap;

  /** The heap promised to the headers being indexed now (a checkpoint's files are read in parallel). */
  private static final java.util.concurrent.atomic.AtomicLong RESERVED = new java.util.concurrent.atomic.AtomicLong();

  /** Heap promised to one header while it is indexed, given back on the first {@link #close}. */
  interface Reservation extends AutoCloseable {
    /** Nothing promised: a header too small to check. */
    Reservation NONE = () -> { };

    @Override
    void close();
  }

  private HeaderBudget() {}

  /** The heap this JVM can still allocate: its maximum minus what is in use now. */
  static long availableHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
  }

  /**
   * Refuses {@code header} if indexing it needs more than 80 % of the heap {@code heap} reports free (asked again
   * after a garbage collection), less what the headers being indexed meanwhile were promised, once it has waited
   * up to {@value #MAX_WAIT_MS} ms for those to be given back; else promises it that heap until the reservation is
   * closed, so that files read in parallel do not each count the same free heap.
   *
   * @throws SafetensorsHeapException naming the file, what the header lists and what to do
   */
  static Reservation reserve(byte[] header, String file, java.util.function.LongSupplier heap)
      throws SafetensorsFormatException {
    if (header.length < SCAN_FROM_BYTES) {
      return Reservation.NONE;
    }
    Counts c = count(header);
    long need = c.estimate();
    if (need < MIN_CHECKED_BYTES) {
      return Reservation.NONE;
    }
    synchronized (RESERVED) { // one check and promise at a time
      long promised = RESERVED.get();
      long availableHeap = heap.getAsLong() - promised;
      if (need > availableHeap / 5 * 4) {
        System.gc(); // "in use" counts garbage; this runs only for headers listing 100,000 tensors or more
        availableHeap = heap.getAsLong() - promised;
      }
      // one that fits what the others leave waits for them (a parallel read), rather than refused for their sake
      long waitedMs = 0;
      while (need > availableHeap / 5 * 4 && promised > 0 && waitedMs < MAX_WAIT_MS) {
        try {
          RESERVED.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        waitedMs += 100;
        promised = RESERVED.get();
        availableHeap = heap.getAsLong() - promised;
      }
      if (need > availableHeap / 5 * 4) {
        throw new SafetensorsHeapException(file, "header of " + header.length + " bytes lists " + c.tensors
            + " tensors, " + c.metadataEntries + " metadata entries, " + c.numbers
            + " shape and offset numbers and strings of up to " + c.longestString
            + " characters; indexing it needs about " + (need >> 20) + " MiB of heap and " + (Math.max(0,
            availableHeap) >> 20) + " MiB are free" + (promised > 0 ? " (" + (promised >> 20) + " MiB more are "
            + "promised to headers of other files being read)" : "") + ". Read it in a JVM with a larger heap (-Xmx, "
            + "or spark.driver.memory / spark.executor.memory), or check where the file comes from");
      }
      RESERVED.addAndGet(need);
    }
    java.util.concurrent.atomic.AtomicBoolean given = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      synchronized (RESERVED) {
        if (given.compareAndSet(false, true)) { // once, however often closed
          RESERVED.addAndGet(-need);
          RESERVED.notifyAll();
        }
      }
    };
  }

  /** What {@code header} lists, counted without keeping any of it; a malformed header counts up to its error. */
  static Counts count(byte[] header) {
    Counts c = new Counts();
    int depth = 0;
    boolean inMetadata = false;
    try (JsonParser p = SCAN.createParser(header)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME -> {
            if (depth == 1) {
              inMetadata = SafetensorsWriter.METADATA_KEY.equals(p.currentName());
              c.tensors += inMetadata ? 0 : 1;
            } else if (depth == 2 && inMetadata) {
              c.metadataEntries++;
            }
            c.string(p.getTextLength());
          }
          case VALUE_STRING -> c.string(p.getTextLength());
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> c.numbers++;
          default -> { }
        }
      }
    } catch (IOException e) {
      // the parse proper reports the error; what came before it is counted
    }
    return c;
  }

  /** Counts of one header. */
  static final class Counts {
    long tensors;
    long metadataEntries;
    long numbers;
    long stringChars;
    long longestString;

    void string(int length) {
      stringChars += length;
      longestString = Math.max(longestString, length);
    }

    /**
     * Heap to index the header: per tensor, metadata entry and number as above, every string kept (up
     * to 2 bytes per character) plus the parser's buffer for the longest one (2 bytes per character).
     */
    long estimate() {
      return tensors * BYTES_PER_TENSOR + metadataEntries * BYTES_PER_METADATA_ENTRY + numbers * BYTES_PER_NUMBER
          + stringChars * 2 + longestString * 2;
    }
  }
}
