package io.tagclip.bench;

import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.pipeline.ImageRequest;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * One case of {@code bin/bench-busy}: TagCLIP in throughput mode on random ViT-B/16 weights over a {@link PhotoMix}
 * (long sides 320–768, VOC, text excluded), in calls of BATCH images, in a JVM started with one set of thread
 * settings; prints one Markdown row: images/s, CPU seconds per image, and the threads libtorch ran with. The script
 * runs every setting idle and beside a competing process that spins on one core for the whole case.
 *
 * <pre>java ... io.tagclip.bench.BusyNode LABEL LOAD [PHOTOS=8] [BATCH=4]</pre>
 */
public final class BusyNode {

    private static final long SEED = 20231220L;
    private static final long PHOTO_SEED = 17L;

    private BusyNode() {}

    public static void main(String[] args) throws IOException, FetchException {
        String label = args[0];
        String load = args[1];
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        List<ImageRequest> photos = PhotoMix.draw(count, 320, 768, PHOTO_SEED);
        try (ClipModel model = RandomClip.randomWeights(ClipConfig.vitB16(), SEED, ClipOptions.defaults())) {
            MixedStreamRun run = MixedStreamRun.run(model, PipelineSettings.Mode.THROUGHPUT, batch, photos, null);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.3f | %.1f | %s | %s |%n",
                    label,
                    load,
                    run.images() / run.seconds(),
                    run.cpuSeconds() / run.images(),
                    System.getProperty("ai.djl.pytorch.num_threads", "libtorch default"),
                    System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        }
    }
}
