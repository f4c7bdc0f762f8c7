package io.epochal.worker.export;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One protobuf message being encoded, field by field, in the order the fields are added. Nested
 * messages are encoded first and added as length-delimited fields. Not thread-safe.
 */
final class ProtoMessage {

  private final ByteString.Output buffer = ByteString.newOutput();
  private final CodedOutputStream out = CodedOutputStream.newInstance(buffer);

  ProtoMessage int64(int field, long value) {
    return write(() -> out.writeInt64(field, value));
  }

  ProtoMessage int32(int field, int value) {
    return write(() -> out.writeInt32(field, value));
  }

  ProtoMessage float32(int field, float value) {
    return write(() -> out.writeFloat(field, value));
  }

  ProtoMessage string(int field, String value) {
    return write(() -> out.writeString(field, value));
  }

  ProtoMessage bytes(int field, ByteString value) {
    return write(() -> out.writeBytes(field, value));
  }

  ProtoMessage message(int field, ProtoMessage value) {
    return bytes(field, value.toByteString());
  }

  /** The encoded message. */
  ByteString toByteString() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory stream does not fail
    }
    return buffer.toByteString();
  }

  private ProtoMessage write(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  private interface IoAction {
    void run() throws IOException;
  }
}
