package io.densefractal.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.densefractal.analysis.MemoryGuard;
import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code summary MODEL} (per-layer table) and {@code summary --list} (every model). */
@Command(
    name = "summary",
    mixinStandardHelpOptions = true,
    description =
        "Per-layer output shapes, parameters and MACs of a model, or --list of all models.")
final class SummaryCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "MODEL", description = "Model name.")
  String model;

  @Option(names = "--list", description = "List every model with params and MACs.")
  boolean list;

  @Option(names = "--json", description = "Machine-readable output.")
  boolean json;

  @Option(
      names = "--size",
      description = "Square input size (default: the model's own, 224 or 32).")
  Integer size;

  @Mixin ModelShapeArgs shape;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (list == (model != null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give either a MODEL or --list");
    }
    if (list) {
      printList(out);
    } else {
      ModelSpec m = ModelZoo.get(model);
      ModelOptions o = shape.options(m);
      int s0 = size == null ? m.inputSize() : size;
      MemoryGuard.require(
          m, o, s0, 1, MemoryGuard.Work.SUMMARY, "the summary of " + model + " at " + s0 + "x" + s0);
      ModelSummary s = ModelSummary.of(m, o, s0);
      out.print(json ? toJson(s) + "\n" : s.toTable());
    }
    out.flush();
    return 0;
  }

  private void printList(PrintWriter out) {
    JsonArray array = new JsonArray();
    if (!json) {
      out.printf(
          Locale.ROOT,
          "%-20s %-10s %6s %14s %10s  %s%n",
          "name",
          "family",
          "input",
          "params",
          "GMACs",
          "description");
    }
    for (ModelSpec m : ModelZoo.all()) {
      int s = size == null ? m.inputSize() : size;
      if (size != null) {
        MemoryGuard.require(
            m, m.defaults(), s, 1, MemoryGuard.Work.SUMMARY, m.name() + " at " + s + "x" + s);
      }
      ModelSummary summary = ModelSummary.of(m, m.defaults(), s);
      if (json) {
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("family", m.family());
        o.addProperty("params", summary.params());
        o.addProperty("macs", summary.macs());
        o.addProperty("inputSize", s);
        o.addProperty("description", m.description());
        array.add(o);
      } else {
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6d %,14d %10.3f  %s%n",
            m.name(),
            m.family(),
            s,
            summary.params(),
            summary.macs() / 1e9,
            m.description());
      }
    }
    if (json) {
      out.println(new GsonBuilder().setPrettyPrinting().create().toJson(array));
    }
  }

  private static String toJson(ModelSummary s) {
    JsonObject o = new JsonObject();
    o.addProperty("name", s.model());
    o.addProperty("input", s.inputShape().toString());
    o.addProperty("params", s.params());
    o.addProperty("buffers", s.buffers());
    o.addProperty("macs", s.macs());
    o.addProperty("activationBytes", s.activationBytes());
    if (s.memoryEfficientBytes() >= 0) {
      o.addProperty("memoryEfficientBytes", s.memoryEfficientBytes());
    }
    JsonArray layers = new JsonArray();
    s.layers()
        .forEach(
            l -> {
              JsonObject j = new JsonObject();
              j.addProperty("name", l.name());
              j.addProperty("type", l.type());
              j.addProperty("output", l.outputShape().toString());
              j.addProperty("params", l.params());
              j.addProperty("macs", l.macs());
              j.addProperty("savedBytes", l.savedBytes());
              layers.add(j);
            });
    o.add("layers", layers);
    return new GsonBuilder().setPrettyPrinting().create().toJson(o);
  }
}
