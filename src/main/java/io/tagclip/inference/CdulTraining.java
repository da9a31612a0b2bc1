package io.tagclip.inference;

import ai.djl.ndarray.NDManager;
import io.tagclip.cdul.CdulTrainer;
import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.HeadScorer;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.clip.ClipModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Method;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * CDUL's stages end to end on a folder of images: the teacher ({@code cdul-global-local}, CDUL's own initialisation,
 * or {@code tagclip}'s final scores) labels every image, CLIP's global pass gives its normalised embedding, and
 * {@link CdulTrainer} fits a head on them.
 *
 * <p>The teacher's scores are turned into Bernoulli pseudo labels by dividing each image's scores by its largest
 * (the relative scores the decision rule thresholds at 0.5): both teachers' scores are a distribution over the
 * classes that sums to one, which would make every label of a multi-label image small.
 */
public final class CdulTraining {

    /** The teachers a head can learn from. */
    public static final List<Method> TEACHERS = List.of(Method.CDUL_GLOBAL_LOCAL, Method.TAGCLIP);

    private final ClipModel model;
    private final TextTable.NameEmbedder ensemble;
    private final PipelineSettings settings;

    /**
     * @param model    the CLIP model (teacher backbone and the head's feature extractor)
     * @param ensemble its prompt-ensemble embedder
     * @param settings the teacher's settings; the default vocabulary is the head's classes
     */
    public CdulTraining(ClipModel model, TextTable.NameEmbedder ensemble, PipelineSettings settings) {
        this.model = Objects.requireNonNull(model, "model");
        this.ensemble = Objects.requireNonNull(ensemble, "ensemble");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Labels, encodes and trains.
     *
     * @param teacher  one of {@link #TEACHERS}
     * @param files    the training images
     * @param decoder  decodes one file
     * @param options  training options
     * @param progress told how many images have been labelled and encoded so far
     */
    public TrainedHead train(
            Method teacher,
            Vocabularies vocabularies,
            List<Path> files,
            PipelineImageScorer.FileDecoder decoder,
            TrainingOptions options,
            IntConsumer progress)
            throws IOException {
        if (!TEACHERS.contains(teacher)) {
            throw new IllegalArgumentException("teacher must be one of " + TEACHERS + ", got " + teacher);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no training images");
        }
        Vocabulary vocabulary = vocabularies.get(settings.defaultVocabulary());
        int imageSize = model.config().imageSize();
        int chunk = settings.batching().maxImagesPerForward();
        float[][] features = new float[files.size()][];
        float[][] labels = new float[files.size()][];
        try (TaggingPipeline pipeline = Pipelines.open(model, ensemble, teacher, vocabularies, settings);
                NDManager manager = model.manager().newSubManager()) {
            for (int from = 0; from < files.size(); from += chunk) {
                List<Path> batch = files.subList(from, Math.min(files.size(), from + chunk));
                List<RgbImage> images = new ArrayList<>(batch.size());
                for (Path file : batch) {
                    images.add(decoder.decode(file));
                }
                List<float[]> scores = new PipelineImageScorer(
                                pipeline, vocabulary, file -> images.get(batch.indexOf(file)))
                        .score(batch);
                try (NDManager scope = manager.newSubManager()) {
                    float[] flat = HeadScorer.features(model::encodeImage, images, imageSize, scope)
                            .toFloatArray(); // [B,E] row-major
                    int dim = flat.length / batch.size();
                    for (int i = 0; i < batch.size(); i++) {
                        features[from + i] = new float[dim];
                        System.arraycopy(flat, i * dim, features[from + i], 0, dim);
                        labels[from + i] = relative(scores.get(i));
                    }
                }
                progress.accept(from + batch.size());
            }
            CdulTrainer.Result result = new CdulTrainer(options).train(features, labels, manager);
            return sealed(model, imageSize, vocabulary, teacher, result, options, Map.of());
        }
    }

    /**
     * The head {@code result} trained, with its manifest: the training metrics, then {@code extraMetrics}, and a
     * version derived from the head and the manifest (the offline and the online trainer both seal heads here).
     */
    static TrainedHead sealed(
            ClipModel model,
            int imageSize,
            Vocabulary vocabulary,
            Method teacher,
            CdulTrainer.Result result,
            TrainingOptions options,
            Map<String, Double> extraMetrics) {
        LinearHead head = result.head();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epochs", (double) result.epochs());
        metrics.put("bestEpoch", (double) result.bestEpoch());
        metrics.put("heldOutKl", result.heldOutLoss());
        metrics.put("meanLabelChange", result.meanLabelChange());
        metrics.putAll(extraMetrics);
        HeadManifest draft = manifest("", model, imageSize, head, vocabulary, teacher, result, options, metrics);
        return new TrainedHead(
                head,
                manifest(
                        TrainedHead.version(head, draft),
                        model,
                        imageSize,
                        head,
                        vocabulary,
                        teacher,
                        result,
                        options,
                        metrics));
    }

    private static HeadManifest manifest(
            String version,
            ClipModel model,
            int imageSize,
            LinearHead head,
            Vocabulary vocabulary,
            Method teacher,
            CdulTrainer.Result result,
            TrainingOptions options,
            Map<String, Double> metrics) {
        return new HeadManifest(
                HeadManifest.FORMAT,
                version,
                model.modelId(),
                model.revision(),
                imageSize,
                head.dim(),
                vocabulary.id(),
                vocabulary.version(),
                vocabulary.labels(),
                teacher.id(),
                result.trainingCount(),
                result.heldOut().length - result.trainingCount(),
                options.seed(),
                options.asMap(),
                metrics);
    }

    /** An image's scores divided by its largest, in [0,1]; all zeros stay zeros. */
    static float[] relative(float[] scores) {
        float max = 0;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        float[] out = new float[scores.length];
        for (int c = 0; c < scores.length; c++) {
            out[c] = max > 0 ? Math.min(1f, Math.max(0f, scores[c] / max)) : 0f;
        }
        return out;
    }
}
