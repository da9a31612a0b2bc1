package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.FakePipeline;
import io.tagclip.streams.OversizedOutputHandler;
import io.tagclip.testing.LocalStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The poison pill against the real broker: an {@code ImageRef} whose id is about 900 kB (a record the broker takes)
 * would give a 1.8 MB output (the id is the key and is repeated in the value), which the producer refuses; that
 * aborted the transaction, and the same record came back after every restart. Now it becomes one bounded
 * {@code INVALID_EVENT} dead letter, committed in order with its neighbours, and the events after it are tagged.
 */
class PoisonPillIT {

    /** Characters of the poison id: the input record stays under the producer's 1 MiB max.request.size. */
    private static final int PILL_ID_CHARS = 900_000;

    private static final int AFTER = 10;

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldDeadLetterAnOversizedEventAndKeepTheStreamRunning() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "pill", 1);
        HttpServer images = ItSupport.imageServer();
        List<ImageRef> after = new ArrayList<>();
        for (int i = 0; i < AFTER; i++) {
            after.add(ItSupport.ref("after-" + i, ItSupport.url(images, "/img/" + (9 + i) + "x5.png")));
        }
        try (InProcessTagger tagger = InProcessTagger.start(
                stack,
                topics,
                new FakePipeline(),
                8,
                Map.of(
                        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        OversizedOutputHandler.class.getName()))) {
            produceWithNullKeys(
                    topics.input(),
                    List.of(
                            ItSupport.ref("before", ItSupport.url(images, "/img/8x5.png")),
                            ItSupport.ref("x".repeat(PILL_ID_CHARS), ItSupport.url(images, "/img/8x6.png"))));
            ItSupport.produce(stack, topics.input(), after, List.of());

            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(3),
                    got -> got.size() >= AFTER + 2);

            assertThat(outputs).hasSize(AFTER + 2);
            assertThat(outputs)
                    .filteredOn(r -> r.value() instanceof ImageTagFailure)
                    .singleElement()
                    .satisfies(r -> {
                        ImageTagFailure pill = (ImageTagFailure) r.value();
                        assertThat(r.key()).isNull();
                        assertThat(pill.getId()).isNull();
                        assertThat(pill.getReason()).isEqualTo(FailureReason.INVALID_EVENT);
                        assertThat(pill.getMessage()).contains("id of 900000 bytes exceeds the limit of 1024");
                        assertThat(pill.getSourceOffset()).isEqualTo(1L);
                        assertThat(r.serializedValueSize()).isLessThan(100_000);
                    });
            assertThat(outputs)
                    .filteredOn(r -> r.value() instanceof ImageTags)
                    .extracting(ConsumerRecord::key)
                    .containsExactlyElementsOf(concat("before", after));
            assertThat(tagger.state()).isEqualTo(KafkaStreams.State.RUNNING);
        } finally {
            images.stop(0);
        }
    }

    private static List<String> concat(String first, List<ImageRef> rest) {
        List<String> ids = new ArrayList<>(List.of(first));
        rest.forEach(r -> ids.add(r.getId()));
        return ids;
    }

    /** Keyless records, as a producer that puts the id only in the value sends them. */
    private void produceWithNullKeys(String topic, List<ImageRef> refs) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (SpecificAvroSerde<ImageRef> serde = new SpecificAvroSerde<>(ImageRef.class)) {
            serde.configure(config, false);
            try (KafkaProducer<String, ImageRef> producer =
                    new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
                for (ImageRef ref : refs) {
                    producer.send(new ProducerRecord<>(topic, null, ref));
                }
                producer.flush();
            }
        }
    }
}
