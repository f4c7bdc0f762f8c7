package io.epochal.driver.train;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.DataOptions;

/**
 * The advice of a refusal of the job's own data said for what can change: a refusal made for any input says to set
 * {@code data.format} or a column key, which a stored job keeps and which its held-out rows share with its training
 * rows. Holds no state.
 */
final class DataAdvice {

  private DataAdvice() {}

  /** {@code message} about the data of job {@code spec}, whose spec is stored: its format is the data's to match. */
  static String storedJob(JobSpec spec, String message) {
    String format = DataOptions.fromJobSpec(spec).format();
    return message.replace(setFormat(), "this job reads " + format + " (" + JobKeys.DATA_FORMAT + " is part of its "
        + "spec, which a resume keeps): give it " + format + " files");
  }

  /**
   * {@code message} about job {@code spec}'s held-out rows ({@code key} {@code data.validation_path}) with the advice
   * to change the format or a column key, which the training rows are read with too, said as what the held-out rows
   * must be; a command's {@code --input} ({@code key}), read with its own options, as it is.
   */
  static String heldOut(JobSpec spec, String key, String message) {
    if (!JobKeys.DATA_VALIDATION_PATH.equals(key)) {
      return message;
    }
    String format = DataOptions.fromJobSpec(spec).format();
    return message.replace(setFormat(), "held-out rows are read as the training rows are (" + JobKeys.DATA_FORMAT
        + "=" + format + "): give them as " + format + " files").replaceAll("set (data\\.[a-z_]+) to one of them",
        "held-out rows need the training rows' columns ($1 names them for both): give them that column");
  }

  /** The advice a refusal of input in another format gives. */
  private static String setFormat() {
    return "set " + JobKeys.DATA_FORMAT + " to their format (parquet, csv or json)";
  }
}
