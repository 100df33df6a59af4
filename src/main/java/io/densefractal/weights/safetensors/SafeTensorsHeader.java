package io.densefractal.weights.safetensors;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.densefractal.weights.DType;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file: {@code {name: {dtype, shape, data_offsets}}} plus optional
 * {@code __metadata__} (string to string). Parsing validates what the reference implementation
 * does: known dtypes, sizes that match shapes, and offsets that tile the data section exactly.
 */
final class SafeTensorsHeader {
  static final String METADATA_KEY = "__metadata__";

  /** One tensor's header entry; offsets are relative to the start of the data section. */
  record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  private final List<Entry> entries;
  private final Map<String, String> metadata;

  SafeTensorsHeader(List<Entry> entries, Map<String, String> metadata) {
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Entries in header order (which is the state dict order). */
  List<Entry> entries() {
    return entries;
  }

  Map<String, String> metadata() {
    return metadata;
  }

  /** Parses and validates a header for a data section of {@code dataLength} bytes. */
  static SafeTensorsHeader parse(byte[] header, long dataLength) {
    String text = decodeUtf8(header);
    if (text.isEmpty() || text.charAt(0) != '{') {
      throw new WeightsFormatException("safetensors header does not start with '{'");
    }
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    Set<String> names = new HashSet<>();
    try (JsonReader r = new JsonReader(new StringReader(text))) {
      r.setStrictness(Strictness.STRICT);
      r.beginObject();
      while (r.hasNext()) {
        String name = r.nextName();
        if (!names.add(name)) {
          throw new WeightsFormatException("safetensors header names '" + name + "' twice");
        }
        if (name.equals(METADATA_KEY)) {
          readMetadata(r, metadata);
        } else {
          entries.add(readEntry(r, name));
        }
      }
      r.endObject();
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new WeightsFormatException("safetensors header has data after the JSON object");
      }
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new WeightsFormatException(
          "safetensors header is not valid JSON: " + e.getMessage(), e);
    }
    checkOffsets(entries, dataLength);
    return new SafeTensorsHeader(entries, metadata);
  }

  /** Serializes a header; spaces pad it to a multiple of 8 bytes so the data is aligned. */
  static byte[] format(List<Entry> entries, Map<String, String> metadata) {
    StringWriter text = new StringWriter();
    try (JsonWriter w = new JsonWriter(text)) {
      w.setHtmlSafe(false);
      w.beginObject();
      if (!metadata.isEmpty()) {
        w.name(METADATA_KEY).beginObject();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          w.name(e.getKey()).value(e.getValue());
        }
        w.endObject();
      }
      for (Entry e : entries) {
        w.name(e.name()).beginObject();
        w.name("dtype").value(e.dtype().safetensorsName());
        w.name("shape").beginArray();
        for (long d : e.shape()) {
          w.value(d);
        }
        w.endArray();
        w.name("data_offsets").beginArray().value(e.begin()).value(e.end()).endArray();
        w.endObject();
      }
      w.endObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a StringWriter cannot fail", e);
    }
    byte[] json = text.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static void readMetadata(JsonReader r, Map<String, String> metadata) throws IOException {
    if (r.peek() == JsonToken.NULL) {
      r.nextNull();
      return;
    }
    r.beginObject();
    while (r.hasNext()) {
      String key = r.nextName();
      if (r.peek() != JsonToken.STRING) {
        throw new WeightsFormatException(
            "safetensors __metadata__ value for '" + key + "' must be a string");
      }
      metadata.put(key, r.nextString());
    }
    r.endObject();
  }

  private static Entry readEntry(JsonReader r, String name) throws IOException {
    String dtype = null;
    long[] shape = null;
    long[] offsets = null;
    r.beginObject();
    while (r.hasNext()) {
      switch (r.nextName()) {
        case "dtype" -> {
          if (r.peek() != JsonToken.STRING) {
            throw entryError(name, "dtype must be a string");
          }
          dtype = r.nextString();
        }
        case "shape" -> shape = readLongs(r, name, "shape");
        case "data_offsets" -> offsets = readLongs(r, name, "data_offsets");
        default -> r.skipValue(); // unknown fields are ignored, as serde does by default
      }
    }
    r.endObject();
    if (dtype == null || shape == null || offsets == null) {
      throw entryError(name, "needs dtype, shape and data_offsets");
    }
    DType type;
    try {
      type = DType.fromSafetensorsName(dtype);
    } catch (WeightsFormatException e) {
      throw entryError(name, e.getMessage());
    }
    if (offsets.length != 2 || offsets[0] > offsets[1]) {
      throw entryError(name, "data_offsets must be [begin, end] with begin <= end");
    }
    long nbytes;
    try {
      nbytes = Math.multiplyExact(Tensor.numel(shape), type.byteSize());
    } catch (ArithmeticException e) {
      throw entryError(name, "shape " + Arrays.toString(shape) + " overflows");
    } catch (WeightsFormatException e) {
      throw entryError(name, e.getMessage());
    }
    if (offsets[1] - offsets[0] != nbytes) {
      throw entryError(
          name,
          "data_offsets span "
              + (offsets[1] - offsets[0])
              + " bytes but shape "
              + Arrays.toString(shape)
              + " of "
              + type
              + " needs "
              + nbytes);
    }
    return new Entry(name, type, shape, offsets[0], offsets[1]);
  }

  private static long[] readLongs(JsonReader r, String name, String field) throws IOException {
    List<Long> values = new ArrayList<>();
    r.beginArray();
    while (r.hasNext()) {
      if (r.peek() != JsonToken.NUMBER) {
        throw entryError(name, field + " must hold integers");
      }
      long v = r.nextLong();
      if (v < 0) {
        throw entryError(name, field + " holds negative value " + v);
      }
      values.add(v);
    }
    r.endArray();
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  /** Like the reference: sorted by offset, the tensors must cover the data section with no gap. */
  private static void checkOffsets(List<Entry> entries, long dataLength) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    for (Entry e : sorted) {
      if (e.begin() != expected) {
        throw entryError(
            e.name(),
            "data_offsets start at "
                + e.begin()
                + " but the previous tensor ends at "
                + expected
                + " (tensors must not overlap or leave gaps)");
      }
      expected = e.end();
    }
    if (expected != dataLength) {
      throw new WeightsFormatException(
          "safetensors tensors cover "
              + expected
              + " bytes but the data section holds "
              + dataLength
              + "; the file is truncated or corrupt");
    }
  }

  private static String decodeUtf8(byte[] header) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(header))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightsFormatException("safetensors header is not valid UTF-8", e);
    }
  }

  private static WeightsFormatException entryError(String name, String message) {
    return new WeightsFormatException("safetensors tensor '" + name + "': " + message);
  }
}
