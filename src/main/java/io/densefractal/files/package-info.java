/**
 * Guards around the files a command writes: outputs checked against inputs before any work, and
 * one process at a time in a run directory.
 */
package io.densefractal.files;
