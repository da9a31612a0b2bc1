package io.tagclip.inference;

import ai.djl.ndarray.NDManager;
import io.tagclip.cdul.HeadScorer;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.clip.ClipModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.OnlineSample;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * CDUL as a tagger that learns from the stream: a head answers, a teacher labels a sample, and a retrained head
 * replaces the current one only when it is better on the held-out part of the sample.
 *
 * <p>Per call: the current head (none at a cold start) scores every request of its vocabulary; requests of other
 * vocabularies, and those the head is unsure of ({@link OnlineSettings#unsure}), are answered by the teacher. For the
 * sampled requests ({@link OnlineSettings#sampled}) the teacher runs as well, CLIP's global pass gives their
 * embedding, and the answer carries a {@link OnlineSample}; the Kafka side writes it to the samples topic in the
 * same transaction as the answer. Without a head every request is answered by the teacher.
 *
 * <p>{@link #install} swaps the head under the same lock as {@link #tag}: a call runs from start to end with one
 * head, and the next call uses the new one. Which head answered is in every result's parameters version
 * ({@code head=<version>:…}), the teacher's answers carry the teacher's method.
 */
public final class OnlineCdulPipeline implements TaggingPipeline {

    /** Builds the pipeline of a head (in service: {@link Pipelines#cdul}). */
    @FunctionalInterface
    public interface StudentFactory {
        TaggingPipeline open(TrainedHead head);
    }

    private final ClipModel model;
    private final TaggingPipeline teacher;
    private final StudentFactory students;
    private final Vocabulary vocabulary;
    private final OnlineSettings online;
    private final int imageSize;
    private final Object lock = new Object();

    /** Written under the lock, read without it (status pages must not wait for a batch). */
    private volatile TrainedHead head;

    private TaggingPipeline student;

    /**
     * @param model        the CLIP model of the teacher, the head and the recorded features
     * @param teacher      the teacher's pipeline (owned: closed with this one)
     * @param students     opens a head's pipeline
     * @param vocabularies vocabularies requests may name
     * @param settings     the default vocabulary is the head's classes
     * @param online       sampling and routing
     * @param initial      the head to start with, or {@code null} (the teacher answers until a head is accepted)
     */
    public OnlineCdulPipeline(
            ClipModel model,
            TaggingPipeline teacher,
            StudentFactory students,
            Vocabularies vocabularies,
            PipelineSettings settings,
            OnlineSettings online,
            TrainedHead initial) {
        this.model = Objects.requireNonNull(model, "model");
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.students = Objects.requireNonNull(students, "students");
        this.vocabulary = vocabularies.get(settings.defaultVocabulary());
        this.online = Objects.requireNonNull(online, "online");
        this.imageSize = model.config().imageSize();
        if (initial != null) {
            install(initial);
        }
    }

    /** The head in service, if any. */
    public Optional<TrainedHead> head() {
        return Optional.ofNullable(head);
    }

    /** The vocabulary the head's classes are (the default one). */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The teacher's pipeline (to prepare its text features at start; it stays owned by this pipeline). */
    public TaggingPipeline teacher() {
        return teacher;
    }

    /** The sampling and routing settings. */
    public OnlineSettings settings() {
        return online;
    }

    /**
     * Puts {@code next} in service from the next call on; the previous head's pipeline is closed.
     *
     * @throws IllegalArgumentException when {@code next} belongs to another model or vocabulary
     */
    public void install(TrainedHead next) {
        TaggingPipeline opened = students.open(next); // checks model and vocabulary before anything changes
        TaggingPipeline previous;
        synchronized (lock) {
            previous = student;
            head = next;
            student = opened;
        }
        if (previous != null) {
            previous.close();
        }
    }

    /** The teacher answers other vocabularies' events: they are added to it; the head's own cannot change. */
    @Override
    public void addVocabulary(Vocabulary added) {
        refuseHeadVocabulary(added.id());
        teacher.addVocabulary(added);
    }

    @Override
    public boolean removeVocabulary(String id) {
        refuseHeadVocabulary(id);
        return teacher.removeVocabulary(id);
    }

    private void refuseHeadVocabulary(String id) {
        if (id.equals(vocabulary.id())) {
            throw new UnsupportedOperationException("'" + id + "' is the vocabulary of the cdul head's classes;"
                    + " it changes only with the service's configuration");
        }
    }

    @Override
    public List<TagResult> tag(List<ImageRequest> requests) {
        synchronized (lock) {
            int n = requests.size();
            boolean[] toTeacher = new boolean[n];
            boolean[] sampled = new boolean[n];
            List<Integer> headIndices = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ImageRequest r = requests.get(i);
                boolean headable = student != null && ofHeadVocabulary(r);
                sampled[i] = ofHeadVocabulary(r) && r.labels().isEmpty() && online.sampled(r.id());
                toTeacher[i] = !headable;
                if (headable) {
                    headIndices.add(i);
                }
            }
            TagResult[] results = new TagResult[n];
            List<TagResult> byHead = headIndices.isEmpty() ? List.of() : student.tag(pick(requests, headIndices));
            for (int j = 0; j < headIndices.size(); j++) {
                int i = headIndices.get(j);
                results[i] = byHead.get(j);
                if (byHead.get(j) instanceof TagResult.Tagged tagged
                        && online.unsure(tagged.scores().values())) {
                    toTeacher[i] = true;
                }
            }
            List<Integer> teacherIndices = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (toTeacher[i] || sampled[i]) {
                    teacherIndices.add(i);
                }
            }
            List<TagResult> byTeacher =
                    teacherIndices.isEmpty() ? List.of() : teacher.tag(pick(requests, teacherIndices));
            Map<Integer, TagResult> teacherOf = new LinkedHashMap<>();
            for (int j = 0; j < teacherIndices.size(); j++) {
                teacherOf.put(teacherIndices.get(j), byTeacher.get(j));
                // the teacher answers what the head may not or is unsure of; a head answer stays if the teacher fails
                if (toTeacher[teacherIndices.get(j)]
                        && (results[teacherIndices.get(j)] == null || byTeacher.get(j) instanceof TagResult.Tagged)) {
                    results[teacherIndices.get(j)] = byTeacher.get(j);
                }
            }
            record(requests, sampled, teacherOf, results);
            return List.of(results);
        }
    }

    /** Attaches a sample to every sampled result whose teacher tagged it and whose features could be computed. */
    private void record(
            List<ImageRequest> requests, boolean[] sampled, Map<Integer, TagResult> teacherOf, TagResult[] results) {
        List<Integer> recordable = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (sampled[i] && teacherOf.get(i) instanceof TagResult.Tagged && results[i] instanceof TagResult.Tagged) {
                recordable.add(i);
            }
        }
        if (recordable.isEmpty()) {
            return;
        }
        Map<Integer, float[]> features = features(requests, recordable);
        for (int i : recordable) {
            float[] f = features.get(i);
            if (f == null) {
                continue; // no embedding for this image: it is answered, just not recorded
            }
            Map<String, Float> scores = ((TagResult.Tagged) teacherOf.get(i)).scores();
            float[] row = new float[vocabulary.numClasses()];
            for (int c = 0; c < row.length; c++) {
                row[c] = scores.get(vocabulary.labels().get(c));
            }
            OnlineSample sample = new OnlineSample(
                    model.modelId(),
                    model.revision(),
                    imageSize,
                    vocabulary.id(),
                    vocabulary.version(),
                    online.teacher().id(),
                    f,
                    row);
            results[i] = ((TagResult.Tagged) results[i]).withSample(sample);
        }
    }

    /** Global embeddings of the requests at {@code indices}, all in one pass, or one by one if that pass fails. */
    private Map<Integer, float[]> features(List<ImageRequest> requests, List<Integer> indices) {
        Map<Integer, float[]> out = new LinkedHashMap<>();
        try {
            List<float[]> rows = embed(pick(requests, indices));
            for (int j = 0; j < indices.size(); j++) {
                out.put(indices.get(j), rows.get(j));
            }
        } catch (RuntimeException together) {
            for (int i : indices) {
                try {
                    out.put(i, embed(List.of(requests.get(i))).get(0));
                } catch (RuntimeException alone) {
                    // the image's answer stands; it is only left out of the sample
                }
            }
        }
        return out;
    }

    private List<float[]> embed(List<ImageRequest> requests) {
        List<RgbImage> images = requests.stream().map(ImageRequest::image).toList();
        try (NDManager scope = model.manager().newSubManager()) {
            float[] flat = HeadScorer.features(model::encodeImage, images, imageSize, scope)
                    .toFloatArray(); // [B,E] row-major
            int dim = flat.length / images.size();
            List<float[]> rows = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                float[] row = new float[dim];
                System.arraycopy(flat, i * dim, row, 0, dim);
                rows.add(row);
            }
            return rows;
        }
    }

    /**
     * Fits a candidate head on {@code samples} and installs it if {@link HeadSelection} accepts it. Samples of
     * another model revision, image size or vocabulary version are left out. Runs outside the tagging lock: events
     * are tagged by the current head meanwhile.
     *
     * @param samples  recorded samples with their image ids
     * @param options  how the candidate is trained
     * @param selection the accept/reject rule
     * @return the decision, with the installed head when it was accepted
     */
    public Retrain retrain(Map<String, OnlineSample> samples, TrainingOptions options, HeadSelection selection) {
        Retrain retrain = candidate(samples, options, selection);
        if (retrain.head() != null) {
            install(retrain.head());
        }
        return retrain;
    }

    /**
     * As {@link #retrain}, without installing the accepted head: the caller publishes it for the whole fleet, and
     * every instance (this one too) installs it from there.
     */
    public Retrain candidate(Map<String, OnlineSample> samples, TrainingOptions options, HeadSelection selection) {
        List<String> ids = new ArrayList<>();
        List<float[]> features = new ArrayList<>();
        List<float[]> labels = new ArrayList<>();
        int dim = model.config().embedDim();
        for (Map.Entry<String, OnlineSample> e : samples.entrySet()) {
            OnlineSample s = e.getValue();
            if (s.modelRevision().equals(model.revision())
                    && s.imageSize() == imageSize
                    && s.vocabularyVersion().equals(vocabulary.version())
                    && s.features().length == dim
                    && s.scores().length == vocabulary.numClasses()) {
                ids.add(e.getKey());
                features.add(s.features());
                labels.add(CdulTraining.relative(s.scores()));
            }
        }
        TrainedHead incumbent = head().orElse(null);
        HeadSelection.Decision decision;
        try (NDManager manager = model.manager().newSubManager()) {
            decision = selection.select(
                    ids,
                    features.toArray(float[][]::new),
                    labels.toArray(float[][]::new),
                    incumbent == null ? null : incumbent.head(),
                    manager);
        }
        String parent = incumbent == null ? null : incumbent.manifest().version();
        if (!decision.accepted()) {
            return new Retrain(decision, ids.size(), null, parent);
        }
        return new Retrain(decision, ids.size(), trained(decision, options), parent);
    }

    /**
     * One retrain's outcome.
     *
     * @param decision the accept/reject decision and both losses
     * @param usable   samples that matched the model and vocabulary
     * @param head     the head accepted, or {@code null} when the candidate was rejected
     * @param parentVersion the head in service when the retrain began, or {@code null} (the teacher answered)
     */
    public record Retrain(HeadSelection.Decision decision, int usable, TrainedHead head, String parentVersion) {}

    private TrainedHead trained(HeadSelection.Decision decision, TrainingOptions options) {
        Map<String, Double> acceptance = new LinkedHashMap<>();
        acceptance.put("acceptanceSamples", (double) decision.acceptanceCount());
        acceptance.put("acceptanceKl", decision.candidateLoss());
        acceptance.put("replacedKl", decision.incumbentLoss());
        return CdulTraining.sealed(model, imageSize, vocabulary, online.teacher(), decision.fit(), options, acceptance);
    }

    @Override
    public void warmUp() {
        synchronized (lock) {
            teacher.warmUp();
            if (student != null) {
                student.warmUp();
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (student != null) {
                student.close();
            }
            teacher.close();
        }
    }

    /** A request the head can answer: of its vocabulary, without extra labels (those the teacher scores). */
    private boolean ofHeadVocabulary(ImageRequest request) {
        return (request.vocabularyId() == null || request.vocabularyId().equals(vocabulary.id()))
                && request.extraLabels().isEmpty();
    }

    @Override
    public boolean extraLabelsReady(List<String> extraLabels) {
        return teacher.extraLabelsReady(extraLabels);
    }

    @Override
    public void prepareExtraLabels(List<String> extraLabels) {
        teacher.prepareExtraLabels(extraLabels);
    }

    private static List<ImageRequest> pick(List<ImageRequest> requests, List<Integer> indices) {
        return indices.stream().map(requests::get).toList();
    }
}
