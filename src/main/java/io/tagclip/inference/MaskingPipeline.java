package io.tagclip.inference;

import io.tagclip.batch.FirstPassTooLarge;
import io.tagclip.clip.ClipModel;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Mask;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.segment.ClsSegVocabulary;
import io.tagclip.segment.ClsSegmenter;
import io.tagclip.segment.CocoRle;
import io.tagclip.segment.ImageSegmentation;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Classify, then segment (TagCLIP's CLS-SEG): tags each batch with the wrapped pipeline, then gives every tag of a
 * tagged image a mask from CLIP-ES on that image and its tags ({@link ClsSegmenter}), fed in ascending class index as
 * the official flow reads them. Each mask is the set of pixels the image's label map gives to the tag, so the masks of
 * one image are disjoint. An image whose segmentation fails becomes a {@link FailureKind#INFERENCE_FAILED} result
 * alone, one whose Grad-CAM pass would exceed the memory budget a {@link FailureKind#TOO_LARGE} one (refused before
 * the pass); its batch-mates keep theirs.
 */
final class MaskingPipeline implements TaggingPipeline {

    private final TaggingPipeline tagger;
    private final ClipModel model;
    private final Vocabularies vocabularies;
    private final long budget;
    private final Map<String, ClsSegmenter> segmenters = new ConcurrentHashMap<>();

    /** @param budget bytes one image's Grad-CAM pass may take */
    MaskingPipeline(TaggingPipeline tagger, ClipModel model, Vocabularies vocabularies, long budget) {
        this.tagger = Objects.requireNonNull(tagger, "tagger");
        this.model = Objects.requireNonNull(model, "model");
        this.vocabularies = Objects.requireNonNull(vocabularies, "vocabularies");
        this.budget = budget;
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        List<TagResult> results = tagger.tag(requests);
        List<TagResult> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            TagResult result = results.get(i);
            out.add(result instanceof TagResult.Tagged tagged ? withMasks(requests.get(i), tagged) : result);
        }
        return out;
    }

    private TagResult withMasks(ImageRequest request, TagResult.Tagged tagged) {
        if (tagged.tags().stream().allMatch(Tag::adHoc)) { // none, or only extra labels
            return tagged;
        }
        long start = System.nanoTime();
        try {
            Vocabulary vocabulary = vocabularies.get(tagged.provenance().vocabularyId());
            ClsSegmenter segmenter = segmenter(vocabulary);
            // Segment in ascending class index, not in the tags' score order: the official flow reads an image's
            // labels from its split file, which lists them by class index (clsseg-tiny's split_line and label_ids are
            // ascending in every run), and its label map depends on that order: a pixel where two labels' fp16 maps
            // tie goes to the earlier label.
            int[] classes = tagged.tags().stream()
                    .filter(tag -> !tag.adHoc()) // CLIP-ES segments the vocabulary's classes only
                    .mapToInt(tag -> vocabulary.indexOf(tag.label()))
                    .sorted()
                    .toArray();
            ImageSegmentation segmentation = segmenter.segment(request.image(), classes);
            List<Tag> tags = new ArrayList<>(classes.length);
            for (Tag tag : tagged.tags()) { // the tags keep their own order
                tags.add(tag.adHoc() ? tag : tag.withMask(mask(segmentation, vocabulary.indexOf(tag.label()))));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new TagResult.Tagged(
                    tagged.id(), tags, tagged.scores(), tagged.provenance(), tagged.inferenceMillis() + millis);
        } catch (FirstPassTooLarge e) {
            return new TagResult.Failed(
                    tagged.id(),
                    FailureKind.TOO_LARGE,
                    "image '" + tagged.id() + "' (" + request.image().width() + "x"
                            + request.image().height() + "): " + e.getMessage());
        } catch (RuntimeException e) {
            return new TagResult.Failed(
                    tagged.id(), FailureKind.INFERENCE_FAILED, "segmenting image '" + tagged.id() + "': " + e);
        }
    }

    /** The segmenter of one vocabulary version, made on first use or by {@link #addVocabulary}. */
    private ClsSegmenter segmenter(Vocabulary vocabulary) {
        return segmenters.computeIfAbsent(
                vocabulary.id() + "@" + vocabulary.version(),
                key -> new ClsSegmenter(model, ClsSegVocabulary.forVocabulary(vocabulary), budget));
    }

    @Override
    public void addVocabulary(Vocabulary vocabulary) {
        segmenter(vocabulary);
        tagger.addVocabulary(vocabulary);
    }

    @Override
    public boolean removeVocabulary(String id) {
        return tagger.removeVocabulary(id);
    }

    @Override
    public boolean extraLabelsReady(List<String> extraLabels) {
        return tagger.extraLabelsReady(extraLabels);
    }

    @Override
    public void prepareExtraLabels(List<String> extraLabels) {
        tagger.prepareExtraLabels(extraLabels);
    }

    /** The pixels the label map gives to class {@code c}, as COCO RLE. */
    static Mask mask(ImageSegmentation segmentation, int c) {
        boolean[] pixels = segmentation.mask(c);
        return new Mask(
                segmentation.height(),
                segmentation.width(),
                CocoRle.encode(pixels, segmentation.height(), segmentation.width()),
                segmentation.coverage(c));
    }

    @Override
    public void warmUp() {
        tagger.warmUp();
    }

    @Override
    public void close() {
        tagger.close();
    }
}
