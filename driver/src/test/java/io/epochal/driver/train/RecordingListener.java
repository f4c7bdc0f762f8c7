package io.epochal.driver.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A training listener that keeps every warning and message it is told, in order, from any thread. */
final class RecordingListener implements TrainingListener {

  /** The warnings, in the order told. */
  final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

  /** The messages, in the order told. */
  final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void warning(String message) {
    warnings.add(message);
  }

  @Override
  public void message(String message) {
    messages.add(message);
  }
}
