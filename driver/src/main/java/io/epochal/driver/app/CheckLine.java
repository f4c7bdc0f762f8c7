package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;

/** One line of {@code epochal verify}: a check of one checkpoint, its outcome and a detail. Immutable. */
final class CheckLine {

  /** A check's outcome. WARN does not fail the verification. */
  enum Status { PASS, WARN, FAIL }

  /**
   * Which check a line is, the same whether it passes or fails (its text says more, and differs): {@code verify
   * --json}'s {@code id}.
   */
  enum Id {
    READABLE, MANIFEST_EXISTS, DIRECTORY, MANIFEST_JSON, MANIFEST, FORMAT_VERSION, MANIFEST_DIGEST, FILES,
    UNLISTED_FILES, STRUCTURE, MODEL_REGISTERED, RUNTIME, STATE_DICT, OPTIMIZER, EMA, PROBE_DIGEST, PROBE, EMA_PROBE,
    JOB_SPEC, CONTINUES, DELETED;

    /** As {@code verify --json} writes it: {@code probe_digest}. */
    String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Id id;
  private final Status status;
  private final String check;
  private final String detail;

  CheckLine(Id id, Status status, String check, String detail) {
    this.id = checkNotNull(id, "id");
    this.status = checkNotNull(status, "status");
    this.check = checkNotNull(check, "check");
    this.detail = detail == null ? "" : detail;
  }

  static CheckLine pass(Id id, String check) {
    return new CheckLine(id, Status.PASS, check, "");
  }

  static CheckLine warn(Id id, String check, String detail) {
    return new CheckLine(id, Status.WARN, check, detail);
  }

  static CheckLine fail(Id id, String check, String detail) {
    return new CheckLine(id, Status.FAIL, check, detail);
  }

  Id id() {
    return id;
  }

  Status status() {
    return status;
  }

  String check() {
    return check;
  }

  String detail() {
    return detail;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CheckLine && id == ((CheckLine) o).id && status == ((CheckLine) o).status
        && check.equals(((CheckLine) o).check) && detail.equals(((CheckLine) o).detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, status, check, detail);
  }

  @Override
  public String toString() {
    return status + " " + check + (detail.isEmpty() ? "" : ": " + detail);
  }
}
