package io.densefractal.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bad-input suite's tables: each row is a command, a flag (or a file slot) and the bad values
 * it is tried with, expanded into cases. Placeholders in braces are fixture paths ({@code {x}},
 * {@code {run}}, ...) and {@code {out}}, a fresh folder per case that must stay empty.
 */
final class BadInputCases {
  static final int USAGE = 2;
  static final int FAILURE = 1;

  /** One case: what is promised (exit code, a fragment of the one line) for these arguments. */
  record Case(String kind, String name, int code, String message, List<String> args, String lock) {
    Case(String kind, String name, int code, String message, List<String> args) {
      this(kind, name, code, message, args, null);
    }
  }

  private BadInputCases() {}

  // Valid invocations: a case changes one flag of one of these.
  private static Map<String, String> base(String command) {
    Map<String, String> m = new LinkedHashMap<>();
    switch (command) {
      case "bench" -> m.put("-m", "resnet20_cifar");
      case "summary" -> m.put("", "resnet20_cifar");
      case "infer" -> {
        m.put("-m", "resnet20_cifar");
        m.put("--input", "{x3}");
        m.put("--output", "{out}/y.npy");
      }
      case "predict" -> {
        m.put("--run", "{run}");
        m.put("", "{png}");
      }
      case "eval" -> {
        m.put("--run", "{run}");
        m.put("--confusion", "{out}/c.png");
      }
      case "train" -> {
        m.put("-m", "resnet20_cifar");
        m.put("--data", "demo");
        m.put("--limit-train", "64");
        m.put("--limit-test", "32");
        m.put("--out", "{out}/run");
      }
      case "compare" -> {
        m.put("--models", "resnet20_cifar");
        m.put("--data", "demo");
        m.put("--epochs", "1");
        m.put("--limit-train", "64");
        m.put("--limit-test", "32");
        m.put("--out", "{out}/cmp");
      }
      case "import" -> {
        m.put("-m", "resnet20_cifar");
        m.put("--in-channels", "1");
        m.put("--from", "{pth}");
        m.put("--to", "{out}/w.safetensors");
      }
      case "export" -> {
        m.put("-m", "resnet20_cifar");
        m.put("--in-channels", "1");
        m.put("--weights", "{safetensors}");
        m.put("--to", "{out}/w.pth");
      }
      case "serve" -> m.put("--run", "{run}");
      case "embed" -> {
        m.put("--run", "{run}");
        m.put("--input", "{x3}");
        m.put("--output", "{out}/e.npy");
      }
      default -> throw new IllegalArgumentException(command);
    }
    return m;
  }

  private static List<String> args(String command, Map<String, String> flags) {
    List<String> a = new ArrayList<>(List.of(command));
    for (Map.Entry<String, String> e : flags.entrySet()) {
      if (e.getKey().isEmpty()) {
        a.add(e.getValue());
      } else if (e.getValue() == null) {
        a.add(e.getKey());
      } else {
        a.add(e.getKey());
        a.add(e.getValue());
      }
    }
    return a;
  }

  /** {@code command}'s valid invocation with {@code flag} set to {@code value}. */
  static List<String> with(String command, String flag, String value) {
    Map<String, String> m = base(command);
    m.put(flag, value);
    return args(command, m);
  }

