package io.tagclip.bench;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.FirstPassMemory;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.PassPeaks;
import io.tagclip.preprocess.ClipImage;
import io.tagclip.tagging.TagClipParams;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The first-pass memory estimate ({@link FirstPassMemory}) against the measured peak on CLIP ViT-B/16 dimensions with
 * random weights, fp32, CPU, for docs/benchmarks.md: per size, TagCLIP's first pass (the forward, DMAR and CWR
 * planning, {@link TagClipTagger#firstPass}) or the Grad-CAM pass of masks for a number of tags, after one warm-up pass
 * at 224.
 *
 * <p>Measured: the peak resident set (VmHWM, reset through {@code /proc/self/clear_refs} before each pass) above the
 * resident set before it. Run {@code bin/bench-first-pass} with {@code GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536}
 * (its default), where glibc hands every freed tensor back, so the peak is the live tensors'; with the allocator
 * setting of the service it is the resident set the service would reach from a fresh start. Prints one tab-separated
 * line per size: pass, size, tokens, estimate MB, measured MB, their ratio.
 *
 * <p>Arguments: {@code first|forward|gradcam:TAGS [--vision WIDTH,HEADS,LAYERS] WxH...}: {@code forward} is the
 * first pass's forward alone (no DMAR), and {@code --vision} replaces ViT-B/16's vision tower by one of these
 * dimensions (MLP 4 × WIDTH), to check the estimate's per-phase counts. Each line also gives the measured peak in
 * {@code [T,T]} float32 maps.
 */
public final class FirstPassPeaks {

    private FirstPassPeaks() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: FirstPassPeaks first|forward|gradcam:TAGS"
                    + " [--vision WIDTH,HEADS,LAYERS] WxH..., got " + Arrays.toString(args));
        }
        String pass = args[0];
        int tags = pass.startsWith("gradcam:") ? Integer.parseInt(pass.substring("gradcam:".length())) : 0;
        ClipConfig config = ClipConfig.vitB16();
        int first = 1;
        if (args[1].equals("--vision")) {
            String[] d = args[2].split(",");
            config = vision(config, Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]));
            first = 3;
        }
        try (ClipModel model = RandomClip.randomWeights(config, 42, ClipOptions.cpu())) {
            FirstPassMemory memory = ClipModelBackbone.firstPassMemory(model);
            forward(model, PassPeaks.image(224, 224)); // warm-up
            for (int a = first; a < args.length; a++) {
                String[] size = args[a].split("x");
                int width = Integer.parseInt(size[0]);
                int height = Integer.parseInt(size[1]);
                ClipImage image = PassPeaks.image(width, height);
                long tokens =
                        FirstPassMemory.tokens(width, height, model.config().patchSize());
                long estimate;
                long measured;
                if (tags > 0) {
                    estimate = memory.gradCamBytes(tokens, tags);
                    measured = PassPeaks.peakDuring(() -> PassPeaks.gradCam(model, image, tags));
                } else if (pass.equals("forward")) {
                    estimate = memory.tagClipBytes(1, tokens, false);
                    measured = PassPeaks.peakDuring(() -> forward(model, image));
                } else {
                    estimate = memory.tagClipBytes(1, tokens, false);
                    measured = PassPeaks.peakDuring(() -> PassPeaks.firstPass(model, List.of(image)));
                }
                System.out.printf(
                        "%s\t%s\t%dx%d\ttokens=%d\testimateMB=%.0f\tmeasuredMB=%.0f\tratio=%.2f\tmeasuredMaps=%.1f%n",
                        pass,
                        config.visionWidth() + "," + config.visionHeads() + "," + config.visionLayers(),
                        width,
                        height,
                        tokens,
                        estimate / 1e6,
                        measured / 1e6,
                        (double) estimate / measured,
                        measured / (4.0 * tokens * tokens));
            }
        }
    }

    /** ViT-B/16 with a vision tower of these dimensions (MLP 4 × width) and a small text tower. */
    private static ClipConfig vision(ClipConfig b16, int width, int heads, int layers) {
        return new ClipConfig(
                width,
                layers,
                heads,
                4 * width,
                b16.patchSize(),
                b16.imageSize(),
                b16.visionEps(),
                b16.visionActivation(),
                64,
                1,
                1,
                256,
                b16.contextLength(),
                b16.vocabSize(),
                b16.textEps(),
                b16.textActivation(),
                64);
    }

    /** The first pass's forward alone: every layer's map kept, stacked and handed over, no DMAR. */
    private static void forward(ClipModel model, ClipImage image) {
        try (NDManager scope = model.manager().newSubManager()) {
            model.encodeImagesTagClip(List.of(image.toNDArray(scope)), TagClipParams.REFERENCE.lastLayerSelfMask());
        }
    }
}
