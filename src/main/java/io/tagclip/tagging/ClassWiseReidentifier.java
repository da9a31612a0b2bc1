package io.tagclip.tagging;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.preprocess.CropResize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TagCLIP step 3, CWR: class-wise re-identification (paper §3.4; classify.py {@code cwr}). Each candidate class is
 * looked at again globally: the image region where its refined map is high is cropped, resized to 224, and encoded
 * with the class token only allowed to attend to the candidate's patches; the crop's class probability is fused with
 * the local score.
 *
 * <p>The work is split in two so that crops can be batched: {@link #plan} makes every decision from the refined map
 * alone (the reference's decisions do not depend on the crop forwards), {@link #fuse} applies the crop results.
 *
 * <p>Reproduced quirks:
 * <ul>
 *   <li>the candidate threshold is relative to the min and max of the whole refined map, background columns
 *       included, while only dataset classes can be candidates;</li>
 *   <li>the box's exclusive ends are clipped to {@code grid - 1}, so the last patch row and column are never
 *       cropped;</li>
 *   <li><b>early return</b>: at the first candidate whose box is empty after clipping, the reference returns at once,
 *       so that candidate and every later one keep their local score unfused;</li>
 *   <li>the crop is cut from the normalised tensor and resized bilinearly without antialiasing, the mask with
 *       nearest ({@link CropResize});</li>
 *   <li>fusion overwrites the score in place; candidates are processed in class order, so the order does not matter
 *       for the result.</li>
 * </ul>
 */
public final class ClassWiseReidentifier {

    private ClassWiseReidentifier() {}

    /**
     * One crop to re-identify.
     *
     * @param classIndex the candidate class
     * @param box        the crop in patch cells (half-open, after clipping)
     * @param mask       the candidate's cells inside the box resized to the crop's patch grid, row-major
     */
    public record Crop(int classIndex, PatchBox box, boolean[] mask) {}

    /**
     * Every decision of CWR for one image.
     *
     * @param threshold        candidate threshold {@code min + t * (max - min)} of the refined map
     * @param candidates       dataset classes above the threshold, ascending
     * @param crops            crops of the candidates processed before the early return
     * @param earlyReturnClass the candidate at which the reference returns early, or -1
     */
    public record Plan(float threshold, List<Integer> candidates, List<Crop> crops, int earlyReturnClass) {}

    /**
     * Decides the candidates and their crops.
     *
     * @param refined     the DMAR map {@code [N,K]} flattened row-major
     * @param numClasses  K
     * @param localScores the first C columns' maxima over patches
     */
    public static Plan plan(
            float[] refined, int numClasses, float[] localScores, int gridH, int gridW, TagClipParams params) {
        int n = gridH * gridW;
        if (refined.length != n * numClasses || localScores.length > numClasses) {
            throw new IllegalArgumentException("expected a [" + n + "," + numClasses + "] map and at most " + numClasses
                    + " scores, got " + refined.length + " values and " + localScores.length);
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : refined) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float threshold = min + params.candidateThreshold() * (max - min);
        List<Integer> candidates = new ArrayList<>();
        for (int c = 0; c < localScores.length; c++) {
            if (localScores[c] > threshold) {
                candidates.add(c);
            }
        }
        List<Crop> crops = new ArrayList<>();
        int earlyReturn = -1;
        float[] column = new float[n];
        for (int c : candidates) {
            for (int i = 0; i < n; i++) {
                column[i] = refined[i * numClasses + c];
            }
            boolean[] cells = highCells(column, params.cwrMaskThreshold());
            PatchBox box = boxAround(cells, gridH, gridW);
            if (box.isEmpty()) {
                earlyReturn = c;
                break;
            }
            boolean[] inBox = new boolean[box.width() * box.height()];
            for (int y = box.y0(); y < box.y1(); y++) {
                for (int x = box.x0(); x < box.x1(); x++) {
                    inBox[(y - box.y0()) * box.width() + (x - box.x0())] = cells[y * gridW + x];
                }
            }
            int grid = params.cwrGrid();
            crops.add(new Crop(c, box, CropResize.nearest(inBox, box.height(), box.width(), grid, grid)));
        }
        return new Plan(threshold, List.copyOf(candidates), List.copyOf(crops), earlyReturn);
    }

    /** {@code (v - min) / max(v - min) > threshold} in float32; a constant column has no high cell. */
    static boolean[] highCells(float[] column, float threshold) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : column) {
            min = Math.min(min, v);
        }
        float range = Float.NEGATIVE_INFINITY;
        for (float v : column) {
            range = Math.max(range, v - min);
        }
        boolean[] cells = new boolean[column.length];
        if (!(range > 0f)) {
            return cells;
        }
        for (int i = 0; i < column.length; i++) {
            cells[i] = (column[i] - min) / range > threshold;
        }
        return cells;
    }

    /** Rows and columns holding any set cell, end + 1, ends clipped to {@code grid - 1}; all zero when none. */
    static PatchBox boxAround(boolean[] cells, int gridH, int gridW) {
        int x0 = gridW;
        int x1 = -1;
        int y0 = gridH;
        int y1 = -1;
        for (int y = 0; y < gridH; y++) {
            for (int x = 0; x < gridW; x++) {
                if (cells[y * gridW + x]) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) {
            return new PatchBox(0, 0, 0, 0);
        }
        int xEnd = Math.min(x1 + 1, gridW - 1);
        int yEnd = Math.min(y1 + 1, gridH - 1);
        return new PatchBox(x0, y0, Math.max(xEnd, x0), Math.max(yEnd, y0));
    }

    /**
     * The crops' pixels, cut and resized on the image's device: the box ({@code x patchSize}) cut from the normalised
     * image and resized bilinearly (align_corners false, no antialiasing, as the reference's {@code F.interpolate})
     * to {@code cwrInputSize} square, as {@code R_y · crop · R_xᵀ} with the resize matrices of
     * {@link CropResize#bilinearMatrix} (the weights {@link CropResize#bilinear} applies on the host).
     *
     * @param image the normalised image {@code [3,H,W]}
     * @return {@code [B,3,S,S]} owned by the image's manager
     */
    public static NDArray cropPixels(NDArray image, List<Crop> crops, TagClipParams params) {
        Shape shape = image.getShape();
        if (shape.dimension() != 3 || shape.get(0) != 3) {
            throw new IllegalArgumentException("expected an image [3,H,W], got " + shape);
        }
        int size = params.cwrInputSize();
        int p = params.patchSize();
        NDManager manager = image.getManager();
        NDList resized = new NDList(crops.size());
        for (Crop crop : crops) {
            PatchBox box = crop.box();
            if (box.isEmpty() || box.y1() * p > shape.get(1) || box.x1() * p > shape.get(2)) {
                throw new IllegalArgumentException(
                        "crop " + box + " is empty or outside the " + shape.get(2) + "x" + shape.get(1) + " image");
            }
            int h = box.height() * p;
            int w = box.width() * p;
            NDArray cut = image.get(":, " + box.y0() * p + ":" + box.y1() * p + ", " + box.x0() * p + ":"
                    + box.x1() * p); // [3,H,W] -> [3,h,w]
            NDArray rows = manager.create(CropResize.bilinearMatrix(h, size), new Shape(size, h)); // [S,h]
            NDArray cols = manager.create(CropResize.bilinearMatrix(w, size), new Shape(size, w)); // [S,w]
            NDArray out = rows.matMul(cut) // [S,h] x [3,h,w] -> [3,S,w]
                    .matMul(cols.transpose()); // [3,S,w] x [w,S] -> [3,S,S]
            resized.add(out.expandDims(0)); // -> [1,3,S,S]
        }
        return NDArrays.concat(resized, 0); // B x [1,3,S,S] -> [B,3,S,S]
    }

    /**
     * The class-token row of each crop's attention mask: 0 for the class token itself and the candidate's patches,
     * {@code classRowMask} (-1000) for the other patches.
     *
     * @return {@code [B,1+G*G]} owned by {@code manager}
     */
    public static NDArray classRowMasks(List<Crop> crops, TagClipParams params, NDManager manager) {
        int tokens = 1 + params.cwrGrid() * params.cwrGrid();
        float[] rows = new float[crops.size() * tokens];
        for (int b = 0; b < crops.size(); b++) {
            boolean[] mask = crops.get(b).mask();
            for (int j = 1; j < tokens; j++) {
                rows[b * tokens + j] = mask[j - 1] ? 0f : params.classRowMask();
            }
        }
        return manager.create(rows, new Shape(crops.size(), tokens));
    }

    /**
     * Each crop's probability of its own class: softmax over all K classes of the scaled cosine between the crop's
     * class token and the text features, left on the device.
     *
     * @param classTokens the crops' class tokens after {@code ln_post} and projection, not normalised, {@code [B,E]}
     * @param text        normalised text features {@code [K,E]}
     * @return the full softmax {@code [B,K]}
     */
    public static NDArray cropProbabilities(NDArray classTokens, NDArray text, float logitScale) {
        NDArray unit = classTokens.div(classTokens.norm(new int[] {-1}, true)); // [B,E]
        return unit.mul(logitScale).matMul(text.transpose()).softmax(-1); // [B,E] x [E,K] -> [B,K]
    }

    /**
     * Fuses every crop's probability of its class into the local scores:
     * {@code s = w * s + (1 - w) * p}. Classes without a crop keep their local score.
     *
     * @param probabilities {@code [B,K]} row-major, rows in crop order
     */
    public static float[] fuse(
            float[] localScores, List<Crop> crops, float[] probabilities, int numClasses, TagClipParams params) {
        if (probabilities.length != crops.size() * numClasses) {
            throw new IllegalArgumentException(
                    "expected " + crops.size() + "x" + numClasses + " crop probabilities, got " + probabilities.length);
        }
        float[] scores = Arrays.copyOf(localScores, localScores.length);
        float w = params.fusionWeight();
        for (int b = 0; b < crops.size(); b++) {
            int c = crops.get(b).classIndex();
            scores[c] = w * scores[c] + (1f - w) * probabilities[b * numClasses + c];
        }
        return scores;
    }
}
