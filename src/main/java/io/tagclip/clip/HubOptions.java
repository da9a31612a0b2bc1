package io.tagclip.clip;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how model folders are fetched from a Hugging Face hub.
 *
 * @param endpoint hub base URL; files are read from {@code {endpoint}/{id}/resolve/{revision}/{file}}
 * @param cacheDir local cache root; a model lives in {@code {cacheDir}/{id}/{revision}}
 * @param revision branch, tag or commit to fetch ({@code main} by default)
 * @param offline never touch the network; a model that is not cached is an error
 * @param timeout connect timeout and the longest wait for a response to start
 * @param token bearer token for gated or private models, or null
 */
public record HubOptions(URI endpoint, Path cacheDir, String revision, boolean offline, Duration timeout,
        String token) {

    /** The public Hugging Face hub. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    /** Environment variable users keep their Hugging Face access token in. */
    public static final String TOKEN_VARIABLE = "HF_TOKEN";

    /** Branch fetched when none is given. */
    public static final String DEFAULT_REVISION = "main";

    /** Connect and first-byte timeout when none is given. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public HubOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        if (revision == null || revision.isBlank() || revision.contains("..") || revision.contains("\\")) {
            throw new IllegalArgumentException("invalid revision '" + revision + "'");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        String scheme = endpoint.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("hub endpoint must be http(s), got " + endpoint);
        }
    }

    /** The public hub, {@code ~/.cache/tagclip/models}, revision {@code main}, online. */
    public static HubOptions defaults() {
        return new HubOptions(DEFAULT_ENDPOINT, defaultCacheDir(), DEFAULT_REVISION, false, DEFAULT_TIMEOUT, null);
    }

    /** {@code ~/.cache/tagclip/models}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "tagclip", "models");
    }

    public HubOptions withRevision(String newRevision) {
        return new HubOptions(endpoint, cacheDir, newRevision, offline, timeout, token);
    }

    /** These options with {@code newToken} (a Hugging Face access token, or {@code null} for none). */
    public HubOptions withToken(String newToken) {
        return new HubOptions(endpoint, cacheDir, revision, offline, timeout, newToken);
    }

    public HubOptions withOffline(boolean newOffline) {
        return new HubOptions(endpoint, cacheDir, revision, newOffline, timeout, token);
    }

    @Override
    public String toString() { // never print the token
        return "HubOptions[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", revision=" + revision + ", offline="
                + offline + ", timeout=" + timeout + ", token=" + (token == null ? "none" : "set") + "]";
    }
}
