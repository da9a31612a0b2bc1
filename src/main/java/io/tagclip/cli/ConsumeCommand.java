package io.tagclip.cli;

import io.tagclip.serde.SpecificAvroDeserializer;
import io.tagclip.streams.TaggerTopology;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** Prints the Avro events of a topic as JSON lines, committed records only. */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description =
                "Print a topic's Avro events as JSON lines (read_committed); stops after --max or --timeout of quiet.")
final class ConsumeCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--topic",
            defaultValue = TaggerTopology.IMAGE_TAGS,
            description = "Topic: image-tags, image-refs-dlq or image-refs (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the earliest record instead of the end.")
    boolean fromBeginning;

    @Option(names = "--max", description = "Stop after this many records (default: no limit).")
    Integer max;

    @Option(
            names = "--timeout",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Stop after this long without a record, e.g. 500ms, 10s, 2m (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw new IllegalArgumentException("--max must be at least 1, got " + max);
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "tagclip-cli-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        kafka.requireReachable(config);
        PrintWriter out = spec.commandLine().getOut();
        int seen;
        SpecificAvroDeserializer<SpecificRecord> values = new SpecificAvroDeserializer<>();
        values.configure(config, false);
        try (KafkaConsumer<String, SpecificRecord> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            seen = consume(consumer, out);
        } catch (RuntimeException e) {
            throw kafka.explain(e);
        }
        out.flush();
        if (max != null && seen < max) {
            spec.commandLine().getErr().printf("only %d of %d records within %s of quiet%n", seen, max, timeout);
            return 1;
        }
        return 0;
    }

    private int consume(KafkaConsumer<String, SpecificRecord> consumer, PrintWriter out) {
        int seen = 0;
        consumer.subscribe(List.of(topic));
        long quietSince = System.nanoTime();
        while ((max == null || seen < max) && System.nanoTime() - quietSince < timeout.toNanos()) {
            for (ConsumerRecord<String, SpecificRecord> record : consumer.poll(Duration.ofMillis(200))) {
                SpecificRecord value = record.value();
                out.println(
                        value == null
                                ? "null"
                                : AvroJson.toJson(value, value.getSchema()).toString());
                quietSince = System.nanoTime();
                if (max != null && ++seen >= max) {
                    break;
                }
            }
            out.flush();
        }
        return seen;
    }

    /** Reads a positive {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or ISO-8601 duration such as {@code PT10S}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            Duration duration;
            try {
                if (t.startsWith("pt")) {
                    duration = Duration.parse(t);
                } else if (t.endsWith("ms")) {
                    duration = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
                } else {
                    long amount = Long.parseLong(t.substring(0, Math.max(0, t.length() - 1)));
                    duration = switch (t.charAt(t.length() - 1)) {
                        case 's' -> Duration.ofSeconds(amount);
                        case 'm' -> Duration.ofMinutes(amount);
                        case 'h' -> Duration.ofHours(amount);
                        default -> null;
                    };
                }
            } catch (RuntimeException e) { // a number that does not parse, or an empty text
                duration = null;
            }
            if (duration == null) {
                throw new TypeConversionException("'" + text + "' is not a duration (such as 500ms, 10s, 2m)");
            }
            if (duration.isZero() || duration.isNegative()) {
                throw new TypeConversionException("'" + text + "' is not positive");
            }
            return duration;
        }
    }
}
