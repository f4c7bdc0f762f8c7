package io.epochal.driver.init;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Lists of tensor names in messages, and the one guess a mismatch of names allows. */
final class NameList {

  private NameList() {}

  /** The first {@code n} of {@code lines}, and a last line counting the rest when there are more. */
  static List<String> first(List<String> lines, int n) {
    if (lines.size() <= n) {
      return lines;
    }
    List<String> shown = new ArrayList<>(lines.subList(0, n));
    shown.add("... and " + (lines.size() - n) + " more");
    return shown;
  }

  /** {@code names} joined with ", ", the first {@code n} of them and a count of the rest. */
  static String joined(List<String> names, int n) {
    return String.join(", ", first(names, n));
  }

  /**
   * The prefix every one of {@code extra} (the file's names the model lacks) carries and that makes
   * at least one of them a name of {@code lacking} (the model's names the file lacks), when there is
   * such a prefix: the {@code module.} of a DistributedDataParallel model's state dict.
   */
  static Optional<String> commonExtraPrefix(List<String> extra, List<String> lacking) {
    if (extra.isEmpty() || lacking.isEmpty()) {
      return Optional.empty();
    }
    String first = extra.get(0);
    for (String name : lacking) {
      if (first.length() > name.length() && first.endsWith("." + name)) {
        String prefix = first.substring(0, first.length() - name.length());
        if (extra.stream().allMatch(e -> e.startsWith(prefix))) {
          return Optional.of(prefix);
        }
      }
    }
    return Optional.empty();
  }
}
