package io.tagclip.testing;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Azure's own storage emulator for the tests: Azurite's blob service ({@code azurite} from the npm registry,
 * installed by {@code bin/install-azurite} into {@code .test-servers/azurite}, which {@code .ci/run} always runs),
 * one per test JVM on a free loopback port, stopped when the JVM exits. It serves the well-known development account
 * {@link #ACCOUNT}.
 *
 * <p>Without the installation {@link #get()} fails under CI (the environment variable {@code CI} set), where it is
 * a broken build, and elsewhere aborts the test, saying how to install it.
 */
public final class AzuriteServer {

    /** The emulator's development account and its published key (not a secret). */
    public static final String ACCOUNT = "devstoreaccount1";

    public static final String ACCOUNT_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static final long START_TIMEOUT_SECONDS = 60;

    private static AzuriteServer shared;
    private static IllegalStateException startFailure;

    private final int port;

    private AzuriteServer(int port) {
        this.port = port;
    }

    /** The emulator of this JVM, started on first use. */
    public static synchronized AzuriteServer get() {
        if (startFailure != null) {
            throw new IllegalStateException("Azurite failed to start earlier in this JVM", startFailure);
        }
        if (shared == null) {
            Path root = TestServers.projectRoot();
            Path bin = root.resolve(".test-servers/azurite/node_modules/.bin/azurite-blob");
            if (!Files.isExecutable(bin)) {
                String missing = "Azurite is not installed (no " + bin + "): run bin/install-azurite";
                if (System.getenv("CI") != null) {
                    throw new IllegalStateException(missing + " (.ci/run does, before the tests)");
                }
                Assumptions.abort(missing);
            }
            try {
                shared = start(root, bin);
            } catch (IllegalStateException | UncheckedIOException e) {
                startFailure = new IllegalStateException(e.getMessage(), e);
                throw e;
            }
        }
        return shared;
    }

    public int port() {
        return port;
    }

    /** The development account's connection string with its blob endpoint on {@code port} (the emulator's, or a proxy's). */
    public static String connectionString(int port, String accountKey) {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + accountKey
                + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
    }

    /** The connection string of the emulator itself. */
    public String connectionString() {
        return connectionString(port, ACCOUNT_KEY);
    }

    /** Stores {@code bytes} as blob {@code name} of {@code container}, creating the container. */
    public void put(String container, String name, byte[] bytes) {
        BlobServiceClient service = new BlobServiceClientBuilder()
                .connectionString(connectionString())
                .buildClient();
        BlobContainerClient c = service.getBlobContainerClient(container);
        c.createIfNotExists();
        c.getBlobClient(name).upload(BinaryData.fromBytes(bytes), true);
    }

    /** Creates {@code container} unless it exists. */
    public void createContainer(String container) {
        new BlobServiceClientBuilder()
                .connectionString(connectionString())
                .buildClient()
                .getBlobContainerClient(container)
                .createIfNotExists();
    }

    private static AzuriteServer start(Path root, Path bin) {
        Path state = root.resolve("target/azurite-test");
        int port = TestServers.freePort();
        try {
            // A fresh emulator per JVM: containers and blobs of an earlier run are gone.
            S3Server.deleteTree(state.resolve("data"));
            Files.createDirectories(state.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + state, e);
        }
        TestServers.start(
                "azurite",
                List.of(
                        bin.toString(),
                        "--blobHost",
                        "127.0.0.1",
                        "--blobPort",
                        String.valueOf(port),
                        "--location",
                        state.resolve("data").toString(),
                        "--skipApiVersionCheck",
                        "--loose"),
                state.resolve("azurite.log"),
                port,
                START_TIMEOUT_SECONDS);
        return new AzuriteServer(port);
    }
}
