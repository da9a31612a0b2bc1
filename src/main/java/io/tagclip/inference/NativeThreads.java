package io.tagclip.inference;

import ai.djl.Device;
import java.util.Map;
import java.util.Optional;

/**
 * How libtorch's CPU threads behave. Its OpenMP threads (libgomp) spin after each parallel region by default, burning a
 * core that another process on a shared node could use, and libtorch sizes its intra-op pool by the host's cores,
 * not by the container's CPU quota. Measured with {@code bin/bench-busy} (docs/benchmarks.md, "Busy node"): with a
 * passive wait policy the same pipeline runs as fast on an idle machine and 1.2× faster, at 0.72× the CPU seconds per
 * image, beside a process spinning on one of its two cores. The launchers ({@code bin/lib/jvm-env.sh}) and the images
 * set {@link #WAIT_POLICY}; a JVM started some other way gets a warning. {@link #configure()} sizes the intra-op pool
 * by the CPUs this JVM may use, which respects a container's quota.
 */
public final class NativeThreads {

    /** The {@code OMP_WAIT_POLICY} the launchers and images set. */
    public static final String WAIT_POLICY = "PASSIVE";

    /** DJL's system property for libtorch's intra-op threads, read when the engine loads. */
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    private NativeThreads() {}

    /**
     * Sets libtorch's intra-op threads to the CPUs the JVM may use ({@link Runtime#availableProcessors()}: a
     * container's CPU quota, not the host's cores), unless {@value #THREADS_PROPERTY} is set already. Call before the
     * first model loads; later calls change nothing. Returns the threads libtorch will use.
     */
    public static int configure() {
        String set = System.getProperty(THREADS_PROPERTY);
        if (set != null && !set.isBlank()) {
            return Integer.parseInt(set.strip());
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        System.setProperty(THREADS_PROPERTY, Integer.toString(cpus));
        return cpus;
    }

    /** The warning for a model on {@code device} in a process with this environment, if the wait policy is missing. */
    public static Optional<String> warning(Device device, Map<String, String> environment) {
        if (device.isGpu()) {
            return Optional.empty();
        }
        String policy = environment.getOrDefault("OMP_WAIT_POLICY", "");
        if (policy.equalsIgnoreCase(WAIT_POLICY)) {
            return Optional.empty();
        }
        return Optional.of("OMP_WAIT_POLICY=" + (policy.isEmpty() ? "(unset)" : policy) + ": libtorch's threads spin"
                + " between operations, which costs 1.4x the CPU per image on a busy node; start through bin/tagclip"
                + " or the container image, or set OMP_WAIT_POLICY=" + WAIT_POLICY);
    }

    /** {@link #warning(Device, Map)} for this process. */
    public static Optional<String> warning(Device device) {
        return warning(device, System.getenv());
    }
}
