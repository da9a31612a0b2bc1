package io.tagclip.objectstore;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.UriImageLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the S3 and Azure store tests share: settings, a photo, the same photo over http, a server that never answers. */
final class StoreTestSupport {

    /** A real photo of the tiny model's fixtures (29 kB PNG). */
    static final Path PHOTO = Path.of("src/test/resources/tagclip-tiny/images/chelsea_small.png");

    private StoreTestSupport() {}

    static byte[] photo() {
        try {
            return Files.readAllBytes(PHOTO);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Short timings, loopback allowed by the address guard (the test servers live there). */
    /** The failure loading {@code uri} ends in; an error if it loads. */
    static FetchException failure(UriImageLoader loader, String uri) {
        try {
            loader.loadWithSource(uri, null);
        } catch (FetchException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        throw new AssertionError(uri + " loaded");
    }

    static FetchSettings settings(long maxBytes) {
        return settings(maxBytes, List.of("127.0.0.1"));
    }

    static FetchSettings settings(long maxBytes, List<String> allowList) {
        FetchSettings d = FetchSettings.defaults();
        return new FetchSettings(
                Duration.ofSeconds(1),
                Duration.ofMillis(1500),
                maxBytes,
                2,
                Duration.ofMillis(20),
                1,
                d.maxPixels(),
                false,
                List.of(),
                true,
                allowList,
                true,
                d.userAgent());
    }

    /** An http server on 127.0.0.1 serving {@code bytes} at {@code /photo.png}. */
    static HttpServer httpServing(byte[] bytes) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/photo.png", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "image/png");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port that accepts connections and never answers, until closed. */
    static final class SilentServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new ArrayList<>();

        SilentServer() {
            try {
                socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread t = new Thread(
                    () -> {
                        while (!socket.isClosed()) {
                            try {
                                Socket s = socket.accept();
                                synchronized (accepted) {
                                    accepted.add(s);
                                }
                            } catch (IOException e) {
                                return;
                            }
                        }
                    },
                    "silent-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            synchronized (accepted) {
                return accepted.size();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }
}
