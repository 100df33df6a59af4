package io.densefractal.train;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The files a run writes into its directory, and the clean-up of what a dead process left there:
 * the logs of a run killed before its first checkpoint (never appended to by a new run) and the
 * temp files of atomic writes cut short.
 */
final class RunFiles {
  /** Everything a run writes, apart from its two checkpoints. */
  static final List<String> LOGS =
      List.of(
          MetricsLog.CSV_FILE,
          MetricsLog.JSONL_FILE,
          StepLog.FILE,
          "state.json",
          "loss.png",
          "accuracy.png",
          "confusion.png",
          Trainer.BEST);

  // AtomicFiles' temp files: ".<target>.<uuid>.tmp".
  private static final Pattern TEMP =
      Pattern.compile("\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

  private RunFiles() {}

  /**
   * Before a new run in {@code dir} (locked, without a last checkpoint): removes the logs of a run
   * that died before writing its first checkpoint, which cannot be resumed, so that the new run
   * does not append to them; and any orphan temp files.
   */
  static void clearDeadRun(Path dir, PrintStream out) {
    List<String> removed = new ArrayList<>();
    for (String name : LOGS) {
      try {
        if (Files.deleteIfExists(dir.resolve(name))) {
          removed.add(name);
        }
      } catch (IOException e) {
        throw new DenseFractalException("cannot clear " + dir.resolve(name) + ": " + e, e);
      }
    }
    if (!removed.isEmpty()) {
      out.println(
          "removed "
              + String.join(", ", removed)
              + " from "
              + dir
              + ": a run stopped there before its first checkpoint");
    }
    removeOrphanTemps(dir);
  }

  /** Deletes the temp files of atomic writes that a killed process left in {@code dir}. */
  static void removeOrphanTemps(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        if (TEMP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new DenseFractalException("cannot clean up " + dir + ": " + e, e);
    }
  }

  /**
   * Deletes {@code dir}, which this process created for a run that failed before writing anything
   * but its lock file: no empty run directory is left behind.
   */
  static void removeIfUnused(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(io.densefractal.files.RunLock.FILE));
      Files.deleteIfExists(dir); // fails, harmlessly, when the run wrote files
    } catch (IOException e) {
      // Not empty: the run got as far as writing its logs, which stay for the user to see.
    }
  }
}
