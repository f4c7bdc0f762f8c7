package io.epochal.driver.config;

import io.epochal.params.ParamSpec;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.schedule.LrSchedules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates {@code conf/REFERENCE.md}, the key-by-key reference of a job file, from the
 * declarations in {@link JobKeys}. Run {@link #main} with the output path to regenerate it; a test
 * fails when the checked-in file is stale.
 */
public final class ReferenceDoc {

  private ReferenceDoc() {}

  /** The Markdown text of the reference. */
  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Job spec reference\n\n")
        .append("<!-- Generated from io.epochal.driver.config.JobKeys by ReferenceDoc; do not edit by hand. -->\n\n")
        .append("A job is described by one Java properties file (`conf/*.properties`). Sources are merged in this\n")
        .append("order, a later one winning: the job file, Spark conf entries `spark.epochal.<key>` (e.g.\n")
        .append("`--conf spark.epochal.train.epochs=5`), and command-line overrides `--set <key>=<value>`.\n")
        .append("Every key is validated before anything starts or is written: an unknown key (with the nearest\n")
        .append("valid key suggested), a wrong type, a value out of range, an unregistered model or a missing\n")
        .append("`data.path` stops the command with exit code 2 and a one-line message naming the key and the fix.\n\n")
        .append("| key | type | default | allowed | meaning |\n")
        .append("| --- | --- | --- | --- | --- |\n");
    for (ParamSpec s : JobKeys.specs().all()) {
      sb.append("| `").append(s.name()).append("` | ").append(s.type().displayName()).append(" | ")
          .append(s.required() ? "*required*" : "`" + s.defaultValue() + "`").append(" | ")
          // a schedule is checked against the schedule registry, not a list of the key's own
          .append(s.name().equals(JobKeys.SCHEDULE_NAME) ? "one of " + String.join(", ", LrSchedules.NAMES)
              : s.rangeText()).append(" | ").append(escape(s.doc())).append(" |\n");
    }
    sb.append("\n## Model, optimizer and schedule hyperparameters\n\n")
        .append("| key | meaning |\n| --- | --- |\n")
        .append("| `model.<hp>` | A hyperparameter of the model `model.name` at `model.version`, as the model declares "
            + "it (type, default, range). |\n")
        .append("| `optimizer.<hp>` | A hyperparameter of the optimizer `optimizer.name`, e.g. `optimizer.lr` (tables "
            + "below). |\n")
        .append("| `schedule.<hp>` | A hyperparameter of the learning-rate schedule `schedule.name`: `step_size` "
            + "for `step`, `gamma` for `step` and `multistep`, `milestones` for `multistep`, `total_steps` for "
            + "`cosine`, `linear` and `onecycle`, `min_lr` for `cosine`, `cosine_restarts`, `linear` and `plateau`, "
            + "`restart_steps` and `restart_mult` for `cosine_restarts`, `pct_start`, "
            + "`anneal_strategy`, `div_factor`, `final_div_factor`, `three_phase`, `cycle_momentum`, `base_momentum` "
            + "and `max_momentum` for `onecycle`, `monitor`, `mode`, "
            + "`patience`, `factor`, `threshold`, `threshold_mode` and `cooldown` for `plateau` (`milestones`, the "
            + "`cosine_restarts`, `onecycle` and `plateau` keys are stored only for a job of their schedule; "
            + "`cycle_momentum`, `base_momentum` and `max_momentum` only when not at their defaults), "
            + "`warmup_steps` and "
            + "`warmup_start_factor` for every schedule but `onecycle`, which warms up by itself, and `interval` "
            + "(what the schedule's steps count: optimizer steps, or epochs) for every schedule. A key the chosen "
            + "schedule does not read is refused, unless it has its default value. |\n")
        .append("\nThese are validated against the declarations of the chosen model, optimizer and schedule, then\n")
        .append("as the workers check them when they create the optimizer and the schedule (adam's betas below 1,\n")
        .append("sgd's nesterov with momentum and no dampening, a warm-up factor in [0, 1]); the resolved spec, with\n")
        .append("every default filled in and every value typed, is written to `job.json` in the job directory and\n")
        .append("compared on resume. The models' keys are in `worker/MODELS.md`.\n\n");
    for (String name : Optimizers.NAMES) {
      sb.append("### `optimizer.name=").append(name).append("`\n\n");
      table(sb, "optimizer.", Optimizers.params(name).all(), null);
    }
    sb.append("### Schedules (`schedule.name` = ").append(String.join(", ", LrSchedules.NAMES)).append(")\n\n")
        .append("A key of another schedule is refused unless it has its default value (as `job.json` lists it).\n\n");
    List<ParamSpec> scheduleKeys = new ArrayList<>();
    for (ParamSpec p : LrSchedules.params().all()) {
      if (!p.name().equals("schedule")) {
        scheduleKeys.add(p);
      }
    }
    table(sb, "schedule.", scheduleKeys, LrSchedules::usedBy);
    sb
        .append("## Placement keys\n\n")
        .append("`train.device` and the `resources.*` keys say where a job runs, not what it computes. They are\n")
        .append("validated like every key but are not part of the hyperparameters written to `job.json` and the\n")
        .append("manifests, so a resume never compares them: a job started on GPUs continues on CPUs and the other\n")
        .append("way round. A resume takes its placement from its own run (defaults: `auto`, no GPU scheduling,\n")
        .append("plus any Spark `--conf spark.executor/task.resource.gpu.*`). See `docs/GPU.md`.\n\n")
        .append("## Data\n\n")
        .append("`data.features` names either several numeric columns (`f0,f1,f2`) or one column holding an\n")
        .append("array of numbers or an ML vector. Labels are class indices for `loss=softmax_cross_entropy`\n")
        .append("(checked against the model's output count, or `data.classes` when that is fewer) and numeric\n")
        .append("targets for a regression loss (`mse`, `l1`, `huber`, `smooth_l1`).\n")
        .append("The rows are read once and numbered 0, 1, 2, ... in the order `data.row_order` gives (by\n")
        .append("default the files in the order of their paths, each file's rows in file order), and row `i`\n")
        .append("goes to worker `i % train.workers`; a worker keeps its rows in that order. The same files give\n")
        .append("the same shards wherever they are stored and however many cores read them. Bad rows (see\n")
        .append("`data.bad_rows`) are left out of this numbering and go to no worker; the \"dataset row\" a bad\n")
        .append("row's message names, and `predict`'s `row_id`, count every row in the same order, from 0 (with\n")
        .append("`data.row_order=spark_read` the message counts in Spark's read order, which `predict` does not). The\n")
        .append("message also names the row within its file, counted from 1 (in a csv file the header line and\n")
        .append("blank lines not counted, in a json file blank lines not counted).\n");
    return sb.toString();
  }

  /** A table of prefixed keys, with the schedules that read each when {@code readers} is given. */
  private static void table(StringBuilder sb, String prefix, java.util.Collection<ParamSpec> specs,
      java.util.function.Function<String, java.util.Set<String>> readers) {
    sb.append("| key | type | default | allowed | ").append(readers == null ? "" : "read by | ").append("meaning |\n")
        .append("| --- | --- | --- | --- | ").append(readers == null ? "" : "--- | ").append("--- |\n");
    for (ParamSpec s : specs) {
      sb.append("| `").append(prefix).append(s.name()).append("` | ").append(s.type().displayName()).append(" | ")
          .append(s.required() ? "*required*" : "`" + s.defaultValue() + "`").append(" | ")
          .append(s.rangeText()).append(" | ");
      if (readers != null) {
        sb.append(String.join(", ", new java.util.TreeSet<>(readers.apply(s.name())))).append(" | ");
      }
      sb.append(escape(s.doc())).append(" |\n");
    }
    sb.append("\n");
  }

  private static String escape(String text) {
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** Writes the reference to {@code args[0]} (default {@code conf/REFERENCE.md}). */
  public static void main(String[] args) throws IOException {
    Path out = Paths.get(args.length > 0 ? args[0] : "conf/REFERENCE.md");
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out.toAbsolutePath());
  }
}
