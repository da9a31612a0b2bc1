package io.tagclip.bench;

import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.image.RgbImage;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What extra labels (open vocabulary) cost at full size: the time to make the text features of new names (one
 * 85-template prompt ensemble each, as the service's background embedder does), and the time a tagging call with
 * 16 extra labels already in memory takes against the same call without them. Random ViT-B/16 weights, VOC,
 * throughput mode, one 512×384 image.
 *
 * <pre>bin/bench-extra-labels [NEW_NAMES=1,4,16] [REPEATS=3]</pre>
 */
public final class ExtraLabelCost {

    private static final long SEED = 42;

    private ExtraLabelCost() {}

    public static void main(String[] args) {
        List<Integer> counts = new ArrayList<>();
        for (String c : (args.length > 0 ? args[0] : "1,4,16").split(",")) {
            counts.add(Integer.parseInt(c.strip()));
        }
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[] pixels = new byte[512 * 384 * 3];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        RgbImage image = new RgbImage(512, 384, pixels);
        try (ClipModel model =
                        RandomClip.randomWeightsWithTokenizer(ClipConfig.vitB16(), SEED, ClipOptions.defaults());
                TaggingPipeline pipeline = Pipelines.open(
                        model,
                        Method.TAGCLIP,
                        Vocabularies.builtIn(),
                        PipelineSettings.throughput(Vocabularies.VOC2007))) {
            pipeline.warmUp();
            System.out.println("| new names | time to embed them | per name |");
            System.out.println("|---|---|---|");
            int serial = 0;
            for (int count : counts) {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    names.add("new label number " + serial++);
                }
                long start = System.nanoTime();
                pipeline.prepareExtraLabels(names);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "| %d | %.1f s | %.2f s |%n", count, seconds, seconds / count);
            }
            List<String> cached = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                cached.add("cached label " + i);
            }
            pipeline.prepareExtraLabels(cached);
            ImageRequest plain = new ImageRequest("plain", image, null, List.of());
            ImageRequest extra = new ImageRequest("extra", image, null, List.of(), cached);
            pipeline.tag(List.of(plain));
            pipeline.tag(List.of(extra));
            double plainMs = 0;
            double extraMs = 0;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                pipeline.tag(List.of(plain));
                long t1 = System.nanoTime();
                pipeline.tag(List.of(extra));
                long t2 = System.nanoTime();
                plainMs += (t1 - t0) / 1e6 / repeats;
                extraMs += (t2 - t1) / 1e6 / repeats;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%ntagging call, 1 image 512x384, VOC: %.0f ms without extra labels, %.0f ms with 16 in memory"
                            + " (%.2fx)%n",
                    plainMs,
                    extraMs,
                    extraMs / plainMs);
        }
    }
}
