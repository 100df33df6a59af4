package io.densefractal.models;

import io.densefractal.DenseFractalException;

/** A model configuration is invalid (growth rate 0, unknown model name, ...). */
public class ConfigException extends DenseFractalException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
