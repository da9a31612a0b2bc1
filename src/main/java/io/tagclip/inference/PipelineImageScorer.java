package io.tagclip.inference;

import io.tagclip.eval.ImageScorer;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Image files scored through a {@link TaggingPipeline}, for the {@link io.tagclip.eval.Evaluator}: each batch of
 * files is decoded and tagged in one pipeline call, and every result's scores are returned in the vocabulary's
 * label order. An image the pipeline fails fails the evaluation, naming the image.
 */
public final class PipelineImageScorer implements ImageScorer {

    /** Decodes one image file. */
    @FunctionalInterface
    public interface FileDecoder {
        RgbImage decode(Path file) throws IOException;
    }

    private final TaggingPipeline pipeline;
    private final Vocabulary vocabulary;
    private final FileDecoder decoder;

    /** @param vocabulary the vocabulary every image is tagged with; the pipeline must know it */
    public PipelineImageScorer(TaggingPipeline pipeline, Vocabulary vocabulary, FileDecoder decoder) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    @Override
    public List<float[]> score(List<Path> images) throws IOException {
        List<ImageRequest> requests = new ArrayList<>(images.size());
        for (Path file : images) {
            requests.add(new ImageRequest(file.toString(), decoder.decode(file), vocabulary.id(), List.of()));
        }
        List<String> labels = vocabulary.labels();
        List<float[]> scores = new ArrayList<>(images.size());
        for (TagResult result : pipeline.tag(requests)) {
            if (result instanceof TagResult.Failed failed) {
                throw new IOException(failed.id() + ": " + failed.message());
            }
            TagResult.Tagged tagged = (TagResult.Tagged) result;
            float[] row = new float[labels.size()];
            for (int c = 0; c < row.length; c++) {
                row[c] = tagged.scores().get(labels.get(c));
            }
            scores.add(row);
        }
        return scores;
    }
}
