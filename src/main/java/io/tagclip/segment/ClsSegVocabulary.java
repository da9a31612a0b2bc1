package io.tagclip.segment;

import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts CLIP-ES segments with for one tagging vocabulary: a prompt name per class (index-aligned with the
 * vocabulary's classes, so a tag's class index picks its row) and the background names whose rows join every
 * image's softmax, each with the parameters of its script.
 *
 * @param vocabularyId the tagging vocabulary these names belong to
 * @param classNames one prompt name per class, in the vocabulary's order
 * @param backgroundNames background categories
 * @param params the script's constants (VOC or COCO)
 */
public record ClsSegVocabulary(
        String vocabularyId, List<String> classNames, List<String> backgroundNames, ClsSegParams params) {

    /** CLIP-ES {@code clip_text.new_class_names}: VOC's classes with its prompt-engineered names. */
    public static final List<String> VOC_CLASS_NAMES = List.of(
            "aeroplane",
            "bicycle",
            "bird avian",
            "boat",
            "bottle",
            "bus",
            "car",
            "cat",
            "chair seat",
            "cow",
            "diningtable",
            "dog",
            "horse",
            "motorbike",
            "person with clothes,people,human",
            "pottedplant",
            "sheep",
            "sofa",
            "train",
            "tvmonitor screen");

    /** CLIP-ES {@code clip_text.BACKGROUND_CATEGORY}. */
    public static final List<String> VOC_BACKGROUND = List.of(
            "ground",
            "land",
            "grass",
            "tree",
            "building",
            "wall",
            "sky",
            "lake",
            "water",
            "river",
            "sea",
            "railway",
            "railroad",
            "keyboard",
            "helmet",
            "cloud",
            "house",
            "mountain",
            "ocean",
            "road",
            "rock",
            "street",
            "valley",
            "bridge",
            "sign");

    /** CLIP-ES {@code clip_text.new_class_names_coco} (its spelling, "sknowboard" included). */
    public static final List<String> COCO_CLASS_NAMES = List.of(
            "person with clothes,people,human",
            "bicycle",
            "car",
            "motorbike",
            "aeroplane",
            "bus",
            "train",
            "truck",
            "boat",
            "traffic light",
            "fire hydrant",
            "stop sign",
            "parking meter",
            "bench",
            "bird avian",
            "cat",
            "dog",
            "horse",
            "sheep",
            "cow",
            "elephant",
            "bear",
            "zebra",
            "giraffe",
            "backpack,bag",
            "umbrella,parasol",
            "handbag,purse",
            "necktie",
            "suitcase",
            "frisbee",
            "skis",
            "sknowboard",
            "sports ball",
            "kite",
            "baseball bat",
            "glove",
            "skateboard",
            "surfboard",
            "tennis racket",
            "bottle",
            "wine glass",
            "cup",
            "fork",
            "knife",
            "dessertspoon",
            "bowl",
            "banana",
            "apple",
            "sandwich",
            "orange",
            "broccoli",
            "carrot",
            "hot dog",
            "pizza",
            "donut",
            "cake",
            "chair seat",
            "sofa",
            "pottedplant",
            "bed",
            "diningtable",
            "toilet",
            "tvmonitor screen",
            "laptop",
            "mouse",
            "remote control",
            "keyboard",
            "cell phone",
            "microwave",
            "oven",
            "toaster",
            "sink",
            "refrigerator",
            "book",
            "clock",
            "vase",
            "scissors",
            "teddy bear",
            "hairdrier,blowdrier",
            "toothbrush");

    /** CLIP-ES {@code clip_text.BACKGROUND_CATEGORY_COCO}. */
    public static final List<String> COCO_BACKGROUND = List.of(
            "ground",
            "land",
            "grass",
            "tree",
            "building",
            "wall",
            "sky",
            "lake",
            "water",
            "river",
            "sea",
            "railway",
            "railroad",
            "helmet",
            "cloud",
            "house",
            "mountain",
            "ocean",
            "road",
            "rock",
            "street",
            "valley",
            "bridge");

    public ClsSegVocabulary {
        classNames = List.copyOf(classNames);
        backgroundNames = List.copyOf(backgroundNames);
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("vocabulary " + vocabularyId + " has no classes to segment");
        }
    }

    /**
     * The segmentation texts for a tagging vocabulary: CLIP-ES's own lists for {@code voc2007} and {@code coco2014}
     * (same class order), otherwise each class's first prompt name with the vocabulary's background names (VOC's when
     * it has none) and VOC's constants.
     */
    public static ClsSegVocabulary forVocabulary(Vocabulary vocabulary) {
        if (vocabulary.id().equals(Vocabularies.VOC2007) && vocabulary.numClasses() == VOC_CLASS_NAMES.size()) {
            return new ClsSegVocabulary(vocabulary.id(), VOC_CLASS_NAMES, VOC_BACKGROUND, ClsSegParams.voc());
        }
        if (vocabulary.id().equals(Vocabularies.COCO2014) && vocabulary.numClasses() == COCO_CLASS_NAMES.size()) {
            return new ClsSegVocabulary(vocabulary.id(), COCO_CLASS_NAMES, COCO_BACKGROUND, ClsSegParams.coco());
        }
        List<String> names = new ArrayList<>();
        vocabulary.classes().forEach(c -> names.add(c.promptNames().get(0)));
        List<String> background = vocabulary.background().isEmpty() ? VOC_BACKGROUND : vocabulary.background();
        return new ClsSegVocabulary(vocabulary.id(), names, background, ClsSegParams.voc());
    }
}
