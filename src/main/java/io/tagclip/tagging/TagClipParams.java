package io.tagclip.tagging;

import io.tagclip.vocab.ContentHash;

/**
 * Every constant of TagCLIP's reference implementation ({@code github.com/linyq2117/TagCLIP} at c32b640,
 * {@code classify.py}, {@code utils.py}, {@code clip/clip_model.py}), with the reference value as default.
 * Paper: Lin et al., "TagCLIP: A Local-to-Global Framework to Enhance Open-Vocabulary Multi-Label Classification of
 * CLIP Without Training", AAAI 2024, arXiv 2312.12828.
 *
 * @param patchSize             ViT patch side in pixels; images are resized to multiples of it ({@code patch_size = 16}
 *                              in classify.py, ViT-B/16)
 * @param cwrInputSize          side of the square CWR crops fed to the vision tower ({@code input_size = 224} in
 *                              {@code cwr}); its patch grid is {@code cwrInputSize / patchSize} = 14
 * @param voteMinLayers         an attention entry survives the vote mask when at least this many layers put it above
 *                              that layer's mean ({@code attn_cnt >= 4}; the paper writes "> K", the code uses >=)
 * @param refineFromLayer       first layer (0-based) averaged into the refinement weights W ({@code [8:-1]})
 * @param refineDropLastLayers  layers at the end excluded from W ({@code [8:-1]} drops the last one, so W averages
 *                              layers 8, 9, 10 of 12)
 * @param lastLayerSelfMask     additive attention mask off the diagonal in the last vision layer of the first pass
 *                              ({@code (1 - I) * -100} in clip_model.py); passed to every first-pass forward
 *                              ({@link TagClipBackbone#encodeTagClip}); negative
 * @param classRowMask          additive attention logit on the class-token row for patches outside the CWR mask
 *                              ({@code cls_attn[0, j] = -1000} in {@code cwr}), in every layer
 * @param boxQuantisation       levels of the uint8 quantisation {@code scoremap2bbox} applies to a normalised class
 *                              map before thresholding it at its mean ({@code scoremap * 255 .astype(np.uint8)})
 * @param candidateThreshold    relative CWR candidate threshold: classes whose local score exceeds
 *                              {@code min + t * (max - min)} of the whole refined map ({@code thres_abs = 0.5};
 *                              0.1 for COCO-Stuff)
 * @param cwrMaskThreshold      a patch belongs to a candidate's CWR box when its min-max normalised refined score is
 *                              above this ({@code mask = temp_logits > 0.5})
 * @param fusionWeight          weight of the local score when fusing with the crop's global score
 *                              ({@code 0.5 * logits_max + (1 - 0.5) * cur_logits_norm})
 * @param tagRelativeThreshold  a class is a tag when its final score exceeds {@code min + t * (max - min)} of the
 *                              image's dataset-class scores ({@code thres_abs = 0.5} when writing {@code --save_file})
 * @param atLeastOneTag         when no class passes the tag threshold the arg-max becomes the only tag (classify.py
 *                              {@code --save_file} branch)
 */
public record TagClipParams(
        int patchSize,
        int cwrInputSize,
        int voteMinLayers,
        int refineFromLayer,
        int refineDropLastLayers,
        float lastLayerSelfMask,
        float classRowMask,
        int boxQuantisation,
        float candidateThreshold,
        float cwrMaskThreshold,
        float fusionWeight,
        float tagRelativeThreshold,
        boolean atLeastOneTag) {

    /** The reference's values for VOC and COCO. */
    public static final TagClipParams REFERENCE =
            new TagClipParams(16, 224, 4, 8, 1, -100f, -1000f, 255, 0.5f, 0.5f, 0.5f, 0.5f, true);

    public TagClipParams {
        positive("patchSize", patchSize);
        positive("cwrInputSize", cwrInputSize);
        if (cwrInputSize % patchSize != 0) {
            throw new IllegalArgumentException(
                    "cwrInputSize must be a multiple of patchSize, got " + cwrInputSize + " and " + patchSize);
        }
        positive("voteMinLayers", voteMinLayers);
        if (refineFromLayer < 0 || refineDropLastLayers < 0) {
            throw new IllegalArgumentException("refinement layer range must not be negative, got refineFromLayer="
                    + refineFromLayer + ", refineDropLastLayers=" + refineDropLastLayers);
        }
        if (!(lastLayerSelfMask < 0) || !Float.isFinite(lastLayerSelfMask)) {
            throw new IllegalArgumentException(
                    "lastLayerSelfMask must be negative and finite, got " + lastLayerSelfMask);
        }
        positive("boxQuantisation", boxQuantisation);
        unit("candidateThreshold", candidateThreshold);
        unit("cwrMaskThreshold", cwrMaskThreshold);
        unit("fusionWeight", fusionWeight);
        unit("tagRelativeThreshold", tagRelativeThreshold);
    }

    /** A copy with another {@link #tagRelativeThreshold()}; the error names a value outside [0,1]. */
    public TagClipParams withTagRelativeThreshold(float threshold) {
        return new TagClipParams(
                patchSize,
                cwrInputSize,
                voteMinLayers,
                refineFromLayer,
                refineDropLastLayers,
                lastLayerSelfMask,
                classRowMask,
                boxQuantisation,
                candidateThreshold,
                cwrMaskThreshold,
                fusionWeight,
                threshold,
                atLeastOneTag);
    }

    /** A copy with other DMAR layer choices ({@link #voteMinLayers()}, {@link #refineFromLayer()}, {@link
     * #refineDropLastLayers()}), for models with another depth than ViT-B/16's 12 layers. */
    public TagClipParams withLayers(int vote, int from, int drop) {
        return new TagClipParams(
                patchSize,
                cwrInputSize,
                vote,
                from,
                drop,
                lastLayerSelfMask,
                classRowMask,
                boxQuantisation,
                candidateThreshold,
                cwrMaskThreshold,
                fusionWeight,
                tagRelativeThreshold,
                atLeastOneTag);
    }

    /** A copy with another patch size and CWR crop side, for models with another layout than ViT-B/16's. */
    public TagClipParams withSizes(int patch, int cwrInput) {
        return new TagClipParams(
                patch,
                cwrInput,
                voteMinLayers,
                refineFromLayer,
                refineDropLastLayers,
                lastLayerSelfMask,
                classRowMask,
                boxQuantisation,
                candidateThreshold,
                cwrMaskThreshold,
                fusionWeight,
                tagRelativeThreshold,
                atLeastOneTag);
    }

    /** Side of the CWR crop's patch grid (14 for 224 / 16). */
    public int cwrGrid() {
        return cwrInputSize / patchSize;
    }

    /** Short content hash of these values (first 12 hex digits of SHA-256), carried into every result. */
    public String version() {
        return ContentHash.of(toString());
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void unit(String name, float value) {
        if (!(value >= 0f && value <= 1f)) {
            throw new IllegalArgumentException(name + " must be in [0,1], got " + value);
        }
    }
}
