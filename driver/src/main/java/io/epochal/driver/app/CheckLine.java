package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;

/** One line of {@code epochal verify}: a check of one checkpoint, its outcome and a detail. Immutable. */
final class CheckLine {

  /** A check's outcome. WARN does not fail the verification. */
  enum Status { PASS, WARN, FAIL }

  private final Status status;
  private final String check;
  private final String detail;

  CheckLine(Status status, String check, String detail) {
    this.status = checkNotNull(status, "status");
    this.check = checkNotNull(check, "check");
    this.detail = detail == null ? "" : detail;
  }

  static CheckLine pass(String check) {
    return new CheckLine(Status.PASS, check, "");
  }

  static CheckLine warn(String check, String detail) {
    return new CheckLine(Status.WARN, check, detail);
  }

  static CheckLine fail(String check, String detail) {
    return new CheckLine(Status.FAIL, check, detail);
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
    return o instanceof CheckLine && status == ((CheckLine) o).status && check.equals(((CheckLine) o).check)
        && detail.equals(((CheckLine) o).detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, check, detail);
  }

  @Override
  public String toString() {
    return status + " " + check + (detail.isEmpty() ? "" : ": " + detail);
  }
}
