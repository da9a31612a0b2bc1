package io.tagclip.serde;

import io.tagclip.avro.ImageTags;
import java.util.Map;

/**
 * Throughput of the serde on one thread, with the in-memory registry (after the first record every schema id is a
 * cache hit, as in steady state against a real registry). Run by hand, not by the build:
 *
 * <pre>{@code
 * ./mvnw -B -o -q test-compile && java -cp "target/classes:target/test-classes:$(./mvnw -B -o -q \
 *     dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" io.tagclip.serde.SerdeBenchmark [seconds]
 * }</pre>
 */
public final class SerdeBenchmark {

    private SerdeBenchmark() {}

    public static void main(String[] args) {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
        var serde = new SpecificAvroSerde<>(ImageTags.class);
        serde.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://benchmark"), false);
        ImageTags event = SampleEvents.imageTags();
        byte[] payload = serde.serializer().serialize("tags", event);

        // Warm up for a third of the time, then measure each direction.
        run(serde, event, payload, seconds * 1_000_000_000L / 3, false);
        double serialize = run(serde, event, payload, seconds * 1_000_000_000L, true);
        System.out.printf(
                "ImageTags (%d bytes framed): serialize %.0f records/s, deserialize %.0f records/s%n",
                payload.length, serialize, run(serde, event, payload, seconds * 1_000_000_000L, false));
    }

    private static double run(
            SpecificAvroSerde<ImageTags> serde, ImageTags event, byte[] payload, long nanos, boolean serialize) {
        long count = 0;
        long sink = 0;
        long start = System.nanoTime();
        long end = start + nanos;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                sink += serialize
                        ? serde.serializer().serialize("tags", event).length
                        : serde.deserializer()
                                .deserialize("tags", payload)
                                .getTags()
                                .size();
            }
            count += 1000;
        }
        if (sink == 42) {
            System.out.println("unlikely");
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }
}
