package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.cli.Main;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.DeadLetterHeaders;
import io.tagclip.streams.VocabularyPipeline;
import io.tagclip.testing.LocalStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The runbook's replay on a real broker and registry, with the command line as an operator runs it: an event naming a
 * vocabulary not deployed yet becomes a dead letter with Kafka Connect's error headers and the input's own;
 * {@code consume} prints it; once the vocabulary is deployed, {@code produce --from-dead-letter} publishes its input
 * again, and the tag event names the original vocabulary and labels and carries the original {@code traceparent}.
 */
class DeadLetterReplayIT {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldTagAReplayedDeadLetterWithItsOriginalVocabularyLabelsAndHeaders(@TempDir Path dir) throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "replay", 1);
        HttpServer images = ItSupport.imageServer();
        VocabularyPipeline pipeline = new VocabularyPipeline();
        ImageRef original = ImageRef.newBuilder()
                .setId("cat-7")
                .setUri(ItSupport.url(images, "/img/6x4.png"))
                .setContentType("image/png")
                .setVocabularyId("pets")
                .setLabels(List.of("cat", "dog"))
                .setProducedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
                .setHeaders(Map.of("tenant", "acme"))
                .build();
        List<Header> headers = List.of(
                new RecordHeader("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("baggage", new byte[] {(byte) 0xc3, 0x28}));
        try (InProcessTagger tagger = InProcessTagger.start(stack, topics, pipeline, 4, Map.of())) {
            produce(topics.input(), original, headers);

            // 1. the vocabulary is not deployed: a dead letter, with the error headers and the input's own
            ConsumerRecord<String, SpecificRecord> letter = ItSupport.readCommitted(
                            stack, List.of(topics.dlq()), Duration.ofSeconds(90), Duration.ZERO, got -> !got.isEmpty())
                    .get(0);
            ImageTagFailure failure = (ImageTagFailure) letter.value();
            assertThat(failure.getReason()).isEqualTo(FailureReason.UNKNOWN_VOCABULARY);
            assertThat(failure.getInput()).isEqualTo(original);
            assertThat(List.of(letter.headers().toArray()).subList(0, 2)).containsExactlyElementsOf(headers);
            assertThat(text(letter, DeadLetterHeaders.TOPIC)).isEqualTo(topics.input());
            assertThat(text(letter, DeadLetterHeaders.PARTITION)).isEqualTo("0");
            assertThat(text(letter, DeadLetterHeaders.OFFSET)).isEqualTo("0");
            assertThat(text(letter, DeadLetterHeaders.REASON)).isEqualTo("UNKNOWN_VOCABULARY");
            assertThat(text(letter, DeadLetterHeaders.EXCEPTION_MESSAGE)).isEqualTo(failure.getMessage());

            // 2. the runbook: consume the dead letters, deploy the vocabulary, produce --from-dead-letter
            String printed =
                    cli(0, "consume", "--topic", topics.dlq(), "--from-beginning", "--max", "1", "--timeout", "30s");
            Path file = Files.writeString(dir.resolve("replay.jsonl"), printed);
            pipeline.deploy("pets", List.of("cat", "dog", "fish"));
            String sent = cli(0, "produce", "--from-dead-letter", file.toString(), "--topic", topics.input());
            assertThat(sent).contains("sent cat-7 to " + topics.input() + "-0@");

            // 3. tagged with its own vocabulary and labels, its record headers carried through
            ConsumerRecord<String, SpecificRecord> tagged = ItSupport.readCommitted(
                            stack,
                            List.of(topics.output()),
                            Duration.ofSeconds(90),
                            Duration.ofSeconds(2),
                            got -> !got.isEmpty())
                    .get(0);
            ImageTags tags = (ImageTags) tagged.value();
            assertThat(tagged.key()).isEqualTo("cat-7");
            assertThat(tags.getVocabularyId()).isEqualTo("pets");
            assertThat(tags.getTags()).extracting(t -> t.getLabel()).containsExactly("cat", "dog");
            assertThat(tags.getHeaders()).containsEntry("tenant", "acme");
            assertThat(List.of(tagged.headers().toArray())).containsExactlyElementsOf(headers);
            assertThat(tagger.state()).isEqualTo(KafkaStreams.State.RUNNING);
        } finally {
            images.stop(0);
        }
    }

    private void produce(String topic, ImageRef ref, List<Header> headers) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (SpecificAvroSerde<ImageRef> serde = new SpecificAvroSerde<>(ImageRef.class)) {
            serde.configure(config, false);
            try (KafkaProducer<String, ImageRef> producer =
                    new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
                producer.send(new ProducerRecord<>(topic, null, ref.getId(), ref, headers));
                producer.flush();
            }
        }
    }

    /** Runs the command line in-process against the local stack; its stdout, after checking the exit code. */
    private String cli(int expectedCode, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--bootstrap-servers";
        all[args.length + 1] = stack.bootstrapServers();
        all[args.length + 2] = "--registry-url";
        all[args.length + 3] = stack.registryUrl();
        int code = cli.execute(all);
        assertThat(code).as("tagclip %s: %s", args[0], err).isEqualTo(expectedCode);
        return out.toString();
    }

    private static String text(ConsumerRecord<String, SpecificRecord> record, String header) {
        return new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }
}
