package io.tagclip.hub;

import io.tagclip.clip.ClipLoader;
import io.tagclip.clip.ModelSource;
import io.tagclip.weights.ModelLoadException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves "a folder, a checkpoint file or a model id" to what {@link ClipLoader} loads. A folder or file is used as
 * it is (a hub cache snapshot folder keeps its id and commit); anything else is a Hugging Face model id, resolved
 * through the hub cache that {@code huggingface_hub} uses and shares:
 *
 * <pre>
 * {cacheDir}/models--{org}--{name}/blobs/{etag}                 file contents, named by ETag (sha256 for LFS files)
 * {cacheDir}/models--{org}--{name}/snapshots/{commit}/{file}    relative symlinks ../../blobs/{etag}
 * {cacheDir}/models--{org}--{name}/refs/{revision}              the commit a branch or tag pointed to
 * {cacheDir}/models--{org}--{name}/.no_exist/{commit}/{file}    files the hub said do not exist
 * </pre>
 *
 * One download pins the commit the hub reports for its first file ({@code X-Repo-Commit}) and fetches every other
 * file at that commit, which becomes the model's revision. Weights are {@code model.safetensors}, or
 * {@code pytorch_model.bin} where the repository has no safetensors on that commit. When the hub cannot be reached, a
 * snapshot already cached for the revision is used, as {@code huggingface_hub} does.
 */
public final class ModelLocator {

    /** The model TagCLIP uses. */
    public static final String DEFAULT_MODEL_ID = "openai/clip-vit-base-patch16";

    /** Weights, in order of preference. */
    static final List<String> WEIGHT_FILES = List.of(ClipLoader.WEIGHTS_FILE, ClipLoader.PYTORCH_WEIGHTS_FILE);

    /** Tokenizer files, preferred pair first; {@code tokenizer.json} is fetched when the pair is not on the hub. */
    static final List<String> TOKENIZER_PAIR = List.of("vocab.json", "merges.txt");

    static final String TOKENIZER_JSON = "tokenizer.json";

    /** First pause before a download is retried; it doubles per attempt. */
    static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SNAPSHOT = Pattern.compile("models--(.+)");
    private static final String REPO_PREFIX = "models--";
    private static final String ID_SEPARATOR = "--";

    private final HubOptions options;
    private final HubClient hub;

    public ModelLocator(HubOptions options) {
        this(options, DownloadListener.NONE);
    }

    /** A locator that reports download progress to {@code listener}. */
    public ModelLocator(HubOptions options, DownloadListener listener) {
        this(options, HubClient.newHttpClient(options), listener, RETRY_BACKOFF);
    }

    ModelLocator(HubOptions options, HttpClient http, DownloadListener listener, Duration retryBackoff) {
        this.options = options;
        this.hub = new HubClient(options, http, listener, retryBackoff);
    }

    /**
     * An existing folder or checkpoint file, or a hub model id (cached or downloaded).
     *
     * @throws ModelLoadException when the id is invalid, offline mode is on and the model is not cached, or a
     *     download fails (the message names the URL)
     */
    public ModelSource locate(String dirOrId) {
        if (dirOrId == null || dirOrId.isBlank()) {
            throw new IllegalArgumentException(
                    "model must be a folder, a checkpoint file or a hub id, got '" + dirOrId + "'");
        }
        Path asPath = Path.of(dirOrId);
        if (Files.isDirectory(asPath) || Files.isRegularFile(asPath)) {
            return local(asPath.toAbsolutePath().normalize());
        }
        if (!MODEL_ID.matcher(dirOrId).matches() || dirOrId.contains("..")) {
            throw new ModelLoadException("'" + dirOrId + "' is neither an existing folder or file nor a hub model id "
                    + "like " + DEFAULT_MODEL_ID);
        }
        return fromHub(dirOrId);
    }

    /** A local folder or file; a snapshot folder of a hub cache is named by its id and commit. */
    private static ModelSource local(Path path) {
        Path parent = path.getParent();
        Path repo = parent == null ? null : parent.getParent();
        if (Files.isDirectory(path)
                && COMMIT.matcher(path.getFileName().toString()).matches()
                && repo != null
                && parent.getFileName().toString().equals("snapshots")) {
            Matcher name = SNAPSHOT.matcher(repo.getFileName().toString());
            if (name.matches()) {
                return new ModelSource(
                        path,
                        name.group(1).replace(ID_SEPARATOR, "/"),
                        path.getFileName().toString());
            }
        }
        Path name = path.getFileName();
        return new ModelSource(path, name == null ? path.toString() : name.toString(), null);
    }

    /** {@code {cacheDir}/models--{org}--{name}}. */
    Path repoFolder(String id) {
        return options.cacheDir().resolve(REPO_PREFIX + id.replace("/", ID_SEPARATOR));
    }

