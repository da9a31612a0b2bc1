package io.tagclip.hub;

import io.tagclip.weights.ModelLoadException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how models are fetched from a Hugging Face hub, and where they are cached.
 *
 * @param endpoint hub base URL; files are read from {@code {endpoint}/{id}/resolve/{revision}/{file}}
 * @param cacheDir the hub cache shared with {@code huggingface_hub}; a model lives in
 *     {@code {cacheDir}/models--{org}--{name}/{blobs,snapshots,refs}}
 * @param revision branch, tag, pull-request ref ({@code refs/pr/N}) or commit to fetch ({@code main} by default)
 * @param offline never touch the network; a model that is not cached is an error
 * @param timeout connect timeout and the longest wait for a response's headers
 * @param idleTimeout the longest a download may go without receiving a byte before it is retried (resumed)
 * @param token bearer token for gated or private models, or null; sent only to the endpoint's own host
 */
public record HubOptions(
        URI endpoint,
        Path cacheDir,
        String revision,
        boolean offline,
        Duration timeout,
        Duration idleTimeout,
        String token) {

    /** The public Hugging Face hub. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    /** Environment variable users keep their Hugging Face access token in. */
    public static final String TOKEN_VARIABLE = "HF_TOKEN";

    /** Branch fetched when none is given. */
    public static final String DEFAULT_REVISION = "main";

    /** Connect and first-byte timeout when none is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Longest silence inside a body before the download is resumed; {@code huggingface_hub} uses 10 s per read. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Values of {@code HF_HUB_OFFLINE} that switch offline mode on, as {@code huggingface_hub} reads them. */
    private static final Set<String> TRUE_VALUES = Set.of("1", "on", "yes", "true");

    public HubOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        if (revision == null
                || revision.isBlank()
                || revision.contains("..")
                || revision.contains("\\")
                || revision.startsWith("/")
                || revision.endsWith("/")) {
            throw new IllegalArgumentException("invalid revision '" + revision + "'");
        }
        positive("timeout", timeout);
        positive("idleTimeout", idleTimeout);
        String scheme = endpoint.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("hub endpoint must be http(s), got " + endpoint);
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** The settings of this process's environment ({@link #fromEnvironment(Map, Path)} of the real one). */
    public static HubOptions defaults() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * Settings from {@code huggingface_hub}'s environment variables: {@code HF_ENDPOINT} (a mirror),
     * {@code HF_HUB_CACHE} (else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}; {@code HF_HOME} defaults
     * to {@code $XDG_CACHE_HOME/huggingface} or {@code ~/.cache/huggingface}), {@code HF_HUB_OFFLINE}
     * ({@code 1}/{@code true}/{@code yes}/{@code on}), {@code HF_TOKEN}, else the token file {@code HF_TOKEN_PATH}
     * (default {@code $HF_HOME/token}, what {@code huggingface-cli login} writes). Revision {@code main}.
     */
    public static HubOptions fromEnvironment(Map<String, String> env, Path home) {
        URI endpoint = present(env, "HF_ENDPOINT") ? URI.create(stripSlash(env.get("HF_ENDPOINT"))) : DEFAULT_ENDPOINT;
        Path hfHome;
        if (present(env, "HF_HOME")) {
            hfHome = Path.of(env.get("HF_HOME"));
        } else if (present(env, "XDG_CACHE_HOME")) {
            hfHome = Path.of(env.get("XDG_CACHE_HOME"), "huggingface");
        } else {
            hfHome = home.resolve(".cache").resolve("huggingface");
        }
        Path cache;
        if (present(env, "HF_HUB_CACHE")) {
            cache = Path.of(env.get("HF_HUB_CACHE"));
        } else if (present(env, "HUGGINGFACE_HUB_CACHE")) {
            cache = Path.of(env.get("HUGGINGFACE_HUB_CACHE"));
        } else {
            cache = hfHome.resolve("hub");
        }
        boolean offline = present(env, "HF_HUB_OFFLINE")
                && TRUE_VALUES.contains(env.get("HF_HUB_OFFLINE").trim().toLowerCase(Locale.ROOT));
        String token = present(env, TOKEN_VARIABLE) ? env.get(TOKEN_VARIABLE).trim() : null;
        if (token == null) {
            Path tokenFile =
                    present(env, "HF_TOKEN_PATH") ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            token = readToken(tokenFile);
        }
        return new HubOptions(endpoint, cache, DEFAULT_REVISION, offline, DEFAULT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, token);
    }

    private static String readToken(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String value = Files.readString(file, StandardCharsets.UTF_8).trim();
            return value.isEmpty() ? null : value;
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the hub token file " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean present(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    private static String stripSlash(String url) {
        String trimmed = url.trim();
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    public HubOptions withRevision(String newRevision) {
        return new HubOptions(endpoint, cacheDir, newRevision, offline, timeout, idleTimeout, token);
    }

    /** These options with {@code newToken} (a Hugging Face access token, or {@code null} for none). */
    public HubOptions withToken(String newToken) {
        return new HubOptions(endpoint, cacheDir, revision, offline, timeout, idleTimeout, newToken);
    }

    public HubOptions withOffline(boolean newOffline) {
        return new HubOptions(endpoint, cacheDir, revision, newOffline, timeout, idleTimeout, token);
    }

    @Override
    public String toString() { // never print the token
        return "HubOptions[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", revision=" + revision + ", offline="
                + offline + ", timeout=" + timeout + ", idleTimeout=" + idleTimeout + ", token="
                + (token == null ? "none" : "set") + "]";
    }
}
