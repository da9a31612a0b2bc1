package io.tagclip.streams;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.pipeline.VocabularyAvailability;
import io.tagclip.serde.SerdeException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Buffers image references in a changelogged key-value store (key: input offset, so iteration is input order) and
 * flushes them through the {@link BatchTagger} when {@code maxBatchSize} are buffered or, for a partial batch, at
 * the last wall-clock tick before its oldest reference would have waited longer than {@code maxWait}. Results are
 * forwarded in input order:
 * tags to {@link TaggerTopology#TAGS_SINK}, failures to {@link TaggerTopology#DLQ_SINK}.
 *
 * <p>A partial batch is flushed by the age of its oldest reference, not at every tick: after a long flush, Kafka
 * Streams punctuates between single records, and flushing then would cut every later batch down to one image while
 * a full batch of references waits in the consumer.
 *
 * <p>Input values arrive as raw bytes and are parsed here, so a record that cannot be parsed becomes an
 * {@code INVALID_EVENT} dead letter in the same transaction as everything else, instead of failing the consumer.
 * So does an event with a field past its {@link EventLimits}. Every record is sized before it is forwarded: one
 * that the producer would refuse as too large is replaced by a bounded dead letter, so no input can wedge its
 * partition (the producer's refusal would abort the transaction, and the same record would come back after every
 * restart).
 *
 * <p>An event whose vocabulary this instance is still embedding ({@link VocabularyAvailability}) is held in a second
 * changelogged store instead of the batch, and joins a batch at the first tick after its vocabulary is ready; past
 * the {@link TopologySettings.Hold} bounds it becomes a {@code VOCABULARY_NOT_READY} dead letter. Held events leave
 * after the events behind them; all others keep input order.
 *
 * <p>Under exactly-once the buffered entries, their deletion at flush, the outputs and the input offsets commit
 * atomically: a crash after a commit but before the flush restores the buffer from the changelog and flushes it
 * again; a crash during the flush aborts its outputs.
 */
public final class MicroBatchProcessor implements Processor<byte[], byte[], String, SpecificRecord> {

    private static final Logger LOG = Logger.getLogger(MicroBatchProcessor.class);

    /** MDC key under which log lines carry the image id. */
    public static final String MDC_IMAGE_ID = "imageId";

    /** Reason of an event whose vocabulary was not ready on this instance within the hold bounds. */
    public static final String VOCABULARY_NOT_READY = "VOCABULARY_NOT_READY";

    /** Wall-clock ticks per {@code maxWait}: a partial batch waits between 3/4 and all of {@code maxWait}. */
    static final int TICKS_PER_MAX_WAIT = 4;

    private final TopologySettings settings;
    private final Deserializer<ImageRef> refDeserializer;
    private final BatchTagger tagger;
    private final TaggerMetrics metrics;
    private final EventTracer tracer;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<Long, PendingRef> buffer;
    private KeyValueStore<Long, PendingRef> held;
    /**
     * What each held event waits for and since when, by offset, so that a tick decides without reading the store;
     * events restored from the changelog count from {@link #init}.
     */
    private final NavigableMap<Long, Held> heldIndex = new TreeMap<>();

    private long initMs;
    private int buffered;
    /** Wall-clock time the oldest buffered reference arrived; 0 for references restored from the changelog. */
    private long oldestArrivalMs;

    private long tickMs;

    public MicroBatchProcessor(
            TopologySettings settings,
            Deserializer<ImageRef> refDeserializer,
            BatchTagger tagger,
            TaggerMetrics metrics) {
        this(settings, refDeserializer, tagger, metrics, EventTracer.NONE);
    }

    /** @param tracer told of each event's fetch, inference and produce steps */
    public MicroBatchProcessor(
            TopologySettings settings,
            Deserializer<ImageRef> refDeserializer,
            BatchTagger tagger,
            TaggerMetrics metrics,
            EventTracer tracer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.refDeserializer = Objects.requireNonNull(refDeserializer, "refDeserializer");
        this.tagger = Objects.requireNonNull(tagger, "tagger");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.buffer = context.getStateStore(TaggerTopology.BUFFER_STORE);
        this.held = context.getStateStore(TaggerTopology.HELD_STORE);
        this.buffered = count(buffer); // refs restored from the changelog after a crash are flushed at the next tick
        this.initMs = context.currentSystemTimeMs();
        try (KeyValueIterator<Long, PendingRef> all = held.all()) {
            all.forEachRemaining(entry -> heldIndex.put(entry.key, Held.of(entry.value.ref(), initMs)));
        }
        this.oldestArrivalMs = 0;
        this.tickMs = Math.max(1, settings.maxWait().toMillis() / TICKS_PER_MAX_WAIT);
        context.schedule(Duration.ofMillis(tickMs), PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source =
                context.recordMetadata().orElseThrow(() -> new IllegalStateException("record without source metadata"));
        List<Header> headers = PendingRef.copyOf(record.headers());
        ImageRef ref;
        try {
            ref = parse(source, record);
        } catch (RuntimeException e) {
            if (isTransient(e)) {
                throw e; // the registry is unreachable, not the record bad: fail the task, redo it after restart
            }
            String message = "cannot parse record " + where(source) + " as ImageRef: " + e;
            LOG.info(EventMapper.cut(message, EventLimits.MAX_MESSAGE_CHARS));
            deadLetterInvalid(keyAsId(record.key()), null, headers, source, record, message);
            return;
        }
        Optional<String> violation =
                settings.limits().violation(ref).or(() -> settings.limits().recordHeaderViolation(headers));
        if (violation.isPresent()) {
            String message = "record " + where(source) + " exceeds an input limit: " + violation.get();
            LOG.info(message);
            String id = EventLimits.utf8Bytes(ref.getId()) <= settings.limits().maxIdBytes() ? ref.getId() : null;
            deadLetterInvalid(id, ref, headers, source, record, message);
            return;
        }
        PendingRef pending =
                new PendingRef(source.topic(), source.partition(), source.offset(), record.timestamp(), ref, headers);
        long now = context.currentSystemTimeMs();
        VocabularyAvailability.Answer answer = availability(ref, now);
        switch (answer.decision()) {
            case TAG -> buffer(pending);
            case WAIT -> hold(pending, now, answer.detail());
            case REFUSE -> {
                flush();
                forward(pending, notReady(answer.detail()), now, now);
            }
        }
    }

    /** Whether {@code ref} can be tagged now: its vocabulary first, then its extra labels. */
    private VocabularyAvailability.Answer availability(ImageRef ref, long arrivedAtMillis) {
        return Held.of(ref, arrivedAtMillis).availability(tagger.vocabularies());
    }

    /** Adds {@code pending} to the batch, and flushes a full batch. */
    private void buffer(PendingRef pending) {
        if (buffered == 0) {
            oldestArrivalMs = context.currentSystemTimeMs();
        }
        buffer.put(pending.offset(), pending);
        buffered++;
        if (buffered >= settings.maxBatchSize()) {
            flush();
        }
    }

    /** Holds {@code pending} until its vocabulary is ready; over the count bound, the oldest held event leaves. */
    private void hold(PendingRef pending, long now, String why) {
        held.put(pending.offset(), pending);
        heldIndex.put(pending.offset(), Held.of(pending.ref(), now));
        LOG.debugf("holding %s: %s", pending.ref().getId(), why);
        if (heldIndex.size() > settings.hold().maxHeld()) {
            Map.Entry<Long, Held> oldestEntry = heldIndex.firstEntry();
            String detail =
                    oldestEntry.getValue().availability(tagger.vocabularies()).detail();
            PendingRef oldest = release(oldestEntry.getKey());
            forward(
                    oldest,
                    notReady("held for its vocabulary with "
                            + settings.hold().maxHeld()
                            + " other events, the most a task holds (tagger.vocabularies.max-held): " + detail),
                    now,
                    now);
        }
    }

    /** Takes the event held at {@code offset} out of the hold. */
    private PendingRef release(long offset) {
        PendingRef pending = held.get(offset);
        held.delete(offset);
        heldIndex.remove(offset);
        return pending;
    }

    private static Outcome.Failed notReady(String detail) {
        return Outcome.Failed.named(VOCABULARY_NOT_READY, detail, 1);
    }

    /**
     * Moves every held event whose vocabulary is now ready into the batch, and dead-letters those refused or held
     * longer than the hold bound.
     */
    private void releaseHeld(long nowMs) {
        long maxHold = settings.hold().maxHold().toMillis();
        for (Map.Entry<Long, Held> entry : List.copyOf(heldIndex.entrySet())) { // in offset order
            long since = entry.getValue().since();
            VocabularyAvailability.Answer answer = entry.getValue().availability(tagger.vocabularies());
            if (answer.decision() == VocabularyAvailability.Decision.WAIT && nowMs - since <= maxHold) {
                continue;
            }
            PendingRef pending = release(entry.getKey());
            switch (answer.decision()) {
                case TAG -> buffer(pending);
                case REFUSE -> forward(pending, notReady(answer.detail()), nowMs, nowMs);
                case WAIT ->
                    forward(
                            pending,
                            notReady("held " + (nowMs - since) + " ms, longer than tagger.vocabularies.max-hold "
                                    + settings.hold().maxHold() + ": " + answer.detail()),
                            nowMs,
                            nowMs);
            }
        }
    }

    /**
     * Dead-letters a record that cannot be tagged; {@code ref} is its event when it parsed (past a limit), else null.
     * The batch buffered before it is flushed first, so that every output, dead letters included, leaves in input
     * order per partition (a fetch failure of an earlier record is a dead letter too, written at its flush).
     */
    private void deadLetterInvalid(
            String id,
            ImageRef ref,
            List<Header> headers,
            RecordMetadata source,
            Record<byte[], byte[]> record,
            String message) {
        flush();
        metrics.failed(FailureReason.INVALID_EVENT.name());
        ImageTagFailure failure = EventMapper.invalidEvent(
                id,
                ref,
                headers,
                source.topic(),
                source.partition(),
                source.offset(),
                record.key(),
                record.value(),
                message,
                context.currentSystemTimeMs(),
                settings.limits());
        forwardDeadLetter(failure, record.timestamp());
    }

    /** The record's key as an image id: valid UTF-8 within the id limit, else null. */
    private String keyAsId(byte[] key) {
        if (key == null || key.length == 0 || key.length > settings.limits().maxIdBytes()) {
            return null;
        }
        try {
            String id = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key))
                    .toString();
            return id.isBlank() ? null : id;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String where(RecordMetadata source) {
        return source.topic() + "-" + source.partition() + "@" + source.offset();
    }

    private ImageRef parse(RecordMetadata source, Record<byte[], byte[]> record) {
        if (record.value() == null) {
            throw new IllegalArgumentException("null value");
        }
        ImageRef ref = refDeserializer.deserialize(source.topic(), record.headers(), record.value());
        if (ref == null) {
            throw new IllegalArgumentException("deserializer returned null");
        }
        if (ref.getId().isBlank()) {
            throw new IllegalArgumentException("blank id");
        }
        return ref;
    }

    /**
     * True when parsing failed for a reason outside the record (registry unreachable or answering 5xx, timeout,
     * interruption): such records are not dead letters.
     */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException
                    || t instanceof HttpTimeoutException
                    || t instanceof UnknownHostException
                    || t instanceof InterruptedException) {
                return true;
            }
            if (t instanceof SerdeException serde && serde.httpStatus().isPresent()) {
                int status = serde.httpStatus().getAsInt();
                if (status >= 500 || status == 408 || status == 429) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Flushes a partial batch whose oldest reference would have waited longer than maxWait at the next tick. */
    private void tick(long nowMs) {
        if (!heldIndex.isEmpty()) {
            releaseHeld(nowMs);
        }
        if (buffered > 0
                && nowMs - oldestArrivalMs + tickMs > settings.maxWait().toMillis()) {
            flush();
        }
    }

    /** Tags everything buffered and forwards the results in input order. */
    private void flush() {
        if (buffered == 0) {
            return;
        }
        long start = System.nanoTime();
        long flushStartMillis = context.currentSystemTimeMs();
        List<PendingRef> batch = drain();
        List<Outcome> outcomes;
        try {
            outcomes = tagger.tag(batch.stream().map(PendingRef::ref).toList(), steps(batch));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // The batch stays in the store (and its changelog) and is flushed again after the restart.
            throw new StreamsException("interrupted while tagging a batch", e);
        }
        if (outcomes.size() != batch.size()) {
            throw new IllegalStateException(
                    "tagger returned " + outcomes.size() + " outcomes for " + batch.size() + " refs");
        }
        long now = context.currentSystemTimeMs();
        for (int i = 0; i < batch.size(); i++) {
            forward(batch.get(i), outcomes.get(i), flushStartMillis, now);
            buffer.delete(batch.get(i).offset());
        }
        buffered = 0;
        metrics.batchFlushed(batch.size(), System.nanoTime() - start);
    }

    /** The batch's steps as the tracer's, each continuing its reference's input trace; nothing when not tracing. */
    private BatchSteps steps(List<PendingRef> batch) {
        if (!tracer.enabled()) {
            return BatchSteps.NONE;
        }
        return new BatchSteps() {
            @Override
            public void fetched(int index, long startNanos, long endNanos, String failure) {
                PendingRef p = batch.get(index);
                tracer.finished(EventTracer.Step.FETCH, p.ref().getId(), p.headers(), startNanos, endNanos, failure);
            }

            @Override
            public void inferred(int index, long startNanos, long endNanos, String failure) {
                PendingRef p = batch.get(index);
                tracer.finished(
                        EventTracer.Step.INFERENCE, p.ref().getId(), p.headers(), startNanos, endNanos, failure);
            }
        };
    }

    /** Forwards one output of {@code pending} to {@code sink}, as the event's produce step. */
    private void produce(PendingRef pending, Record<String, SpecificRecord> output, String sink, String failure) {
        long start = tracer.enabled() ? EventTracer.nowNanos() : 0;
        context.forward(output, sink);
        if (tracer.enabled()) {
            tracer.finished(
                    EventTracer.Step.PRODUCE,
                    pending.ref().getId(),
                    pending.headers(),
                    start,
                    EventTracer.nowNanos(),
                    failure);
        }
    }

    /** Writes the image's training sample, if the pipeline recorded one and the topology has a samples sink. */
    private void forwardSample(String id, Outcome.Tagged tagged, long timestamp, long now) {
        if (tagged.result().sample() == null || settings.samplesTopic() == null) {
            return;
        }
        SpecificRecord sample = EventMapper.sample(id, tagged.result().sample(), now);
        context.forward(new Record<String, SpecificRecord>(id, sample, timestamp), TaggerTopology.SAMPLES_SINK);
        metrics.sampleRecorded();
    }

    private void forward(PendingRef pending, Outcome outcome, long flushStartMillis, long now) {
        String id = pending.ref().getId();
        if (outcome instanceof Outcome.Tagged tagged) {
            SpecificRecord tags = EventMapper.tags(pending, tagged, flushStartMillis, now);
            Headers headers = EventMapper.outputHeaders(pending.headers());
            long bytes = EventMapper.recordBytes(id, tags, headers);
            if (bytes <= settings.limits().maxOutputBytes()) {
                metrics.tagged();
                metrics.answeredBy(tagged.result().provenance().method());
                produce(
                        pending,
                        new Record<String, SpecificRecord>(id, tags, pending.timestamp(), headers),
                        TaggerTopology.TAGS_SINK,
                        null);
                forwardSample(id, tagged, pending.timestamp(), now);
                return;
            }
            outcome = new Outcome.Failed(
                    FailureReason.INVALID_EVENT,
                    "its ImageTags output of " + bytes + " bytes would exceed the output limit of "
                            + settings.limits().maxOutputBytes() + " bytes",
                    1);
        }
        Outcome.Failed failed = (Outcome.Failed) outcome;
        metrics.failed(failed.reasonName());
        MDC.put(MDC_IMAGE_ID, id);
        try {
            LOG.infof("dead letter %s: %s", failed.reasonName(), failed.message());
        } finally {
            MDC.remove(MDC_IMAGE_ID);
        }
        long start = tracer.enabled() ? EventTracer.nowNanos() : 0;
        forwardDeadLetter(EventMapper.failure(pending, failed, now), pending.timestamp());
        if (tracer.enabled()) {
            tracer.finished(EventTracer.Step.PRODUCE, id, pending.headers(), start, EventTracer.nowNanos(), null);
        }
    }

    /**
     * Forwards {@code failure}, bounded, to the dead-letter sink, keyed by its id, with the input record's headers
     * (those it keeps in {@code recordHeaders}) and the {@link DeadLetterHeaders}. Should the bounded letter be too
     * large, the input and the record's headers are dropped (and so not copied onto the record either); should it
     * still be too large (only with an output limit close to the input limits), id, URI, headers, raw value and raw
     * key are dropped too. The message says what was dropped.
     */
    private void forwardDeadLetter(ImageTagFailure failure, long timestamp) {
        long max = settings.limits().maxOutputBytes();
        ImageTagFailure letter = EventMapper.bounded(failure, settings.limits());
        Headers headers = EventMapper.deadLetterHeaders(letter);
        long bytes = EventMapper.recordBytes(letter.getId(), letter, headers);
        if (bytes > max && (letter.getInput() != null || letter.getRecordHeaders() != null)) {
            String suffix = "; input and recordHeaders dropped: the dead letter was " + bytes + " bytes";
            letter = ImageTagFailure.newBuilder(letter)
                    .setInput(null)
                    .setRecordHeaders(null)
                    .setMessage(EventMapper.cut(letter.getMessage(), EventLimits.MAX_MESSAGE_CHARS - suffix.length())
                            + suffix)
                    .build();
            headers = EventMapper.deadLetterHeaders(letter);
            bytes = EventMapper.recordBytes(letter.getId(), letter, headers);
        }
        if (bytes > max) {
            letter = ImageTagFailure.newBuilder(letter)
                    .setId(null)
                    .setUri(null)
                    .setHeaders(Map.of())
                    .setRawValue(null)
                    .setRawKey(null)
                    .setMessage(EventMapper.cut(letter.getMessage(), EventLimits.MAX_MESSAGE_CHARS / 2)
                            + "; id, uri, headers, rawValue and rawKey dropped: the dead letter was " + bytes
                            + " bytes")
                    .build();
            headers = EventMapper.deadLetterHeaders(letter);
        }
        context.forward(
                new Record<String, SpecificRecord>(letter.getId(), letter, timestamp, headers),
                TaggerTopology.DLQ_SINK);
    }

    private List<PendingRef> drain() {
        List<PendingRef> batch = new ArrayList<>(buffered);
        try (KeyValueIterator<Long, PendingRef> all = buffer.all()) {
            while (all.hasNext()) {
                KeyValue<Long, PendingRef> entry = all.next();
                batch.add(entry.value);
            }
        }
        return batch;
    }

    private static int count(KeyValueStore<Long, PendingRef> store) {
        int count = 0;
        try (KeyValueIterator<Long, PendingRef> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                count++;
            }
        }
        return count;
    }

    /**
     * What a held event waits for: its vocabulary and extra labels, and when it arrived.
     *
     * @param extraLabels null or empty when it has none
     */
    private record Held(String vocabularyId, List<String> extraLabels, long since) {

        static Held of(ImageRef ref, long since) {
            return new Held(ref.getVocabularyId(), ref.getExtraLabels(), since);
        }

        /** Its vocabulary's answer, then its extra labels' when the vocabulary is ready. */
        VocabularyAvailability.Answer availability(VocabularyAvailability vocabularies) {
            VocabularyAvailability.Answer answer = vocabularies.of(vocabularyId, since);
            if (answer.decision() != VocabularyAvailability.Decision.TAG
                    || extraLabels == null
                    || extraLabels.isEmpty()) {
                return answer;
            }
            return vocabularies.ofExtraLabels(extraLabels);
        }
    }
}
