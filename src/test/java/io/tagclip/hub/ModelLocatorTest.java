package io.tagclip.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.clip.Checkpoints;
import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.ModelSource;
import io.tagclip.golden.GoldenTensors;
import io.tagclip.weights.ModelLoadException;
import io.tagclip.weights.TensorFile;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hub downloads against a fake hub on loopback that answers like {@code huggingface.co}: {@code HEAD}/{@code GET} on
 * {@code /{id}/resolve/{revision}/{file}} with {@code X-Repo-Commit} and an ETag, weight files behind a 302 to a
 * second "storage" server on another loopback address (with {@code X-Linked-Etag} = sha256 and
 * {@code X-Linked-Size}), 404 {@code EntryNotFound} for absent files and 401 {@code RepoNotFound} for unknown ids.
 */
class ModelLocatorTest {

    private static final String ID = "acme/tiny-clip";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String TOKEN = "hf_secret_token";
    private static final Set<String> LFS = Set.of("model.safetensors", "pytorch_model.bin");
    private static final Duration FAST_RETRY = Duration.ofMillis(10);

    @TempDir
    Path temp;

    private Path cache;
    private HttpServer hub;
    private HttpServer storage;
    private ExecutorService threads;
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final Map<String, Path> blobs = new ConcurrentHashMap<>();
    private final List<String> hubRequests = new CopyOnWriteArrayList<>();
    private final List<String> storageRequests = new CopyOnWriteArrayList<>();
    private final List<String> hubAuthorizations = new CopyOnWriteArrayList<>();
    private final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger stallsLeft = new AtomicInteger();
    private volatile boolean corrupt;

