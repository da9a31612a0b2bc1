package io.tagclip.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.StartupEvent;
import io.tagclip.avro.TrainingSample;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.online.SampleLoop;
import io.tagclip.pipeline.TaggingPipeline;
import io.vertx.ext.web.Router;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaggerConfig config;
    private final OnlineCdulPipeline pipeline;
    private final TaggerRuntime runtime;
    private SampleLoop loop;
    private Thread thread;

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
        loop = new SampleLoop(consumer, pipeline::retrain, settings, runtime.metrics()::retrained);
        thread = new Thread(loop, "tagger-online-trainer");
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
        router.get("/online")
                .handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "application/json")
                        .end(status().toString()));
        if (config.online().retrainEndpoint()) {
            // a request joins the retrain queued or running: a flood of POSTs runs one retrain at a time
            router.post("/online/retrain")
                    .handler(ctx -> loop.requestRetrain()
                            .whenComplete((json, error) -> ctx.response()
                                    .setStatusCode(error == null ? 200 : 500)
                                    .putHeader("Content-Type", "application/json")
                                    .end(
                                            error == null
                                                    ? json.toString()
                                                    : JSON.createObjectNode()
                                                            .put("error", String.valueOf(error))
                                                            .toString())));
        }
    }

    /** The head in service, the samples held and the last decision. */
    ObjectNode status() {
        ObjectNode node = JSON.createObjectNode();
        node.put("head", pipeline.head().map(h -> h.manifest().version()).orElse(null));
        node.put("samples", loop == null ? 0 : loop.held());
        node.set("last", loop == null ? JSON.createObjectNode().put("result", "none yet") : loop.last());
        return node;
    }

    @PreDestroy
    void close() {
        if (loop != null) {
            loop.stop();
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
