package io.tagclip.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the object-store test servers share: where the project is, free ports, starting and stopping a process. */
final class TestServers {

    private TestServers() {}

    /** The project root: {@code project.basedir} under failsafe, the working directory under surefire. */
    static Path projectRoot() {
        return Path.of(System.getProperty("project.basedir", System.getProperty("user.dir")));
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free loopback port", e);
        }
    }

    /**
     * Starts {@code command} with its output in {@code log}, waits until it listens on {@code port} of 127.0.0.1,
     * and stops it when the JVM exits.
     *
     * @throws IllegalStateException naming the log when it exits or does not listen within {@code timeoutSeconds}
     */
    static Process start(String name, List<String> command, Path log, int port, long timeoutSeconds) {
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process), name + "-stop"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!listens(port)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + " while starting; see " + log);
            }
            if (System.nanoTime() > deadline) {
                stop(process);
                throw new IllegalStateException(
                        name + " did not listen on port " + port + " within " + timeoutSeconds + " s; see " + log);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(process);
                throw new IllegalStateException("Interrupted starting " + name, e);
            }
        }
        return process;
    }

    private static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
