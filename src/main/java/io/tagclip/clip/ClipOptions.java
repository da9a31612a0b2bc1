package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Where and in which precision the model runs.
 *
 * <p>bfloat16 is refused: DJL 0.35.1's PyTorch JNI has no mapping for DJL's {@code BFLOAT16} (its dtype switch ends
 * in a bare {@code throw;}), so creating or casting to a bf16 tensor aborts the whole JVM on any device. fp16 is the
 * half precision that runs, and the default on a GPU ({@link #parse}, precision {@code auto}). On the golden images
 * (CPU, reference mode) it moves final scores by at most 2.7e-3 (VOC) and 1.7e-2 (COCO) with identical tags (README
 * "Reduced precision"); the reference itself keeps float32 on a GPU (its {@code build_model} leaves
 * {@code convert_weights} commented out), which is why reference mode stays float32.
 *
 * @param device the device for weights and compute; {@code null} picks the first GPU when the engine sees one, else
 *     the CPU
 * @param dtype the compute precision: {@link DataType#FLOAT32} (the reference's precision) or {@link
 *     DataType#FLOAT16} (LayerNorm and the outputs stay float32); {@code null} means FLOAT32. fp16 is meant for a GPU;
 *     on the CPU libtorch runs it too, much slower than float32, which is how its drift is measured without a GPU
 */
public record ClipOptions(Device device, DataType dtype) {

    /** Why bf16 is refused (see the class comment). */
    static final String BF16_REFUSED = "bf16 cannot run: DJL 0.35.1's PyTorch engine has no bfloat16 mapping and "
            + "aborts the JVM on the first bf16 tensor; use fp16 (the GPU default) or fp32";

    public ClipOptions {
        if (dtype == null) {
            dtype = DataType.FLOAT32;
        }
        if (dtype == DataType.BFLOAT16) {
            throw new IllegalArgumentException(BF16_REFUSED);
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be FLOAT32 or FLOAT16, got " + dtype);
        }
    }

    /** Auto device, float32. */
    public static ClipOptions defaults() {
        return new ClipOptions(null, DataType.FLOAT32);
    }

    /**
     * Options from their names: device {@code auto}, {@code cpu} or {@code gpu}; precision {@code auto} (fp16 when
     * the device is a GPU, else fp32), {@code fp32} or {@code fp16} ({@code bf16} is refused, see the class comment).
     * Bad names are reported with the accepted ones.
     */
    public static ClipOptions parse(String device, String precision) {
        Device resolved = device(device);
        DataType dtype = precision(precision);
        if (dtype == null) {
            ClipOptions probe = new ClipOptions(resolved, DataType.FLOAT32);
            dtype = defaultPrecision(probe.resolveDevice());
        }
        return new ClipOptions(resolved, dtype);
    }

    /** The device named {@code auto} (null), {@code cpu} or {@code gpu}; another name is refused. */
    public static Device device(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + name + "'");
        };
    }

    /** The precision named {@code auto} (null), {@code fp32} or {@code fp16}; bf16 and other names are refused. */
    public static DataType precision(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "fp32" -> DataType.FLOAT32;
            case "fp16" -> DataType.FLOAT16;
            case "bf16" -> throw new IllegalArgumentException(BF16_REFUSED);
            default -> throw new IllegalArgumentException("precision must be auto, fp32 or fp16, got '" + name + "'");
        };
    }

    /** The precision {@code auto} picks: fp16 on a GPU, fp32 (the reference's CPU precision) elsewhere. */
    public static DataType defaultPrecision(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** CPU, float32 (what the golden tests use). */
    public static ClipOptions cpu() {
        return new ClipOptions(Device.cpu(), DataType.FLOAT32);
    }

    /** The device this resolves to right now: the given one, else GPU 0 if the engine has a GPU, else the CPU. */
    public Device resolveDevice() {
        if (device != null) {
            return device;
        }
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
}
