package io.densefractal.models;

import io.densefractal.UsageException;

/**
 * A model or run configuration is invalid (growth rate 0, unknown model name, ...): a usage error,
 * since every such value comes from the user.
 */
public class ConfigException extends UsageException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
