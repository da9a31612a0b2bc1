package io.tagclip.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Where and in which precision the model runs.
 *
 * @param device the device for weights and compute; {@code null} picks the first GPU when the engine sees one, else
 *     the CPU
 * @param dtype the compute precision: {@link DataType#FLOAT32} (the reference's precision), or {@link
 *     DataType#FLOAT16}/{@link DataType#BFLOAT16} on a GPU only; {@code null} means FLOAT32
 */
public record ClipOptions(Device device, DataType dtype) {

    public ClipOptions {
        if (dtype == null) {
            dtype = DataType.FLOAT32;
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("dtype must be FLOAT32, FLOAT16 or BFLOAT16, got " + dtype);
        }
    }

    /** Auto device, float32. */
    public static ClipOptions defaults() {
        return new ClipOptions(null, DataType.FLOAT32);
    }

    /**
     * Options from their names: device {@code auto}, {@code cpu} or {@code gpu}; precision {@code fp32}, {@code fp16}
     * or {@code bf16}. Bad names are reported with the accepted ones.
     */
    public static ClipOptions parse(String device, String precision) {
        Device resolved = switch (device.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + device + "'");
        };
        DataType dtype = switch (precision.toLowerCase(Locale.ROOT)) {
            case "fp32" -> DataType.FLOAT32;
            case "fp16" -> DataType.FLOAT16;
            case "bf16" -> DataType.BFLOAT16;
            default ->
                throw new IllegalArgumentException("precision must be fp32, fp16 or bf16, got '" + precision + "'");
        };
        return new ClipOptions(resolved, dtype);
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

    /** Checks the precision is usable on {@code resolved}; half precision is GPU-only. */
    void checkSupported(Device resolved) {
        if (dtype != DataType.FLOAT32 && !resolved.isGpu()) {
            throw new IllegalArgumentException("dtype " + dtype + " is only supported on a GPU, but the device is "
                    + resolved + "; use FLOAT32 on the CPU");
        }
    }
}
