package io.tagclip.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access to the golden fixture {@code clsseg-tiny} on the test classpath: the official CLIP-ES code's outputs on the
 * tiny model of {@code tagclip-tiny}, per image, vocabulary and label.
 */
public final class ClsSegGolden {

    /** The (image, vocabulary) runs of the fixture, vocabulary {@code voc} or {@code coco}. */
    public static final List<String> RUNS = List.of(
            "astronaut.voc",
            "astronaut_224.voc",
            "camera.voc",
            "camera_crop.voc",
            "chelsea.voc",
            "chelsea_small.voc",
            "coffee.voc",
            "motorcycle_left.voc",
            "astronaut_224.coco",
            "camera_crop.coco",
            "chelsea_small.coco");

    /** Runs whose JSON carries binary dumps of the high-resolution maps. */
    public static final List<String> BINARY_RUNS =
            List.of("chelsea_small.voc", "camera_crop.voc", "chelsea_small.coco", "camera_crop.coco");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonNode> CACHE = new ConcurrentHashMap<>();

    private ClsSegGolden() {}

    /** The JSON of one run, e.g. {@code run("chelsea_small.voc")}. */
    public static JsonNode run(String run) {
        return json(run + ".json");
    }

    /** {@code text_voc.json} or {@code text_coco.json}. */
    public static JsonNode text(String dataset) {
        return json("text_" + dataset + ".json");
    }

    public static JsonNode json(String file) {
        return CACHE.computeIfAbsent(file, f -> {
            try (InputStream in = open(f)) {
                return JSON.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A little-endian float32 dump. */
    public static float[] float32(String file) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buffer.remaining() / 4];
        buffer.asFloatBuffer().get(out);
        return out;
    }

    /** A little-endian float16 dump, as raw half bits. */
    public static short[] float16(String file) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[buffer.remaining() / 2];
        buffer.asShortBuffer().get(out);
        return out;
    }

    public static byte[] bytes(String file) {
        try (InputStream in = open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String file) {
        InputStream in = ClsSegGolden.class.getResourceAsStream("/clsseg-tiny/expected/" + file);
        if (in == null) {
            throw new IllegalArgumentException("no clsseg-tiny fixture file " + file);
        }
        return in;
    }
}
