package io.tagclip.fleet;

import io.tagclip.avro.VocabularyClass;
import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.vocab.Vocabulary;
import io.tagclip.vocab.VocabularyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A {@link Vocabulary} as the record of the vocabularies topic, and back. */
public final class VocabularyDefinitions {

    private VocabularyDefinitions() {}

    /** The record of {@code vocabulary}, written at {@code now}. */
    public static VocabularyDefinition of(Vocabulary vocabulary, Instant now) {
        List<VocabularyClass> classes = new ArrayList<>(vocabulary.numClasses());
        for (Vocabulary.LabelClass c : vocabulary.classes()) {
            classes.add(
                    new VocabularyClass(c.label(), c.promptNames(), Float.isNaN(c.threshold()) ? null : c.threshold()));
        }
        return new VocabularyDefinition(vocabulary.id(), vocabulary.version(), classes, vocabulary.background(), now);
    }

    /**
     * The vocabulary {@code definition} describes, checked as a vocabulary file is.
     *
     * @param key the record's key, which must equal the definition's id
     * @throws VocabularyException naming the vocabulary and what is wrong (a class, the id, a version that does not
     *     match the content)
     */
    public static Vocabulary toVocabulary(String key, VocabularyDefinition definition) {
        String id = definition.getId();
        if (!id.equals(key)) {
            throw new VocabularyException("vocabulary record keyed '" + key + "' defines id '" + id + "'");
        }
        Vocabulary defined;
        try {
            List<Vocabulary.LabelClass> classes =
                    new ArrayList<>(definition.getClasses().size());
            for (VocabularyClass c : definition.getClasses()) {
                Float threshold = c.getThreshold();
                classes.add(new Vocabulary.LabelClass(
                        c.getLabel(), c.getPromptNames(), threshold == null ? Float.NaN : threshold));
            }
            defined = new Vocabulary(id, classes, definition.getBackground());
        } catch (IllegalArgumentException e) {
            throw new VocabularyException("vocabulary '" + id + "': " + e.getMessage(), e);
        }
        // The rules of a vocabulary file hold here too: its canonical text must read back as the same vocabulary.
        Vocabulary parsed = Vocabulary.parse(id, defined.canonical());
        if (!parsed.equals(defined)) {
            throw new VocabularyException("vocabulary '" + id + "' has a class or background name that a vocabulary"
                    + " file cannot say (reads back as " + parsed.classes() + " " + parsed.background() + ")");
        }
        if (!parsed.version().equals(definition.getVersion())) {
            throw new VocabularyException("vocabulary '" + id + "' claims version " + definition.getVersion()
                    + " but its content is version " + parsed.version());
        }
        return parsed;
    }
}
