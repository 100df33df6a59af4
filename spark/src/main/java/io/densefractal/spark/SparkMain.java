package io.densefractal.spark;

import io.densefractal.DenseFractalException;
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
    subcommands = {SparkPredictCommand.class, CommandLine.HelpCommand.class})
public final class SparkMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (predict)");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command with the given streams and returns the exit code (used by tests too). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SparkMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          String line =
              e instanceof DenseFractalException ? e.getMessage() : SparkErrors.oneLine(e);
          commandLine.getErr().println("error: " + line.replace('\n', ' '));
          if (System.getenv("DENSEFRACTAL_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
          }
          commandLine.getErr().flush();
          return 1;
        });
    return cli.execute(args);
  }
}
