package io.tagclip.inference;

import ai.djl.Device;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether this process runs with the allocator settings that keep libtorch's freed CPU tensors for reuse. glibc's
 * {@code malloc} hands large freed blocks back to the kernel (above its mmap threshold, and above 64 MiB in a
 * thread's own arena), so without them every attention map of a large image is paged in afresh at each op: 2–3×
 * slower first passes at 1,000–1,500 tokens on the CPU (README, "CPU efficiency"). The launchers
 * ({@code bin/lib/jvm-env.sh}) and the images set {@link #TUNABLES}; a JVM started some other way gets a warning.
 */
public final class NativeAllocator {

    /** The {@code GLIBC_TUNABLES} value the launchers and images set. */
    public static final String TUNABLES =
            "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736";

    /** The two settings without which freed tensors still go back to the kernel. */
    private static final String[] REQUIRED = {"glibc.malloc.arena_max=1", "glibc.malloc.mmap_max=0"};

    private NativeAllocator() {}

    /** The warning for a model on {@code device} in a process with this environment, if the settings are missing. */
    public static Optional<String> warning(Device device, Map<String, String> environment, String osName) {
        if (device.isGpu() || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.empty(); // GPU tensors use libtorch's caching allocator; elsewhere there is no glibc
        }
        String tunables = environment.getOrDefault("GLIBC_TUNABLES", "");
        for (String setting : REQUIRED) {
            if (!tunables.contains(setting)) {
                return Optional.of("GLIBC_TUNABLES=" + (tunables.isEmpty() ? "(unset)" : tunables) + " lacks "
                        + setting + ": freed tensors go back to the kernel and large images run 2-3x slower on the"
                        + " CPU; start through bin/tagclip or the container image, or set GLIBC_TUNABLES=" + TUNABLES);
            }
        }
        return Optional.empty();
    }

    /** {@link #warning(Device, Map, String)} for this process. */
    public static Optional<String> warning(Device device) {
        return warning(device, System.getenv(), System.getProperty("os.name", ""));
    }
}