    private ModelSource fromHub(String id) {
        Path repo = repoFolder(id);
        String revision = options.revision();
        String cachedCommit = COMMIT.matcher(revision).matches() ? revision : readRef(repo, revision);
        if (options.offline()) {
            if (cachedCommit != null && isComplete(repo, cachedCommit)) {
                return new ModelSource(repo.resolve("snapshots").resolve(cachedCommit), id, cachedCommit);
            }
            throw new ModelLoadException("model " + id + " (revision " + revision + ") is not in the cache " + repo
                    + " and offline mode is on; download it once online or give a local folder or file");
        }
        HubClient.Metadata config;
        try {
            config = hub.head(id, revision, ClipLoader.CONFIG_FILE);
        } catch (HubClient.HubUnreachableException e) {
            if (cachedCommit != null && isComplete(repo, cachedCommit)) {
                return new ModelSource(repo.resolve("snapshots").resolve(cachedCommit), id, cachedCommit);
            }
            throw e;
        }
        if (config == null) {
            throw new ModelLoadException("cannot download " + options.endpoint() + "/" + id + "/resolve/"
                    + HubClient.encode(revision) + "/" + ClipLoader.CONFIG_FILE + ": HTTP 404 (the repository has no "
                    + ClipLoader.CONFIG_FILE + "; is it a Hugging Face CLIP model?)");
        }
        String commit = config.commit();
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            throw new ModelLoadException("cannot download " + config.url() + ": the hub sent no commit "
                    + "(X-Repo-Commit), so the files cannot be pinned to one revision");
        }
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        try {
            Files.createDirectories(snapshot);
            if (!commit.equals(revision)) {
                writeRef(repo, revision, commit);
            }
            fetch(id, commit, ClipLoader.CONFIG_FILE, config, repo, snapshot);
            if (!fetchFirst(id, commit, WEIGHT_FILES, repo, snapshot)) {
                throw new ModelLoadException("cannot download " + id + " at commit " + commit + ": it has neither "
                        + String.join(" nor ", WEIGHT_FILES) + " (HTTP 404)");
            }
            boolean pair = true;
            for (String file : TOKENIZER_PAIR) {
                pair &= fetchOptional(id, commit, file, repo, snapshot);
            }
            if (!pair && !fetchOptional(id, commit, TOKENIZER_JSON, repo, snapshot)) {
                throw new ModelLoadException("cannot download " + id + " at commit " + commit + ": it has neither "
                        + "vocab.json + merges.txt nor " + TOKENIZER_JSON + " (HTTP 404)");
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot write the model cache " + repo + ": " + e.getMessage(), e);
        }
        return new ModelSource(snapshot, id, commit);
    }

    /** Fetches the first of {@code files} the repository has; false when it has none. */
    private boolean fetchFirst(String id, String commit, List<String> files, Path repo, Path snapshot)
            throws IOException {
        for (String file : files) {
            if (Files.isRegularFile(snapshot.resolve(file))) {
                return true;
            }
        }
        for (String file : files) {
            if (fetchOptional(id, commit, file, repo, snapshot)) {
                return true;
            }
        }
        return false;
    }

    /** Fetches {@code file} at {@code commit} unless cached; false when the hub says it does not exist. */
    private boolean fetchOptional(String id, String commit, String file, Path repo, Path snapshot) throws IOException {
        if (Files.isRegularFile(snapshot.resolve(file))) {
            return true;
        }
        Path absent = repo.resolve(".no_exist").resolve(commit).resolve(file);
        if (Files.exists(absent)) {
            return false;
        }
        HubClient.Metadata meta = hub.head(id, commit, file);
        if (meta == null) {
            Files.createDirectories(absent.getParent());
            Files.write(absent, new byte[0]);
            return false;
        }
        fetch(id, commit, file, meta, repo, snapshot);
        return true;
    }

    private void fetch(String id, String commit, String file, HubClient.Metadata meta, Path repo, Path snapshot)
            throws IOException {
        Path link = snapshot.resolve(file);
        if (Files.isRegularFile(link)) {
            return;
        }
        if (meta.commit() != null && !meta.commit().equals(commit)) {
            throw new ModelLoadException("cannot download " + meta.url() + ": the hub answered for commit "
                    + meta.commit() + ", not the pinned " + commit);
        }
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path blob = blobs.resolve(meta.etag());
        if (!blob.normalize().startsWith(blobs)) {
            throw new ModelLoadException("cannot download " + meta.url() + ": unusable ETag " + meta.etag());
        }
        if (!Files.isRegularFile(blob)) {
            hub.download(id, file, meta, blob);
        }
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, link.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) { // no symlinks here: a copy does
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether the snapshot of {@code commit} holds a config, weights and a tokenizer. */
    static boolean isComplete(Path repo, String commit) {
        Path folder = repo.resolve("snapshots").resolve(commit);
        if (!Files.isRegularFile(folder.resolve(ClipLoader.CONFIG_FILE))
                || WEIGHT_FILES.stream().noneMatch(f -> Files.isRegularFile(folder.resolve(f)))) {
            return false;
        }
        boolean pair = TOKENIZER_PAIR.stream().allMatch(f -> Files.isRegularFile(folder.resolve(f)));
        return pair || Files.isRegularFile(folder.resolve(TOKENIZER_JSON));
    }

    private static String readRef(Path repo, String revision) {
        Path ref = repo.resolve("refs").resolve(revision);
        try {
            if (Files.isRegularFile(ref)) {
                String value = Files.readString(ref, StandardCharsets.UTF_8).trim();
                if (COMMIT.matcher(value).matches()) {
                    return value;
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + ref + ": " + e.getMessage(), e);
        }
        return null;
    }

    private static void writeRef(Path repo, String revision, String commit) throws IOException {
        Path ref = repo.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path temp = ref.resolveSibling(ref.getFileName() + ".tmp");
        Files.writeString(temp, commit, StandardCharsets.UTF_8);
        HubClient.moveIntoPlace(temp, ref);
    }
}
