package io.epochal.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command lines for a child JVM that runs a class of this test class path. */
final class ChildJava {

  private ChildJava() {}

  /** {@code java <jvmFlags> -cp <this class path> <main> <args>}, with this JVM's own {@code java}. */
  static List<String> command(List<String> jvmFlags, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
