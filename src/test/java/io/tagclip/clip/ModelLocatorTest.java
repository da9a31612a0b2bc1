package io.tagclip.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hub downloads against a local HTTP server that serves the fixture folder like {@code huggingface.co}. */
class ModelLocatorTest {

    private static final String ID = "acme/tiny-clip";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path cache;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void startHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stopHub() {
        server.stop(0);
    }

    /** {@code GET /{owner}/{name}/resolve/{revision}/{file}} with Range support, like the hub. */
    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(path);
        String prefix = "/" + ID + "/resolve/main/";
        String file = path.startsWith(prefix) ? path.substring(prefix.length()) : "";
        Path source = Golden.modelFolder().resolve(file);
        if (file.isEmpty() || file.contains("/") || hidden.contains(file) || !Files.isRegularFile(source)) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        byte[] bytes = Files.readAllBytes(source);
        int from = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            ranges.add(file + " " + range);
            from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
        }
        exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        if (from > 0) {
            exchange.getResponseHeaders().add("Content-Range",
                    "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        exchange.sendResponseHeaders(from > 0 ? 206 : 200, bytes.length - from);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes, from, bytes.length - from);
        }
    }

    private HubOptions options(boolean offline) {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        return new HubOptions(endpoint, cache, "main", offline, Duration.ofSeconds(10), null);
    }

    @Test
    void shouldDownloadIntoTheCacheOnceAndLoad() throws IOException {
        ModelSource source = new ModelLocator(options(false)).locate(ID);
        assertThat(source.folder()).isEqualTo(cache.resolve("acme/tiny-clip/main"));
        assertThat(source.modelId()).isEqualTo(ID);
        assertThat(source.revision()).isEqualTo(COMMIT);
        for (String file : List.of("config.json", "model.safetensors", "vocab.json", "merges.txt")) {
            assertThat(source.folder().resolve(file))
                    .hasSameBinaryContentAs(Golden.modelFolder().resolve(file));
        }
        try (var files = Files.list(source.folder())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
        int served = requests.size();

        ModelSource again = new ModelLocator(options(false)).locate(ID);
        assertThat(again).isEqualTo(source);
        assertThat(requests).hasSize(served);

        try (ClipModel model = ClipLoader.load(source, ClipOptions.cpu())) {
            assertThat(model.modelId()).isEqualTo(ID);
            assertThat(model.revision()).isEqualTo(COMMIT);
        }
    }

    @Test
    void shouldResumeAPartialDownloadWithARangeRequest() throws IOException {
        Path folder = Files.createDirectories(cache.resolve("acme/tiny-clip/main"));
        byte[] weights = Files.readAllBytes(Golden.modelFolder().resolve("model.safetensors"));
        Files.write(folder.resolve("model.safetensors.part"), java.util.Arrays.copyOf(weights, 1_000_000));

        ModelSource source = new ModelLocator(options(false)).locate(ID);

        assertThat(ranges).containsExactly("model.safetensors bytes=1000000-");
        assertThat(source.folder().resolve("model.safetensors"))
                .hasSameBinaryContentAs(Golden.modelFolder().resolve("model.safetensors"));
    }

    @Test
    void shouldUseTheCacheOfflineWithoutTouchingTheNetwork() {
        new ModelLocator(options(false)).locate(ID);
        server.stop(0);
        requests.clear();
        ModelSource source = new ModelLocator(options(true)).locate(ID);
        assertThat(source.revision()).isEqualTo(COMMIT);
        assertThat(requests).isEmpty();
    }

    @Test
    void shouldRefuseOfflineWhenNotCached() {
        assertThatThrownBy(() -> new ModelLocator(options(true)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not in the cache")
                .hasMessageContaining("offline");
        assertThat(requests).isEmpty();
    }

    @Test
    void shouldNameTheUrlWhenThereIsNoNetwork() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HubOptions unreachable = new HubOptions(URI.create("http://127.0.0.1:" + closedPort), cache, "main", false,
                Duration.ofSeconds(5), null);
        assertThatThrownBy(() -> new ModelLocator(unreachable).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("http://127.0.0.1:" + closedPort + "/acme/tiny-clip/resolve/main/config.json")
                .hasMessageContaining("no connection");
    }

    @Test
    void shouldNameTheUrlOfAMissingRequiredFile() {
        hidden.add("model.safetensors");
        assertThatThrownBy(() -> new ModelLocator(options(false)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("/acme/tiny-clip/resolve/main/model.safetensors")
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void shouldFallBackToTokenizerJsonAndUseExistingFoldersAsTheyAre() {
        hidden.add("vocab.json");
        assertThatThrownBy(() -> new ModelLocator(options(false)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("/acme/tiny-clip/resolve/main/tokenizer.json");

        ModelSource folder = new ModelLocator(options(true)).locate(Golden.modelFolder().toString());
        assertThat(folder.folder()).isEqualTo(Golden.modelFolder().toAbsolutePath().normalize());
        assertThat(folder.modelId()).isEqualTo("model");
        assertThat(folder.revision()).isNull();
        assertThatThrownBy(() -> new ModelLocator(options(true)).locate("no such/thing/here"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("neither an existing folder nor a hub model id");
    }
}
