package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.picture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser: Debian's headless Chromium, driven through chromedriver, loads
 * the page, uploads an image and must show the server's top-1.
 */
class WebPageBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path dir;

  @Test
  void thePageShowsTheTop1OfAnUploadedImage() throws Exception {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    if (!present) {
      System.err.println("SKIPPED browser test: install Debian's chromium and chromium-driver");
    }
    assumeTrue(present, "Debian's chromium and chromium-driver are needed");
    Path weights = ServeTesting.randomWeights("resnet20_cifar", 28, dir.resolve("r20.safetensors"));
    InferenceServer server =
        ServeTesting.start(ServeTesting.config(ServeTesting.model("fashion", weights, 8, 5, 64)));
    Path image = dir.resolve("shirt.png");
    Files.write(image, encode(picture(56, 56, 21), "png"));
    String expected =
        ServeTesting.post(server, "/predictions/fashion", Files.readAllBytes(image), "image/png")
            .json()
            .getAsJsonArray("predictions")
            .get(0)
            .getAsJsonObject()
            .get("class")
            .getAsString();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=900,760",
        "--user-data-dir=" + dir.resolve("profile"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
    ChromeDriver browser = new ChromeDriver(service, options);
    try {
      browser.get("http://127.0.0.1:" + server.port() + "/");
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.until(d -> !d.findElements(By.cssSelector("#model option")).isEmpty());
      browser.findElement(By.id("file")).sendKeys(image.toAbsolutePath().toString());
      WebElement top1 = browser.findElement(By.id("top1"));
      wait.until(d -> !top1.getText().isBlank());
      assertThat(top1.getText()).isEqualTo(expected);
      List<WebElement> bars = browser.findElements(By.cssSelector("#bars .row"));
      assertThat(bars).hasSize(5);
      assertThat(bars.get(0).getText()).startsWith(expected);
      assertThat(browser.findElement(By.id("latency")).getText()).matches("\\d+\\.\\d");
      File shot = browser.getScreenshotAs(OutputType.FILE);
      Path kept = Path.of("target", "serve-page.png");
      Files.createDirectories(kept.getParent());
      Files.copy(shot.toPath(), kept, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      browser.quit();
      server.shutdown();
    }
  }
}
