package io.tagclip.vocab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A set of vocabularies by id, starting from the built-in ones of the reference. Thread-safe: {@link #put} and
 * {@link #remove} change the set for every holder of this instance (a service adds vocabularies while it runs), and
 * readers see either the set before a change or after it.
 */
public final class Vocabularies {

    /** PASCAL VOC: 20 classes and 25 background names (clip_text.py {@code class_names_voc}, {@code BACKGROUND_CATEGORY_VOC}). */
    public static final String VOC2007 = "voc2007";

    /**
     * COCO: 80 classes with the reference's VOC spellings for six of them (motorbike, aeroplane, sofa, pottedplant,
     * diningtable, tvmonitor) and 23 background names (clip_text.py {@code class_names_coco},
     * {@code BACKGROUND_CATEGORY_COCO}).
     */
    public static final String COCO2014 = "coco2014";

    /** Replaced, never changed in place: a reader's iteration never sees a half-made change. */
    private volatile Map<String, Vocabulary> byId;

    private Vocabularies(Map<String, Vocabulary> byId) {
        this.byId = Collections.unmodifiableMap(byId);
    }

    /** The built-in vocabularies. */
    public static Vocabularies builtIn() {
        return of(List.of(Vocabulary.resource(VOC2007), Vocabulary.resource(COCO2014)));
    }

    /** The given vocabularies; ids must be unique. */
    public static Vocabularies of(List<Vocabulary> vocabularies) {
        Map<String, Vocabulary> map = new LinkedHashMap<>();
        for (Vocabulary v : vocabularies) {
            if (map.putIfAbsent(v.id(), v) != null) {
                throw new VocabularyException("two vocabularies have the id '" + v.id() + "'");
            }
        }
        return new Vocabularies(map);
    }

    /** These vocabularies plus {@code extra}; an extra one replaces a vocabulary with the same id. */
    public Vocabularies with(List<Vocabulary> extra) {
        Map<String, Vocabulary> map = new LinkedHashMap<>(byId);
        extra.forEach(v -> map.put(v.id(), v));
        return new Vocabularies(map);
    }

    /**
     * These vocabularies plus the one {@code idOrFile} names: a known id, or a vocabulary file (which is loaded and
     * added under its own id). Returns the named vocabulary's id with the widened set.
     */
    public Resolved resolve(String idOrFile) {
        Optional<Vocabulary> known = find(idOrFile);
        if (known.isPresent()) {
            return new Resolved(this, known.get());
        }
        Path file = Path.of(idOrFile);
        if (!Files.isRegularFile(file)) {
            throw new VocabularyException(
                    "unknown vocabulary '" + idOrFile + "': not one of " + byId.keySet() + " and no such file");
        }
        Vocabulary loaded = Vocabulary.load(file);
        return new Resolved(with(List.of(loaded)), loaded);
    }

    /** Adds {@code vocabulary} to this set, replacing one with the same id; every holder of the set sees it. */
    public synchronized void put(Vocabulary vocabulary) {
        Map<String, Vocabulary> map = new LinkedHashMap<>(byId);
        map.put(vocabulary.id(), vocabulary);
        byId = Collections.unmodifiableMap(map);
    }

    /** Removes the vocabulary {@code id} from this set; returns whether there was one. */
    public synchronized boolean remove(String id) {
        if (!byId.containsKey(id)) {
            return false;
        }
        Map<String, Vocabulary> map = new LinkedHashMap<>(byId);
        map.remove(id);
        byId = Collections.unmodifiableMap(map);
        return true;
    }

    /** The result of {@link #resolve}: the widened set and the vocabulary that was named. */
    public record Resolved(Vocabularies all, Vocabulary named) {}

    public Optional<Vocabulary> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Vocabulary get(String id) {
        Map<String, Vocabulary> now = byId;
        Vocabulary v = now.get(id);
        if (v == null) {
            throw new VocabularyException("unknown vocabulary '" + id + "' (known: " + now.keySet() + ")");
        }
        return v;
    }

    public List<Vocabulary> all() {
        return List.copyOf(byId.values());
    }
}
