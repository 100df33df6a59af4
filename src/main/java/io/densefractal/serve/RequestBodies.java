package io.densefractal.serve;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Request bodies read within the size limit: a larger one is a 413, never an allocation. */
final class RequestBodies {
  private static final long MAX_DRAINED_BYTES = 64L << 20;

  private final long maxBodyBytes;

  RequestBodies(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The image: the raw body, or the first file of a multipart form. */
  byte[] imageBytes(Context ctx) {
    if (ctx.isMultipartFormData()) {
      checkLength(ctx);
      List<UploadedFile> files;
      try {
        files = ctx.uploadedFiles();
      } catch (RuntimeException e) {
        throw new ApiError(400, "bad_multipart", "cannot read the multipart form: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
      }
      if (files.isEmpty()) {
        throw new ApiError(400, "bad_multipart", "the multipart form has no file; send the image as a file field");
      }
      try (InputStream in = files.get(0).content()) {
        return limited(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return body(ctx);
  }

  /** The request body, refusing more than the limit without reading it all. */
  byte[] body(Context ctx) {
    checkLength(ctx);
    try (InputStream in = ctx.req().getInputStream()) {
      return limited(in);
    } catch (IOException e) {
      throw new ApiError(400, "bad_body", "cannot read the request body: " + e.getMessage(), e);
    }
  }

  private void checkLength(Context ctx) {
    long length = ctx.req().getContentLengthLong();
    if (length > maxBodyBytes) {
      drain(ctx, length);
      throw tooLarge(length);
    }
  }

  /**
   * Reads and discards a too-large body before the 413 is sent, when it is not huge: a connection
   * closed on unread data is reset, and the reset can discard the answer on the client's side (seen
   * with Java's HttpClient on a fast loopback). A larger claim is not read; its client may then see
   * the connection close instead of the 413.
   */
  private static void drain(Context ctx, long length) {
    if (length > MAX_DRAINED_BYTES) {
      return;
    }
    try (InputStream in = ctx.req().getInputStream()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // The client went away: nothing left to answer.
    }
  }

  private byte[] limited(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
    if (bytes.length > maxBodyBytes) {
      throw tooLarge(-1);
    }
    return bytes;
  }

  private ApiError tooLarge(long length) {
    return new ApiError(
        413,
        "body_too_large",
        "the body is larger than the limit of " + maxBodyBytes + " bytes" + (length > 0 ? " (" + length + ")" : "") + "; send a smaller image or raise --max-body-mb");
  }
}
