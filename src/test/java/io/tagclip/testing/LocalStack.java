package io.tagclip.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The real Kafka broker and schema registry that integration tests share: one per test JVM, started by
 * {@code bin/local-stack up} on the first {@link #get()} and stopped by {@code bin/local-stack down} when the JVM
 * exits.
 *
 * <pre>{@code
 * LocalStack stack = LocalStack.get();
 * props.put("bootstrap.servers", stack.bootstrapServers());
 * props.put("schema.registry.url", stack.registryUrl());
 * }</pre>
 *
 * <p>The stack lives in {@code target/local-stack-it} (logs stay there after the run) on free ports, so it never
 * meets a developer's own {@code bin/local-stack} or another checkout's tests. To run the tests against servers
 * that are already up, set the system properties {@value #BOOTSTRAP_PROPERTY} and {@value #REGISTRY_PROPERTY}.
 */
public final class LocalStack {

    /** System property naming an already running broker; with {@value #REGISTRY_PROPERTY}, nothing is started. */
    public static final String BOOTSTRAP_PROPERTY = "local-stack.bootstrap-servers";
    /** System property naming an already running registry's Confluent API base URL. */
    public static final String REGISTRY_PROPERTY = "local-stack.registry-url";

    /** Generous: the first run on a machine downloads and builds the registry (about a minute here). */
    private static final long UP_TIMEOUT_MINUTES = 15;

    private static final long DOWN_TIMEOUT_MINUTES = 2;
    private static final Pattern BOOTSTRAP_LINE = Pattern.compile("(?m)^bootstrap servers: (\\S+)$");
    private static final Pattern REGISTRY_LINE = Pattern.compile("(?m)^schema registry: (\\S+)$");

    private static LocalStack shared;
    /** Why the stack could not start: later callers fail at once instead of waiting for another attempt. */
    private static IllegalStateException startFailure;

    private final String bootstrapServers;
    private final String registryUrl;

    private LocalStack(String bootstrapServers, String registryUrl) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    /** The stack of this JVM, started on first use (seconds; minutes the very first time on a machine). */
    public static synchronized LocalStack get() {
        if (startFailure != null) {
            throw new IllegalStateException("The local stack failed to start earlier in this JVM", startFailure);
        }
        if (shared == null) {
            String bootstrap = System.getProperty(BOOTSTRAP_PROPERTY);
            String registry = System.getProperty(REGISTRY_PROPERTY);
            try {
                shared = bootstrap != null && registry != null ? new LocalStack(bootstrap, registry) : start();
            } catch (IllegalStateException | UncheckedIOException e) {
                startFailure = new IllegalStateException(e.getMessage(), e);
                throw e;
            }
        }
        return shared;
    }

    /** {@code host:port} of the broker's plaintext listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Base URL of the registry's Confluent-compatible API, for {@code schema.registry.url}. */
    public String registryUrl() {
        return registryUrl;
    }

    /** {@code bootstrap.servers} and {@code schema.registry.url}, to start a client configuration from. */
    public Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrapServers, "schema.registry.url", registryUrl);
    }

    /** Creates a topic with one replica unless it exists, and waits until the broker has it. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic '" + name + "' on " + bootstrapServers, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted creating topic '" + name + "'", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Topic '" + name + "' not created within 30 s on " + bootstrapServers, e);
        }
    }

    private static LocalStack start() {
        Path root = Path.of(System.getProperty("project.basedir", System.getProperty("user.dir")));
        Path script = root.resolve("bin/local-stack");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException("No executable " + script + ": run the tests from the project root");
        }
        Path state = root.resolve("target/local-stack-it");
        List<Integer> ports = freePorts();
        Map<String, String> env = Map.of(
                "LOCAL_STACK_DIR", state.toString(),
                "LOCAL_STACK_KAFKA_PORT", ports.get(0).toString(),
                "LOCAL_STACK_CONTROLLER_PORT", ports.get(1).toString(),
                "LOCAL_STACK_REGISTRY_PORT", ports.get(2).toString());
        // A run that was killed may have left servers and a log formatted for other ports: clear both.
        run(script, env, DOWN_TIMEOUT_MINUTES, "down", "--purge");
        String output = run(script, env, UP_TIMEOUT_MINUTES, "up");
        LocalStack stack = new LocalStack(
                find(BOOTSTRAP_LINE, output).orElseThrow(() -> unparsable(output)),
                find(REGISTRY_LINE, output).orElseThrow(() -> unparsable(output)));
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> run(script, env, DOWN_TIMEOUT_MINUTES, "down"), "local-stack-down"));
        return stack;
    }

    /** Runs the script to completion; its servers write to their own log files, so its output ends with it. */
    private static String run(Path script, Map<String, String> env, long timeoutMinutes, String... args) {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            // Read in the background so a chatty first-time build cannot fill the pipe and stall the script.
            var output = new CompletableFuture<String>();
            Thread reader = new Thread(
                    () -> {
                        try {
                            output.complete(
                                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            output.completeExceptionally(e);
                        }
                    },
                    "local-stack-output");
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + timeoutMinutes + " min");
            }
            String text = output.get(1, TimeUnit.MINUTES);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        command + " failed with exit code " + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + command, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot read the output of " + command, e);
        }
    }

    private static Optional<String> find(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private static IllegalStateException unparsable(String output) {
        return new IllegalStateException("bin/local-stack up printed no addresses:\n" + output);
    }

    /** Three distinct free loopback ports: broker, controller, registry. */
    private static List<Integer> freePorts() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        // Held open together, so that no two are the same port.
        try (ServerSocket kafka = new ServerSocket(0, 1, loopback);
                ServerSocket controller = new ServerSocket(0, 1, loopback);
                ServerSocket registry = new ServerSocket(0, 1, loopback)) {
            return List.of(kafka.getLocalPort(), controller.getLocalPort(), registry.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free loopback ports", e);
        }
    }
}