    @BeforeEach
    void startServers() throws IOException {
        cache = temp.resolve("hub");
        threads = Executors.newCachedThreadPool();
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        hub.createContext("/", this::serveHub);
        hub.setExecutor(threads);
        hub.start();
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 0);
        storage.createContext("/", this::serveStorage);
        storage.setExecutor(threads);
        storage.start();
        for (String file : List.of("config.json", "vocab.json", "merges.txt")) {
            files.put(file, GoldenTensors.modelFolder().resolve(file));
        }
        files.put("pytorch_model.bin", Checkpoints.file(Checkpoints.HF_BIN));
    }

    @AfterEach
    void stopServers() {
        hub.stop(0);
        storage.stop(0);
        threads.shutdownNow();
    }

    private void serveHub(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        hubRequests.add(exchange.getRequestMethod() + " " + path);
        hubAuthorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        String prefix = "/" + ID + "/resolve/";
        if (!path.startsWith(prefix)) {
            exchange.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            respond(exchange, 401, null, 0, -1);
            return;
        }
        String rest = path.substring(prefix.length());
        String file = rest.substring(rest.indexOf('/') + 1);
        Path source = files.get(file);
        exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
        if (source == null) {
            exchange.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
            respond(exchange, 404, null, 0, -1);
            return;
        }
        long size = Files.size(source);
        if (LFS.contains(file)) {
            String sha = TensorFile.sha256(source);
            blobs.put(sha, source);
            exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            exchange.getResponseHeaders().add("X-Linked-Size", Long.toString(size));
            exchange.getResponseHeaders()
                    .add(
                            "Location",
                            "http://127.0.0.2:" + storage.getAddress().getPort() + "/repos/" + sha + "?signature=abc");
            respond(exchange, 302, null, 0, -1);
            return;
        }
        exchange.getResponseHeaders()
                .add("ETag", "\"" + TensorFile.sha256(source).substring(0, 40) + "\"");
        respond(exchange, 200, exchange.getRequestMethod().equals("HEAD") ? null : source, 0, size);
    }

    private void serveStorage(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        storageRequests.add(exchange.getRequestMethod() + " " + path);
        storageAuthorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        Path source = blobs.get(path.substring(path.lastIndexOf('/') + 1));
        if (source == null) {
            respond(exchange, 404, null, 0, -1);
            return;
        }
        long size = Files.size(source);
        long from = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            ranges.add(range);
            from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
            exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (size - 1) + "/" + size);
        }
        respond(exchange, from > 0 ? 206 : 200, source, from, size);
    }

    /** Sends {@code source} from byte {@code from}; a stall sends half and then goes silent. */
    private void respond(HttpExchange exchange, int status, Path source, long from, long size) throws IOException {
        if (source == null) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        byte[] bytes = Files.readAllBytes(source);
        if (corrupt && LFS.contains(source.getFileName().toString())) {
            bytes[bytes.length / 2] ^= 1;
        }
        int start = (int) from;
        exchange.sendResponseHeaders(status, size - from);
        try (OutputStream out = exchange.getResponseBody()) {
            if (bytes.length - start > 1_000_000 && stallsLeft.getAndDecrement() > 0) {
                out.write(bytes, start, 1_000_000);
                out.flush();
                sleepQuietly(Duration.ofSeconds(3));
                return;
            }
            out.write(bytes, start, bytes.length - start);
        } catch (IOException closedByClient) {
            // the client gave up on a stalled body
        }
    }

    private static void sleepQuietly(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HubOptions options(boolean offline, String token) {
        URI endpoint = URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
        return new HubOptions(endpoint, cache, "main", offline, Duration.ofSeconds(10), Duration.ofMillis(400), token);
    }

    private ModelLocator locator(HubOptions options, List<DownloadProgress> progress) {
        return new ModelLocator(options, HubClient.newHttpClient(options), progress::add, FAST_RETRY);
    }

    private Path repo() {
        return cache.resolve("models--acme--tiny-clip");
    }

    @Test
    void shouldFetchPytorchBinBehindACrossHostRedirectWithoutLeakingTheTokenIntoTheHubCacheLayout() throws IOException {
        List<DownloadProgress> progress = new CopyOnWriteArrayList<>();
        ModelSource source = locator(options(false, TOKEN), progress).locate(ID);

        Path snapshot = repo().resolve("snapshots").resolve(COMMIT);
        assertThat(source).isEqualTo(new ModelSource(snapshot, ID, COMMIT));
        assertThat(Files.readString(repo().resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(repo().resolve(".no_exist").resolve(COMMIT).resolve("model.safetensors"))
                .exists();
        String sha = TensorFile.sha256(Checkpoints.file(Checkpoints.HF_BIN));
        Path bin = snapshot.resolve("pytorch_model.bin");
        assertThat(Files.isSymbolicLink(bin)).isTrue();
        assertThat(Files.readSymbolicLink(bin)).isEqualTo(Path.of("..", "..", "blobs", sha));
        assertThat(bin).hasSameBinaryContentAs(Checkpoints.file(Checkpoints.HF_BIN));
        for (String file : List.of("config.json", "vocab.json", "merges.txt")) {
            assertThat(Files.isSymbolicLink(snapshot.resolve(file))).as(file).isTrue();
            assertThat(snapshot.resolve(file))
                    .hasSameBinaryContentAs(GoldenTensors.modelFolder().resolve(file));
        }
        try (var names = Files.list(repo().resolve("blobs"))) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete"));
        }

        assertThat(storageRequests).containsExactly("GET /repos/" + sha);
        assertThat(storageAuthorizations).containsOnly("null");
        assertThat(hubAuthorizations).isNotEmpty().containsOnly("Bearer " + TOKEN);
        assertThat(hubRequests.get(0)).isEqualTo("HEAD /" + ID + "/resolve/main/config.json");
        assertThat(hubRequests.subList(1, hubRequests.size()))
                .filteredOn(r -> r.startsWith("HEAD"))
                .isNotEmpty()
                .allMatch(r -> r.contains("/resolve/" + COMMIT + "/"));

        long size = Files.size(Checkpoints.file(Checkpoints.HF_BIN));
        assertThat(progress)
                .filteredOn(p -> p.file().equals("pytorch_model.bin"))
                .anyMatch(p -> !p.done() && p.bytesTotal() == size)
                .last()
                .satisfies(p -> {
                    assertThat(p.done()).isTrue();
                    assertThat(p.bytesDone()).isEqualTo(size);
                    assertThat(p.describe()).contains("pytorch_model.bin").contains("(100%)");
                });

        try (ClipModel model = ClipLoader.load(source, ClipOptions.cpu())) {
            assertThat(model.modelId()).isEqualTo(ID);
            assertThat(model.revision()).isEqualTo(COMMIT);
        }

        hubRequests.clear();
        storageRequests.clear();
        assertThat(locator(options(false, TOKEN), progress).locate(ID)).isEqualTo(source);
        assertThat(hubRequests).containsExactly("HEAD /" + ID + "/resolve/main/config.json");
        assertThat(storageRequests).isEmpty();

        hubRequests.clear();
        assertThat(locator(options(true, TOKEN), progress).locate(ID)).isEqualTo(source);
        assertThat(hubRequests).isEmpty();
        assertThat(new ModelLocator(options(true, null)).locate(snapshot.toString()))
                .isEqualTo(source);
    }

    @Test
    void shouldResumeAStalledBodyAfterTheIdleTimeout() throws IOException {
        stallsLeft.set(1);
        ModelSource source =
                locator(options(false, null), new CopyOnWriteArrayList<>()).locate(ID);

        assertThat(ranges).containsExactly("bytes=1000000-");
        assertThat(source.folder().resolve("pytorch_model.bin"))
                .hasSameBinaryContentAs(Checkpoints.file(Checkpoints.HF_BIN));
    }

    @Test
    void shouldResumeAPartialDownloadLeftByAnEarlierRun() throws IOException {
        Path bin = Checkpoints.file(Checkpoints.HF_BIN);
        Path blobsDir = Files.createDirectories(repo().resolve("blobs"));
        Files.write(
                blobsDir.resolve(TensorFile.sha256(bin) + ".incomplete"),
                Arrays.copyOf(Files.readAllBytes(bin), 2_000_000));

        ModelSource source =
                locator(options(false, null), new CopyOnWriteArrayList<>()).locate(ID);

        assertThat(ranges).containsExactly("bytes=2000000-");
        assertThat(source.folder().resolve("pytorch_model.bin")).hasSameBinaryContentAs(bin);
    }

    @Test
    void shouldRefuseADownloadWhoseSha256DiffersFromTheHubs() {
        corrupt = true;
        assertThatThrownBy(() -> locator(options(false, null), new CopyOnWriteArrayList<>())
                        .locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("pytorch_model.bin is corrupt: sha256");
        assertThat(repo().resolve("snapshots").resolve(COMMIT).resolve("pytorch_model.bin"))
                .doesNotExist();
    }

    @Test
    void shouldPreferSafetensorsWhenTheCommitHasThem() throws IOException {
        files.put("model.safetensors", GoldenTensors.modelFolder().resolve("model.safetensors"));
        ModelSource source =
                locator(options(false, null), new CopyOnWriteArrayList<>()).locate(ID);
        assertThat(source.folder().resolve("model.safetensors"))
                .hasSameBinaryContentAs(GoldenTensors.modelFolder().resolve("model.safetensors"));
        assertThat(source.folder().resolve("pytorch_model.bin")).doesNotExist();
        assertThat(hubRequests).noneMatch(r -> r.endsWith("pytorch_model.bin"));
    }

    @Test
    void shouldSayNotFoundOrGatedForA401OnAnUnknownId() {
        assertThatThrownBy(() -> new ModelLocator(options(false, null)).locate("acme/no-such-model"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("/acme/no-such-model/resolve/main/config.json")
                .hasMessageContaining("model acme/no-such-model not found, or gated or private")
                .hasMessageContaining("HTTP 401");
    }

    @Test
    void shouldEncodeAPullRequestRevisionAndRecordItsRef() throws IOException {
        ModelSource source = locator(options(false, null).withRevision("refs/pr/1"), new CopyOnWriteArrayList<>())
                .locate(ID);
        assertThat(hubRequests.get(0)).isEqualTo("HEAD /" + ID + "/resolve/refs%2Fpr%2F1/config.json");
        assertThat(Files.readString(repo().resolve("refs/refs/pr/1"))).isEqualTo(COMMIT);
        assertThat(source.revision()).isEqualTo(COMMIT);
    }

    @Test
    void shouldRefuseOfflineWhenNotCached() {
        assertThatThrownBy(() -> new ModelLocator(options(true, null)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("not in the cache")
                .hasMessageContaining("offline");
        assertThat(hubRequests).isEmpty();
    }

    @Test
    void shouldUseTheCachedSnapshotWhenTheHubIsUnreachable() throws IOException {
        ModelSource source = new ModelLocator(options(false, null)).locate(ID);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HubOptions unreachable = new HubOptions(
                URI.create("http://127.0.0.1:" + closedPort),
                cache,
                "main",
                false,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                null);
        assertThat(new ModelLocator(unreachable).locate(ID)).isEqualTo(source);
        HubOptions emptyCache = new HubOptions(
                unreachable.endpoint(),
                temp.resolve("empty"),
                "main",
                false,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                null);
        assertThatThrownBy(() -> new ModelLocator(emptyCache).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("http://127.0.0.1:" + closedPort + "/acme/tiny-clip/resolve/main/config.json")
                .hasMessageContaining("no connection");
    }

    @Test
    void shouldNameWhatIsMissingWhenTheRepositoryHasNoWeightsOrTokenizer() {
        files.remove("pytorch_model.bin");
        assertThatThrownBy(() -> new ModelLocator(options(false, null)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("neither model.safetensors nor pytorch_model.bin");
        files.put("pytorch_model.bin", Checkpoints.file(Checkpoints.HF_BIN));
        files.remove("vocab.json");
        cache = temp.resolve("fresh-cache"); // the first cache remembers that the weights were absent (.no_exist)
        assertThatThrownBy(() -> new ModelLocator(options(false, null)).locate(ID))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(ModelLocator.TOKENIZER_JSON);
    }

    @Test
    void shouldUseExistingFoldersAndFilesAsTheyAre() {
        ModelSource folder = new ModelLocator(options(true, null))
                .locate(GoldenTensors.modelFolder().toString());
        assertThat(folder.folder())
                .isEqualTo(GoldenTensors.modelFolder().toAbsolutePath().normalize());
        assertThat(folder.modelId()).isEqualTo("model");
        assertThat(folder.revision()).isNull();
        Path pt = Checkpoints.file(Checkpoints.OPENAI_PT);
        assertThat(new ModelLocator(options(true, null)).locate(pt.toString()))
                .isEqualTo(new ModelSource(pt, "tiny-ViT-B-16.pt", null));
        assertThatThrownBy(() -> new ModelLocator(options(true, null)).locate("no such/thing/here"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("neither an existing folder or file nor a hub model id");
    }

    @Test
    void shouldReadTheHuggingFaceEnvironment() throws IOException {
        Path home = temp.resolve("home");
        HubOptions plain = HubOptions.fromEnvironment(Map.of(), home);
        assertThat(plain.cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(plain.endpoint()).isEqualTo(HubOptions.DEFAULT_ENDPOINT);
        assertThat(plain.offline()).isFalse();
        assertThat(plain.token()).isNull();

        Path hfHome = Files.createDirectories(temp.resolve("hf-home"));
        Files.writeString(hfHome.resolve("token"), "hf_from_file\n");
        HubOptions fromHome = HubOptions.fromEnvironment(
                Map.of("HF_HOME", hfHome.toString(), "HF_HUB_OFFLINE", "1", "HF_ENDPOINT", "https://mirror.example/"),
                home);
        assertThat(fromHome.cacheDir()).isEqualTo(hfHome.resolve("hub"));
        assertThat(fromHome.token()).isEqualTo("hf_from_file");
        assertThat(fromHome.offline()).isTrue();
        assertThat(fromHome.endpoint()).isEqualTo(URI.create("https://mirror.example"));
        assertThat(fromHome.toString()).doesNotContain("hf_from_file");

        Path tokenFile = Files.writeString(temp.resolve("other-token"), "hf_other");
        HubOptions explicit = HubOptions.fromEnvironment(
                Map.of(
                        "HF_HOME",
                        hfHome.toString(),
                        "HF_HUB_CACHE",
                        temp.resolve("c").toString(),
                        "HF_TOKEN_PATH",
                        tokenFile.toString(),
                        "HF_HUB_OFFLINE",
                        "0"),
                home);
        assertThat(explicit.cacheDir()).isEqualTo(temp.resolve("c"));
        assertThat(explicit.token()).isEqualTo("hf_other");
        assertThat(explicit.offline()).isFalse();
        assertThat(HubOptions.fromEnvironment(Map.of("HF_TOKEN", "hf_env", "HF_TOKEN_PATH", tokenFile.toString()), home)
                        .token())
                .isEqualTo("hf_env");
    }
}
