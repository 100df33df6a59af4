package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
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
      CompareCommand.class,
      BenchCommand.class,
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
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    // A usage error is one line too (what was wrong, where the help is), not the whole usage text.
    cli.setParameterExceptionHandler(
        (e, a) -> {
          CommandLine c = e.getCommandLine();
          c.getErr()
              .println(
                  "error: "
                      + e.getMessage().replace('\n', ' ')
                      + " (see: densefractal "
                      + c.getCommandSpec().qualifiedName(" ").replaceFirst("^densefractal ?", "")
                      + (c.getCommandSpec().parent() == null ? "" : " ")
                      + "--help)");
          c.getErr().flush();
          return c.getCommandSpec().exitCodeOnInvalidInput();
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("error: " + oneLine(e));
          if (System.getenv("DENSEFRACTAL_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
          }
          commandLine.getErr().flush();
          return EXIT_FAILURE;
        });
    return cli.execute(args);
  }

  /** A user-facing single line for any failure. */
  static String oneLine(Throwable e) {
    Throwable t = e;
    if (t instanceof UncheckedIOException u) {
      t = u.getCause();
    }
    String message;
    if (t instanceof DenseFractalException) {
      message = t.getMessage();
    } else if (t instanceof NoSuchFileException) {
      message = "no such file: " + t.getMessage();
    } else if (t instanceof IOException) {
      message = "I/O error: " + t.getMessage();
    } else {
      message =
          t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
    return message.replace('\n', ' ');
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
