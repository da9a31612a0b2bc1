package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.golden.Golden;
import io.tagclip.report.OverlayRenderer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The try-it page of the packaged service in Debian's Chromium, headless, driven through chromedriver: the page shows
 * what runs, a golden image uploaded through the form comes back with the reference's tags and an overlay, and a
 * non-image or an oversized file gets a clear error on the page. The service runs the real TagCLIP pipeline on the
 * tiny fixture model; it needs no broker for the page (its readiness stays down, which the page does not depend on).
 */
class TryItPageIT {

    private static final Path TINY = PackagedService.TINY;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** Upload limit of the service under test: the small golden images fit, astronaut.png (424 KB) does not. */
    private static final int MAX_UPLOAD_BYTES = 300_000;

    /** Start, model load and warm-up of the service on a busy 2-core machine. */
    private static final Duration STARTUP = Duration.ofSeconds(180);

    /** One tiny-model tagging call, queue included. */
    private static final Duration TAGGING = Duration.ofSeconds(60);

    private static PackagedService service;
    private static String base;
    private static ChromeDriverService driverService;
    private static WebDriver browser;

    @BeforeAll
    static void start(@TempDir Path profile) throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "TryItPageIT skipped: needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
                        + "/usr/bin/chromedriver): apt-get install -y chromium chromium-driver");
        service = PackagedService.named("try-it-page-it")
                .httpPort()
                .set("kafka.bootstrap.servers", "127.0.0.1:" + PackagedService.freePort()) // the page needs no broker
                .set("tagger.schema-registry-url", "mock://try-it-page-it")
                .set("tagger.model.mode", "reference")
                .set("tagger.model.boxes", true)
                .set("tagger.ui.enabled", true)
                .set("tagger.ui.max-upload-bytes", MAX_UPLOAD_BYTES)
                .start();
        base = service.baseUrl();
        awaitPage();

        driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
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
                "--user-data-dir=" + profile.toAbsolutePath());
        browser = new ChromeDriver(driverService, options);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (driverService != null) {
            driverService.stop();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void shouldShowWhatRunsAndLiveCounters() {
        open();

        WebElement about = browser.findElement(By.id("about"));
        assertThat(about.getText()).contains("voc2007", "tagclip", "reference mode", "boxes on");
        new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(ExpectedConditions.textMatches(By.id("count-tagged"), Pattern.compile("\\d+")));
    }

    @Test
    void shouldTagAnUploadedGoldenImageWithTheReferencesTagsAndShowItsOverlay() throws IOException {
        Path image = TINY.resolve("images").resolve("chelsea_small.png").toAbsolutePath();
        open();

        browser.findElement(By.id("file")).sendKeys(image.toString());
        browser.findElement(By.id("submit")).click();
        new WebDriverWait(browser, TAGGING).until(ExpectedConditions.visibilityOfElementLocated(By.id("result")));

        List<String> shown = new ArrayList<>();
        for (WebElement item : browser.findElements(By.cssSelector("#tags li.tag"))) {
            shown.add(item.findElement(By.className("label")).getText());
        }
        List<String> expected = new ArrayList<>();
        Golden.expected("chelsea_small", "voc2007").get("tag_names").forEach(tag -> expected.add(tag.asText()));
        assertThat(shown).as("tags read from the page").containsExactlyInAnyOrderElementsOf(expected);
        assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
        BufferedImage original = ImageIO.read(image.toFile());
        int scale = OverlayRenderer.scale(original.getWidth(), original.getHeight());
        Object overlayWidth = ((JavascriptExecutor) browser)
                .executeScript(
                        "const img = document.getElementById('overlay'); return img.complete ? img.naturalWidth : -1;");
        assertThat(((Number) overlayWidth).intValue()).as("the overlay loaded").isEqualTo(original.getWidth() * scale);
        assertThat(browser.findElement(By.id("provenance")).getText()).contains("tagclip", "voc2007");
    }

    @Test
    void shouldShowAClearErrorForAFileThatIsNotAnImage(@TempDir Path dir) throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.png"), "these are notes, not a picture");
        open();

        browser.findElement(By.id("file")).sendKeys(notes.toString());
        browser.findElement(By.id("submit")).click();
        WebElement error = new WebDriverWait(browser, TAGGING)
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));

        assertThat(error.getText()).contains("the upload is not JPEG, PNG, GIF, BMP or WebP");
        assertThat(browser.findElement(By.id("result")).isDisplayed()).isFalse();
    }

    @Test
    void shouldRefuseAnUploadOverTheLimitInThePageAndInTheService() throws Exception {
        Path large = TINY.resolve("images").resolve("astronaut.png").toAbsolutePath();
        assertThat(Files.size(large)).isGreaterThan(MAX_UPLOAD_BYTES);
        open();

        browser.findElement(By.id("file")).sendKeys(large.toString());
        browser.findElement(By.id("submit")).click();
        WebElement error = new WebDriverWait(browser, TAGGING)
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).contains("astronaut.png", "accepts up to");

        HttpResponse<String> direct = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/try/api/tag"))
                                .header("Content-Type", "image/png")
                                .POST(HttpRequest.BodyPublishers.ofFile(large))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(direct.statusCode())
                .as("the service itself refuses the body")
                .isEqualTo(413);
    }

    @Test
    void shouldRefuseAMultipartFormSayingToSendTheImageAsTheBody() throws Exception {
        byte[] png = Files.readAllBytes(TINY.resolve("images").resolve("chelsea_small.png"));
        String boundary = "tagclip-boundary";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"c.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        form.writeBytes(png);
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));

        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/try/api/tag"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(415);
        JsonNode error = new ObjectMapper().readTree(response.body());
        assertThat(error.get("reason").asText()).isEqualTo("MULTIPART");
        assertThat(error.get("error").asText()).contains("send the image bytes as the request body");
    }

    private static void open() {
        browser.get(base + "/try/");
        new WebDriverWait(browser, Duration.ofSeconds(20))
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("about"), "voc2007"));
    }

    private static void awaitPage() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(service.process().isAlive())
                    .as("the service exited; log: target/try-it-page-it.log")
                    .isTrue();
            try {
                HttpResponse<String> about = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/try/api/about"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (about.statusCode() == 200) {
                    JsonNode json = new ObjectMapper().readTree(about.body());
                    assertThat(json.get("vocabulary").asText()).isEqualTo("voc2007");
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "the try-it page did not come up within " + STARTUP + "; log: target/try-it-page-it.log");
    }
}
