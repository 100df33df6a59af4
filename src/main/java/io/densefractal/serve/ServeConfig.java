package io.densefractal.serve;

import io.densefractal.DenseFractalException;
import java.util.List;

/**
 * A server's settings.
 *
 * @param host the address to listen on (127.0.0.1 keeps it local)
 * @param port the port, 0 for any free one
 * @param models the models to serve (names unique)
 * @param maxBodyBytes largest request body accepted (413 beyond)
 * @param maxPixels largest image (width × height in its header) decoded; larger ones are refused
 *     before decoding
 * @param timeoutMs how long a request waits for its answer before a 504
 * @param drainMs on shutdown, how long queued requests get to finish
 */
public record ServeConfig(
    String host,
    int port,
    List<ModelConfig> models,
    long maxBodyBytes,
    long maxPixels,
    long timeoutMs,
    long drainMs) {

  public ServeConfig {
    models = List.copyOf(models);
    if (models.isEmpty()) {
      throw new DenseFractalException("serve needs at least one model");
    }
    if (port < 0 || port > 65535) {
      throw new DenseFractalException("port must be 0-65535, got " + port);
    }
    if (maxBodyBytes < 1 || maxPixels < 1 || timeoutMs < 1 || drainMs < 0) {
      throw new DenseFractalException("body limit, pixel limit and timeout must be positive");
    }
  }
}
