package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The checks of {@code data.features} as a spec gives it: its names, and the label among them. */
final class FeatureColumnsCheck {

  private FeatureColumnsCheck() {}

  /**
   * {@code data.features} given as text, without the blanks around its names or empty entries
   * ('f0, f1' is 'f0,f1': the same columns are the same spec) and with its ranges written out
   * ({@link FeatureRanges}: 'f0..f2' is 'f0,f1,f2'); a name given twice is a problem.
   */
  static String columnList(String names, SpecValidator.Sourced given, List<ConfigException> problems) {
    List<String> columns = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    String twice = null;
    String expanded;
    try {
      expanded = FeatureRanges.expand(names, JobKeys.DATA_FEATURES);
    } catch (ConfigException e) {
      problems.add(e);
      return names;
    }
    for (String n : expanded.split(",")) {
      String name = n.strip();
      if (!name.isEmpty()) {
        columns.add(name);
        twice = twice == null && !seen.add(name) ? name : twice;
      }
    }
    if (twice != null) {
      problems.add(new ConfigException(JobKeys.DATA_FEATURES, JobKeys.DATA_FEATURES + " names column '" + twice
          + "' twice (from " + given.source + "); name each feature column once"));
    }
    return String.join(",", columns);
  }

  /**
   * A label column among the feature columns, given as text (a stored job keeps what it trained
   * with), is a problem: the model would be given the answer as an input. So is a sample weight
   * column ({@code data.weight}) that is the label or a feature.
   */
  static void refuseClashingColumns(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      List<ConfigException> problems) {
    SpecValidator.Sourced features = raw.get(JobKeys.DATA_FEATURES);
    String label = values.getString(JobKeys.DATA_LABEL);
    List<String> featureNames = values.contains(JobKeys.DATA_FEATURES)
        ? List.of(values.getString(JobKeys.DATA_FEATURES).split(",")) : List.of();
    if (features != null && features.text && label != null && featureNames.contains(label)) {
      problems.add(new ConfigException(JobKeys.DATA_FEATURES, JobKeys.DATA_FEATURES + " names the label column '" + label
          + "' (data.label; from " + features.source + "): the model would be given each row's answer as an input and "
          + "learn nothing it can use on new data; remove it from " + JobKeys.DATA_FEATURES + ", or set data.label to "
          + "the column to predict"));
    }
    String weight = SampleWeights.column(values);
    if (!weight.isEmpty() && (weight.equals(label) || featureNames.contains(weight))) {
      String which = weight.equals(label) ? "the label (data.label)" : "a feature column (data.features)";
      problems.add(new ConfigException(SampleWeights.KEY, SampleWeights.KEY + " names column '" + weight
          + "', which is " + which + ": a row's weight must come from a column of its own; set " + SampleWeights.KEY
          + " to that column, or leave it empty for rows that weigh the same"));
    }
  }
}
