package io.epochal.driver.app;

/**
 * The options of this JVM that the driver JVMs it starts ({@code resume --all}'s children, the
 * chaos command's drivers) take over besides the class path, the heap and the Spark and engine
 * settings each launcher names itself.
 */
public final class ChildJvmOptions {

  private ChildJvmOptions() {}

  /**
   * Whether {@code arg} is one of the JVM's class-data sharing options: an archive of classes to map
   * at start ({@code -XX:SharedArchiveFile=}), whether to use it ({@code -Xshare:}) and its log
   * ({@code -Xlog:cds...}). The children run on this JVM's class path, for which the archive was
   * written; mapping it changes how classes are loaded, not what they compute. Not {@code
   * -XX:ArchiveClassesAtExit=}, which writes an archive at exit: every child would write the same file.
   */
  public static boolean classDataSharing(String arg) {
    return arg.startsWith("-XX:SharedArchiveFile=") || arg.startsWith("-Xshare:") || arg.startsWith("-Xlog:cds");
  }
}
