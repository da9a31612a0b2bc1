package io.tagclip.bench;

import ai.djl.ndarray.NDManager;
import io.tagclip.batch.BatchingPolicy;
import io.tagclip.cdul.CdulTrainer;
import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.OnlineSettings;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * CDUL's figures: images per second of {@code cdul} inference (one global pass at 224 plus a linear head) against
 * TagCLIP in throughput mode on the same images and the same random ViT-B/16 weights, and the head's training time
 * on synthetic 512-wide features. Run with {@code bin/bench-cdul}.
 *
 * <pre>
 * bin/bench-cdul [IMAGES=16] [BATCH=8] [SAMPLES=10000] [EPOCHS=20]
 * </pre>
 *
 * Images are the fixture's 8 golden photos cycled to IMAGES requests, VOC vocabulary, text features excluded (built
 * once before timing). Training runs {@code EPOCHS} epochs (early stopping off: patience = epochs) with the gradient
 * alignment on, on SAMPLES random unit features with 20 random soft labels each.
 */
public final class CdulBenchmark {

    private static final long SEED = 20231220L;

    /** Classes of the synthetic training problem (VOC's count). */
    private static final int CLASSES = 20;

    private CdulBenchmark() {}

    public static void main(String[] args) throws IOException, FetchException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        List<ImageRequest> requests = TagBenchmark.requests(count);
        System.out.printf(
                Locale.ROOT,
                "cores %d, max heap %d MiB, %d images, batch %d%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                count,
                batch);
        System.out.println("| method | batch | wall s | images/s | CPU s/image | peak RSS MiB |");
        System.out.println("|---|---|---|---|---|---|");
        try (ClipModel model = RandomClip.randomWeights(ClipConfig.vitB16(), SEED, ClipOptions.defaults())) {
            PipelineSettings settings = PipelineSettings.throughput(Vocabularies.VOC2007)
                    .withBatching(BatchingPolicy.DEFAULT.withMaxImagesPerForward(batch));
            try (TaggingPipeline cdul = Pipelines.cdul(model, randomHead(model), Vocabularies.builtIn(), settings)) {
                time("cdul", cdul, requests, batch);
            }
            try (TaggingPipeline tagclip = Pipelines.tagClip(
                    new ClipModelBackbone(model),
                    TagBenchmark.randomText(),
                    model.modelId(),
                    model.revision(),
                    Vocabularies.builtIn(),
                    settings,
                    model.manager().newSubManager())) {
                time("tagclip (throughput)", tagclip, requests, batch);
            }
            // online cdul with the same head: nothing recorded, then every event recorded (teacher + sample pass)
            for (double rate : new double[] {0, 1}) {
                OnlineSettings online = new OnlineSettings(Method.TAGCLIP, rate, 0.5f, 0.5f);
                try (TaggingPipeline pipeline = Pipelines.online(
                        model,
                        TagBenchmark.randomText(),
                        Vocabularies.builtIn(),
                        settings,
                        online,
                        randomHead(model))) {
                    time("online cdul, sample rate " + rate, pipeline, requests, batch);
                }
            }
        }
        train(samples, epochs);
        retrain(samples, epochs);
    }

    /** One online retrain's decision (HeadSelection: fit on 80 %, both heads judged on 20 %) on the same problem. */
    private static void retrain(int samples, int epochs) {
        float[][][] problem = problem(samples);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            ids.add("image-" + i);
        }
        TrainingOptions options = fixedEpochs(epochs);
        try (NDManager manager = NDManager.newBaseManager()) {
            LinearHead incumbent = new CdulTrainer(options.withMaxEpochs(1))
                    .train(problem[0], problem[1], manager)
                    .head();
            long start = System.nanoTime();
            HeadSelection.Decision d =
                    new HeadSelection(options, 0.2, 0).select(ids, problem[0], problem[1], incumbent, manager);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "online retrain: %d samples (%d trained on, %d judged), %d epochs: %.1f s, %s%n",
                    samples,
                    d.trainingCount(),
                    d.acceptanceCount(),
                    d.fit().epochs(),
                    seconds,
                    d.accepted() ? "accepted" : "rejected");
        }
    }

    private static void time(String name, TaggingPipeline pipeline, List<ImageRequest> requests, int batch)
            throws IOException {
        pipeline.warmUp();
        TagBenchmark.check(pipeline.tag(requests.subList(0, 1)));
        long start = System.nanoTime();
        double cpuStart = TagBenchmark.processCpuSeconds();
        for (int from = 0; from < requests.size(); from += batch) {
            TagBenchmark.check(pipeline.tag(requests.subList(from, Math.min(requests.size(), from + batch))));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.1f | %.3f | %.2f | %d |%n",
                name,
                batch,
                seconds,
                requests.size() / seconds,
                (TagBenchmark.processCpuSeconds() - cpuStart) / requests.size(),
                TagBenchmark.statusKib("VmHWM") >> 10);
    }

    private static TrainedHead randomHead(ClipModel model) {
        Vocabulary voc = Vocabularies.builtIn().get(Vocabularies.VOC2007);
        int dim = model.config().embedDim();
        Random random = new Random(SEED);
        float[] weight = new float[voc.numClasses() * dim];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        LinearHead head = new LinearHead(voc.numClasses(), dim, weight, new float[voc.numClasses()]);
        HeadManifest draft = manifest("", model, voc, dim);
        return new TrainedHead(head, manifest(TrainedHead.version(head, draft), model, voc, dim));
    }

    private static HeadManifest manifest(String version, ClipModel model, Vocabulary voc, int dim) {
        return new HeadManifest(
                HeadManifest.FORMAT,
                version,
                model.modelId(),
                model.revision(),
                model.config().imageSize(),
                dim,
                voc.id(),
                voc.version(),
                voc.labels(),
                "none (random head)",
                0,
                0,
                SEED,
                Map.of(),
                Map.of());
    }

    /** SAMPLES random unit 512-wide features and 20 random soft labels each: {features, labels}. */
    private static float[][][] problem(int samples) {
        int dim = ClipConfig.vitB16().embedDim();
        Random random = new Random(SEED);
        float[][] features = new float[samples][dim];
        float[][] labels = new float[samples][CLASSES];
        for (int i = 0; i < samples; i++) {
            double norm = 0;
            for (int e = 0; e < dim; e++) {
                features[i][e] = (float) random.nextGaussian();
                norm += features[i][e] * features[i][e];
            }
            for (int e = 0; e < dim; e++) {
                features[i][e] /= (float) Math.sqrt(norm);
            }
            for (int c = 0; c < CLASSES; c++) {
                labels[i][c] = random.nextFloat();
            }
        }
        return new float[][][] {features, labels};
    }

    /** The defaults with exactly {@code epochs} epochs (early stopping off: patience = epochs). */
    private static TrainingOptions fixedEpochs(int epochs) {
        TrainingOptions defaults = TrainingOptions.DEFAULTS;
        return new TrainingOptions(
                defaults.seed(),
                epochs,
                defaults.batchSize(),
                defaults.learningRate(),
                defaults.weightDecay(),
                defaults.heldOutFraction(),
                epochs,
                true,
                defaults.alignmentStep(),
                defaults.alignmentSigma(),
                defaults.warmUpEpochs());
    }

    private static void train(int samples, int epochs) throws IOException {
        int dim = ClipConfig.vitB16().embedDim();
        float[][][] problem = problem(samples);
        float[][] features = problem[0];
        float[][] labels = problem[1];
        TrainingOptions options = fixedEpochs(epochs);
        try (NDManager manager = NDManager.newBaseManager()) {
            new CdulTrainer(options.withMaxEpochs(1)).train(features, labels, manager); // warm-up
            long start = System.nanoTime();
            double cpuStart = TagBenchmark.processCpuSeconds();
            CdulTrainer.Result result = new CdulTrainer(options).train(features, labels, manager);
            double seconds = (System.nanoTime() - start) / 1e9;
            double per10k = seconds / result.epochs() / result.trainingCount() * 10_000;
            System.out.printf(
                    Locale.ROOT,
                    "%ntraining: %d samples x %d features, %d classes, batch %d, %d epochs in %.1f s (CPU %.1f s):"
                            + " %.2f s per epoch per 10,000 samples; peak RSS %d MiB%n",
                    samples,
                    dim,
                    CLASSES,
                    options.batchSize(),
                    result.epochs(),
                    seconds,
                    TagBenchmark.processCpuSeconds() - cpuStart,
                    per10k,
                    TagBenchmark.statusKib("VmHWM") >> 10);
        }
    }
}
