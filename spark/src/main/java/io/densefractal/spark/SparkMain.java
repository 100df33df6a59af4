package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code densefractal spark ...}: the Spark jobs, the main class both of the launcher's embedded
 * runs and of {@code spark-submit}. Exit codes as the CLI's: 0 success, 2 usage error, 1 any other
 * failure with one line on stderr (DENSEFRACTAL_DEBUG=1 adds the stack trace).
 */
@Command(
    name = "densefractal spark",
    mixinStandardHelpOptions = true,
    description = "Batch jobs on Apache Spark (embedded local[*], or a cluster with --master).",
    subcommands = {
      SparkPredictCommand.class,
      SparkTrainCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SparkMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (predict, train)");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command with the given streams and returns the exit code (used by tests too). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SparkMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExpandAtFiles(false); // an argument such as @list is a value, not a file to expand
    cli.setParameterExceptionHandler(SparkMain::usageError);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, err));
    try {
      return cli.execute(args);
    } catch (Throwable e) { // Errors (out of memory) pass picocli's handlers by
      return report(e, err);
    }
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    String help =
        e.getCommandLine().getParent() == null
            ? "densefractal spark --help"
            : "densefractal spark " + e.getCommandLine().getCommandName() + " --help";
    err.println("error: " + oneLine(e.getMessage()) + " (see `" + help + "`)");
    debug(e, err);
    return 2;
  }

  private static int report(Throwable e, PrintWriter err) {
    String line = e instanceof DenseFractalException ? e.getMessage() : SparkErrors.oneLine(e);
    err.println("error: " + oneLine(line));
    debug(e, err);
    return e instanceof UsageException ? 2 : 1;
  }

  private static void debug(Throwable e, PrintWriter err) {
    if (System.getenv("DENSEFRACTAL_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
  }

  private static String oneLine(String message) {
    return String.valueOf(message).replace('\n', ' ');
  }
}
