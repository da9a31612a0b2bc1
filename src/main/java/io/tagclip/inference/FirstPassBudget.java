package io.tagclip.inference;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * How much memory one forward whose attention grows with the square of the token count may take (a TagCLIP first
 * pass, or the Grad-CAM pass of masks), estimated before it runs ({@link io.tagclip.batch.FirstPassMemory}); an image
 * above it is refused, and first passes share a forward only as far as it allows. Either a number of bytes, or a
 * share of the memory the device leaves for tensors: on a GPU its whole memory; on the CPU the machine's memory (the
 * container's limit where there is one, as the JVM reports it) less the Java heap's maximum, because libtorch's
 * tensors live outside the heap, and at least a quarter of the machine's memory.
 *
 * <p>The default, half of that, leaves the other half for what the estimate does not count: the weights (about
 * 600 MB at ViT-B/16 in float32), libtorch, the JVM's own native memory, CWR's 224-pixel crop forwards, the allocator's
 * slack (the allocator setting keeps freed blocks for reuse) and, on the CPU, the last block's slow path, which needs
 * about twice the estimate and which no real image has taken so far.
 *
 * @param bytes a fixed budget in bytes, or 0 for {@code share} of the device's memory
 * @param share the share of the device's memory when {@code bytes} is 0, in (0, 1]
 */
public record FirstPassBudget(long bytes, double share) {

    /** Half of the memory the device leaves for tensors. */
    public static final FirstPassBudget DEFAULT = new FirstPassBudget(0, 0.5);

    public FirstPassBudget {
        if (bytes < 0) {
            throw new IllegalArgumentException("a first-pass budget must not be negative, got " + bytes);
        }
        if (bytes == 0 && !(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a first-pass budget share must be in (0, 1], got " + share);
        }
    }

    /** A fixed budget of {@code bytes} bytes. */
    public static FirstPassBudget ofBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a first-pass budget must be positive, got " + bytes);
        }
        return new FirstPassBudget(bytes, 0);
    }

    /**
     * A budget as the configuration and the command line write it: a number of bytes ({@code 8589934592}) or a
     * percentage of the device's memory for tensors ({@code 50%}).
     *
     * @throws IllegalArgumentException naming the value when it is neither, or not positive
     */
    public static FirstPassBudget parse(String value) {
        String text = value == null ? "" : value.strip();
        try {
            if (text.endsWith("%")) {
                double percent =
                        Double.parseDouble(text.substring(0, text.length() - 1).strip());
                if (percent > 0 && percent <= 100) {
                    return new FirstPassBudget(0, percent / 100);
                }
            } else {
                long parsed = Long.parseLong(text);
                if (parsed > 0) {
                    return ofBytes(parsed);
                }
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("'" + value + "' is neither a positive number of bytes nor a percentage in"
                + " (0%, 100%] of the memory left for tensors (such as 50%)");
    }

    /** The budget in bytes on {@code device}. */
    public long resolve(Device device) {
        return bytes > 0 ? bytes : (long) (share * tensorMemory(device));
    }

    /** How the budget on {@code device} comes about, for a log line. */
    public String describe(Device device) {
        long resolved = resolve(device);
        if (bytes > 0) {
            return resolved + " bytes";
        }
        String of = device.isGpu()
                ? "the memory of " + device
                : String.format(
                        Locale.ROOT,
                        "%d bytes of memory less a %d-byte max heap",
                        machineMemory(),
                        Runtime.getRuntime().maxMemory());
        return String.format(Locale.ROOT, "%d bytes (%s%% of %s)", resolved, percent(share), of);
    }

    /** The memory {@code device} leaves for tensors, in bytes (see the class comment). */
    static long tensorMemory(Device device) {
        if (device.isGpu()) {
            return CudaUtils.getGpuMemory(device).getMax();
        }
        return hostTensorMemory(machineMemory(), Runtime.getRuntime().maxMemory());
    }

    /** What a machine of {@code memory} bytes leaves for native tensors beside a heap of at most {@code maxHeap}. */
    static long hostTensorMemory(long memory, long maxHeap) {
        return Math.max(memory - maxHeap, memory / 4);
    }

    /** The machine's memory, or the container's limit where it is lower (the JVM reads the cgroup). */
    static long machineMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                && os.getTotalMemorySize() > 0) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory() * 4; // the JVM's default heap is a quarter of the memory
    }

    private static String percent(double share) {
        double percent = share * 100;
        return percent == Math.rint(percent)
                ? Long.toString((long) percent)
                : String.format(Locale.ROOT, "%.2f", percent);
    }
}
