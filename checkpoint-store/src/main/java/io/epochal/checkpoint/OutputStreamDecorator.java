package io.epochal.checkpoint;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Wraps the stream a store writes a checkpoint file through, e.g. to count or throttle bytes or,
 * in tests, to fail part-way. The store still syncs and closes the underlying file itself.
 */
@FunctionalInterface
public interface OutputStreamDecorator {

  /** No wrapping. */
  OutputStreamDecorator NONE = (name, out) -> out;

  /**
   * The stream to write {@code fileName}'s bytes to; closing it must not be required (the store
   * closes the underlying file).
   */
  OutputStream decorate(String fileName, OutputStream out) throws IOException;
}
