package io.epochal.driver.app;

import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.params.ValueChange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * What the resumes of a job amended, by its history: every {@code AMENDED} event lists its
 * changes as typed values ({@link JobEvent#getChanges}); an event written before they were
 * recorded says them only in its message, {@code key: old -> new; ...}, which is read instead. A
 * command line that started the job (a supervised restart, a
 * retried spark-submit) still carries the old values; they are told from a change asked for by
 * being among those a resume amended away. A value is compared as the key's type reads it: a Spark
 * conf's {@code 30} is the {@code 30.0} a resume amended {@code checkpoint.every_n_minutes} away from.
 */
final class AmendmentHistory {

  /** By key, the values a resume amended it away from: typed, or as text for an event that says them only so. */
  private final Map<String, List<Object>> amendedAway;
  /** What a place is compared through ({@code data.path} written another way is the same place). */
  private final Configuration conf;

  private AmendmentHistory(Map<String, List<Object>> amendedAway, Configuration conf) {
    this.amendedAway = amendedAway;
    this.conf = conf;
  }

  /** The history of the job in {@code dir}; empty when it has none or it cannot be read. */
  static AmendmentHistory of(Path dir, Configuration conf) {
    Map<String, List<Object>> away = new TreeMap<>();
    try {
      for (JobEvent e : new JobEventLog(dir.getFileSystem(conf), dir).readAll()) {
        if (e.getType() != JobEventType.AMENDED) {
          continue;
        }
        if (e.getMessage() != null && e.getMessage().contains(io.epochal.driver.train.TrainingJob
            .AMENDMENT_TAKEN_BACK)) {
          // the amendment before it was not written to job.json: neither changed the job
          for (ValueChange change : e.getChanges()) {
            List<Object> from = away.get(change.getKey());
            int undone = from == null ? -1 : from.lastIndexOf(change.getTo().orElse(NO_VALUE));
            if (undone >= 0) {
              from.remove(undone);
              if (from.isEmpty()) {
                away.remove(change.getKey());
              }
            }
          }
          continue;
        }
        for (ValueChange change : e.getChanges()) {
          // a key the resume set anew was amended from no value: the old command does not set it
          away.computeIfAbsent(change.getKey(), k -> new ArrayList<>()).add(change.getFrom().orElse(NO_VALUE));
        }
        if (e.getChanges().isEmpty() && e.getMessage() != null) {
          for (String change : e.getMessage().split("; ")) {
            int colon = change.indexOf(": ");
            int arrow = change.indexOf(" -> ", Math.max(colon, 0));
            if (colon > 0 && arrow > colon) {
              String from = unquoted(change.substring(colon + 2, arrow));
              away.computeIfAbsent(change.substring(0, colon), k -> new ArrayList<>())
                  .add(from.equals("<unset>") ? NO_VALUE : from);
            }
          }
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      return new AmendmentHistory(Map.of(), conf); // without its history, nothing counts as amended
    }
    return new AmendmentHistory(away, conf);
  }

  /** Whether a resume amended {@code key}. */
  boolean amended(String key) {
    return amendedAway.containsKey(key);
  }

  /** What {@link #amendedAway} is given for a key the command does not set: a resume set it anew. */
  static final String NO_VALUE = "";

  /**
   * Whether {@code value} is one a resume amended {@code key} away from: the same typed value ({@link
   * ResumeConfCheck#sameValue}: {@code 30} is {@code 30.0}, {@code TRUE} is {@code true}, a path the same place
   * however written), or the same text, quotes aside, for a value an old event gives only in its message; {@link
   * #NO_VALUE} for a key a resume set anew.
   */
  boolean amendedAway(String key, String value) {
    String given = unquoted(value.trim());
    for (Object from : amendedAway.getOrDefault(key, List.of())) {
      if (from.equals(given) || !NO_VALUE.equals(from) && !NO_VALUE.equals(given)
          && ResumeConfCheck.sameValue(key, from, given, conf)) {
        return true;
      }
    }
    return false;
  }

  private static String unquoted(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
  }
}
