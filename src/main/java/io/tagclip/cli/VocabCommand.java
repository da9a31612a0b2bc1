package io.tagclip.cli;

import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.fleet.VocabularyDefinitions;
import io.tagclip.serde.SpecificAvroDeserializer;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import io.tagclip.vocab.VocabularyException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manages the fleet's vocabularies in the compacted vocabularies topic: put, list, rm. */
@Command(
        name = "vocab",
        mixinStandardHelpOptions = true,
        description = {
            "Manage the vocabularies every service instance follows (the compacted topic tagger-vocabularies): put a"
                    + " vocabulary file, list them, remove one. Instances embed a new or changed vocabulary in the"
                    + " background; see /q/health/ready for where each instance stands."
        },
        subcommands = {VocabCommand.Put.class, VocabCommand.ListCommand.class, VocabCommand.Remove.class})
final class VocabCommand implements Callable<Integer> {

    /** The topic the service follows by default ({@code tagger.vocabularies.topic}). */
    static final String TOPIC = "tagger-vocabularies";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Give a subcommand: put, list or rm");
    }

    /** Options every subcommand shares. */
    static final class Target {
        @Mixin
        KafkaOptions kafka;

        @Option(names = "--topic", defaultValue = TOPIC, description = "Vocabularies topic (default ${DEFAULT-VALUE}).")
        String topic;

        /** Writes {@code definition} (null: a tombstone) under {@code id}, once the broker is reachable. */
        RecordMetadata send(String id, VocabularyDefinition definition)
                throws InterruptedException, ExecutionException {
            Map<String, Object> config = kafka.clientConfig();
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            kafka.requireReachable(config);
            try (SpecificAvroSerde<VocabularyDefinition> serde = new SpecificAvroSerde<>(VocabularyDefinition.class)) {
                serde.configure(config, false);
                try (KafkaProducer<String, VocabularyDefinition> producer =
                        new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
                    return producer.send(new ProducerRecord<>(topic, id, definition))
                            .get();
                } catch (RuntimeException e) {
                    throw kafka.explain(e);
                }
            }
        }
    }

    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            description = "Add or replace a vocabulary from a vocabulary file (checked first; a bad line is refused"
                    + " naming it). Prints the id and the version results will carry.")
    static final class Put implements Callable<Integer> {

        @Mixin
        Target target = new Target();

        @Option(names = "--id", description = "Vocabulary id (default: the file name without its extension).")
        String id;

        @Parameters(paramLabel = "FILE", description = "A vocabulary file (docs/vocabulary-format.md).")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException, ExecutionException {
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "FILE: no such file: " + file);
            }
            Vocabulary read = Vocabulary.load(file);
            Vocabulary vocabulary = id == null ? read : new Vocabulary(id, read.classes(), read.background());
            refuseBuiltIn(spec, vocabulary.id());
            RecordMetadata sent = target.send(vocabulary.id(), VocabularyDefinitions.of(vocabulary, Instant.now()));
            PrintWriter out = spec.commandLine().getOut();
            out.printf(
                    "put %s version %s (%d classes, %d background) to %s-%d@%d%n",
                    vocabulary.id(),
                    vocabulary.version(),
                    vocabulary.numClasses(),
                    vocabulary.background().size(),
                    sent.topic(),
                    sent.partition(),
                    sent.offset());
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the vocabularies the topic holds: id, version, classes and labels. Whether an"
                    + " instance has embedded one is in that instance's /q/health/ready.")
    static final class ListCommand implements Callable<Integer> {

        @Mixin
        Target target = new Target();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, Object> config = target.kafka.clientConfig();
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            target.kafka.requireReachable(config);
            SpecificAvroDeserializer<VocabularyDefinition> values = new SpecificAvroDeserializer<>();
            values.configure(config, false);
            Map<String, String> lines = new TreeMap<>();
            try (KafkaConsumer<String, byte[]> consumer =
                    new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(target.topic, Duration.ofSeconds(10)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.key() == null) {
                            continue;
                        }
                        if (r.value() == null) {
                            lines.remove(r.key());
                        } else {
                            lines.put(r.key(), describe(r, values));
                        }
                    }
                }
            } catch (RuntimeException e) {
                throw target.kafka.explain(e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-24s %-12s %7s  %s%n", "ID", "VERSION", "CLASSES", "LABELS");
            lines.values().forEach(out::println);
            out.flush();
            return 0;
        }

        private static String describe(
                ConsumerRecord<String, byte[]> r, SpecificAvroDeserializer<VocabularyDefinition> values) {
            try {
                Vocabulary v = VocabularyDefinitions.toVocabulary(
                        r.key(), values.deserialize(r.topic(), r.headers(), r.value()));
                String labels = String.join(", ", v.labels());
                return String.format(
                        "%-24s %-12s %7d  %s",
                        v.id(),
                        v.version(),
                        v.numClasses(),
                        labels.length() > 80 ? labels.substring(0, 77) + "..." : labels);
            } catch (VocabularyException e) {
                return String.format("%-24s %-12s %7s  invalid: %s", r.key(), "-", "-", e.getMessage());
            }
        }
    }

    @Command(
            name = "rm",
            mixinStandardHelpOptions = true,
            description = "Remove a vocabulary (a tombstone): later events that name it are UNKNOWN_VOCABULARY dead"
                    + " letters.")
    static final class Remove implements Callable<Integer> {

        @Mixin
        Target target = new Target();

        @Parameters(paramLabel = "ID", description = "The vocabulary id.")
        String id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException, ExecutionException {
            refuseBuiltIn(spec, id);
            RecordMetadata sent = target.send(id, null);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("removed %s (tombstone at %s-%d@%d)%n", id, sent.topic(), sent.partition(), sent.offset());
            out.flush();
            return 0;
        }
    }

    private static void refuseBuiltIn(CommandSpec spec, String id) {
        if (Vocabularies.builtIn().find(id).isPresent()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "'" + id + "' is a built-in vocabulary: every instance has it, the topic cannot change it");
        }
    }
}
