package io.tagclip.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.image.RgbImage;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;

/** Access to the golden fixture {@code tagclip-tiny} on the test classpath (outputs of the reference TagCLIP). */
public final class Golden {

    /** Every image of the fixture. */
    public static final List<String> IMAGES = List.of(
            "astronaut",
            "astronaut_224",
            "camera",
            "camera_crop",
            "chelsea",
            "chelsea_small",
            "coffee",
            "motorcycle_left");

    /** Images whose JSON carries the complete P_coarse / W / P_dmar maps. */
    public static final List<String> FULL_DUMPS = List.of("chelsea_small", "camera_crop");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonNode> CACHE = new ConcurrentHashMap<>();

    private Golden() {}

    public static JsonNode expected(String file) {
        return CACHE.computeIfAbsent(file, f -> {
            try (InputStream in = open("expected/" + f)) {
                return JSON.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The per-image JSON of one vocabulary, e.g. {@code expected("chelsea", "voc2007")}. */
    public static JsonNode expected(String image, String vocabulary) {
        return expected(image + "." + vocabulary + ".json");
    }

    /** A fixture PNG decoded to RGB from its raw samples (grey replicated), with no colour management. */
    public static RgbImage image(String relative) {
        try (InputStream in = open(relative)) {
            BufferedImage img = ImageIO.read(in);
            Raster raster = img.getRaster();
            int w = img.getWidth();
            int h = img.getHeight();
            int bands = raster.getNumBands();
            byte[] px = new byte[w * h * 3];
            int[] sample = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    raster.getPixel(x, y, sample);
                    for (int c = 0; c < 3; c++) {
                        px[(y * w + x) * 3 + c] = (byte) sample[bands >= 3 ? c : 0];
                    }
                }
            }
            return new RgbImage(w, h, px);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RgbImage inputImage(String name) {
        return image("images/" + name + ".png");
    }

    /** The fixture's model folder. */
    public static Path modelDir() {
        URL url = Golden.class.getResource("/tagclip-tiny/model/config.json");
        if (url == null) {
            throw new IllegalStateException("tagclip-tiny fixture not on the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** A [rows][cols] JSON matrix flattened row-major. */
    public static float[] matrix(JsonNode rows) {
        int cols = rows.get(0).size();
        float[] out = new float[rows.size() * cols];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = (float) rows.get(r).get(c).asDouble();
            }
        }
        return out;
    }

    private static InputStream open(String relative) {
        InputStream in = Golden.class.getResourceAsStream("/tagclip-tiny/" + relative);
        if (in == null) {
            throw new IllegalArgumentException("no fixture file " + relative);
        }
        return in;
    }
}
