package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** One file a manifest lists: its name within the checkpoint directory, size and SHA-256. */
public final class ManifestFile {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  /** What the store names its files; nothing a path or URI could read as a directory or scheme. */
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

  private final String name;
  private final long size;
  private final String sha256;

  /**
   * A file entry.
   *
   * @param name a plain file name (no directory part)
   * @param size its size in bytes, >= 0
   * @param sha256 64 lower-case hex digits (upper case is accepted and lowered)
   */
  public ManifestFile(String name, long size, String sha256) {
    checkNotNull(name, "name");
    checkArgument(FILE_NAME.matcher(name).matches(),
        "manifest file name '%s' must be a plain file name of letters, digits, '.', '_' and '-', not starting"
            + " with '.'", name);
    checkArgument(size >= 0, "size of manifest file '%s' must be >= 0, got %s", name, size);
    checkNotNull(sha256, "sha256 of '%s'", name);
    String hex = sha256.toLowerCase(Locale.ROOT);
    checkArgument(SHA256_HEX.matcher(hex).matches(),
        "sha256 of manifest file '%s' must be 64 hex digits, got '%s'", name, sha256);
    this.name = name;
    this.size = size;
    this.sha256 = hex;
  }

  /** Whether {@code s} is 64 lower- or upper-case hex digits. */
  static boolean isSha256Hex(String s) {
    return s != null && SHA256_HEX.matcher(s.toLowerCase(Locale.ROOT)).matches();
  }

  /** The file name within the checkpoint directory. */
  public String name() {
    return name;
  }

  /** Size in bytes. */
  public long size() {
    return size;
  }

  /** SHA-256 of the content, 64 lower-case hex digits. */
  public String sha256() {
    return sha256;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ManifestFile)) {
      return false;
    }
    ManifestFile f = (ManifestFile) o;
    return name.equals(f.name) && size == f.size && sha256.equals(f.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, size, sha256);
  }

  @Override
  public String toString() {
    return name + " (" + size + " bytes, sha256 " + sha256 + ")";
  }
}
