package io.tagclip.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The serde as Kafka Streams uses it: passed to the DSL, and instantiated by class name as a default serde. */
class SpecificAvroSerdeStreamsTest {

    private final String scope = "streams-test-" + UUID.randomUUID();
    private final Map<String, String> registry = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.dropScope(scope);
    }

    @Test
    void shouldCarryEventsThroughATopologyWithExplicitSerdes() {
        Serde<ImageRef> refs = configured(new SpecificAvroSerde<>(ImageRef.class));
        Serde<ImageTagFailure> failures = configured(new SpecificAvroSerde<>(ImageTagFailure.class));
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("refs", Consumed.with(Serdes.String(), refs))
                .mapValues(SpecificAvroSerdeStreamsTest::rejected)
                .to("dlq", Produced.with(Serdes.String(), failures));

        try (var driver = new TopologyTestDriver(builder.build(), streamsConfig(Map.of()))) {
            TestInputTopic<String, ImageRef> in =
                    driver.createInputTopic("refs", Serdes.String().serializer(), refs.serializer());
            TestOutputTopic<String, ImageTagFailure> out =
                    driver.createOutputTopic("dlq", Serdes.String().deserializer(), failures.deserializer());
            in.pipeInput("img-42", SampleEvents.imageRef());

            ImageTagFailure failure = out.readValue();
            assertThat(failure.getId()).isEqualTo("img-42");
            assertThat(failure.getHeaders()).isEqualTo(SampleEvents.imageRef().getHeaders());
        }
        assertThat(MockSchemaRegistry.forScope(scope).latest("dlq-value").schema())
                .isEqualTo(ImageTagFailure.getClassSchema());
    }

    @Test
    void shouldWorkAsTheDefaultValueSerdeConfiguredByClassName() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, ImageRef>stream("refs")
                .filter((id, ref) -> ref.getLabels() != null)
                .to("labelled");

        try (var driver = new TopologyTestDriver(
                builder.build(),
                streamsConfig(Map.of(
                        StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, SpecificAvroSerde.class.getName(),
                        SerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, ImageRef.class.getName())))) {
            Serde<ImageRef> refs = configured(new SpecificAvroSerde<>(ImageRef.class));
            driver.createInputTopic("refs", Serdes.String().serializer(), refs.serializer())
                    .pipeInput("img-42", SampleEvents.imageRef());

            assertThat(driver.createOutputTopic("labelled", Serdes.String().deserializer(), refs.deserializer())
                            .readValue())
                    .isEqualTo(SampleEvents.imageRef());
        }
    }

    private static ImageTagFailure rejected(ImageRef ref) {
        return ImageTagFailure.newBuilder()
                .setId(ref.getId())
                .setUri(ref.getUri())
                .setReason(FailureReason.UNSUPPORTED_SCHEME)
                .setMessage("scheme of " + ref.getUri() + " is not enabled")
                .setFailedAt(SampleEvents.AT)
                .setHeaders(ref.getHeaders())
                .build();
    }

    private <T extends Serde<?>> T configured(T serde) {
        serde.configure(registry, false);
        return serde;
    }

    private Properties streamsConfig(Map<String, String> extra) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serde-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        props.putAll(registry);
        props.putAll(extra);
        return props;
    }
}