  // command, flag, bad values: usage errors (exit 2)
  private static final Object[][] FLAG_VALUES = {
    {"bench", "--batch", "0", "-1", "-2147483648", "2147483648", "abc", "1.5", ""},
    {"bench", "--size", "0", "-5", "abc"},
    {"bench", "--iters", "0", "-1"},
    {"bench", "--warmup", "-1", "x"},
    {"bench", "--threads", "0", "-2", "many"},
    {"bench", "--num-classes", "0", "-1"},
    {"bench", "--in-channels", "0", "-1"},
    {"bench", "--tail-budget", "-1", "NaN", "abc"},
    {"bench", "--mode", "sideways", "", "TRAIN"},
    {"bench", "--memory-format", "sideways", ""},
    {"bench", "--recompute", "sometimes"},
    {"bench", "--column", "0", "99", "-1"},
    {"summary", "--size", "0", "-1", "abc", "2147483648"},
    {"summary", "--num-classes", "0", "-1", "x"},
    {"summary", "--in-channels", "0", "-1", "x"},
    {"infer", "--top", "-1", "-3", "abc"},
    {"infer", "--num-classes", "0", "-1"},
    {"infer", "--in-channels", "0", "-1"},
    {"infer", "--column", "0", "99"},
    {"infer", "--threads", "0", "-1"},
    {"infer", "--seed", "abc"},
    {"infer", "--engine", "tensorflow", ""},
    {"predict", "--top", "0", "-3", "abc"},
    {"predict", "--column", "0", "2"},
    {"predict", "--threads", "0"},
    {"eval", "--recalibrate-bn", "0", "-1", "abc"},
    {"eval", "--column", "0", "5"},
    {"eval", "--threads", "0"},
    {"train", "--epochs", "0", "-3", "abc"},
    {"train", "--lr", "0", "-0.1", "NaN", "Infinity", "abc"},
    {"train", "--batch-size", "0", "1", "-1"},
    {"train", "--wd", "-1", "NaN"},
    {"train", "--momentum", "-0.1", "1", "1.5", "NaN"},
    {"train", "--warmup", "-1", "1000"},
    {"train", "--label-smoothing", "-0.1", "1", "NaN"},
    {"train", "--image-size", "-1"},
    {"train", "--limit-train", "-1", "1"},
    {"train", "--limit-test", "-1"},
    {"train", "--val-fraction", "0", "1", "-0.5", "NaN"},
    {"train", "--schedule", "sideways", ""},
    {"train", "--recipe", "adam", ""},
    {"train", "--memory-format", "sideways"},
    {"train", "--seed", "abc"},
    {"compare", "--epochs", "0", "-1"},
    {"compare", "--bench-iters", "0"},
    {"compare", "--limit-train", "-1"},
    {"compare", "--image-size", "-1"},
    {"compare", "--models", "resnet20_cifar,nosuch", "resnet20_cifar,resnet20_cifar", ""},
    {"compare", "--recipe", "adam"},
    {"import", "--num-classes", "0"},
    {"import", "--in-channels", "-1"},
    {"export", "--num-classes", "-5"},
    // Only values refused before the server starts listening belong here.
    {"serve", "--port", "-1", "65536", "abc"},
    {"serve", "--max-batch", "0", "2000"},
    {"serve", "--queue", "0"},
    {"serve", "--max-delay-ms", "-1"},
    {"serve", "--drain-ms", "-1"},
    {"serve", "--max-pixels", "0"},
    {"serve", "--timeout-ms", "0", "-5"},
    {"serve", "--max-body-mb", "0"},
    {"serve", "--name", "bad name!"},
    {"serve", "-m", "resnet20_cifar"},
    {"embed", "--batch", "0", "-1"},
    {"embed", "--engine", "bogus"},
    {"embed", "-m", "resnet20_cifar"},
    {"predict", "-m", "resnet20_cifar"},
  };

  // Model names no command may accept: usage errors.
  private static final String[] BAD_MODELS = {
    "nosuch", "", "@/etc/passwd", "../../etc/passwd", "densenet_bc0_k12", "densenet_bc22_k0",
    "fractalnet0"
  };
  private static final String[][] MODEL_SLOTS = {
    {"summary", ""}, {"bench", "-m"}, {"infer", "-m"}, {"import", "-m"}, {"export", "-m"},
    {"train", "-m"}, {"compare", "--models"}
  };

