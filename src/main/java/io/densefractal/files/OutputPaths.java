package io.densefractal.files;

import io.densefractal.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Checks, before a command does any work, that each file it will write can be written and is none
 * of the files it reads: the same path, another path to it (symbolic or hard link, {@code ..}), or
 * one of a run directory's own files. Every command that writes files calls {@link #check} once
 * with all its outputs and inputs.
 */
public final class OutputPaths {
  private OutputPaths() {}

  /**
   * @param outputs each output file by the flag that names it ({@code --output}), in order
   * @param inputs every file the command reads (missing ones are skipped: reading reports them)
   * @throws UsageException naming the flag, the path and what is wrong
   */
  public static void check(Map<String, Path> outputs, Collection<Path> inputs) {
    for (Map.Entry<String, Path> o : outputs.entrySet()) {
      String flag = o.getKey();
      Path out = o.getValue();
      if (out == null) {
        continue;
      }
      if (Files.isDirectory(out)) {
        throw new UsageException(flag + " " + out + " is a directory; give a file name");
      }
      Path dir = out.toAbsolutePath().getParent();
      if (dir != null && !Files.isDirectory(dir)) {
        throw new UsageException(
            flag + " " + out + ": the folder " + dir + " does not exist; create it first");
      }
      if (dir != null) {
        probeWritable(flag, out, dir);
      }
      if (Files.exists(out) && !Files.isRegularFile(out)) {
        throw new UsageException(
            flag + " " + out + " is a device or special file; give a regular file name");
      }
      for (Path in : inputs) {
        if (in != null && sameFile(out, in)) {
          throw new UsageException(
              flag
                  + " "
                  + out
                  + " is "
                  + (out.equals(in) ? "" : "the same file as ")
                  + "an input of this command ("
                  + in
                  + "); writing it would destroy that input, choose another path");
        }
      }
    }
  }

  // Files.isWritable says yes to root even on read-only and virtual file systems (/proc): only a
  // real file creation tells.
  private static void probeWritable(String flag, Path out, Path dir) {
    try {
      Path probe = Files.createTempFile(dir, ".densefractal-probe-", ".tmp");
      Files.deleteIfExists(probe);
    } catch (IOException | UnsupportedOperationException e) {
      throw new UsageException(
          flag + " " + out + ": cannot create files in " + dir + "; choose another folder");
    }
  }

  /** Every regular file directly in {@code dir} (a run directory's own files), none if absent. */
  public static java.util.List<Path> filesIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return java.util.List.of();
    }
    try (var files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).toList();
    } catch (IOException e) {
      return java.util.List.of();
    }
  }

  private static boolean sameFile(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    if (!Files.exists(a) || !Files.exists(b)) {
      return false;
    }
    try {
      // Same device and inode: catches symbolic and hard links.
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
