package io.densefractal.weights;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.densefractal.testing.PythonReference;
import io.densefractal.weights.pth.PthReader;
import io.densefractal.weights.pth.PthWriter;
import io.densefractal.weights.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks our writers against the reference readers: {@code torch.load(weights_only=True)} for
 * .pth and an independent spec-level Python reader for .safetensors. Skips loudly without
 * python3+torch, unless DENSEFRACTAL_PARITY=required, where a missing Python is a failure.
 */
class PythonParityTest {
  private static final String DUMP_SCRIPT =
      """
      import json, struct, sys
      import torch

      NAMES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
               torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
               torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}
      ST = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16",
            "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
            "BOOL": "bool"}

      def describe(t):
          raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
          return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "hex": raw.hex()}

      def read_pth(path):
          sd = torch.load(path, weights_only=True)
          return {"keys": list(sd.keys()), "tensors": {k: describe(v) for k, v in sd.items()}}

      def read_safetensors(path):
          # An independent reader of the format spec, with the reference implementation's checks.
          with open(path, "rb") as f:
              data = f.read()
          (n,) = struct.unpack("<Q", data[:8])
          assert n % 8 == 0, "header not padded to 8 bytes"
          header = json.loads(data[8:8 + n].decode("utf-8"))
          body = data[8 + n:]
          meta = header.pop("__metadata__", {})
          end = 0
          for k, v in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
              b, e = v["data_offsets"]
              assert b == end, "gap or overlap at " + k
              end = e
          assert end == len(body), "data section size mismatch"
          tensors = {}
          for k, v in header.items():
              b, e = v["data_offsets"]
              numel = 1
              for d in v["shape"]:
                  numel *= d
              dtype = getattr(torch, ST[v["dtype"]])
              t = torch.tensor(list(body[b:e]), dtype=torch.uint8).view(dtype)
              t = t.reshape(v["shape"])
              assert t.numel() == numel
              tensors[k] = describe(t)
          return {"keys": list(header.keys()), "tensors": tensors, "metadata": meta}

      kind, path = sys.argv[1], sys.argv[2]
      print(json.dumps(read_pth(path) if kind == "pth" else read_safetensors(path)))
      """;

  @TempDir Path dir;

  @BeforeEach
  void requirePythonWithTorch() {
    // Skips loudly without torch, fails under DENSEFRACTAL_PARITY=required (as CI sets).
    PythonReference.assumeAvailable();
  }

  @Test
  void torchLoadsOurPthWithWeightsOnly() throws IOException {
    StateDict sd = Fixtures.allDtypes();
    Path file = dir.resolve("ours.pth");
    PthWriter.write(sd, file);
    assertMatches(dump("pth", file), sd);
  }

  @Test
  void torchLoadsOurRewriteOfATorchFile() throws IOException {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_legacy.pth"));
    Path file = dir.resolve("rewritten.pth");
    PthWriter.write(sd, file);
    assertMatches(dump("pth", file), sd);
  }

  @Test
  void specReaderReadsOurSafetensors() throws IOException {
    StateDict sd = Fixtures.allDtypes().putMetadata("format", "pt").putMetadata("note", "ü <&>");
    Path file = dir.resolve("ours.safetensors");
    SafeTensors.write(sd, file);
    JsonObject result = dump("safetensors", file);
    assertMatches(result, sd);
    Map<String, String> metadata = new java.util.LinkedHashMap<>();
    result
        .getAsJsonObject("metadata")
        .entrySet()
        .forEach(e -> metadata.put(e.getKey(), e.getValue().getAsString()));
    assertThat(metadata).containsExactlyInAnyOrderEntriesOf(sd.metadata());
  }

  private static JsonObject dump(String kind, Path file) throws IOException {
    PythonRunner.Result r = PythonRunner.run(DUMP_SCRIPT, kind, file.toString());
    assertThat(r.exitCode()).as("python failed:\n" + r.stderr()).isZero();
    return JsonParser.parseString(r.stdout()).getAsJsonObject();
  }

  private static void assertMatches(JsonObject result, StateDict sd) {
    List<String> keys = new ArrayList<>();
    result.getAsJsonArray("keys").forEach(k -> keys.add(k.getAsString()));
    assertThat(keys).containsExactlyElementsOf(sd.keys());
    for (Map.Entry<String, JsonElement> e : result.getAsJsonObject("tensors").entrySet()) {
      JsonObject t = e.getValue().getAsJsonObject();
      List<Long> shape = new ArrayList<>();
      t.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsLong()));
      Fixtures.assertTensor(
          e.getKey(),
          sd.get(e.getKey()),
          new Fixtures.Expected(
              t.get("dtype").getAsString(),
              shape.stream().mapToLong(Long::longValue).toArray(),
              HexFormat.of().parseHex(t.get("hex").getAsString())));
    }
  }
}
