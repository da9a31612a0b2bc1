package io.tagclip.bench;

import ai.djl.ndarray.types.Shape;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.clip.ClipConfig;
import io.tagclip.clip.ClipModel;
import io.tagclip.clip.ClipOptions;
import io.tagclip.clip.RandomClip;
import io.tagclip.fetch.FetchException;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.fetch.ImageDecoder;
import io.tagclip.fetch.UriImageLoader;
import io.tagclip.image.RgbImage;
import io.tagclip.inference.ClipModelBackbone;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.inference.Pipelines;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.TagResult;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import io.tagclip.serde.SpecificAvroSerde;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.FlushBound;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import io.tagclip.vocab.TextTable;
import io.tagclip.vocab.Vocabularies;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * End-to-end streaming benchmark: TagCLIP in throughput mode on a CLIP of ViT-B/16 dimensions (random weights)
 * behind the service's topology, run by Kafka Streams under exactly-once against a real broker and schema registry,
 * fed through a local HTTP image server; and, in the same JVM on the same pipeline, the offline throughput of
 * {@link TaggingPipeline#tag} on the same decoded images in batches of the same size. Prints a Markdown table.
 *
 * <p>Run it with {@code bin/bench-stream}, which starts and stops the broker and registry. Arguments (all
 * {@code --name value}): {@code --bootstrap-servers}, {@code --registry-url} (required), {@code --work-dir}
 * [target/bench-stream], {@code --events} per batch size [48], {@code --batch-sizes} [1,8,32], {@code --max-wait-ms}
 * [200], {@code --images} [astronaut_224.png,chelsea_small.png,camera_crop.png] from the golden fixture.
 *
 * <p>Streaming load is closed-loop: the producer keeps {@value #WINDOW_BATCHES} x max-batch events in flight
 * (produced, not yet seen committed), so the tagger always has a next batch waiting while latency stays the latency
 * of a saturated service rather than of an ever-growing backlog. Latency is producer send to read_committed receipt,
 * both on this JVM's monotonic clock.
 */
public final class StreamingBenchmark {

    /** Seed of the random weights and random text features, so every run measures the same model. */
    private static final long SEED = 2312_12828L;
    /** Where the golden fixture's images are; the benchmark runs from the project root. */
    private static final Path FIXTURE_IMAGES = Path.of("src/test/resources/tagclip-tiny/images");
    /** The fixture's three smallest photos (224x224, 150x100, 64x48): one bucket each in throughput mode. */
    private static final String DEFAULT_IMAGES = "astronaut_224.png,chelsea_small.png,camera_crop.png";

    /** Events in flight per max batch size: one batch being tagged, one waiting. */
    static final int WINDOW_BATCHES = 2;
    /** The service's default: one stream thread ({@code tagger.stream-threads}). */
    private static final int STREAM_THREADS = 1;
    /** The service's default {@code tagger.batch.queue-capacity}. */
    private static final int QUEUE_CAPACITY = 4;
    /** The service's default {@code tagger.batch.max-images-per-call}. */
    private static final int MAX_IMAGES_PER_CALL = 32;
    /**
     * One fetch wave for the largest batch: with the default fetch timeouts, two waves of a 32-batch plus inference
     * would not fit the transaction timeout (see {@link FlushBound}).
     */
    private static final int FETCH_THREADS = 32;
    /** Above the time a 32-image call takes on a loaded 2-core machine, so that no image fails for slowness. */
    private static final Duration INFERENCE_TIMEOUT = Duration.ofSeconds(120);
    /** The service's {@code kafka-streams.consumer.max.poll.interval.ms}. */
    private static final Duration MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    /** Above the flush bound (85 s of worst-case fetch plus the inference timeout). */
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(4);
    /** Kafka Streams' default commit interval under exactly-once, written out. */
    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
    /** Max batch size of the untimed streaming warm-up run. */
    private static final int WARM_UP_BATCH = 8;
    /** Events of the untimed streaming warm-up run: two full batches. */
    private static final int WARM_UP_EVENTS = 16;
    /** Longest one streaming run may take before the benchmark gives up. */
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);

    private StreamingBenchmark() {}

    /** Parsed command line. */
    record Options(
            String bootstrapServers,
            String registryUrl,
            Path workDir,
            int events,
            List<Integer> batchSizes,
            Duration maxWait,
            List<String> images) {

        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
                }
                values.put(args[i].substring(2), args[i + 1]);
            }
            String bootstrap = values.remove("bootstrap-servers");
            String registry = values.remove("registry-url");
            if (bootstrap == null || registry == null) {
                throw new IllegalArgumentException("--bootstrap-servers and --registry-url are required");
            }
            Options options = new Options(
                    bootstrap,
                    registry,
                    Path.of(values.getOrDefault("work-dir", "target/bench-stream")),
                    Integer.parseInt(values.getOrDefault("events", "48")),
                    Arrays.stream(values.getOrDefault("batch-sizes", "1,8,32").split(","))
                            .map(String::trim)
                            .map(Integer::valueOf)
                            .toList(),
                    Duration.ofMillis(Long.parseLong(values.getOrDefault("max-wait-ms", "200"))),
                    List.of(values.getOrDefault("images", DEFAULT_IMAGES).split(",")));
            values.keySet().removeAll(List.of("work-dir", "events", "batch-sizes", "max-wait-ms", "images"));
            if (!values.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + values.keySet());
            }
            if (options.events < 1 || options.batchSizes.stream().anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException(
                        "events and batch sizes must be >= 1, got " + options.events + " and " + options.batchSizes);
            }
            return options;
        }
    }

    /** One fixture image: its file bytes (served over HTTP) and its decoded pixels (fed offline). */
    record Image(String name, byte[] bytes, RgbImage decoded) {}

    /** Offline result of one batch size. */
    record Offline(double eventsPerSecond, CountingBackbone.Counts counts) {}

    /**
     * Streaming result of one batch size.
     *
     * @param latenciesMs    per event, send to committed receipt, sorted
     * @param wallNanos      first send to last receipt
     * @param flushNanos     stream-thread time inside flushes (fetch + decode + inference)
     * @param inferenceNanos pipeline time
     * @param failures       dead letters (each one is a failed run)
     */
    record Streaming(
            double eventsPerSecond,
            double[] latenciesMs,
            long wallNanos,
            long flushes,
            double meanFlushSize,
            long flushNanos,
            long inferenceNanos,
            int failures,
            CountingBackbone.Counts counts) {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String loadAtStart = loadAverage();
        long benchStart = System.nanoTime();
        List<Image> images = loadImages(options.images());
        say("images: "
                + images.stream()
                        .map(i -> i.name() + " " + i.decoded().width() + "x"
                                + i.decoded().height())
                        .toList());

        HttpServer server = imageServer(images);
        ClipConfig config = ClipConfig.vitB16();
        long modelStart = System.nanoTime();
        try (ClipModel model = RandomClip.randomWeights(config, SEED, ClipOptions.defaults())) {
            CountingBackbone backbone = new CountingBackbone(new ClipModelBackbone(model));
            PipelineSettings settings = PipelineSettings.throughput(Vocabularies.VOC2007);
            try (TaggingPipeline pipeline = Pipelines.tagClip(
                    backbone,
                    randomText(config.embedDim()),
                    model.modelId(),
                    model.revision(),
                    Vocabularies.builtIn(),
                    settings,
                    model.manager().newSubManager())) {
                say("model " + model.modelId() + " on " + model.device() + " built in " + millis(modelStart) + " ms");
                // As in the service: one inference worker per process, for every streaming run. Offline batches run
                // on one long-lived thread of their own, so both sides call the engine from a warm, steady thread.
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                TaggerMetrics metrics = new TaggerMetrics(meters);
                InferenceWorker worker =
                        new InferenceWorker(pipeline, QUEUE_CAPACITY, MAX_IMAGES_PER_CALL, INFERENCE_TIMEOUT, metrics);
                ExecutorService offlineThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-offline"));
                Streams streams = new Streams(options, worker, metrics, meters, backbone, server, images);
                try {
                    long warmStart = System.nanoTime();
                    pipeline.warmUp();
                    // Untimed: the first batches of every shape run several times slower than later ones (JIT,
                    // allocator), and so does the first streaming run (Kafka clients, fetcher, serdes).
                    for (int batch : options.batchSizes()) {
                        int events = Math.min(options.events(), batch);
                        offlineThread
                                .submit(() -> offline(pipeline, backbone, images, events, batch))
                                .get();
                    }
                    streams.run(WARM_UP_BATCH, WARM_UP_EVENTS);
                    say("warmed up in " + millis(warmStart) + " ms");

                    Map<Integer, Offline> offline = new LinkedHashMap<>();
                    Map<Integer, Streaming> streaming = new LinkedHashMap<>();
                    for (int batch : options.batchSizes()) {
                        offline.put(
                                batch,
                                offlineThread
                                        .submit(() -> offline(pipeline, backbone, images, options.events(), batch))
                                        .get());
                        say(String.format(
                                Locale.ROOT,
                                "batch %d offline: %.2f events/s",
                                batch,
                                offline.get(batch).eventsPerSecond()));
                        streaming.put(batch, streams.run(batch, options.events()));
                        say(String.format(
                                Locale.ROOT,
                                "batch %d streaming: %.2f events/s",
                                batch,
                                streaming.get(batch).eventsPerSecond()));
                    }
                    print(
                            options,
                            settings,
                            images,
                            offline,
                            streaming,
                            loadAtStart,
                            loadAverage(),
                            System.nanoTime() - benchStart);
                } finally {
                    worker.close();
                    offlineThread.shutdownNow();
                }
            }
        } finally {
            server.stop(0);
        }
        // Kafka client and DJL threads do not all stop on their own; the work is done.
        System.exit(0);
    }

    // ---- offline ------------------------------------------------------------------------------------------------

    /** {@code events} images through {@link TaggingPipeline#tag} in consecutive batches of {@code batch}. */
    static Offline offline(
            TaggingPipeline pipeline, CountingBackbone backbone, List<Image> images, int events, int batch) {
        List<ImageRequest> all = requests(images, events, "offline-b" + batch);
        backbone.reset();
        long start = System.nanoTime();
        for (int from = 0; from < all.size(); from += batch) {
            checkTagged(pipeline.tag(all.subList(from, Math.min(all.size(), from + batch))));
        }
        long nanos = System.nanoTime() - start;
        return new Offline(events * 1e9 / nanos, backbone.counts());
    }

    /** Event {@code i} carries image {@code i mod images}, streaming and offline alike. */
    static List<ImageRequest> requests(List<Image> images, int events, String prefix) {
        List<ImageRequest> requests = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            requests.add(ImageRequest.of(
                    prefix + "-" + i, images.get(i % images.size()).decoded()));
        }
        return requests;
    }

    private static void checkTagged(List<TagResult> results) {
        for (TagResult result : results) {
            if (result instanceof TagResult.Failed failed) {
                throw new IllegalStateException("offline tagging failed: " + failed);
            }
        }
    }

    // ---- streaming ----------------------------------------------------------------------------------------------

    /** The process-wide pieces every streaming run shares, as the service's {@code TaggerRuntime} holds them. */
    record Streams(
            Options options,
            InferenceWorker worker,
            TaggerMetrics metrics,
            SimpleMeterRegistry meters,
            CountingBackbone backbone,
            HttpServer server,
            List<Image> images) {

        Streaming run(int batch, int events) throws Exception {
            return streaming(this, batch, events);
        }
    }

    /** The service's topology on fresh topics, fed by a closed-loop producer, read back with read_committed. */
    static Streaming streaming(Streams shared, int batch, int events) throws Exception {
        Options options = shared.options();
        TaggerMetrics metrics = shared.metrics();
        String run = "bench-b" + batch + "-" + UUID.randomUUID().toString().substring(0, 8);
        TopologySettings topics =
                new TopologySettings(run + "-refs", run + "-tags", run + "-dlq", batch, options.maxWait());
        createTopics(options.bootstrapServers(), topics);

        FetchSettings fetch = FetchSettings.defaults().withAllowList(List.of("127.0.0.1"));
        FlushBound.check(
                FlushBound.of(fetch, batch, STREAM_THREADS, FETCH_THREADS, INFERENCE_TIMEOUT),
                MAX_POLL_INTERVAL,
                TRANSACTION_TIMEOUT,
                true);
        ExecutorService fetchPool = Executors.newFixedThreadPool(FETCH_THREADS);
        FetchingBatchTagger tagger =
                new FetchingBatchTagger(new UriImageLoader(fetch), fetchPool, shared.worker(), metrics);
        Map<String, Object> serdeConfig = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, options.registryUrl());
        KafkaStreams streams = new KafkaStreams(
                TaggerTopology.build(
                        topics,
                        serde(ImageRef.class, serdeConfig).deserializer(),
                        serde(ImageTags.class, serdeConfig).serializer(),
                        serde(ImageTagFailure.class, serdeConfig).serializer(),
                        tagger,
                        metrics),
                streamsProperties(options, run));
        CountDownLatch running = new CountDownLatch(1);
        AtomicReference<Throwable> streamsFailure = new AtomicReference<>();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            streamsFailure.set(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        try {
            streams.start();
            if (!running.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Kafka Streams did not reach RUNNING within 2 min: " + streams.state());
            }
            Meters before = Meters.of(shared.meters());
            shared.backbone().reset();
            Streaming result = drive(options, shared.server(), shared.images(), topics, batch, events, streamsFailure);
            return withMeters(
                    result,
                    Meters.of(shared.meters()).minus(before),
                    shared.backbone().counts());
        } finally {
            streams.close(Duration.ofSeconds(30));
            fetchPool.shutdownNow();
        }
    }

    /** Produces the events (at most {@link #WINDOW_BATCHES} x batch in flight) and waits for every output. */
    private static Streaming drive(
            Options options,
            HttpServer server,
            List<Image> images,
            TopologySettings topics,
            int batch,
            int events,
            AtomicReference<Throwable> streamsFailure)
            throws Exception {
        Semaphore window = new Semaphore(WINDOW_BATCHES * batch);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> receivedAt = new ConcurrentHashMap<>();
        List<String> failures = new ArrayList<>();
        CountDownLatch allReceived = new CountDownLatch(events);
        AtomicReference<Throwable> readFailure = new AtomicReference<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        readCommitted(options, topics, events, window, receivedAt, failures, allReceived);
                    } catch (RuntimeException e) {
                        readFailure.set(e);
                    }
                },
                "bench-reader");
        reader.start();

        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, options.registryUrl());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        try (SpecificAvroSerde<ImageRef> serde = serde(ImageRef.class, config);
                KafkaProducer<String, ImageRef> producer =
                        new KafkaProducer<>(config, new StringSerializer(), serde.serializer())) {
            for (int i = 0; i < events; i++) {
                while (!window.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    checkAlive(streamsFailure, readFailure, sendFailure, deadline, receivedAt.size(), events);
                }
                Image image = images.get(i % images.size());
                String id = topics.inputTopic() + "-" + i;
                ImageRef ref = ImageRef.newBuilder()
                        .setId(id)
                        .setUri("http://127.0.0.1:" + server.getAddress().getPort() + "/images/" + image.name())
                        .setContentType("image/png")
                        .setProducedAt(Instant.now())
                        .build();
                sentAt.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>(topics.inputTopic(), id, ref), (metadata, e) -> {
                    if (e != null) {
                        sendFailure.set(e);
                    }
                });
            }
            producer.flush();
        }
        while (!allReceived.await(200, TimeUnit.MILLISECONDS)) {
            checkAlive(streamsFailure, readFailure, sendFailure, deadline, receivedAt.size(), events);
        }
        reader.join();
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " dead letters, first: " + failures.get(0));
        }
        long firstSend =
                sentAt.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long lastReceipt =
                receivedAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        double[] latencies = sentAt.entrySet().stream()
                .mapToDouble(e -> (receivedAt.get(e.getKey()) - e.getValue()) / 1e6)
                .sorted()
                .toArray();
        long wall = lastReceipt - firstSend;
        return new Streaming(events * 1e9 / wall, latencies, wall, 0, 0, 0, 0, failures.size(), null);
    }

    private static void checkAlive(
            AtomicReference<Throwable> streamsFailure,
            AtomicReference<Throwable> readFailure,
            AtomicReference<Exception> sendFailure,
            long deadline,
            int received,
            int events) {
        Throwable failure = streamsFailure.get() != null
                ? streamsFailure.get()
                : readFailure.get() != null ? readFailure.get() : sendFailure.get();
        if (failure != null) {
            throw new IllegalStateException(
                    "streaming run failed after " + received + " of " + events + " outputs", failure);
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("only " + received + " of " + events + " outputs within " + RUN_TIMEOUT);
        }
    }

    /**
     * Reads the output and dead-letter topics from the beginning with read_committed until every event has an
     * output, noting each one's receipt time and freeing its place in the window.
     */
    private static void readCommitted(
            Options options,
            TopologySettings topics,
            int events,
            Semaphore window,
            Map<String, Long> receivedAt,
            List<String> failures,
            CountDownLatch allReceived) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, options.registryUrl());
        SpecificAvroDeserializer<SpecificRecord> failureReader = new SpecificAvroDeserializer<>();
        failureReader.configure(config, false);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    List.of(new TopicPartition(topics.outputTopic(), 0), new TopicPartition(topics.dlqTopic(), 0));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (receivedAt.size() < events && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.nanoTime();
                    if (record.topic().equals(topics.dlqTopic())) {
                        synchronized (failures) {
                            failures.add(String.valueOf(failureReader.deserialize(record.topic(), record.value())));
                        }
                    }
                    if (record.key() != null && receivedAt.putIfAbsent(record.key(), now) == null) {
                        window.release();
                        allReceived.countDown();
                    }
                }
            }
        }
    }

    /** The service's Kafka Streams settings (application.properties), with this run's ids and timeouts. */
    private static Properties streamsProperties(Options options, String run) throws IOException {
        Path stateDir = options.workDir().resolve("state");
        Files.createDirectories(stateDir);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tagclip-" + run);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, STREAM_THREADS);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL.toMillis());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int)
                MAX_POLL_INTERVAL.toMillis());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int)
                TRANSACTION_TIMEOUT.toMillis());
        return props;
    }

    private static void createTopics(String bootstrap, TopologySettings topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(topics.inputTopic(), 1, (short) 1),
                            new NewTopic(topics.outputTopic(), 1, (short) 1),
                            new NewTopic(topics.dlqTopic(), 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static <T extends SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type, Map<String, Object> config) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(config, false);
        return serde;
    }

    /** Totals of the service's own meters that split a run's time: flushes, flush time, pipeline time. */
    record Meters(long flushes, long flushNanos, long inferenceNanos) {

        static Meters of(SimpleMeterRegistry registry) {
            Timer flush = Search.in(registry).name("tagger.flush").timer();
            Timer inference = Search.in(registry).name("tagger.inference").timer();
            return new Meters(
                    flush == null ? 0 : flush.count(),
                    flush == null ? 0 : (long) flush.totalTime(TimeUnit.NANOSECONDS),
                    inference == null ? 0 : (long) inference.totalTime(TimeUnit.NANOSECONDS));
        }

        Meters minus(Meters earlier) {
            return new Meters(
                    flushes - earlier.flushes,
                    flushNanos - earlier.flushNanos,
                    inferenceNanos - earlier.inferenceNanos);
        }
    }

    /** The run's result with the stage times the service's own meters recorded during it. */
    private static Streaming withMeters(Streaming run, Meters meters, CountingBackbone.Counts counts) {
        double meanSize = meters.flushes() == 0 ? 0 : (double) counts.images() / meters.flushes();
        return new Streaming(
                run.eventsPerSecond(),
                run.latenciesMs(),
                run.wallNanos(),
                meters.flushes(),
                meanSize,
                meters.flushNanos(),
                meters.inferenceNanos(),
                run.failures(),
                counts);
    }

    // ---- fixtures -----------------------------------------------------------------------------------------------

    private static List<Image> loadImages(List<String> names) throws IOException, FetchException {
        ImageDecoder decoder = new ImageDecoder(FetchSettings.defaults().maxPixels(), true);
        List<Image> images = new ArrayList<>();
        for (String name : names) {
            byte[] bytes = Files.readAllBytes(FIXTURE_IMAGES.resolve(name));
            images.add(new Image(name, bytes, decoder.decode(bytes, name, null)));
        }
        return images;
    }

    /** Serves the images at {@code /images/NAME} on 127.0.0.1, from a few threads as a real image host would. */
    private static HttpServer imageServer(List<Image> images) throws IOException {
        Map<String, byte[]> byPath = new HashMap<>();
        images.forEach(image -> byPath.put("/images/" + image.name(), image.bytes()));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/images/", exchange -> {
            byte[] body = byPath.get(exchange.getRequestURI().getPath());
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bench-image-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return server;
    }

    /**
     * Class text features as seeded random unit vectors: the random-weight model has no tokenizer, and text runs
     * once per vocabulary, outside every measured loop.
     */
    private static TextTable.NameEmbedder randomText(int embedDim) {
        return (names, manager) -> {
            float[] rows = new float[names.size() * embedDim];
            for (int n = 0; n < names.size(); n++) {
                SplittableRandom random =
                        new SplittableRandom(SEED ^ names.get(n).hashCode());
                double norm = 0;
                for (int e = 0; e < embedDim; e++) {
                    float v = (float) random.nextGaussian();
                    rows[n * embedDim + e] = v;
                    norm += v * v;
                }
                for (int e = 0; e < embedDim; e++) {
                    rows[n * embedDim + e] /= (float) Math.sqrt(norm);
                }
            }
            return manager.create(rows, new Shape(names.size(), embedDim)); // [M,E]
        };
    }

    // ---- report -------------------------------------------------------------------------------------------------

    private static void print(
            Options options,
            PipelineSettings settings,
            List<Image> images,
            Map<Integer, Offline> offline,
            Map<Integer, Streaming> streaming,
            String loadAtStart,
            String loadAtEnd,
            long benchNanos) {
        StringBuilder out = new StringBuilder();
        out.append("\n## TagCLIP streaming benchmark\n\n");
        out.append(String.format(
                Locale.ROOT,
                "ViT-B/16 dimensions, random weights (seed %d), %s mode, vocabulary %s, %s, %d cores, device %s.%n",
                SEED,
                settings.mode().name().toLowerCase(Locale.ROOT),
                settings.defaultVocabulary(),
                settings.batching(),
                Runtime.getRuntime().availableProcessors(),
                ClipOptions.defaults().resolveDevice()));
        out.append(String.format(
                Locale.ROOT,
                "Images (cycled): %s. %d events per batch size. Streaming: exactly_once_v2, 1 stream thread, "
                        + "commit.interval.ms %d, max wait %d ms, closed loop with %d x batch events in flight; "
                        + "latency = send -> read_committed receipt (p99: nearest rank, so the maximum below 100 events).%n%n",
                images.stream()
                        .map(i -> i.name() + " " + i.decoded().width() + "x"
                                + i.decoded().height())
                        .toList(),
                options.events(),
                COMMIT_INTERVAL.toMillis(),
                options.maxWait().toMillis(),
                WINDOW_BATCHES));
        out.append(
                "| max batch | streaming ev/s | p50 ms | p99 ms | offline ev/s | streaming/offline "
                        + "| CWR crops/img | flushes (mean size) | streaming wall: inference / fetch+queue / outside flush |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (int batch : options.batchSizes()) {
            Offline off = offline.get(batch);
            Streaming s = streaming.get(batch);
            double ratio = s.eventsPerSecond() / off.eventsPerSecond();
            double wall = s.wallNanos();
            out.append(String.format(
                    Locale.ROOT,
                    "| %d | %.2f | %.0f | %.0f | %.2f | %.2f%s | %.1f | %d (%.1f) | %.0f%% / %.0f%% / %.0f%% |%n",
                    batch,
                    s.eventsPerSecond(),
                    percentile(s.latenciesMs(), 50),
                    percentile(s.latenciesMs(), 99),
                    off.eventsPerSecond(),
                    ratio,
                    ratio >= 0.9 ? "" : " (< 0.9)",
                    (double) off.counts().crops() / off.counts().images(),
                    s.flushes(),
                    s.meanFlushSize(),
                    100 * s.inferenceNanos() / wall,
                    100 * (s.flushNanos() - s.inferenceNanos()) / wall,
                    100 * (wall - s.flushNanos()) / wall));
        }
        out.append(String.format(
                Locale.ROOT,
                "%nModel time per image, first pass + CWR crops in ms (CWR crops per image), offline | streaming: %s%n",
                options.batchSizes().stream()
                        .map(b -> String.format(
                                Locale.ROOT,
                                "b%d %s | %s",
                                b,
                                modelTime(offline.get(b).counts()),
                                modelTime(streaming.get(b).counts())))
                        .toList()));
        out.append(String.format(
                Locale.ROOT,
                "Peak RSS of the benchmark JVM (VmHWM): %s. Run took %.0f s.%n",
                peakRss(),
                benchNanos / 1e9));
        out.append("Load average (1/5/15 min) at start: ")
                .append(loadAtStart)
                .append("; at end: ")
                .append(loadAtEnd)
                .append('\n');
        System.out.print(out);
        System.out.flush();
    }

    private static String modelTime(CountingBackbone.Counts counts) {
        return String.format(
                Locale.ROOT,
                "%.0f + %.0f (%.1f)",
                counts.firstPassNanos() / 1e6 / counts.images(),
                counts.cropNanos() / 1e6 / counts.images(),
                (double) counts.crops() / counts.images());
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String peakRss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .map(line -> line.substring("VmHWM:".length()).trim())
                    .findFirst()
                    .map(kb -> Long.parseLong(kb.replace(" kB", "")) / 1024 + " MiB")
                    .orElse("unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void say(String line) {
        System.out.println("# " + line);
        System.out.flush();
    }
}
