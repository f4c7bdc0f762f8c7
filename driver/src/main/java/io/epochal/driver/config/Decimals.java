package io.epochal.driver.config;

import java.math.BigDecimal;
import java.math.MathContext;

/** Numbers as the commands print values a user may copy into a key: short, and without exponent. */
public final class Decimals {

  private static final MathContext SIX_DIGITS = new MathContext(6);

  private Decimals() {}

  /** {@code v} rounded to 6 significant digits, trailing zeros dropped, in plain notation (0.0003, 4.44734). */
  public static String sixDigits(double v) {
    return new BigDecimal(v).round(SIX_DIGITS).stripTrailingZeros().toPlainString();
  }
}
