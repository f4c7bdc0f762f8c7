package io.epochal.driver.train;

import java.util.regex.Pattern;

/** Edits of a command line a failure names to continue a job with (a resume), as the user would edit it. */
final class CommandOptions {

  private CommandOptions() {}

  /**
   * {@code command} without spark-submit's option {@code flag} ({@code --executor-memory 1g}, {@code
   * --driver-memory=2g}) and without any {@code --conf} (or {@code -c}) entry of Spark conf key {@code confKey},
   * quoted or not: what a larger setting given in their place replaces.
   */
  static String without(String command, String flag, String confKey) {
    return command.replaceAll(" " + Pattern.quote(flag) + "(?:=| +)'?[^ ']*'?(?= |$)", "")
        .replaceAll(" (?:--conf|-c)(?:=| +)'?" + Pattern.quote(confKey) + "=[^ ']*'?(?= |$)", "");
  }
}
