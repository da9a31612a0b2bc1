package io.tagclip.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;

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

    /**
     * The oracle's label map of one run, row-major {@code [H0][W0]}, read from its PNG after checking the decoded
     * pixels against the run's {@code label_map.sha256_u8} and {@code value_counts}.
     */
    public static byte[] labelMap(String run) {
        JsonNode expected = run(run).get("label_map");
        BufferedImage png;
        try {
            png = ImageIO.read(
                    new ByteArrayInputStream(bytes(expected.get("png").asText())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Raster raster = png.getRaster();
        int height = run(run).get("original_hw").get(0).asInt();
        int width = run(run).get("original_hw").get(1).asInt();
        if (raster.getNumBands() != 1 || png.getHeight() != height || png.getWidth() != width) {
            throw new IllegalStateException("label map of " + run + " is not one " + height + "x" + width + " band");
        }
        byte[] map = new byte[height * width];
        for (int i = 0; i < map.length; i++) {
            map[i] = (byte) raster.getSample(i % width, i / width, 0);
        }
        String sha = sha256(map);
        if (!sha.equals(expected.get("sha256_u8").asText())) {
            throw new IllegalStateException("label map PNG of " + run + " has sha256 " + sha + ", the run names "
                    + expected.get("sha256_u8").asText());
        }
        Map<String, Integer> counts = valueCounts(map);
        Map<String, Integer> want = new TreeMap<>();
        expected.get("value_counts")
                .fields()
                .forEachRemaining(e -> want.put(e.getKey(), e.getValue().asInt()));
        if (!counts.equals(want)) {
            throw new IllegalStateException(
                    "label map PNG of " + run + " has value counts " + counts + ", the run names " + want);
        }
        return map;
    }

    /** The hex sha256 of a uint8 label map's bytes, as the fixture's {@code sha256_u8}. */
    public static String sha256(byte[] map) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(map));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pixel count per label-map value, keyed by the value's decimal as in the fixture's {@code value_counts}. */
    public static Map<String, Integer> valueCounts(byte[] map) {
        Map<String, Integer> counts = new TreeMap<>();
        for (byte b : map) {
            counts.merge(Integer.toString(b & 0xFF), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * How a label map differs from a run's oracle label map.
     *
     * @param differing pixels whose value differs
     * @param fragileCount the oracle's {@code fragile_count}
     * @param unlisted differing pixels the oracle does not list as fragile, as {@code [y,x] got/want}; pixels after
     *     the last listed one are not judged when the oracle lists only the first 300 of its fragile pixels
     */
    public record LabelMapDifference(int differing, int fragileCount, List<String> unlisted) {

        /** Whether the map equals the oracle's except at fragile pixels: none unlisted, no more than it counts. */
        public boolean withinFragile() {
            return unlisted.isEmpty() && differing <= fragileCount;
        }

        /** The counts and the first few unlisted pixels, for an assertion message. */
        public String summary() {
            return differing + " pixels differ (oracle fragile_count " + fragileCount + "), " + unlisted.size()
                    + " not listed as fragile"
                    + (unlisted.isEmpty() ? "" : ", e.g. " + unlisted.subList(0, Math.min(5, unlisted.size())));
        }
    }

    /** Compares a row-major uint8 label map of a run's image with the run's oracle label map. */
    public static LabelMapDifference compareLabelMap(String run, byte[] actual) {
        byte[] want = labelMap(run);
        if (actual.length != want.length) {
            throw new IllegalArgumentException(
                    "label map of " + run + " has " + actual.length + " pixels, the oracle's " + want.length);
        }
        JsonNode expected = run(run).get("label_map");
        int width = run(run).get("original_hw").get(1).asInt();
        Set<Integer> fragile = new HashSet<>();
        int lastListed = -1;
        for (JsonNode p : expected.get("fragile_pixels_yx_label")) {
            int index = p.get(0).asInt() * width + p.get(1).asInt();
            fragile.add(index);
            lastListed = Math.max(lastListed, index);
        }
        int fragileCount = expected.get("fragile_count").asInt();
        boolean truncated = fragileCount > fragile.size(); // the fixture lists the first 300 in raster order
        int differing = 0;
        List<String> unlisted = new ArrayList<>();
        for (int i = 0; i < want.length; i++) {
            if (actual[i] == want[i]) {
                continue;
            }
            differing++;
            if ((!truncated || i <= lastListed) && !fragile.contains(i)) {
                unlisted.add("[" + i / width + "," + i % width + "] " + (actual[i] & 0xFF) + "/" + (want[i] & 0xFF));
            }
        }
        return new LabelMapDifference(differing, fragileCount, unlisted);
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
