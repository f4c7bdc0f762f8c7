package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading the fields of a job file's JSON, with refusals that name the file's kind and the field. */
final class JobJson {

  private JobJson() {}

  /** The string field {@code field} of {@code n}, a {@code what} ({@code lease}, {@code job progress}). */
  static String text(JsonNode n, String what, String field) {
    JsonNode v = n.get(field);
    checkArgument(v != null && v.isTextual(), "%s field '%s' must be a string, got %s", what, field, v);
    return v.textValue();
  }

  /** The 32-bit integer field {@code field} of {@code n}, a {@code what}. */
  static int integer(JsonNode n, String what, String field) {
    JsonNode v = n.get(field);
    checkArgument(v != null && v.isInt(), "%s field '%s' must be an integer, got %s", what, field, v);
    return v.intValue();
  }
}
