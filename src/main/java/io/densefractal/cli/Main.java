package io.densefractal.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code densefractal} command. Exit codes: 0 success, 2 usage error, 1 any other failure, with
 * one line on stderr saying what went wrong (set DENSEFRACTAL_DEBUG=1 for the stack trace).
 */
@Command(
    name = "densefractal",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "ResNet/ResNeXt, DenseNet and FractalNet on the JVM, exact to torchvision.",
    subcommands = {
      SummaryCommand.class,
      InferCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      DemoCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      PredictCommand.class,
      EmbedCommand.class,
      CompareCommand.class,
      BenchCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  static final int EXIT_FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code (used by tests too). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    int code;
    try {
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(out);
      cli.setErr(err);
      // An argument such as @/etc/passwd is a value, never a file of arguments to expand.
      cli.setExpandAtFiles(false);
      cli.setParameterExceptionHandler(Main::usageError);
      cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, err));
      code = cli.execute(args);
    } catch (Throwable e) { // Errors (out of memory) pass picocli's handlers by
      code = report(e, err);
    }
    if (code == 0 && out.checkError()) {
      // e.g. stdout redirected to a full device: the results were not delivered.
      err.println("error: could not write the results to standard output (device full or closed)");
      err.flush();
      code = EXIT_FAILURE;
    }
    return code;
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    String command = e.getCommandLine().getCommandName();
    String help =
        e.getCommandLine().getParent() == null
            ? "densefractal --help"
            : "densefractal " + command + " --help";
    err.println("error: " + Failures.oneLine(e) + " (see `" + help + "`)");
    if (System.getenv("DENSEFRACTAL_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return Failures.USAGE;
  }

  private static int report(Throwable e, PrintWriter err) {
    err.println("error: " + Failures.oneLine(e));
    if (System.getenv("DENSEFRACTAL_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return Failures.exitCode(e);
  }

  /** A user-facing single line for any failure. */
  static String oneLine(Throwable e) {
    return Failures.oneLine(e);
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "densefractal " + (v == null ? "dev" : v) + " (DJL 0.36.0, libtorch 2.7.1)"
      };
    }
  }
}
