package dev.jitaccess.spring.web;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's chromium and chromedriver, headless, for the console's browser tests. The browser and the driver are
 * named by path, so Selenium Manager is never asked to find (or download) either. Without them the tests are
 * skipped on a developer's machine, but fail under {@code CI=true}: CI installs them (.ci/run), so there a missing
 * browser is a broken build, never a silently skipped suite.
 */
final class Chromium implements AutoCloseable {

  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  /**
   * Selenium looks for a CDP binding matching the browser's version and warns when it has none; these tests use
   * WebDriver only, so that warning is noise. Held here, since java.util.logging keeps loggers weakly.
   */
  private static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

  final ChromeDriver driver;
  private final Path profile;
  private final Path screenshots;

  private Chromium(ChromeDriver driver, Path profile, Path screenshots) {
    this.driver = driver;
    this.profile = profile;
    this.screenshots = screenshots;
  }

  /** Starts a headless browser on a fresh profile; screenshots go to {@code target/console-screenshots/}. */
  static Chromium start() throws IOException {
    boolean present = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    if (!present && "true".equals(System.getenv("CI"))) {
      fail("CI=true but " + BROWSER + " or " + DRIVER + " is missing: .ci/run installs chromium and chromium-driver");
    }
    assumeTrue(present, "no " + BROWSER + " and " + DRIVER + " (apt-get install chromium chromium-driver)");

    CDP_LOG.setLevel(Level.SEVERE);
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    Path profile = Files.createTempDirectory("jit-console-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,1000", "--user-data-dir=" + profile);
    // The page's console errors (script errors, CSP violations) are kept for the tests to read.
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "SEVERE"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    Path screenshots = Files.createDirectories(Path.of("target", "console-screenshots"));
    return new Chromium(driver, profile, screenshots);
  }

  /** Saves what the page shows now as {@code target/console-screenshots/<name>.png}; the tests read text only. */
  Path screenshot(String name) {
    Path file = screenshots.resolve(name + ".png");
    try {
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** The errors the page reported since the last call: uncaught script errors, CSP violations, failed loads. */
  List<String> pageErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }
}
