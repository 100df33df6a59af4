package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark programs in {@code bench/*.java} (run as single-file sources, so no build compiles
 * them) still compile against the library: a renamed class or package breaks this test instead of
 * the next benchmark. It lives in the Spark module because this test class path is the one that
 * holds everything they use, the library and its dependencies and, for some, Spark.
 */
class BenchSourcesTest {
  @TempDir Path classes;

  @Test
  void benchProgramsCompileAgainstTheLibrary() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.list(Path.of("../bench"))) {
      sources = files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    assertThat(sources).isNotEmpty();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    // Surefire's own class path is a manifest-only jar; this property holds the test class path.
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      for (Path source : sources) {
        // One at a time, as `java bench/X.java` compiles them.
        StringWriter errors = new StringWriter();
        boolean ok =
            javac
                .getTask(
                    errors,
                    files,
                    null,
                    List.of("-proc:none", "-d", classes.toString(), "-cp", classPath),
                    null,
                    files.getJavaFileObjects(source))
                .call();
        assertThat(ok).as("%s compiles:%n%s", source, errors).isTrue();
      }
    }
  }
}
