package org.fedmsg.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.fedmsg.Bus;
import org.fedmsg.BusOptions;
import org.fedmsg.testing.ExternalTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The pages in a real headless Chromium (Debian's chromium and chromium-driver) against a real
 * gateway reading a real signed bus: messages published during the test appear, and the browser
 * logs no error. Screenshots go to {@code target/screenshots/} for people to look at.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserTest {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private SignedBus signed;
  private Bus rogue;
  private Gateway gateway;
  private ChromeDriver driver;
  private ChromeDriverService service;

  @BeforeAll
  void start() throws Exception {
    Path chromedriver = ExternalTools.require("chromedriver", "apt-get install -y chromium-driver");
    Path chromium = ExternalTools.require("chromium", "apt-get install -y chromium");
    signed = new SignedBus();
    // An unsigned publisher on the same bus: what it sends is rejected, and counted.
    rogue = Bus.create(BusOptions.builder().name("rogue").endpoint("rogue", List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).build());
    gateway = Gateway.start(GatewayOptions.builder().host("127.0.0.1").port(0).build(),
        signed.gatewayBus().endpoint("rogue", List.of(rogue.publisherEndpoint())));
    assertThat(gateway.awaitReady(Duration.ofSeconds(20))).isTrue();

    Files.createDirectories(SCREENSHOTS);
    Path profile = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile.toAbsolutePath());
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
  }

  @AfterAll
  void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (service != null) {
      service.stop();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (rogue != null) {
      rogue.close();
    }
    if (signed != null) {
      signed.close();
    }
  }

  /** Every page must load and run without a single error in the browser's console. */
  @AfterEach
  void noConsoleErrors() {
    if (driver == null) {
      return;
    }
    List<LogEntry> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()).toList();
    assertThat(errors).as("browser console errors").isEmpty();
  }

  private WebDriverWait waiting() {
    return new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  private String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  private void screenshot(String name) throws IOException {
    Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  private List<WebElement> rows() {
    return driver.findElements(By.cssSelector("#messages tr.msg"));
  }

  private List<String> visibleTopics() {
    return rows().stream().filter(WebElement::isDisplayed).map(r -> r.getAttribute("data-topic")).toList();
  }

  /** The console check above is live: an error logged by a page is seen. */
  @Test
  void consoleErrors_areSeenByTheCheck() {
    driver.get(url("/notify-example.html"));
    ((JavascriptExecutor) driver).executeScript("console.error('deliberate test error')");
    assertThat(driver.manage().logs().get(LogType.BROWSER).getAll())
        .anyMatch(e -> e.getMessage().contains("deliberate test error"));
  }

  @Test
  void livePage_showsArrivals_filterPauseAndDetailWork() throws Exception {
    driver.get(url("/"));
    waiting().until(d -> d.findElement(By.id("status")).getText().equals("connected"));
    int before = rows().size();
    signed.publisher.publish("pkgdb", "package.update", Map.of("package", "kernel"));
    signed.publisher.publish("bodhi", "update.request", Map.of("update", "kernel-6.1"));
    waiting().until(d -> rows().size() == before + 2);
    assertThat(rows().get(0).getAttribute("data-topic")).isEqualTo("org.fedoraproject.dev.bodhi.update.request");
    assertThat(rows().get(1).getAttribute("data-topic")).isEqualTo("org.fedoraproject.dev.pkgdb.package.update");
    // colour-coded by service
    assertThat(rows().get(0).getAttribute("style")).isNotEqualTo(rows().get(1).getAttribute("style"));

    // filter
    driver.findElement(By.id("filter")).sendKeys("bodhi");
    waiting().until(d -> visibleTopics().stream().allMatch(t -> t.contains(".bodhi.")));
    assertThat(visibleTopics()).contains("org.fedoraproject.dev.bodhi.update.request");
    driver.findElement(By.id("filter")).clear();
    ((JavascriptExecutor) driver).executeScript("document.getElementById('filter').dispatchEvent(new Event('input'))");
    waiting().until(d -> visibleTopics().size() == rows().size());

    // pause: a message arrives but waits; resume shows it
    driver.findElement(By.id("pause")).click();
    assertThat(driver.findElement(By.id("pause")).getText()).isEqualTo("Resume");
    int shown = rows().size();
    signed.publisher.publish("pkgdb", "package.retire", Map.of("package", "old"));
    waiting().until(d -> d.findElement(By.id("pending")).getText().equals("1"));
    assertThat(rows()).hasSize(shown);
    driver.findElement(By.id("pause")).click();
    waiting().until(d -> rows().size() == shown + 1);
    assertThat(rows().get(0).getAttribute("data-topic")).isEqualTo("org.fedoraproject.dev.pkgdb.package.retire");

    // detail view of the kernel message
    rows().stream().filter(r -> r.getAttribute("data-topic").endsWith("pkgdb.package.update")).findFirst()
        .orElseThrow().click();
    waiting().until(d -> d.findElement(By.id("detail")).isDisplayed());
    assertThat(driver.findElement(By.id("detail-signer")).getText()).isEqualTo(SignedBus.SIGNER);
    assertThat(driver.findElement(By.id("detail-format")).getText()).isEqualTo("fedmsg/2");
    assertThat(driver.findElement(By.id("detail-json")).getText()).contains("\"package\": \"kernel\"");

    // rejection counts (the page reads /stats.json every 5 s)
    rogue.publish("rogue", "forged", Map.of("x", 1));
    waiting().until(d -> d.findElement(By.id("rejections")).getText().contains("UNSIGNED"));
    screenshot("live");
  }

  @Test
  void notifyScript_showsAPopUp() throws Exception {
    driver.get(url("/notify-example.html"));
    waiting().until(d -> ((JavascriptExecutor) d).executeScript(
        "return window.fedmsgNotify && window.fedmsgNotify.connected") == Boolean.TRUE);
    signed.publisher.publish("bodhi", "update.comment", Map.of("text", "works for me"));
    WebElement popup = waiting().until(d -> d.findElements(By.cssSelector(".fedmsg-notify-popup")).stream()
        .filter(e -> e.getText().contains("bodhi.update.comment")).findFirst().orElse(null));
    assertThat(popup.getText()).contains("works for me").contains("signed by " + SignedBus.SIGNER);
    screenshot("notify");
  }

  @Test
  void statsPage_drawsChartsWithNonZeroData() throws Exception {
    signed.publisher.publish("pkgdb", "_heartbeat", Map.of("interval_s", 60));
    signed.publisher.publish("pkgdb", "package.update", Map.of("package", "glibc"));
    rogue.publish("rogue", "forged", Map.of("x", 2));
    Eventually.assertThat(() -> gateway.bus().stats().rejected() > 0 && gateway.bus().stats().delivered() >= 2,
        "messages and a rejection reached the gateway");
    driver.get(url("/stats"));
    waiting().until(d -> ((JavascriptExecutor) d).executeScript(
        "return window.fedmsgStats && window.fedmsgStats.drawn >= 1") == Boolean.TRUE);
    for (String chart : List.of("chart-minute-services", "chart-hour-services", "chart-minute-topics", "chart-totals",
        "chart-rejections")) {
      Object total = ((JavascriptExecutor) driver).executeScript(
          "var c = window.fedmsgStats.charts[arguments[0]]; var sum = 0;"
              + "c.getOption().series.forEach(function (s) { s.data.forEach(function (v) { sum += v; }); });"
              + "return sum;", chart);
      assertThat(((Number) total).longValue()).as(chart).isPositive();
      assertThat(driver.findElements(By.cssSelector("#" + chart + " canvas"))).as(chart + " drawn").isNotEmpty();
    }
    assertThat(driver.findElements(By.cssSelector("#chart-gaps canvas"))).isNotEmpty();
    assertThat(driver.findElement(By.id("publishers")).getText()).contains("pkgdb", SignedBus.SIGNER, "alive");
    screenshot("stats");
  }
}
