package io.tagclip.cli;

import io.tagclip.avro.ImageRef;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.TaggerTopology;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Publishes one ImageRef, keyed by its id; or replays the inputs of dead letters. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = {
            "Publish one image reference (Avro ImageRef), or with --from-dead-letter re-publish the inputs of dead"
                    + " letters."
        })
final class ProduceCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--uri",
            description =
                    "Where the image is: http, https, s3://bucket/key, az://account/container/blob (allow-listed), or file when enabled.")
    String uri;

    @Option(names = "--id", description = "Image id, the output's key (default: a random UUID).")
    String id;

    @Option(names = "--labels", split = ",", description = "Only report these labels (comma-separated).")
    List<String> labels;

    @Option(names = "--vocabulary", description = "Vocabulary id (default: the service's).")
    String vocabulary;

    @Option(
            names = "--extra-labels",
            split = ",",
            description = "Labels to score besides the vocabulary's, named freely (open vocabulary; comma-separated;"
                    + " method tagclip).")
    List<String> extraLabels;

    @Option(names = "--content-type", description = "Media type to claim, e.g. image/jpeg (informative only).")
    String contentType;

    @Option(names = "--header", description = "Tracing attribute copied to the output, as key=value; repeatable.")
    Map<String, String> headers = Map.of();

    @Option(
            names = "--topic",
            defaultValue = TaggerTopology.IMAGE_REFS,
            description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--from-dead-letter",
            paramLabel = "FILE",
            description = "Replay dead letters instead: FILE (- for standard input) holds them as JSON lines, as"
                    + " 'consume --topic image-refs-dlq' prints them; each letter's input is published again as it"
                    + " was (vocabulary, labels, headers), keyed by its id, with the input record's Kafka headers."
                    + " Letters without an input are skipped, naming their line, and the exit code is then 1.")
    String fromDeadLetter;

    ImageRef event() {
        return ImageRef.newBuilder()
                .setId(id != null ? id : UUID.randomUUID().toString())
                .setUri(uri)
                .setContentType(contentType)
                .setVocabularyId(vocabulary)
                .setLabels(labels)
                .setExtraLabels(extraLabels)
                .setProducedAt(Instant.now())
                .setHeaders(Map.copyOf(headers))
                .build();
    }

    @Override
    public Integer call() throws InterruptedException, ExecutionException {
        List<DeadLetterReplay.Entry> replay = fromDeadLetter == null ? null : readDeadLetters();
        if (replay == null && uri == null) {
            throw new ParameterException(
                    spec.commandLine(), "Give --uri (a new event) or --from-dead-letter FILE (a replay)");
        }
        if (replay != null && replay.stream().allMatch(e -> e.record() == null)) {
            return replay(null, replay); // nothing to send: say why, without Kafka
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        kafka.requireReachable(config);
        try (SpecificAvroSerde<ImageRef> serde = new SpecificAvroSerde<>(ImageRef.class)) {
            serde.configure(config, false);
            try (KafkaProducer<String, ImageRef> producer =
                    new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
                try {
                    return replay != null ? replay(producer, replay) : sendOne(producer);
                } catch (RuntimeException e) {
                    throw kafka.explain(e);
                }
            }
        }
    }

    private int sendOne(Producer<String, ImageRef> producer) throws InterruptedException, ExecutionException {
        ImageRef event = event();
        RecordMetadata sent =
                producer.send(new ProducerRecord<>(topic, event.getId(), event)).get();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("sent %s to %s-%d@%d%n", event.getId(), sent.topic(), sent.partition(), sent.offset());
        out.flush();
        return 0;
    }

    /** The lines of {@code --from-dead-letter}, each parsed; refuses the options a replay does not take. */
    List<DeadLetterReplay.Entry> readDeadLetters() {
        if (uri != null
                || id != null
                || labels != null
                || extraLabels != null
                || vocabulary != null
                || contentType != null
                || !headers.isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--from-dead-letter publishes each letter's input as it was: --uri, --id, --labels, --extra-labels, --vocabulary,"
                            + " --content-type and --header do not go with it");
        }
        List<DeadLetterReplay.Entry> entries = new ArrayList<>();
        try (BufferedReader in = "-".equals(fromDeadLetter)
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(fromDeadLetter), StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (!line.isBlank()) {
                    entries.add(DeadLetterReplay.parse(number, line, topic));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dead letters from " + fromDeadLetter, e);
        }
        return entries;
    }

    /**
     * Sends the record of every entry that has one, then prints, in the file's order, where each went and why the
     * others were skipped; 1 when any was skipped. {@code producer} may be null when no entry has a record.
     */
    int replay(Producer<String, ImageRef> producer, List<DeadLetterReplay.Entry> entries)
            throws InterruptedException, ExecutionException {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (DeadLetterReplay.Entry entry : entries) {
            sent.add(entry.record() == null ? null : producer.send(entry.record()));
        }
        if (producer != null) {
            producer.flush();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int skipped = 0;
        for (int i = 0; i < entries.size(); i++) {
            DeadLetterReplay.Entry entry = entries.get(i);
            if (entry.record() == null) {
                skipped++;
                err.printf("line %d (%s): skipped, %s%n", entry.line(), entry.letter(), entry.skipped());
                continue;
            }
            RecordMetadata at = sent.get(i).get();
            out.printf(
                    "sent %s to %s-%d@%d (replays %s)%n",
                    entry.record().key(), at.topic(), at.partition(), at.offset(), entry.letter());
        }
        err.printf("replayed %d of %d dead letters%n", entries.size() - skipped, entries.size());
        out.flush();
        err.flush();
        return skipped == 0 ? 0 : 1;
    }
}
