package io.densefractal.recompute;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.densefractal.models.Layers;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Per-channel batch statistics of an NCHW float array, bit for bit as libtorch's CPU BatchNorm
 * computes them in training, and a training-mode BatchNorm that takes them instead of computing
 * them.
 *
 * <p>Why: a dense layer's BatchNorm normalises the concatenation of every earlier map of its block,
 * and a map's per-channel statistics are the same for every later layer — yet the kernel recomputes
 * them each time, a scalar double-precision loop over the whole concatenation (the top symbol of a
 * DenseNet-BC step under {@code perf}). The gradient-free first pass of memory-efficient training
 * computes each map's statistics once and normalises with these instead. That pass must reproduce
 * libtorch's training kernel bit for bit (see {@code RecomputingBackward}), so this class
 * replicates libtorch 2.7's arithmetic exactly ({@code
 * batch_norm_cpu_collect_stats_contiguous_impl} and {@code batch_norm_cpu_update_stats_template}):
 *
 * <ul>
 *   <li>mean = (float) (Σ x in double, batch-major then pixel order) / n);
 *   <li>var_sum = (float) Σ in double of the float square of (x − mean) in float;
 *   <li>invstd = (float) (1 / sqrt((double) (var_sum / n in float) + eps)).
 * </ul>
 *
 * <p>The normalisation runs libtorch's own transform through its eval mode with running mean 0,
 * running variance v (fl(1/√(v + eps)) = 1 exactly), weight α = invstd·γ and bias β − mean·α (fused
 * multiply-add, as the kernel computes it): the kernel then computes x·α + bias with the same
 * vector code as in training. {@code BatchStatisticsTest} checks the output equals the training
 * kernel's bit for bit; it is the guard if the native library changes.
 *
 * <p>Requirements: float32 on the CPU, NCHW contiguous (libtorch's channels-last path computes its
 * statistics differently).
 */
public record BatchStatistics(float[] mean, float[] invStd) {
  /**
   * Channels whose sums run side by side (the double additions' latency hides behind the others).
   */
  private static final int LANES = 4;

  /**
   * A running variance v with fl(1 / √(fl(v + eps))) = 1 in float, the eval kernel's arithmetic.
   */
  private static final float UNIT_INV_STD_VARIANCE = unitInvStdVariance(Layers.BATCH_NORM_EPSILON);

  /** Whether {@code x} is an array whose statistics this class reproduces exactly. */
  public static boolean supports(NDArray x) {
    return x.getDataType() == DataType.FLOAT32
        && x.getShape().dimension() == 4
        && x.getDevice().getDeviceType().equals(Device.Type.CPU);
  }

  /** The statistics of each channel of {@code x} (N, C, H, W), as the training kernel has them. */
  public static BatchStatistics of(NDArray x) {
    if (!supports(x)) {
      throw new IllegalArgumentException(
          "batch statistics need a 4-D float32 CPU array, got "
              + x.getDataType()
              + " "
              + x.getShape()
              + " on "
              + x.getDevice());
    }
    Shape s = x.getShape();
    int batch = Math.toIntExact(s.get(0));
    int channels = Math.toIntExact(s.get(1));
    int pixels = Math.toIntExact(s.get(2) * s.get(3));
    long n = (long) batch * pixels;
    // The tensor's own memory when it is contiguous (a copy otherwise): no garbage on the heap.
    FloatBuffer data = x.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    float[] mean = new float[channels];
    float[] invStd = new float[channels];
    // Blocks of LANES channels, summed side by side (independent chains, each in the kernel's
    // order), one block per task.
    int blocks = (channels + LANES - 1) / LANES;
    IntStream.range(0, blocks)
        .parallel()
        .forEach(
            block -> {
              int first = block * LANES;
              int lanes = Math.min(LANES, channels - first);
              // A missing lane re-reads the block's first channel; its sums are discarded.
              int[] lane = new int[LANES];
              for (int l = 0; l < LANES; l++) {
                lane[l] = (l < lanes ? l : 0) * pixels;
              }
              double[] sums = blockSums(data, batch, channels, pixels, first, lane, null);
              float[] blockMean = new float[LANES];
              for (int l = 0; l < lanes; l++) {
                blockMean[l] = (float) (sums[l] / n);
                mean[first + l] = blockMean[l];
              }
              for (int l = lanes; l < LANES; l++) {
                blockMean[l] = blockMean[0];
              }
              double[] squares = blockSums(data, batch, channels, pixels, first, lane, blockMean);
              for (int l = 0; l < lanes; l++) {
                float variance = (float) squares[l] / (float) n;
                invStd[first + l] =
                    (float)
                        (1.0 / Math.sqrt((double) variance + (double) Layers.BATCH_NORM_EPSILON));
              }
            });
    return new BatchStatistics(mean, invStd);
  }

