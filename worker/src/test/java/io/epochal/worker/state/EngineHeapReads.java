package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Finds, in compiled classes, the calls that read a DJL array into the Java heap through the engine's
 * own path ({@code toFloatArray()}, {@code getFloat(..)}, {@code toByteBuffer()} and the like). That
 * path allocates the Java array in native code and, on a full heap, crashed the JVM where a view of
 * the engine's memory ({@link TensorConversion}) gives an OutOfMemoryError a run can report. Reads
 * the bytecode with the JDK's {@code javap}, so a call in a lambda or through an engine's own array
 * class is found as well as a direct one.
 */
public final class EngineHeapReads {

  /** An NDArray method that copies into the heap in native code, as javap names the call. */
  private static final Pattern CALL = Pattern.compile("// (?:Interface)?Method (ai/djl/\\S*NDArray)\\.("
      + "toArray|to(?:Float|Double|Int|Long|Boolean|Byte|Uint8|Uint32)Array|get(?:Float|Double|Int|Long|Boolean|Byte"
      + "|Uint8)(?=:)|toByteBuffer(?=:\\(\\)L))");
  private static final Pattern METHOD = Pattern.compile("^  \\S.*\\(.*\\)( throws .*)?;$");
  private static final Pattern CLASS = Pattern.compile("^(?:\\S+ )*(?:class|interface|enum|record) (\\S+)");

  private EngineHeapReads() {}

  /**
   * Each such call in the classes under {@code classes}, as {@code "class.method(..) calls
   * NDArray.method"}; empty when there is none.
   *
   * @throws IllegalArgumentException if {@code classes} holds no class file
   */
  public static List<String> callsIn(Path classes) {
    List<String> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(classes)) {
      all.filter(p -> p.toString().endsWith(".class")).forEach(p -> files.add(p.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + classes, e);
    }
    checkArgument(!files.isEmpty(), "no class file under %s: compile first", classes);
    List<String> found = new ArrayList<>();
    // javap runs in this JVM, given 200 files at a time
    for (int i = 0; i < files.size(); i += 200) {
      found.addAll(callsInFiles(files.subList(i, Math.min(files.size(), i + 200))));
    }
    return found;
  }

  private static List<String> callsInFiles(List<String> files) {
    ToolProvider javap = ToolProvider.findFirst("javap")
        .orElseThrow(() -> new IllegalStateException("this JDK has no javap"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new ArrayList<>(List.of("-c", "-p"));
    args.addAll(files);
    int exit = javap.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
    if (exit != 0) {
      throw new IllegalStateException("javap failed (exit " + exit + "): " + err);
    }
    List<String> found = new ArrayList<>();
    String type = "?";
    String method = "?";
    for (String line : out.toString().split("\n")) {
      Matcher c = CLASS.matcher(line);
      Matcher m = METHOD.matcher(line);
      Matcher call = CALL.matcher(line);
      if (!line.startsWith(" ") && c.find()) {
        type = c.group(1);
      } else if (m.find()) {
        method = line.strip();
      } else if (call.find()) {
        found.add(type + "." + method + " calls " + call.group(1) + "." + call.group(2));
      }
    }
    return found;
  }
}
