package io.epochal.driver.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code .properties} job file (UTF-8, an editor's byte order mark skipped) into its keys,
 * and says what a properties file does that a user does not mean: a key set twice to different
 * values, a line ending in a backslash that joins the next line (and its key) to its value, a
 * {@code #} after a value taken as part of it (comments start lines only), a file that is not
 * UTF-8, a job directory or its {@code job.json} given instead of a job file.
 */
final class JobFileReader {

  /** What some editors write at the start of a UTF-8 file. */
  private static final int BYTE_ORDER_MARK = '\uFEFF';

  /**
   * A job key and its separator ('=', ':' or blanks) inside a value: the next line, joined to this one by a
   * trailing backslash.
   */
  private static final Pattern JOINED_KEY = Pattern.compile(
      "(?:job|model|optimizer|schedule|train|data|checkpoint|retry|lease|resources|early_stop|init|loss)"
          + "\\.[A-Za-z0-9_]+(?:\\s*[=:]|\\s+(?=\\S))|loss\\s*[=:]"); // a blank after 'loss' is a value's text

  /** What the problem of a value with a trailing comment says. */
  private static final String COMMENT_PROBLEM = ": in a properties file '#' starts a comment only at the start of a "
      + "line, so what follows it here is part of the value";

  /** Whether {@code problem}, one {@link #read} reported, is of a value with a trailing comment. */
  static boolean isTrailingComment(ConfigException problem) {
    return String.valueOf(problem.getMessage()).contains(COMMENT_PROBLEM);
  }

  /** What the problem of a value that swallowed the next line's key says before that key. */
  private static final String JOINED_PROBLEM = ", which holds another key ('";

  /**
   * The key a line ending in a backslash swallowed, if {@code problem} is that line's (its own
   * key is {@link ConfigException#key}): what the spec then says of either key follows from it.
   */
  static java.util.Optional<String> swallowedKey(ConfigException problem) {
    String m = String.valueOf(problem.getMessage());
    int at = m.indexOf(JOINED_PROBLEM);
    if (at < 0) {
      return java.util.Optional.empty();
    }
    int from = at + JOINED_PROBLEM.length();
    int to = m.indexOf('\'', from);
    return to < 0 ? java.util.Optional.empty() : java.util.Optional.of(m.substring(from, to));
  }

  /** A comment after a value: blanks, then #. */
  private static final Pattern TRAILING_COMMENT = Pattern.compile("\\s#");

  private JobFileReader() {}

  /**
   * The keys of {@code jobFile}, trimmed; a key set twice to different values, a value that holds
   * the next line's key or a trailing comment is added to {@code problems} (all reported together).
   *
   * @throws ConfigException when the file cannot be read as a properties job file at all
   */
  static Map<String, String> read(Path jobFile, List<ConfigException> problems) {
    return readLocal(localOf(jobFile), problems);
  }

  /** {@code jobFile}, or the local file it names as a {@code file:} URI ({@code file:///home/u/job.properties}). */
  private static Path localOf(Path jobFile) {
    String given = jobFile.toString();
    if (given.regionMatches(true, 0, "file:/", 0, 6) && !Files.exists(jobFile)) {
      try {
        return Path.of(java.net.URI.create(given.replaceFirst("^(?i)file:/+", "file:///")));
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException notAFileUri) {
        return jobFile; // said as a missing file
      }
    }
    return jobFile;
  }

  private static Map<String, String> readLocal(Path jobFile, List<ConfigException> problems) {
    Properties p = new Properties() {
      private static final long serialVersionUID = 1L;

      @Override
      public synchronized Object put(Object key, Object value) {
        Object before = super.put(key, value);
        if (before != null && !before.toString().strip().equals(value.toString().strip())) {
          problems.add(new ConfigException(key.toString(), "job file " + jobFile + " sets " + key + " twice ('"
              + before + "', then '" + value + "'); keep the one you mean"));
        }
        return before;
      }
    };
    if (Files.isDirectory(jobFile)) {
      boolean job = Files.exists(jobFile.resolve(io.epochal.job.JobPaths.JOB_SPEC));
      throw new ConfigException("job file", jobFile + " is a directory" + (job ? ", an Epochal job directory: to "
          + "continue its job, run bin/epochal resume " + ShellWords.quote(jobFile.toString()) + " (train takes a "
          + ".properties job file)" : "; give the path of a .properties job file (see conf/quickstart.properties)"));
    }
    // read once: a pipe (/dev/stdin, <(...)) gives its bytes to one read, and every check reads what was loaded
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(jobFile);
    } catch (java.nio.file.NoSuchFileException e) {
      throw missing(jobFile, e);
    } catch (IOException e) {
      throw new ConfigException("job file", "cannot read job file " + jobFile + " (" + e + "); give the path of a "
          + "readable .properties file", e);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException("job file", "job file " + jobFile + " is not UTF-8: line " + firstNonUtf8Line(bytes)
          + " holds bytes that are not (a Latin-1 'é', say, as Java's Properties.store writes); save the file as "
          + "UTF-8", e);
    }
    if (!text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK) { // an editor's mark would be part of the first key
      text = text.substring(1);
    }
    if (text.strip().startsWith("{")) { // JSON: a job directory's job.json, read as key=value lines: bad keys
      boolean jobJson = jobFile.getFileName() != null && jobFile.getFileName().toString().equals(
          io.epochal.job.JobPaths.JOB_SPEC);
      Path dir = jobFile.toAbsolutePath().getParent();
      throw new ConfigException("job file", "job file " + jobFile + " is JSON" + (jobJson ? ", a job directory's "
          + "job.json: to continue that job, run bin/epochal resume " + ShellWords.quote(String.valueOf(dir)) + "; "
          : "; ") + "train takes a .properties job file of key=value lines (see conf/quickstart.properties)");
    }
    List<String> lines = text.lines().toList();
    try {
      p.load(new java.io.StringReader(text));
    } catch (IOException e) {
      throw new ConfigException("job file", "cannot read job file " + jobFile + " (" + e + ")", e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("job file", "job file " + jobFile + " is not a valid properties file: "
          + e.getMessage() + badEscape(lines).map(at -> " (line " + at + ")").orElse("") + "; a backslash followed "
          + "by u starts a \\uXXXX escape of 4 hex digits: write a backslash of the value as \\\\", e);
    }
    Map<String, String> out = new java.util.TreeMap<>();
    java.util.Set<String> continuations = continuationLines(lines);
    for (String k : p.stringPropertyNames()) {
      String key = k.trim();
      String value = p.getProperty(k).trim();
      Matcher joined = JOINED_KEY.matcher(value);
      if (findJoined(joined, continuations)) {
        problems.add(new ConfigException(key, "job file " + jobFile + ": the value of " + key + " is '" + value
            + "'" + JOINED_PROBLEM + joined.group().replaceAll("\\s*[=:]?\\s*$", "") + "'): the line of " + key
            + " ends with a backslash, which joins the next line to it in a properties file; remove that backslash "
            + "(a backslash in a value is written \\\\)"));
      } else if (TRAILING_COMMENT.matcher(value).find() && writtenWithBlankBeforeHash(lines, key)) {
        problems.add(new ConfigException(key, "job file " + jobFile + ": the value of " + key + " is '" + value
            + "'" + COMMENT_PROBLEM + "; put the comment on a line of its own (or, if the '#' is the value's, write "
            + "it \\#)"));
      }
      out.put(key, value);
    }
    return out;
  }

  /**
   * Finds in a value a job key that starts a line a trailing backslash joined to the line before:
   * a key-like text elsewhere in a value ({@code hdfs://bigdata.prod:8020/...}) is the value's own.
   */
  private static boolean findJoined(Matcher joined, java.util.Set<String> continuations) {
    while (joined.find()) {
      String key = joined.group();
      if (continuations.stream().anyMatch(line -> line.startsWith(key))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a line of {@code jobFile} setting {@code key}, or a line continuing it, holds a blank
   * followed by a '#' as written (not {@code \\#}, which a user writes for a '#' of the value): a
   * comment meant to end the line.
   */
  private static boolean writtenWithBlankBeforeHash(List<String> lines, String key) {
    Pattern setting = Pattern.compile("^[\\uFEFF \\t\\f]*" + Pattern.quote(key) + "[ \\t\\f=:]");
    boolean inKey = false;
    for (String line : lines) {
      inKey = inKey || setting.matcher(line).find();
      if (inKey && TRAILING_COMMENT.matcher(line).find()) {
        return true;
      }
      inKey = inKey && continuesOnNextLine(line);
    }
    return false;
  }

  /**
   * The lines of {@code jobFile} that continue the line before (it ends in an odd number of
   * backslashes and is no comment), without the leading blanks a properties file drops from them.
   */
  private static java.util.Set<String> continuationLines(List<String> lines) {
    java.util.Set<String> out = new java.util.HashSet<>();
    boolean continuing = false;
    for (String line : lines) {
      String stripped = line.replaceFirst("^[\\uFEFF \\t\\f]+", "");
      if (continuing) {
        out.add(stripped);
      } else if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
        continue; // a comment line is never continued
      }
      continuing = continuesOnNextLine(line);
    }
    return out;
  }

  /** Whether {@code line} ends in an odd number of backslashes, which join the next line to it in a properties file. */
  private static boolean continuesOnNextLine(String line) {
    int backslashes = 0;
    for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  /** The 1-based number of the first line of {@code bytes} that is not UTF-8 (0 if none is found). */
  private static int firstNonUtf8Line(byte[] bytes) {
    int line = 1;
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        try {
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, start, i - start));
        } catch (CharacterCodingException bad) {
          return line;
        }
        line++;
        start = i + 1;
      }
    }
    return 0;
  }

  /** The refusal of job file {@code jobFile}, which does not exist ({@code e}). */
  private static ConfigException missing(Path jobFile, java.nio.file.NoSuchFileException e) {
    java.util.regex.Matcher uri = java.util.regex.Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):/").matcher(
        jobFile.toString());
    if (uri.find() && !"file".equalsIgnoreCase(uri.group(1))) { // hdfs://nn/x.properties, seen as a local path
      return new ConfigException("job file", "job file " + jobFile + " names a " + uri.group(1) + " URI (its '//' "
          + "read as a local path's); a job file is read from the local file system: copy it here (hdfs dfs -get), "
          + "pass it with spark-submit --files and give its name alone, or give the keys as --conf "
          + "spark.epochal.<key> without a job file", e);
    }
    return new ConfigException("job file", "job file " + jobFile + " does not exist" + whereMissing(jobFile,
        System.getProperty("spark.submit.deployMode", "")) + "; give the path of a .properties job file (see "
        + "conf/quickstart.properties)", e);
  }

  /**
   * The 1-based number of the first of {@code lines} holding a backslash and u that is no {@code \\uXXXX} escape
   * of 4 hex digits (a doubled backslash is a backslash of the value), if any.
   */
  private static java.util.Optional<Integer> badEscape(List<String> lines) {
    boolean continuing = false;
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      String stripped = line.replaceFirst("^[\\uFEFF \\t\\f]+", "");
      boolean comment = !continuing && (stripped.startsWith("#") || stripped.startsWith("!"));
      continuing = !comment && continuesOnNextLine(line);
      if (comment) {
        continue; // a properties file reads no escape in a comment line
      }
      for (int i = 0; i < line.length() - 1; i++) {
        if (line.charAt(i) != '\\') {
          continue;
        }
        if (line.charAt(i + 1) == 'u' && !line.substring(i + 2).matches("(?s)[0-9a-fA-F]{4}.*")) {
          return java.util.Optional.of(n + 1);
        }
        i++; // the escaped character
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * Where a job file that is not there was looked for: the working directory a relative path was
   * resolved in, and for a driver spark-submit started in cluster deploy mode ({@code deployMode}),
   * which runs on a node of the cluster, how to give it the file.
   */
  static String whereMissing(Path jobFile, String deployMode) {
    String where = jobFile.isAbsolute() ? "" : " in the working directory " + Path.of("").toAbsolutePath();
    if (!"cluster".equals(deployMode)) {
      return where.isEmpty() ? "" : " (looked for" + where + ")";
    }
    return " (looked for" + (where.isEmpty() ? " on the node running this driver" : where) + ": spark-submit started "
        + "this driver in cluster deploy mode, on a node of the cluster, which needs the file at the path given: an "
        + "absolute path that node reads, --files <job file> on YARN with its name alone, or no file and the keys as "
        + "--conf spark.epochal.<key>)";
  }
}
