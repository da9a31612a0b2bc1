package io.tagclip.golden;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.segment.ClsSegVocabulary;
import io.tagclip.segment.ClsSegmenter;
import io.tagclip.segment.ImageSegmentation;
import io.tagclip.vocab.Vocabularies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Judges a label map made for the image of one {@code clsseg-tiny} run by the fixture's rules: it must equal the
 * oracle's label map except at the oracle's fragile pixels ({@link ClsSegGolden#compareLabelMap}).
 *
 * <p>One exception, from the fixture's README: where a label has a Grad-CAM cell within 1e-4 of the u8 cut
 * ({@code cut_fragile_cells_yx}), a float32 port may cut on the other side and get other boxes, and the fixture then
 * compares that label only up to its boxes. For such a run this segments the image directly with {@link ClsSegmenter}
 * on the oracle's labels in the oracle's order; if the boxes of a cut-fragile label differ from the oracle's, the
 * oracle's label map is no reference and the map must instead equal the segmenter's own label map exactly.
 */
public final class LabelMapParity {

    /** The fixture's vocabulary id of each dataset name. */
    private static final Map<String, String> VOCABULARIES = Map.of("voc", "voc2007", "coco", "coco2014");

    private static final Map<String, ClsSegmenter> SEGMENTERS = new ConcurrentHashMap<>();

    /** Per run, computed once per JVM: segmenting the larger images directly takes seconds. */
    private static final Map<String, Flip> FLIPS = new ConcurrentHashMap<>();

    private LabelMapParity() {}

    /**
     * The outcome for one run.
     *
     * @param matches whether the map is the official one by the rules above
     * @param summary what it was compared with and how it differs, for an assertion message
     */
    public record Verdict(boolean matches, String summary) {}

    /** Judges {@code map}, row-major uint8 at the original size, as the label map of {@code run}'s image. */
    public static Verdict judge(String run, byte[] map) {
        Flip flip = FLIPS.computeIfAbsent(run, LabelMapParity::flip);
        if (flip.labels().isEmpty()) {
            ClsSegGolden.LabelMapDifference difference = ClsSegGolden.compareLabelMap(run, map);
            return new Verdict(difference.withinFragile(), "compared with the oracle: " + difference.summary());
        }
        byte[] own = flip.labelMap();
        if (own.length != map.length) {
            throw new IllegalArgumentException(
                    "label map of " + run + " has " + map.length + " pixels, the image " + own.length);
        }
        int differing = 0;
        for (int i = 0; i < map.length; i++) {
            differing += map[i] == own[i] ? 0 : 1;
        }
        return new Verdict(
                differing == 0,
                "boxes of " + flip.labels() + " cut on the other side of a cut-fragile cell, so compared with the"
                        + " segmenter's map for the oracle's labels: " + differing + " pixels differ");
    }

    /**
     * The labels of a run whose boxes the port cuts otherwise than the oracle at a cut-fragile cell, and the
     * segmenter's own label map for the oracle's labels (empty when there are none).
     */
    private record Flip(List<String> labels, byte[] labelMap) {}

    private static Flip flip(String run) {
        JsonNode expected = ClsSegGolden.run(run);
        JsonNode labels = expected.get("labels");
        List<Integer> fragile = new ArrayList<>();
        for (int l = 0; l < labels.size(); l++) {
            if (!labels.get(l).get("cut_fragile_cells_yx").isEmpty()) {
                fragile.add(l);
            }
        }
        if (fragile.isEmpty()) {
            return new Flip(List.of(), new byte[0]);
        }
        ImageSegmentation direct = segmenter(expected.get("dataset").asText())
                .segment(Golden.inputImage(expected.get("image").asText()), Golden.ints(expected.get("label_ids")));
        List<String> flipped = new ArrayList<>();
        for (int l : fragile) {
            List<List<Integer>> boxes = new ArrayList<>();
            direct.labels().get(l).boxes().boxes().forEach(b -> boxes.add(List.of(b.x0(), b.y0(), b.x1(), b.y1())));
            List<List<Integer>> want = new ArrayList<>();
            labels.get(l)
                    .get("boxes_x0y0x1y1")
                    .forEach(b -> want.add(List.of(
                            b.get(0).asInt(),
                            b.get(1).asInt(),
                            b.get(2).asInt(),
                            b.get(3).asInt())));
            if (!boxes.equals(want)) {
                flipped.add(labels.get(l).get("name").asText());
            }
        }
        return new Flip(flipped, flipped.isEmpty() ? new byte[0] : direct.labelMap());
    }

    private static ClsSegmenter segmenter(String dataset) {
        return SEGMENTERS.computeIfAbsent(
                dataset,
                d -> new ClsSegmenter(
                        TinyModel.shared(),
                        ClsSegVocabulary.forVocabulary(Vocabularies.builtIn().get(VOCABULARIES.get(d)))));
    }
}
