package io.epochal.driver.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code epochal verify --json}'s document: the target, whether every check passed, what a resume does after a
 * failure, the checkpoints not checked and why, and each checkpoint's checks ({@link CheckLine}, with its stable
 * id); or, when nothing could be verified, the error. Holds no state.
 */
final class VerifyJson {

  private VerifyJson() {}

  /**
   * The report of {@code results} for {@code target}; {@code resume} (and the checkpoint it picks, {@code
   * resumePicks}) when it is said, else null.
   */
  static String report(URI target, boolean ok, Map<CheckpointEntry, List<CheckLine>> results,
      String resumePicks, String resume, Map<String, String> notChecked) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("target", targetText(target));
    root.put("ok", ok);
    if (resume != null) {
      root.put("resume_picks", resumePicks);
      root.put("resume", resume);
    }
    ArrayNode skipped = root.putArray("not_checked"); // always there: a script tells "none" from "not said"
    notChecked.forEach((name, why) -> skipped.addObject().put("checkpoint", name).put("why", why));
    ArrayNode checkpoints = root.putArray("checkpoints");
    results.forEach((e, lines) -> {
      ObjectNode c = checkpoints.addObject();
      boolean midEpoch = CheckpointSeries.of(e.path()) == CheckpointSeries.STEPS;
      c.put("epoch", midEpoch ? e.manifest().map(CheckpointManifest::epoch).orElse(-1L) : e.epoch());
      if (midEpoch) { // keyed by its step; its epoch is the epochs completed before it
        c.put("mid_epoch", true);
        c.put("step", e.epoch());
      }
      c.put("path", io.epochal.driver.config.JobSpecResolver.locationText(e.path())); // as "target" writes it
      if (e.isMovedAside()) {
        c.put("moved_aside", true);
      }
      c.put("ok", lines.stream().noneMatch(l -> l.status() == CheckLine.Status.FAIL));
      ArrayNode checks = c.putArray("checks");
      for (CheckLine l : lines) {
        checks.addObject().put("id", l.id().json()).put("status", l.status().name()).put("check", l.check())
            .put("detail", l.detail());
      }
    });
    return root.toString();
  }

  /** {@code target} spelled as the checkpoints' {@code path} are: {@code file:///x}, not {@code file:/x}. */
  static String targetText(URI target) {
    return CheckpointTarget.shown(target);
  }

  static String error(URI target, String error) {
    ObjectNode root = new ObjectMapper().createObjectNode();
    root.put("target", targetText(target));
    root.put("ok", false);
    root.put("error", String.valueOf(error));
    root.putArray("not_checked"); // always there, as in a verify's document
    root.putArray("checkpoints");
    return root.toString();
  }
}
