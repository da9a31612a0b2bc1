package io.tagclip.clip;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves "a folder or a model id" to a model folder: an existing directory is used as it is; anything else is a
 * Hugging Face model id, fetched from the hub into a local cache ({@code {cacheDir}/{id}/{revision}}) unless already
 * there. Downloads are restartable: each file is written to {@code name.part}, resumed with an HTTP Range request when
 * the server allows it, and renamed into place only when complete, so a cached file is always a whole file.
 */
public final class ModelLocator {

    /** The model TagCLIP uses. */
    public static final String DEFAULT_MODEL_ID = "openai/clip-vit-base-patch16";

    /** Files every model needs, fetched in this order. */
    static final List<String> REQUIRED_FILES = List.of(ClipLoader.CONFIG_FILE, ClipLoader.WEIGHTS_FILE);

    /** Tokenizer files, preferred pair first; {@code tokenizer.json} is fetched when the pair is not on the hub. */
    static final List<String> TOKENIZER_PAIR = List.of("vocab.json", "merges.txt");

    static final String TOKENIZER_JSON = "tokenizer.json";

    /** Written beside the files with the commit the hub reported, so offline runs name the same revision. */
    static final String COMMIT_FILE = ".commit";

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final String PART_SUFFIX = ".part";

    private final HubOptions options;
    private final HttpClient http;

    public ModelLocator(HubOptions options) {
        this(options, HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(options.timeout())
                .build());
    }

    ModelLocator(HubOptions options, HttpClient http) {
        this.options = options;
        this.http = http;
    }

    /**
     * An existing directory, or a hub model id (cached or downloaded).
     *
     * @throws ModelLoadException when the id is invalid, offline mode is on and the model is not cached, or a
     *     download fails (the message names the URL)
     */
    public ModelSource locate(String dirOrId) {
        if (dirOrId == null || dirOrId.isBlank()) {
            throw new IllegalArgumentException("model must be a folder or a hub id, got '" + dirOrId + "'");
        }
        Path asPath = Path.of(dirOrId);
        if (Files.isDirectory(asPath)) {
            Path folder = asPath.toAbsolutePath().normalize();
            Path name = folder.getFileName();
            return new ModelSource(folder, name == null ? folder.toString() : name.toString(), null);
        }
        if (!MODEL_ID.matcher(dirOrId).matches() || dirOrId.contains("..")) {
            throw new ModelLoadException(
                    "'" + dirOrId + "' is neither an existing folder nor a hub model id like " + DEFAULT_MODEL_ID);
        }
        return fromHub(dirOrId);
    }

    private ModelSource fromHub(String id) {
        Path folder = options.cacheDir().resolve(id).resolve(options.revision());
        if (isComplete(folder)) {
            return new ModelSource(folder, id, revisionOf(folder));
        }
        if (options.offline()) {
            throw new ModelLoadException("model " + id + " (revision " + options.revision() + ") is not in the cache "
                    + folder + " and offline mode is on; download it once online or give a local folder");
        }
        try {
            Files.createDirectories(folder);
            for (String file : REQUIRED_FILES) {
                fetch(id, file, folder, true);
            }
            boolean pair = true;
            for (String file : TOKENIZER_PAIR) {
                pair &= fetch(id, file, folder, false);
            }
            if (!pair) {
                fetch(id, TOKENIZER_JSON, folder, true);
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot write the model cache " + folder + ": " + e.getMessage(), e);
        }
        return new ModelSource(folder, id, revisionOf(folder));
    }

    /** Whether {@code folder} holds every required file and a tokenizer (files appear only when complete). */
    static boolean isComplete(Path folder) {
        for (String file : REQUIRED_FILES) {
            if (!Files.isRegularFile(folder.resolve(file))) {
                return false;
            }
        }
        boolean pair = TOKENIZER_PAIR.stream().allMatch(f -> Files.isRegularFile(folder.resolve(f)));
        return pair || Files.isRegularFile(folder.resolve(TOKENIZER_JSON));
    }

    private String revisionOf(Path folder) {
        Path commit = folder.resolve(COMMIT_FILE);
        try {
            if (Files.isRegularFile(commit)) {
                String value = Files.readString(commit, StandardCharsets.UTF_8).trim();
                if (COMMIT.matcher(value).matches()) {
                    return value;
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + commit + ": " + e.getMessage(), e);
        }
        return options.revision();
    }

    /**
     * Downloads one file unless it is already there. Returns false if the hub has no such file and it is optional.
     */
    private boolean fetch(String id, String file, Path folder, boolean required) throws IOException {
        Path target = folder.resolve(file);
        if (Files.isRegularFile(target)) {
            return true;
        }
        URI uri = URI.create(stripSlash(options.endpoint().toString()) + "/" + id + "/resolve/"
                + options.revision() + "/" + file);
        Path part = folder.resolve(file + PART_SUFFIX);
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(options.timeout()).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        if (options.token() != null) {
            request.header("Authorization", "Bearer " + options.token());
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpTimeoutException e) {
            throw new ModelLoadException("cannot download " + uri + ": no connection (" + e.getClass().getSimpleName()
                    + "); run online once, use offline mode with a cached model, or give a local folder", e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot download " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while downloading " + uri, e);
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status == 404 && !required) {
                return false;
            }
            if (status == 416 && have > 0) { // the part file is already whole (or longer than the file): start over
                Files.delete(part);
                return fetch(id, file, folder, required);
            }
            if (status != 200 && status != 206) {
                throw new ModelLoadException("cannot download " + uri + ": HTTP " + status
                        + (status == 401 || status == 403 ? " (gated or private model: set a hub token)" : ""));
            }
            boolean append = status == 206;
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                body.transferTo(out);
            }
        }
        checkLength(response, part, uri, status == 206 ? have : 0);
        Optional<String> commit = response.headers().firstValue("X-Repo-Commit");
        if (commit.isPresent() && COMMIT.matcher(commit.get()).matches()) {
            writeAtomically(folder.resolve(COMMIT_FILE), commit.get());
        }
        moveIntoPlace(part, target);
        return true;
    }

    private static void checkLength(HttpResponse<InputStream> response, Path part, URI uri, long offset)
            throws IOException {
        Optional<String> length = response.headers().firstValue("Content-Length");
        if (length.isPresent()) {
            long expected = offset + Long.parseLong(length.get().trim());
            long actual = Files.size(part);
            if (actual != expected) {
                throw new ModelLoadException("download of " + uri + " ended early: " + actual + " of " + expected
                        + " bytes (kept " + part + " to resume)");
            }
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + PART_SUFFIX);
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        moveIntoPlace(temp, target);
    }

    private static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
