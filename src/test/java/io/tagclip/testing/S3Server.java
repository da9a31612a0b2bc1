package io.tagclip.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A real S3-compatible server for the tests: s3proxy ({@code org.gaul:s3proxy}, copied into
 * {@code target/test-servers} by the build) on the file system, one per test JVM, started on the first
 * {@link #get()} on a free loopback port and stopped when the JVM exits. A bucket is a folder of {@link #dataDir()}
 * and an object a file in it, so tests put objects with {@link #put} without any S3 client. It checks AWS signatures
 * (v2 and v4) against {@link #ACCESS_KEY} and {@link #SECRET_KEY}.
 */
public final class S3Server {

    public static final String ACCESS_KEY = "tagclip-test-access";
    public static final String SECRET_KEY = "tagclip-test-secret";
    /** The region clients sign for; s3proxy accepts any. */
    public static final String REGION = "us-east-1";

    private static final long START_TIMEOUT_SECONDS = 60;

    private static S3Server shared;
    private static IllegalStateException startFailure;

    private final int port;
    private final Path dataDir;

    private S3Server(int port, Path dataDir) {
        this.port = port;
        this.dataDir = dataDir;
    }

    /** The server of this JVM, started on first use (a few seconds). */
    public static synchronized S3Server get() {
        if (startFailure != null) {
            throw new IllegalStateException("s3proxy failed to start earlier in this JVM", startFailure);
        }
        if (shared == null) {
            try {
                shared = start();
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

    /** {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The folder whose subfolders are the buckets. */
    public Path dataDir() {
        return dataDir;
    }

    /** Creates the bucket unless it exists: a folder of {@link #dataDir()}. */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(dataDir.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores {@code bytes} as {@code bucket/key}, creating the bucket. Through the S3 API (a PUT straight to the
     * server), because a file written beside the server has no ETag: s3proxy keeps an object's MD5 with the file
     * when it stores it itself.
     */
    public void put(String bucket, String key, byte[] bytes) {
        createBucket(bucket);
        try (S3Client client = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            client.putObject(
                    PutObjectRequest.builder()
                            .bucket(bucket)
                            .key(key)
                            .contentType("image/png")
                            .build(),
                    RequestBody.fromBytes(bytes));
        }
    }

    private static S3Server start() {
        Path root = TestServers.projectRoot();
        Path jar = jar(root.resolve("target/test-servers"));
        Path state = root.resolve("target/s3proxy-test");
        Path data = state.resolve("data");
        int port = TestServers.freePort();
        try {
            deleteTree(data);
            Files.createDirectories(data);
            Path properties = state.resolve("s3proxy.properties");
            Files.writeString(
                    properties,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=http://127.0.0.1:" + port,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem",
                            "jclouds.filesystem.basedir=" + data,
                            ""));
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            TestServers.start(
                    "s3proxy",
                    List.of(
                            java,
                            "-Xmx256m",
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-jar",
                            jar.toString(),
                            "--properties",
                            properties.toString()),
                    state.resolve("s3proxy.log"),
                    port,
                    START_TIMEOUT_SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + state, e);
        }
        return new S3Server(port, data);
    }

    private static Path jar(Path dir) {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "s3proxy-*-jar-with-dependencies.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalStateException("No s3proxy jar in " + dir
                + ": the build copies it there (maven-dependency-plugin, phase generate-test-resources); run the"
                + " tests through ./mvnw");
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
