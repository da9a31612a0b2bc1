package io.tagclip.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.StartupEvent;
import io.tagclip.avro.CdulHead;
import io.tagclip.avro.TrainingSample;
import io.tagclip.fleet.HeadFleet;
import io.tagclip.fleet.HeadRecords;
import io.tagclip.fleet.TopicFollower;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.online.GroupElection;
import io.tagclip.online.SampleLoop;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.TaggerMetrics;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * The online half of CDUL in the service ({@code tagger.online.enabled=true}): starts a {@link SampleLoop} on its own
 * thread with a consumer on the Streams client's security settings, and serves {@code GET /online} (the head in
 * service, the samples held and the last decision) and, with {@code tagger.online.retrain-endpoint=true},
 * {@code POST /online/retrain}.
 *
 * <p>The loop reads the topic from the beginning at every start, so a restarted service has its window back (the
 * installed head itself is kept only in {@code heads-dir}).
 */
@Singleton
public class OnlineTrainer {

    private static final Logger LOG = Logger.getLogger(OnlineTrainer.class);

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration FOLLOW_POLL = Duration.ofMillis(200);

    private static final long PUBLISH_TIMEOUT_SECONDS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaggerConfig config;
    private final OnlineCdulPipeline pipeline;
    private final TaggerRuntime runtime;
    private SampleLoop loop;
    private Thread thread;
    private HeadFleet heads;
    private TopicFollower<CdulHead> headFollower;
    private Thread headThread;
    private KafkaProducer<String, CdulHead> producer;
    private Consumer<String> headMetric;
    private KafkaProducer<String, byte[]> requests;

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
        SampleLoop.Settings settings = new SampleLoop.Settings(
                o.samplesTopic(),
                o.maxSamples(),
                o.minSamples(),
                o.retrainEvery(),
                o.seed(),
                o.maxEpochs(),
                o.acceptanceFraction(),
                o.margin(),
                o.headsDir(),
                POLL);
        KafkaConsumer<String, TrainingSample> consumer = new KafkaConsumer<>(
                KafkaClients.consumerConfig(config, "tagger-online-trainer"),
                new StringDeserializer(),
                KafkaClients.deserializer(config, TrainingSample.class));
        headMetric = TaggerMetrics.onlineHead(runtime.metrics().registry());
        headMetric.accept(pipeline.head().map(h -> h.manifest().version()).orElse("teacher"));
        if (o.headsTopic().isPresent()) {
            String headsTopic = o.headsTopic().get();
            startHeadFollower(headsTopic);
            loop = new SampleLoop(
                    consumer,
                    pipeline::candidate,
                    settings,
                    runtime.metrics()::retrained,
                    election(o.samplesTopic()),
                    publisher(headsTopic));
            LOG.infof(
                    "shared head: the member of group %s holding partition 0 of %s trains; accepted heads go to %s,"
                            + " and every instance installs them from there",
                    electionGroup(), o.samplesTopic(), headsTopic);
        } else {
            loop = new SampleLoop(
                    consumer,
                    pipeline::retrain,
                    settings,
                    runtime.metrics()::retrained,
                    SampleLoop.Election.ALONE,
                    (head, parent) -> headMetric.accept(head.manifest().version())); // installed by retrain
        }
        thread = new Thread(loop, "tagger-online-trainer");
        thread.setDaemon(true);
        thread.start();
        LOG.infof(
                "online training on: teacher %s, sample rate %.3f, samples topic %s, retrain every %d new samples",
                o.teacher(), o.sampleRate(), o.samplesTopic(), o.retrainEvery());
    }

    /** The consumer group whose holder of partition 0 of the samples topic is the fleet's trainer. */
    private static String electionGroup() {
        return ConfigProvider.getConfig().getValue("quarkus.kafka-streams.application-id", String.class)
                + "-online-trainer";
    }

    private SampleLoop.Election election(String samplesTopic) {
        return GroupElection.join(
                KafkaClients.consumerConfig(config, "tagger-online-election"), electionGroup(), samplesTopic);
    }

    /** Publishes an accepted head to the heads topic; the follower of every instance (this one too) installs it. */
    private SampleLoop.HeadSink publisher(String headsTopic) {
        KafkaProducer<String, CdulHead> producer = new KafkaProducer<>(
                KafkaClients.producerConfig(config, "tagger-online-heads"),
                new StringSerializer(),
                KafkaClients.serializer(config, CdulHead.class));
        this.producer = producer;
        String host = hostName();
        return (head, parent) -> {
            try {
                producer.send(new ProducerRecord<>(
                                headsTopic,
                                head.manifest().vocabularyId(),
                                HeadRecords.of(head, parent, host, Instant.now())))
                        .get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.infof("head %s published to %s", head.manifest().version(), headsTopic);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(
                        "interrupted while publishing head " + head.manifest().version(), e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(
                        "cannot publish head " + head.manifest().version() + " to " + headsTopic + ": " + e, e);
            }
        };
    }

    private void startHeadFollower(String headsTopic) {
        heads = new HeadFleet(
                pipeline.vocabulary().id(),
                head -> {
                    pipeline.install(head);
                    headMetric.accept(head.manifest().version());
                },
                LOG::info);
        headFollower = new TopicFollower<>(
                new KafkaConsumer<>(
                        KafkaClients.consumerConfig(config, "tagger-online-heads-reader"),
                        new StringDeserializer(),
                        new ByteArrayDeserializer()),
                headsTopic,
                KafkaClients.deserializer(config, CdulHead.class),
                heads,
                FOLLOW_POLL,
                System::currentTimeMillis);
        headThread = new Thread(headFollower, "tagger-online-heads");
        headThread.setDaemon(true);
        headThread.start();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown host";
        }
    }

    /** Ready once the newest accepted head of the heads topic is installed (when the fleet shares one). */
    @Produces
    @Readiness
    HealthCheck headReady() {
        return () -> {
            boolean shared = heads != null;
            return HealthCheckResponse.named("online-head")
                    .status(!shared || heads.synced())
                    .withData(
                            "heads-topic", shared ? config.online().headsTopic().orElse("") : "off")
                    .withData(
                            "head",
                            pipeline == null ? "none" : status().path("head").asText("none"))
                    .withData("follower", shared ? headFollower.state() : "off")
                    .build();
        };
    }

    void routes(@Observes Router router) {
        if (pipeline == null) {
            return;
        }
        router.get("/online")
                .handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "application/json")
                        .end(status().toString()));
        if (config.online().retrainEndpoint()) {
            // a request joins the retrain queued or running: a flood of POSTs runs one retrain at a time; on an
            // instance that does not train, it is passed on to the trainer through the samples topic
            router.post("/online/retrain").handler(ctx -> {
                if (heads != null && !loop.trains()) {
                    ctx.vertx()
                            .<ObjectNode>executeBlocking(this::askTrainer)
                            .onComplete(done -> reply(ctx, done.succeeded() ? 202 : 500, done.result(), done.cause()));
                    return;
                }
                loop.requestRetrain().whenComplete((json, error) -> reply(ctx, 200, json, error));
            });
        }
    }

    private static void reply(RoutingContext ctx, int status, ObjectNode json, Throwable error) {
        ctx.response()
                .setStatusCode(error != null ? 500 : status)
                .putHeader("Content-Type", "application/json")
                .end(
                        error == null
                                ? json.toString()
                                : JSON.createObjectNode()
                                        .put("error", String.valueOf(error))
                                        .toString());
    }

    /**
     * Passes a retrain request on to the fleet's trainer: a tombstone with {@link SampleLoop#RETRAIN_REQUEST_HEADER} in
     * the samples topic, which every instance reads and only the trainer acts on.
     */
    private ObjectNode askTrainer() throws Exception {
        String samplesTopic = config.online().samplesTopic();
        synchronized (this) {
            if (requests == null) {
                requests = new KafkaProducer<>(
                        KafkaClients.producerConfig(config, "tagger-online-retrain-requests"),
                        new StringSerializer(),
                        new ByteArraySerializer());
            }
        }
        ProducerRecord<String, byte[]> request = new ProducerRecord<>(samplesTopic, "retrain-request", null);
        request.headers().add(SampleLoop.RETRAIN_REQUEST_HEADER, hostName().getBytes(StandardCharsets.UTF_8));
        requests.send(request).get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return JSON.createObjectNode()
                .put("result", "asked the trainer")
                .put(
                        "message",
                        "this instance does not train; the trainer (the member of group " + electionGroup()
                                + " holding partition 0 of " + samplesTopic
                                + ") retrains when it reads the request; watch"
                                + " GET /online for the head it accepts");
    }

    /** The head in service, the samples held and the last decision. */
    ObjectNode status() {
        ObjectNode node = JSON.createObjectNode();
        node.put("head", pipeline.head().map(h -> h.manifest().version()).orElse(null));
        node.put("samples", loop == null ? 0 : loop.held());
        node.put("trainer", loop != null && loop.trains());
        if (heads != null) {
            node.put("headsTopic", config.online().headsTopic().orElse(""));
            node.put("installedFromTopic", heads.installed());
        }
        node.set("last", loop == null ? JSON.createObjectNode().put("result", "none yet") : loop.last());
        return node;
    }

    @PreDestroy
    void close() {
        if (headFollower != null) {
            headFollower.stop();
        }
        if (loop != null) {
            loop.stop();
        }
        try {
            if (thread != null) {
                thread.join(Duration.ofSeconds(10).toMillis());
            }
            if (headThread != null) {
                headThread.join(Duration.ofSeconds(10).toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (requests != null) {
            requests.close(Duration.ofSeconds(5));
        }
    }
}
