package io.densefractal.weights;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An ordered map of torch-style keys ({@code layer1.0.conv1.weight}) to tensors, plus string
 * metadata (safetensors {@code __metadata__}: model name, config). Keeps insertion order, as torch
 * does.
 */
public final class StateDict {
  private final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
  private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();

  public StateDict put(String key, Tensor tensor) {
    tensors.put(key, tensor);
    return this;
  }

  public Tensor get(String key) {
    return tensors.get(key);
  }

  public boolean containsKey(String key) {
    return tensors.containsKey(key);
  }

  public Set<String> keys() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  public Map<String, Tensor> tensors() {
    return Collections.unmodifiableMap(tensors);
  }

  public int size() {
    return tensors.size();
  }

  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  public StateDict putMetadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Total number of elements over all tensors. */
  public long numel() {
    long n = 0;
    for (Tensor t : tensors.values()) {
      n += t.numel();
    }
    return n;
  }
}
