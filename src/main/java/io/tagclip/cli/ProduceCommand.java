package io.tagclip.cli;

import io.tagclip.avro.ImageRef;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.TaggerTopology;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Publishes one ImageRef, keyed by its id. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Publish one image reference (Avro ImageRef).")
final class ProduceCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--uri",
            required = true,
            description =
                    "Where the image is: http, https, s3://bucket/key, az://account/container/blob (allow-listed), or file when enabled.")
    String uri;

    @Option(names = "--id", description = "Image id, the output's key (default: a random UUID).")
    String id;

    @Option(names = "--labels", split = ",", description = "Only report these labels (comma-separated).")
    List<String> labels;

    @Option(names = "--vocabulary", description = "Vocabulary id (default: the service's).")
    String vocabulary;

    @Option(names = "--content-type", description = "Media type to claim, e.g. image/jpeg (informative only).")
    String contentType;

    @Option(names = "--header", description = "Tracing attribute copied to the output, as key=value; repeatable.")
    Map<String, String> headers = Map.of();

    @Option(
            names = "--topic",
            defaultValue = TaggerTopology.IMAGE_REFS,
            description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    ImageRef event() {
        return ImageRef.newBuilder()
                .setId(id != null ? id : UUID.randomUUID().toString())
                .setUri(uri)
                .setContentType(contentType)
                .setVocabularyId(vocabulary)
                .setLabels(labels)
                .setProducedAt(Instant.now())
                .setHeaders(Map.copyOf(headers))
                .build();
    }

    @Override
    public Integer call() throws InterruptedException, ExecutionException {
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        kafka.requireReachable(config);
        ImageRef event = event();
        try (SpecificAvroSerde<ImageRef> serde = new SpecificAvroSerde<>(ImageRef.class)) {
            serde.configure(config, false);
            try (KafkaProducer<String, ImageRef> producer =
                    new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
                RecordMetadata sent;
                try {
                    sent = producer.send(new ProducerRecord<>(topic, event.getId(), event))
                            .get();
                } catch (RuntimeException e) {
                    throw kafka.explain(e);
                }
                PrintWriter out = spec.commandLine().getOut();
                out.printf("sent %s to %s-%d@%d%n", event.getId(), sent.topic(), sent.partition(), sent.offset());
                out.flush();
            }
        }
        return 0;
    }
}
