package io.tagclip.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.GradCamPass;
import io.tagclip.image.RgbImage;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.preprocess.ClipTransform;
import io.tagclip.tagging.TagClipParams;
import io.tagclip.tagging.TagClipTagger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The passes whose memory {@code FirstPassMemory} estimates, run as the pipeline runs them, and the resident set and
 * its peak while one runs: shared by {@code FirstPassPeakTest} and the memory benchmarks.
 */
public final class PassPeaks {

    /** How often, and how far apart, the resident set is read while it settles after the collection. */
    private static final int SETTLE_CHECKS = 40;

    private static final long SETTLE_MILLIS = 50;

    /** A resident set that moved less than this between two reads has settled. */
    private static final long SETTLED_KB = 1024;

    private PassPeaks() {}

    /**
     * Bytes the resident set rose above its level before {@code pass} at its highest while {@code pass} ran (VmHWM,
     * reset through {@code /proc/self/clear_refs}). The heap is collected first and the resident set left to settle
     * (G1 hands an emptied heap back after a collection, which would otherwise lower the resident set while the pass
     * runs and hide part of its peak).
     */
    public static long peakDuring(Runnable pass) throws IOException, InterruptedException {
        System.gc();
        long settled = statusKb("VmRSS");
        for (int i = 0; i < SETTLE_CHECKS; i++) {
            Thread.sleep(SETTLE_MILLIS);
            long now = statusKb("VmRSS");
            if (Math.abs(now - settled) < SETTLED_KB) {
                break;
            }
            settled = now;
        }
        Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // peak := current resident set
        long before = statusKb("VmRSS");
        pass.run();
        return (statusKb("VmHWM") - before) * 1024;
    }

    /** TagCLIP's first pass as the pipeline runs it: the forward, then DMAR and CWR planning on its maps. */
    public static void firstPass(ClipModel model, List<ClipImage> images) {
        TagClipTagger tagger = new TagClipTagger(new ClipModelBackbone(model), TagClipParams.REFERENCE);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray text = text(model, scope);
            int[] classes = new int[images.size()];
            Arrays.fill(classes, 20);
            tagger.firstPass(images, Collections.nCopies(images.size(), text), classes, scope);
        }
    }

    /** The Grad-CAM pass of masks for {@code targets} tags, its gradients read back. */
    public static void gradCam(ClipModel model, ClipImage image, int targets) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray pixels = image.toNDArray(scope).expandDims(0); // [3,H,W] -> [1,3,H,W]
            try (GradCamPass pass = model.gradCamPass(pixels, text(model, scope), targets)) {
                pass.gradients().toFloatArray();
            }
        }
    }

    /** A noise image of this size, the same for the same size. */
    public static ClipImage image(int width, int height) {
        byte[] pixels = new byte[width * height * 3];
        new SplittableRandom(width * 31L + height).nextBytes(pixels);
        return ClipTransform.toSize(new RgbImage(width, height, pixels), width, height);
    }

    /** A kB value of {@code /proc/self/status}: VmRSS is the resident set now, VmHWM its peak. */
    public static long statusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(
                        line.substring(key.length() + 1).replace("kB", "").strip());
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }

    /** 45 random unit text rows [45,E] (VOC's 20 classes and 25 background classes). */
    private static NDArray text(ClipModel model, NDManager scope) {
        int e = model.config().embedDim();
        float[] rows = new float[45 * e];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        NDArray table = scope.create(rows, new Shape(45, e));
        return table.div(table.norm(new int[] {1}, true));
    }
}
