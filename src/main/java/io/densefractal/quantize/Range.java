package io.densefractal.quantize;

/** The float interval an activation tensor is quantized over (min ≤ max, both finite). */
record Range(float min, float max) {}