  // Damaged or absent input files, by kind: {placeholder, description}
  private static final String[][] BAD_FILES = {
    {"{missing}", "missing file"},
    {"{empty}", "empty file"},
    {"{dir}", "a directory"},
    {"{garbage}", "text, not the format"},
    {"/dev/null", "a device"},
  };
  // command, flag of a weights file
  private static final String[][] WEIGHT_SLOTS = {
    {"infer", "--weights"}, {"import", "--from"}, {"export", "--weights"}, {"train", "--weights"}
  };
  private static final String[] DAMAGED_WEIGHTS = {"{halfpth}", "{halfsafetensors}", "{x3}"};

  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    for (Object[] row : FLAG_VALUES) {
      String command = (String) row[0];
      String flag = (String) row[1];
      for (int i = 2; i < row.length; i++) {
        String v = (String) row[i];
        cases.add(
            new Case(
                "flag value",
                command + " " + flag + " '" + v + "'",
                USAGE,
                "",
                with(command, flag, v)));
      }
    }
    for (String[] slot : MODEL_SLOTS) {
      for (String model : BAD_MODELS) {
        cases.add(
            new Case(
                "model name",
                slot[0] + " " + slot[1] + " '" + model + "'",
                USAGE,
                "",
                with(slot[0], slot[1], model)));
      }
    }
    for (String[] slot : WEIGHT_SLOTS) {
      for (String[] file : BAD_FILES) {
        cases.add(
            new Case(
                "input file",
                slot[0] + " " + slot[1] + " " + file[1],
                FAILURE,
                "",
                with(slot[0], slot[1], file[0])));
      }
      for (String damaged : DAMAGED_WEIGHTS) {
        cases.add(
            new Case(
                "input file",
                slot[0] + " " + slot[1] + " " + damaged,
                FAILURE,
                "",
                with(slot[0], slot[1], damaged)));
      }
    }
    String[] npys = {
      "{halfnpy}", "{bigheader}", "{nan}", "{inf}", "{ninf}", "{int}", "{dims5}", "{zero}", "{x1}"
    };
    for (String[] file : BAD_FILES) {
      cases.add(
          new Case(
              "input file",
              "infer --input " + file[1],
              FAILURE,
              "",
              with("infer", "--input", file[0])));
    }
    for (String npy : npys) {
      cases.add(
          new Case(
              "input array",
              "infer --input " + npy,
              FAILURE,
              npy.equals("{nan}") || npy.contains("inf") ? "NaN or infinite" : "",
              with("infer", "--input", npy)));
    }
    String[] images = {
      "{missing}", "{empty}", "{dir}", "{garbage}", "/dev/null", "{halfpng}", "{halfjpg}",
      "{hugepng}", "{ycck}"
    };
    for (String image : images) {
      cases.add(
          new Case(
              "image",
              "predict " + image,
              FAILURE,
              image.contains("half") ? "truncated" : image.contains("huge") ? "pixels" : "",
              with("predict", "", image)));
    }
    for (String[] file : BAD_FILES) {
      cases.add(
          new Case(
              "run directory",
              "eval --run " + file[1],
              FAILURE,
              "",
              with("eval", "--run", file[0])));
      List<String> resume = List.of("train", "--resume", file[0]);
      cases.add(new Case("run directory", "train --resume " + file[1], FAILURE, "", resume));
    }
    outputs(cases);
    quantize(cases);
    runs(cases);
    memory(cases);
    picocli(cases);
    return cases;
  }

  /** Outputs that would destroy an input, or cannot be written: refused before any work. */
  private static void outputs(List<Case> cases) {
    String[][] infer = {
      {"{x3}", "the input itself"},
      {"{x3link}", "a hard link to the input"},
      {"{x3sym}", "a symbolic link to the input"},
      {"{fx}/../fx/x3.npy", "the input by another path"},
      {"{dir}", "a directory"},
      {"{out}/no/such/y.npy", "a missing folder"},
      {"/dev/full", "a device"},
      {"/proc/y.npy", "an unwritable folder"},
    };
    for (String[] o : infer) {
      cases.add(
          new Case("output path", "infer --output " + o[1], USAGE, "", with("infer", "--output", o[0])));
    }
    Map<String, String> weightsOut = base("infer");
    weightsOut.put("--in-channels", "1");
    weightsOut.put("--input", "{x1}");
    weightsOut.put("--weights", "{pth}");
    weightsOut.put("--output", "{pth}");
    cases.add(
        new Case("output path", "infer --output the weights", USAGE, "input", args("infer", weightsOut)));
    String[][] conversions = {
      {"import", "--to", "{pth}"},
      {"import", "--to", "{pthlink}"},
      {"import", "--to", "{dir}"},
      {"import", "--to", "{out}/no/such/w.safetensors"},
      {"export", "--to", "{safetensors}"},
      {"export", "--to", "{safetensorssym}"},
      {"export", "--to", "{dir}"},
      {"export", "--to", "/dev/null"},
    };
    for (String[] c : conversions) {
      cases.add(
          new Case("output path", c[0] + " " + c[1] + " " + c[2], USAGE, "", with(c[0], c[1], c[2])));
    }
    String[] runFiles = {
      "{run}/checkpoint-best.safetensors",
      "{run}/checkpoint-last.safetensors",
      "{run}/metrics.csv",
      "{run}/state.json",
      "{run}/steps.csv",
      "{bestlink}",
      "{run}",
      "{out}/no/such/c.png",
    };
    String[][] embed = {
      {"--output", "{x3}"},
      {"--output", "{x3link}"},
      {"--output", "{run}/checkpoint-best.safetensors"},
      {"--output", "{dir}"},
      {"--csv", "{x3}"},
      {"--csv", "{run}/metrics.csv"},
    };
    for (String[] e : embed) {
      cases.add(
          new Case("output path", "embed " + e[0] + " " + e[1], USAGE, "", with("embed", e[0], e[1])));
    }
    for (String f : runFiles) {
      cases.add(new Case("output path", "eval --confusion " + f, USAGE, "", with("eval", "--confusion", f)));
      Map<String, String> last = base("eval");
      last.put("--last", null);
      last.put("--confusion", f);
      cases.add(new Case("output path", "eval --last --confusion " + f, USAGE, "", args("eval", last)));
    }
  }

  /**
   * int8 export: calibration data the model cannot read, too few images, a target that is not
   * ONNX. Refused before any file is written, and an existing target is left as it was.
   */
  private static void quantize(List<Case> cases) {
    Map<String, String> onnx = new LinkedHashMap<>();
    onnx.put("--weights", "{pth}");
    onnx.put("-m", "resnet20_cifar");
    onnx.put("--data", "fashion-mnist");
    onnx.put("--quantize", "int8");
    String[][] bad = {
      // --to, --calibration-data, --calibration-images, --calibration-method, message
      {"{out}/q.onnx", "{imgs}", null, null, "3-channel images"},
      {"{keep}", "{imgs}", null, null, "3-channel images"},
      {"{keep}", "demo", "20000", null, "fewer than --calibration-images 20000"},
      {"{out}/q.onnx", "demo", "0", null, "--calibration-images must be at least 1"},
      {"{keep}", null, null, null, "needs --calibration-data"},
      {"{keep}", "demo", null, "entropy", "--calibration-method"},
    };
    for (String[] b : bad) {
      Map<String, String> m = new LinkedHashMap<>(onnx);
      m.put("--to", b[0]);
      String name = "export --quantize int8 --to " + b[0];
      String[] flags = {"--calibration-data", "--calibration-images", "--calibration-method"};
      for (int i = 0; i < flags.length; i++) {
        if (b[i + 1] != null) {
          m.put(flags[i], b[i + 1]);
          name += " " + flags[i] + " " + b[i + 1];
        }
      }
      cases.add(new Case("quantize", name, USAGE, b[4], args("export", m)));
    }
    Map<String, String> pth = base("export");
    pth.put("--quantize", "int8");
    pth.put("--calibration-data", "demo");
    cases.add(
        new Case(
            "quantize",
            "export --quantize int8 --to a .pth",
            USAGE,
            "--quantize is for ONNX export",
            args("export", pth)));
  }

  /** Run directories: one process at a time, never over another run, never inside the data. */
  private static void runs(List<Case> cases) {
    cases.add(
        new Case("run directory", "train --out an existing run", FAILURE, "already holds a run",
            with("train", "--out", "{run}")));
    cases.add(
        new Case("run directory", "train --out a file", USAGE, "is a file",
            with("train", "--out", "{garbage}")));
    Map<String, String> inside = base("train");
    inside.put("--data", "{imgs}");
    inside.put("--out", "{imgs}/runs");
    cases.add(new Case("run directory", "train --out inside the image folder", USAGE, "inside",
        args("train", inside)));
    cases.add(
        new Case("run directory", "train --resume a finished run", FAILURE, "finished",
            List.of("train", "--resume", "{run}")));
    cases.add(
        new Case("run directory", "train --resume with -m", USAGE, "--resume",
            List.of("train", "--resume", "{run}", "-m", "resnet20_cifar")));
    cases.add(
        new Case("run directory", "train --resume a run being trained", FAILURE, "in use",
            List.of("train", "--resume", "{run}", "--epochs", "2"), "{run}"));
    cases.add(
        new Case("run directory", "train --out a directory being trained in", FAILURE, "in use",
            with("train", "--out", "{busy}"), "{busy}"));
    Map<String, String> both = base("train");
    both.put("--pretrained", null);
    both.put("--weights", "{pth}");
    cases.add(new Case("run directory", "train --pretrained --weights", USAGE, "not both",
        args("train", both)));
    Map<String, String> resnetEfficient = base("train");
    resnetEfficient.put("--memory-efficient", null);
    cases.add(new Case("flag value", "train --memory-efficient on a ResNet", USAGE,
        "memory-efficient", args("train", resnetEfficient)));
    Map<String, String> benchEfficient = base("bench");
    benchEfficient.put("--memory-efficient", null);
    cases.add(new Case("flag value", "bench --memory-efficient on a ResNet", USAGE,
        "memory-efficient", args("bench", benchEfficient)));
    Map<String, String> fold = base("bench");
    fold.put("--fold-bn", null);
    cases.add(new Case("flag value", "bench --fold-bn in train mode", USAGE, "fold-bn",
        args("bench", fold)));
    Map<String, String> versus = base("bench");
    versus.put("--versus-standard", null);
    cases.add(new Case("flag value", "bench --versus-standard alone", USAGE, "memory-efficient",
        args("bench", versus)));
  }

  /** Requests larger than the machine: refused with the estimate, before any allocation. */
  private static void memory(List<Case> cases) {
    String[][] big = {
      {"bench", "--batch", "2147483647"},
      {"bench", "--batch", "100000000"},
      {"bench", "--size", "100000"},
      {"bench", "--num-classes", "2000000000"},
      {"bench", "--in-channels", "100000000"},
      {"summary", "--size", "1000000"},
      {"summary", "--in-channels", "100000000"},
      {"summary", "--num-classes", "2000000000"},
      {"infer", "--num-classes", "2000000000"},
      {"train", "--image-size", "100000"},
      {"train", "--batch-size", "100000000"},
    };
    for (String[] b : big) {
      cases.add(
          new Case("memory", b[0] + " " + b[1] + " " + b[2], USAGE, "needs about",
              with(b[0], b[1], b[2])));
    }
    Map<String, String> r50 = base("bench");
    r50.put("-m", "resnet50");
    r50.put("--mode", "infer");
    r50.put("--batch", "100000");
    cases.add(new Case("memory", "bench resnet50 infer --batch 100000", USAGE, "needs about",
        args("bench", r50)));
    cases.add(new Case("memory", "summary --list --size 100000", USAGE, "needs about",
        List.of("summary", "--list", "--size", "100000")));
  }

  /** Picocli's own checks, and @file arguments, for every command. */
  private static void picocli(List<Case> cases) {
    String[] commands = {
      "bench", "summary", "infer", "predict", "eval", "train", "compare", "import", "export",
      "serve", "embed"
    };
    for (String c : commands) {
      List<String> unknown = new ArrayList<>(with(c, "--no-such-flag", null));
      cases.add(new Case("picocli", c + " --no-such-flag", USAGE, "no-such-flag", unknown));
      List<String> at = new ArrayList<>(args(c, base(c)));
      at.add("@/etc/passwd");
      // An image list takes it as a (missing) image; elsewhere it is one argument too many.
      int code = c.equals("predict") ? FAILURE : USAGE;
      cases.add(new Case("picocli", c + " @/etc/passwd (not expanded)", code, "", at));
    }
    String[][] missing = {
      {"infer", "--model", "resnet18"},
      {"import", "--model", "resnet18"},
      {"export", "--model", "resnet18"},
      {"eval"},
      {"predict", "--run", "{run}"},
      {"compare", "--data", "demo"},
      {"bench"},
      {"summary"},
      {"train", "--data", "demo"},
      {"no-such-command"},
    };
    for (String[] m : missing) {
      cases.add(new Case("picocli", String.join(" ", m) + " (incomplete)", USAGE, "", List.of(m)));
    }
  }
}