  /** The statistics of the channel concatenation of arrays with these statistics. */
  public static BatchStatistics concat(List<BatchStatistics> parts) {
    int channels = parts.stream().mapToInt(p -> p.mean.length).sum();
    float[] mean = new float[channels];
    float[] invStd = new float[channels];
    int at = 0;
    for (BatchStatistics p : parts) {
      System.arraycopy(p.mean, 0, mean, at, p.mean.length);
      System.arraycopy(p.invStd, 0, invStd, at, p.invStd.length);
      at += p.mean.length;
    }
    return new BatchStatistics(mean, invStd);
  }

  public int channels() {
    return mean.length;
  }

  /**
   * What {@code batchNorm}'s training-mode forward outputs for {@code x}, whose channels have these
   * statistics (see {@link #normalize(NDArray, NDArray, NDArray)}).
   */
  public NDArray normalize(ParameterStore parameterStore, Block batchNorm, NDArray x) {
    Device device = x.getDevice();
    return normalize(
        x,
        parameterStore.getValue(batchNorm.getParameters().get("gamma"), device, true),
        parameterStore.getValue(batchNorm.getParameters().get("beta"), device, true));
  }

  /**
   * What a training-mode BatchNorm with weight {@code gamma} and bias {@code beta} outputs for
   * {@code x}, whose channels have these statistics — without computing them, and without touching
   * any running statistics. No graph is recorded for the statistics: use it where no gradient is
   * taken.
   */
  public NDArray normalize(NDArray x, NDArray gamma, NDArray beta) {
    if (!supports(x) || x.getShape().get(1) != channels()) {
      throw new IllegalArgumentException(
          "statistics of " + channels() + " channels for an input of shape " + x.getShape());
    }
    float[] weight = gamma.toFloatArray();
    float[] bias = beta.toFloatArray();
    float[] alpha = new float[channels()];
    float[] shift = new float[channels()];
    for (int c = 0; c < alpha.length; c++) {
      alpha[c] = invStd[c] * weight[c];
      shift[c] = (float) Math.fma(-mean[c], alpha[c], bias[c]);
    }
    NDManager manager = x.getManager();
    try (NDManager scope = manager.newSubManager()) {
      Shape perChannel = new Shape(alpha.length);
      NDArray out =
          BatchNorm.batchNorm(
                  x,
                  scope.zeros(perChannel),
                  scope.full(perChannel, UNIT_INV_STD_VARIANCE),
                  scope.create(alpha),
                  scope.create(shift),
                  1,
                  Layers.BATCH_NORM_MOMENTUM,
                  Layers.BATCH_NORM_EPSILON,
                  false)
              .singletonOrThrow();
      out.attach(manager);
      return out;
    }
  }

  /**
   * For LANES channels from {@code first} (lane offsets {@code lane}): Σ x in double, or with
   * {@code centre} Σ of the float square of (x − centre) in float, each over batch then pixels.
   */
  private static double[] blockSums(
      FloatBuffer data,
      int batch,
      int channels,
      int pixels,
      int first,
      int[] lane,
      float[] centre) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    for (int b = 0; b < batch; b++) {
      int base = (b * channels + first) * pixels;
      int p0 = base + lane[0];
      int p1 = base + lane[1];
      int p2 = base + lane[2];
      int p3 = base + lane[3];
      if (centre == null) {
        for (int i = 0; i < pixels; i++) {
          s0 += data.get(p0 + i);
          s1 += data.get(p1 + i);
          s2 += data.get(p2 + i);
          s3 += data.get(p3 + i);
        }
      } else {
        float m0 = centre[0];
        float m1 = centre[1];
        float m2 = centre[2];
        float m3 = centre[3];
        for (int i = 0; i < pixels; i++) {
          float d0 = data.get(p0 + i) - m0;
          float d1 = data.get(p1 + i) - m1;
          float d2 = data.get(p2 + i) - m2;
          float d3 = data.get(p3 + i) - m3;
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
      }
    }
    return new double[] {s0, s1, s2, s3};
  }

  private static float unitInvStdVariance(float eps) {
    float v = 1f - eps;
    while (1f / (float) Math.sqrt(v + eps) != 1f) {
      v = Math.nextUp(v);
    }
    return v;
  }
}
