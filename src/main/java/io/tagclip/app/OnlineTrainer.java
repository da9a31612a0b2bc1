package io.tagclip.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.StartupEvent;
import io.tagclip.avro.TrainingSample;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.inference.SampleWindow;
import io.tagclip.pipeline.OnlineSample;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeConfig;
import io.tagclip.serde.SpecificAvroDeserializer;
import io.vertx.ext.web.Router;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The online half of CDUL in the service ({@code tagger.online.enabled=true}): a background thread reads the samples
 * topic ({@code read_committed}, so only samples whose answer was committed count) into a {@link SampleWindow}, and
 * after every {@code retrain-every} new samples (once {@code min-samples} are held), or when
 * {@code POST /online/retrain} asks, fits a candidate head and lets {@link OnlineCdulPipeline#retrain} install it
 * if {@link HeadSelection} accepts it. {@code GET /online} shows the head in service and the last decision.
 *
 * <p>Training runs on this thread, not the inference worker's: events go on being tagged by the current head, and
 * the switch happens between two pipeline calls. The thread reads the topic from the beginning at every start, so a
 * restarted service has its window back (the installed head itself is kept only in {@code heads-dir}).
 */
@Singleton
public class OnlineTrainer {

    private static final Logger LOG = Logger.getLogger(OnlineTrainer.class);

    private static final Duration POLL = Duration.ofMillis(500);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Client settings the trainer's consumer takes over from {@code kafka-streams.*}. */
    private static final List<String> SECURITY_PREFIXES = List.of("security.", "sasl.", "ssl.");

    private final TaggerConfig config;
    private final OnlineCdulPipeline pipeline;
    private final TaggerRuntime runtime;
    private final ConcurrentLinkedQueue<CompletableFuture<ObjectNode>> requests = new ConcurrentLinkedQueue<>();
    private volatile ObjectNode last = JSON.createObjectNode().put("result", "none yet");
    private volatile boolean running = true;
    private volatile int held;
    private Thread thread;
    private KafkaConsumer<String, TrainingSample> consumer;

    @Inject
    public OnlineTrainer(TaggerConfig config, Instance<TaggingPipeline> pipelines, TaggerRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
        this.pipeline = config.online().enabled() ? online(pipelines.get()) : null;
    }

    private static OnlineCdulPipeline online(TaggingPipeline pipeline) {
        if (pipeline instanceof OnlineCdulPipeline online) {
            return online;
        }
        throw new IllegalStateException("tagger.online.enabled=true needs the online cdul pipeline, the service runs "
                + pipeline.getClass().getSimpleName());
    }

    void start(@Observes StartupEvent event) {
        if (pipeline == null) {
            return;
        }
        TaggerConfig.Online o = config.online();
        consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), deserializer());
        thread = new Thread(() -> run(o), "tagger-online-trainer");
        thread.setDaemon(true);
        thread.start();
        LOG.infof(
                "online training on: teacher %s, sample rate %.3f, samples topic %s, retrain every %d new samples",
                o.teacher(), o.sampleRate(), o.samplesTopic(), o.retrainEvery());
    }

    void routes(@Observes Router router) {
        if (pipeline == null) {
            return;
        }
        router.post("/online/retrain").handler(ctx -> {
            CompletableFuture<ObjectNode> done = new CompletableFuture<>();
            requests.add(done);
            done.whenComplete((json, error) -> ctx.response()
                    .setStatusCode(error == null ? 200 : 500)
                    .putHeader("Content-Type", "application/json")
                    .end(
                            error == null
                                    ? json.toString()
                                    : JSON.createObjectNode()
                                            .put("error", String.valueOf(error))
                                            .toString()));
        });
        router.get("/online")
                .handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "application/json")
                        .end(status().toString()));
    }

    /** The head in service, the samples held and the last decision. */
    ObjectNode status() {
        ObjectNode node = JSON.createObjectNode();
        node.put("head", pipeline.head().map(h -> h.manifest().version()).orElse(null));
        node.put("samples", held);
        node.set("last", last);
        return node;
    }

    private void run(TaggerConfig.Online o) {
        SampleWindow window = new SampleWindow(o.maxSamples());
        long retrainedAt = 0;
        try {
            List<TopicPartition> partitions = partitions(o.samplesTopic());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<String, TrainingSample> r : consumer.poll(POLL)) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        window.remove(r.key()); // a tombstone: the operator deleted this image's sample
                    } else {
                        window.put(r.key(), sample(r.value()));
                    }
                }
                held = window.size();
                CompletableFuture<ObjectNode> asked = requests.poll();
                boolean due = window.size() >= o.minSamples() && window.added() - retrainedAt >= o.retrainEvery();
                if (asked != null || due) {
                    retrainedAt = window.added();
                    ObjectNode outcome = retrain(window, o);
                    if (asked != null) {
                        asked.complete(outcome);
                    }
                }
            }
        } catch (WakeupException e) {
            // close() woke the consumer up
        } catch (RuntimeException e) {
            LOG.error("online trainer stopped; the current head stays in service", e);
            last = JSON.createObjectNode().put("result", "trainer stopped").put("error", e.toString());
        } finally {
            CompletableFuture<ObjectNode> asked;
            while ((asked = requests.poll()) != null) {
                asked.complete(last);
            }
            consumer.close();
        }
    }

    /** One retrain on the window; its outcome as JSON. A failed retrain leaves the current head in service. */
    private ObjectNode retrain(SampleWindow window, TaggerConfig.Online o) {
        long start = System.nanoTime();
        ObjectNode node = JSON.createObjectNode();
        node.put("samples", window.size());
        try {
            TrainingOptions options =
                    TrainingOptions.DEFAULTS.withSeed(o.seed()).withMaxEpochs(o.maxEpochs());
            HeadSelection selection = new HeadSelection(options, o.acceptanceFraction(), o.margin());
            OnlineCdulPipeline.Retrain retrain = pipeline.retrain(window.snapshot(), options, selection);
            HeadSelection.Decision d = retrain.decision();
            String result = d.accepted() ? "accepted" : "rejected";
            node.put("result", result)
                    .put("usable", retrain.usable())
                    .put("training", d.trainingCount())
                    .put("acceptance", d.acceptanceCount())
                    .put("candidateKl", d.candidateLoss())
                    .put("currentKl", d.incumbentLoss())
                    .put("seconds", (System.nanoTime() - start) / 1e9);
            if (retrain.head() != null) {
                node.put("head", retrain.head().manifest().version());
                save(retrain.head(), o.headsDir());
            }
            runtime.metrics().retrained(result, System.nanoTime() - start);
            LOG.infof(
                    "online retrain %s: candidate KL %.5f vs current %.5f on %d held-out samples (%d trained on)%s",
                    result,
                    d.candidateLoss(),
                    d.incumbentLoss(),
                    d.acceptanceCount(),
                    d.trainingCount(),
                    retrain.head() == null
                            ? ""
                            : "; head " + retrain.head().manifest().version() + " in service");
        } catch (RuntimeException e) {
            runtime.metrics().retrained("failed", System.nanoTime() - start);
            LOG.warnf("online retrain failed, the current head stays in service: %s", e.toString());
            node.put("result", "failed").put("error", e.getMessage());
        }
        last = node;
        return node;
    }

    private static void save(TrainedHead head, Optional<Path> dir) {
        dir.ifPresent(d -> {
            Path folder = d.resolve(head.manifest().version());
            head.save(folder);
            LOG.infof("head %s saved to %s", head.manifest().version(), folder);
        });
    }

    private static OnlineSample sample(TrainingSample r) {
        return new OnlineSample(
                r.getModelId(),
                r.getModelRevision(),
                r.getImageSize(),
                r.getVocabularyId(),
                r.getVocabularyVersion(),
                r.getTeacher(),
                floats(r.getFeatures()),
                floats(r.getScores()));
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    /** The topic's partitions, waiting for it to exist (the first samples may create it). */
    private List<TopicPartition> partitions(String topic) {
        while (running) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        throw new WakeupException();
    }

    /** A plain consumer with the Streams client's security settings: read_committed, assigned, no group. */
    private Map<String, Object> consumerConfig() {
        Map<String, Object> props = new HashMap<>();
        TopologyProducer.serdeConfig(config).forEach((key, value) -> {
            if (!value.isEmpty() && SECURITY_PREFIXES.stream().anyMatch(key::startsWith)) {
                props.put(key, value);
            }
        });
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tagger-online-trainer");
        return props;
    }

    /** The samples' Avro deserializer on the service's registry settings. */
    private Deserializer<TrainingSample> deserializer() {
        Map<String, String> serde = TopologyProducer.serdeConfig(config);
        SpecificAvroDeserializer<TrainingSample> deserializer = new SpecificAvroDeserializer<>(
                TrainingSample.class, SchemaRegistryClient.create(SerdeConfig.from(serde)));
        deserializer.configure(serde, false);
        return deserializer;
    }

    @PreDestroy
    void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
