package io.tagclip.streams;

import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.TrainingSample;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The service's topology: {@code image-refs} → micro-batch (fetch, decode, tag) → {@code image-tags} or
 * {@code image-refs-dlq}. Plain Kafka Streams: tests build it without Quarkus.
 */
public final class TaggerTopology {

    /** Default input topic: {@code ImageRef} events. */
    public static final String IMAGE_REFS = "image-refs";
    /** Default output topic: {@code ImageTags} events keyed by image id. */
    public static final String IMAGE_TAGS = "image-tags";
    /** Default dead-letter topic: {@code ImageTagFailure} events keyed by image id (null when unparseable). */
    public static final String IMAGE_REFS_DLQ = "image-refs-dlq";

    /** Default topic of online training samples: {@code TrainingSample} records keyed by image id, compacted. */
    public static final String IMAGE_SAMPLES = "image-samples";

    /**
     * Changelogged store of buffered references; its changelog is {@code <application.id>-batch-buffer-changelog}.
     * Persistent (RocksDB, a few entries), because only a topology with a persistent store makes Kafka Streams keep
     * its process id in the state directory: a restarted process then reuses its transactional ids, fences the
     * killed process's producers and aborts their open transactions at once, instead of waiting for
     * {@code transaction.timeout.ms} before it may read the committed input offsets.
     */
    public static final String BUFFER_STORE = "batch-buffer";

    /** Changelogged store of events held until this instance has embedded their vocabulary (usually empty). */
    public static final String HELD_STORE = "vocabulary-hold";

    static final String SOURCE = "image-refs-source";
    static final String BATCHER = "micro-batcher";
    static final String TAGS_SINK = "image-tags-sink";
    static final String DLQ_SINK = "dead-letter-sink";
    static final String SAMPLES_SINK = "training-samples-sink";

    private TaggerTopology() {}

    public static Topology build(
            TopologySettings settings,
            Deserializer<ImageRef> refDeserializer,
            Serializer<ImageTags> tagsSerializer,
            Serializer<ImageTagFailure> failureSerializer,
            BatchTagger tagger,
            TaggerMetrics metrics) {
        return build(settings, refDeserializer, tagsSerializer, failureSerializer, null, tagger, metrics);
    }

    /**
     * The topology, with a third sink for online training samples when {@link TopologySettings#samplesTopic()} is
     * set ({@code samplesSerializer} is then required).
     */
    public static Topology build(
            TopologySettings settings,
            Deserializer<ImageRef> refDeserializer,
            Serializer<ImageTags> tagsSerializer,
            Serializer<ImageTagFailure> failureSerializer,
            Serializer<TrainingSample> samplesSerializer,
            BatchTagger tagger,
            TaggerMetrics metrics) {
        return build(
                settings,
                refDeserializer,
                tagsSerializer,
                failureSerializer,
                samplesSerializer,
                tagger,
                metrics,
                EventTracer.NONE);
    }

    /** {@link #build(TopologySettings, Deserializer, Serializer, Serializer, Serializer, BatchTagger, TaggerMetrics)}
     * whose events report their fetch, inference and produce steps to {@code tracer}. */
    public static Topology build(
            TopologySettings settings,
            Deserializer<ImageRef> refDeserializer,
            Serializer<ImageTags> tagsSerializer,
            Serializer<ImageTagFailure> failureSerializer,
            Serializer<TrainingSample> samplesSerializer,
            BatchTagger tagger,
            TaggerMetrics metrics,
            EventTracer tracer) {
        if (settings.samplesTopic() != null && samplesSerializer == null) {
            throw new IllegalArgumentException(
                    "a samples topic (" + settings.samplesTopic() + ") needs a TrainingSample serializer");
        }
        Topology topology = new Topology();
        // image-refs as raw bytes: parsing happens in the batcher, so a malformed record cannot stop the consumer
        topology.addSource(
                SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), settings.inputTopic());
        // parse, buffer in the changelogged store, flush on size or max wait: fetch + decode + tag, in input order
        topology.addProcessor(
                BATCHER, () -> new MicroBatchProcessor(settings, refDeserializer, tagger, metrics, tracer), SOURCE);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(BUFFER_STORE), Serdes.Long(), new PendingRefSerde()),
                BATCHER);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(HELD_STORE), Serdes.Long(), new PendingRefSerde()),
                BATCHER);
        // tagged images -> image-tags, keyed by image id
        topology.addSink(TAGS_SINK, settings.outputTopic(), Serdes.String().serializer(), tagsSerializer, BATCHER);
        // every failure, parse errors included -> image-refs-dlq
        topology.addSink(DLQ_SINK, settings.dlqTopic(), Serdes.String().serializer(), failureSerializer, BATCHER);
        if (settings.samplesTopic() != null) {
            // sampled images' features + teacher scores -> image-samples (compacted), in the same transaction
            topology.addSink(
                    SAMPLES_SINK, settings.samplesTopic(), Serdes.String().serializer(), samplesSerializer, BATCHER);
        }
        return topology;
    }
}
