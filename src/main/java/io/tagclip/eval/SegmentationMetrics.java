package io.tagclip.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * Semantic-segmentation scores as CLIP-ES's {@code eval_cam.py} ({@code scores}, {@code _fast_hist}) computes them,
 * the rule TagCLIP's CLS-SEG mIoU is reported by: one confusion matrix (rows ground truth, columns prediction) summed
 * over all images; {@code IoU_c = TP / (TP + FP + FN)}, the diagonal over row + column − diagonal; the mean IoU over
 * the "valid" classes only, those with ground-truth pixels (a class only ever predicted does not count); pixel
 * accuracy = diagonal / total. Classes are 0 (background) and 1 + a vocabulary index, so there are 1 + the
 * vocabulary's size of them (21 for VOC, 81 for COCO, as the script's {@code n_class}).
 *
 * <p>Ground-truth pixels of {@link LabelMap#IGNORED} are left out, as the script's mask leaves out every value
 * outside {@code [0, n_class)}. Other out-of-range values are refused instead of skipped: in VOC and COCO ground truth
 * 255 is the only such value, so anything else means a map of another vocabulary. A prediction value outside
 * {@code [0, n_class)} is refused too (the script would count it in a wrong cell or fail reshaping).
 */
public final class SegmentationMetrics {

    private final int numClasses;
    private final long[][] confusion;

    /** @param numClasses 1 + the vocabulary's classes (background included) */
    public SegmentationMetrics(int numClasses) {
        if (numClasses < 2 || numClasses > LabelMap.IGNORED) {
            throw new IllegalArgumentException(
                    "numClasses must be in [2, " + LabelMap.IGNORED + "], got " + numClasses);
        }
        this.numClasses = numClasses;
        this.confusion = new long[numClasses][numClasses];
    }

    /**
     * Adds one image; {@code name} (the ground-truth file, say) names it in errors.
     *
     * @throws EvaluationException when the sizes differ or a value is not a class
     */
    public void add(String name, LabelMap truth, LabelMap prediction) {
        if (truth.width() != prediction.width() || truth.height() != prediction.height()) {
            throw new EvaluationException(name + ": ground truth is " + truth.width() + "x" + truth.height()
                    + " but the prediction is " + prediction.width() + "x" + prediction.height());
        }
        int[] t = truth.labels();
        int[] p = prediction.labels();
        for (int i = 0; i < t.length; i++) {
            if (p[i] < 0 || p[i] >= numClasses) {
                throw outOfRange(name, "prediction", p[i], i, truth.width());
            }
            if (t[i] == LabelMap.IGNORED) {
                continue;
            }
            if (t[i] < 0 || t[i] >= numClasses) {
                throw outOfRange(name, "ground truth", t[i], i, truth.width());
            }
            confusion[t[i]][p[i]]++;
        }
    }

    private EvaluationException outOfRange(String name, String which, int value, int pixel, int width) {
        return new EvaluationException(name + ": " + which + " value " + value + " at (x " + pixel % width + ", y "
                + pixel / width + ") is not a class: expected 0 (background) to " + (numClasses - 1)
                + (which.equals("ground truth") ? ", or " + LabelMap.IGNORED + " (ignored)" : ""));
    }

    /**
     * Compares two folders of label maps, {@code <id>.png} in each for every id.
     *
     * @throws EvaluationException naming the file that is missing, unreadable, of another size or holding a value
     *     that is not a class
     */
    public static Result compare(Path truthFolder, Path predictionFolder, List<String> ids, int numClasses) {
        SegmentationMetrics metrics = new SegmentationMetrics(numClasses);
        for (String id : ids) {
            Path truth = truthFolder.resolve(id + ".png");
            metrics.add(truth.toString(), LabelMap.read(truth), LabelMap.read(predictionFolder.resolve(id + ".png")));
        }
        return metrics.result();
    }

    /** The scores of everything added so far. */
    public Result result() {
        double[] iou = new double[numClasses];
        boolean[] valid = new boolean[numClasses];
        long diagonal = 0;
        long total = 0;
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < numClasses; c++) {
            long row = 0;
            long column = 0;
            for (int k = 0; k < numClasses; k++) {
                row += confusion[c][k];
                column += confusion[k][c];
            }
            long hit = confusion[c][c];
            diagonal += hit;
            total += row;
            long union = row + column - hit;
            iou[c] = union == 0 ? Double.NaN : (double) hit / union;
            valid[c] = row > 0;
            if (valid[c]) { // a valid class has a non-empty union, so its IoU is a number (numpy's nanmean)
                sum += iou[c];
                counted++;
            }
        }
        return new Result(
                iou,
                valid,
                counted == 0 ? Double.NaN : sum / counted,
                total == 0 ? Double.NaN : (double) diagonal / total);
    }

    /**
     * @param iou           per class (index 0 background), NaN where the class is in neither map
     * @param valid         whether the class has ground-truth pixels, i.e. counts in the mean
     * @param meanIou       mean of {@code iou} over the valid classes
     * @param pixelAccuracy correctly labelled share of the scored pixels
     */
    public record Result(double[] iou, boolean[] valid, double meanIou, double pixelAccuracy) {}
}
