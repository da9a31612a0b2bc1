package io.tagclip.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of a test server that records the request line of every HTTP request
 * passing through, so a test can tell how many requests (and which) a client made. The bytes are forwarded as they
 * are, so signatures over the {@code Host} header stay valid. Requests are told apart by the blank line ending their
 * headers: this works for the bodiless requests a reader of objects sends (HEAD, GET), not for uploads. It can also
 * answer the first requests itself with a status, to play a throttling server.
 */
public final class CountingProxy implements AutoCloseable {

    private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

    private final int targetPort;
    private final ServerSocket server;
    private final List<String> requests = new ArrayList<>();
    private final AtomicInteger toRefuse = new AtomicInteger();
    private volatile int refusalStatus;

    /** A proxy to {@code 127.0.0.1:targetPort}, accepting at once. */
    public CountingProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "counting-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The request lines seen so far ({@code GET /bucket/key HTTP/1.1}), in order. */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    /** Forgets the requests seen so far. */
    public synchronized void reset() {
        requests.clear();
        toRefuse.set(0);
    }

    /** Answers the next {@code count} requests with {@code status} and an empty body instead of forwarding them. */
    public void refuseNext(int count, int status) {
        refusalStatus = status;
        toRefuse.set(count);
    }

    private synchronized void record(String requestLine) {
        requests.add(requestLine);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "counting-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            Thread back = new Thread(() -> pump(upstream, client), "counting-proxy-back");
            back.setDaemon(true);
            back.start();
            forwardRequests(
                    new BufferedInputStream(client.getInputStream()),
                    upstream.getOutputStream(),
                    client.getOutputStream());
            upstream.shutdownOutput();
            back.join(5_000);
        } catch (IOException e) {
            // a side closed: the connection is over
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies client bytes upstream, recording each request's first line when its headers are complete. */
    private void forwardRequests(InputStream in, OutputStream upstream, OutputStream client) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.write(b);
            matched = b == HEADERS_END[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched < HEADERS_END.length) {
                continue;
            }
            byte[] request = head.toByteArray();
            head.reset();
            matched = 0;
            String text = new String(request, StandardCharsets.ISO_8859_1);
            record(text.substring(0, text.indexOf("\r\n")));
            if (toRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                client.write(("HTTP/1.1 " + refusalStatus + " Refused by test proxy\r\nContent-Length: 0\r\n"
                                + "Connection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                client.flush();
                return;
            }
            upstream.write(request);
            upstream.flush();
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // a side closed
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
