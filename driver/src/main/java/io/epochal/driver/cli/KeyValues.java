package io.epochal.driver.cli;

import io.epochal.driver.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code KEY=VALUE} entries of a repeatable option ({@code --set}, {@code --conf}), in order. A key given twice
 * with different values is refused naming both, instead of the last one winning without a word.
 */
final class KeyValues {

  private KeyValues() {}

  /**
   * Parses {@code entries} of option {@code option}.
   *
   * @throws ConfigException for an entry without a key and {@code =}, or a key given two values
   */
  static Map<String, String> parse(String option, List<String> entries) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(option, option + " '" + entry + "' is not KEY=VALUE; e.g. " + option
            + (option.equals("--conf") ? " spark.epochal." : " ") + "train.epochs=5");
      }
      String key = entry.substring(0, eq).trim();
      String value = entry.substring(eq + 1);
      String before = out.put(key, value);
      if (before != null && !before.equals(value)) {
        throw new ConfigException(key, option + " gives " + key + " twice ('" + before + "', then '" + value
            + "'); keep the one you mean");
      }
    }
    return out;
  }

  /** Refuses, while the command line is parsed, an entry that is not {@code KEY=VALUE}. */
  static final class Entry implements picocli.CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.indexOf('=') <= 0) {
        throw new picocli.CommandLine.TypeConversionException("takes KEY=VALUE, got '" + value + "'");
      }
      return value;
    }
  }

  /**
   * Adds each value of a repeatable option given before and after the subcommand to one list. By
   * itself picocli starts the list of an inherited option anew where the subcommand repeats it, so
   * {@code --conf a=1 train --conf b=2} lost {@code a=1}, and a key given two values in the two
   * places was never seen twice.
   */
  static final class Appender implements picocli.CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
        picocli.CommandLine.Model.CommandSpec commandSpec) {
      String option = ((picocli.CommandLine.Model.OptionSpec) argSpec).longestName();
      String value = pop(args, argSpec, commandSpec);
      try {
        new Entry().convert(value);
      } catch (picocli.CommandLine.TypeConversionException e) {
        throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), "Invalid value for option '"
            + option + "': " + e.getMessage(), argSpec, value);
      }
      List<String> values = argSpec.getValue();
      values.add(value);
    }
  }

  /** The value of option {@code argSpec}, taken from {@code args}; refused if there is none. */
  private static String pop(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
      picocli.CommandLine.Model.CommandSpec commandSpec) {
    if (args.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), "Missing required parameter for "
          + "option '" + ((picocli.CommandLine.Model.OptionSpec) argSpec).longestName() + "' (" + argSpec.paramLabel()
          + ")");
    }
    return args.pop();
  }

  /**
   * Sets a one-value option given before or after the subcommand (or both, with one value): by
   * itself picocli lets the subcommand's value replace the one given before it without a word.
   */
  static final class Once implements picocli.CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
        picocli.CommandLine.Model.CommandSpec commandSpec) {
      String option = ((picocli.CommandLine.Model.OptionSpec) argSpec).longestName();
      String value = pop(args, argSpec, commandSpec);
      Object before = argSpec.getValue();
      if (before != null && !before.equals(value)) {
        throw new picocli.CommandLine.ParameterException(commandSpec.commandLine(), option + " is given twice ('"
            + before + "', then '" + value + "'); keep the one you mean", argSpec, value);
      }
      argSpec.setValue(value);
    }
  }

  /**
   * Adds {@code sets} to {@code shorthands} (the values of {@code --epochs}, {@code --workers}, ...
   * by key); a key both give with different values is refused naming both.
   */
  static Map<String, String> merge(Map<String, String> shorthands, Map<String, String> sets) {
    Map<String, String> out = new LinkedHashMap<>(shorthands);
    sets.forEach((key, value) -> {
      String before = out.put(key, value);
      if (before != null && !before.equals(value)) {
        throw new ConfigException(key, key + " is given twice, as '" + before + "' by its shorthand option and as '"
            + value + "' by --set " + key + "; keep the one you mean");
      }
    });
    return out;
  }
}
