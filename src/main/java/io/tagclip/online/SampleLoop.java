package io.tagclip.online;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.avro.TrainingSample;
import io.tagclip.cdul.HeadSelection;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.inference.OnlineCdulPipeline;
import io.tagclip.inference.SampleWindow;
import io.tagclip.pipeline.OnlineSample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * Reads the samples topic ({@code read_committed}, so only samples whose answer was committed count) from the
 * beginning into a {@link SampleWindow}, and after every {@code retrainEvery} new samples (once {@code minSamples} are
 * held), or when {@link #requestRetrain()} asks, fits a candidate head that the {@link Trainer} installs if
 * {@link HeadSelection} accepts it. A tombstone removes its image's sample. Runs on its own thread ({@link #run()}),
 * never the inference worker's: events go on being tagged by the current head while a candidate trains.
 */
public final class SampleLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(SampleLoop.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fits and, if accepted, installs a head ({@link OnlineCdulPipeline#retrain}). */
    @FunctionalInterface
    public interface Trainer {
        OnlineCdulPipeline.Retrain retrain(
                Map<String, OnlineSample> samples, TrainingOptions options, HeadSelection selection);
    }

    /**
     * Whether this instance is the fleet's trainer. The loop keeps it alive between polls and retrains only while it
     * leads; {@link #ALONE} always leads (one instance, or a dedicated trainer).
     */
    public interface Election extends AutoCloseable {

        /** A single instance: it always trains. */
        Election ALONE = new Election() {
            @Override
            public void keepAlive() {}

            @Override
            public boolean leads() {
                return true;
            }

            @Override
            public void close() {}
        };

        /** Called at every turn of the loop (for a group membership: its heartbeat and rebalances). */
        void keepAlive();

        /** Whether this instance trains now. */
        boolean leads();

        @Override
        void close();
    }

    /**
     * Where an accepted head goes: installed here (one instance) or published for the whole fleet to install.
     * {@code parentVersion} is the head it replaces (null: the teacher).
     */
    @FunctionalInterface
    public interface HeadSink {
        void accepted(TrainedHead head, String parentVersion);
    }

    /**
     * Header of a retrain request another instance wrote to the samples topic (on a tombstone, so it holds no sample
     * and compaction drops it): the trainer retrains when it reads one.
     */
    public static final String RETRAIN_REQUEST_HEADER = "tagclip-retrain-request";

    /** Told of every retrain's outcome ({@code accepted}, {@code rejected}, {@code failed}) and its duration. */
    @FunctionalInterface
    public interface RetrainListener {
        void retrained(String result, long nanos);
    }

    /**
     * What the loop reads and when it retrains (the {@code tagger.online.*} keys).
     *
     * @param poll longest wait of one poll, and the pause between looks for a samples topic that does not exist yet
     * @param headsDir where accepted heads are saved, each in a folder named by its version
     */
    public record Settings(
            String samplesTopic,
            int maxSamples,
            int minSamples,
            int retrainEvery,
            long seed,
            int maxEpochs,
            double acceptanceFraction,
            double margin,
            Optional<Path> headsDir,
            Duration poll) {}

    private final Consumer<String, TrainingSample> consumer;
    private final Trainer trainer;
    private final Settings settings;
    private final RetrainListener listener;
    private final Election election;
    /** When {@link #run()} began: retrain requests written before it are history, not requests. */
    private volatile long startedAt;
    /** The instance whose request, read from the topic, the next retrain answers; null for a local one. */
    private String passedOn;

    private final HeadSink sink;
    private final ConcurrentLinkedQueue<CompletableFuture<ObjectNode>> requests = new ConcurrentLinkedQueue<>();
    private volatile ObjectNode last = JSON.createObjectNode().put("result", "none yet");
    private volatile boolean running = true;
    private volatile int held;
    /** The request queued or being retrained, which later requests join until it completes. */
    private CompletableFuture<ObjectNode> pending;

    /** A loop that always trains and leaves installing accepted heads to the trainer. */
    public SampleLoop(
            Consumer<String, TrainingSample> consumer, Trainer trainer, Settings settings, RetrainListener listener) {
        this(consumer, trainer, settings, listener, Election.ALONE, (head, parent) -> {});
    }

    /**
     * @param election whether this instance trains now (owned: closed when the loop ends)
     * @param sink     where accepted heads go
     */
    public SampleLoop(
            Consumer<String, TrainingSample> consumer,
            Trainer trainer,
            Settings settings,
            RetrainListener listener,
            Election election,
            HeadSink sink) {
        this.consumer = consumer;
        this.trainer = trainer;
        this.settings = settings;
        this.listener = listener;
        this.election = election;
        this.sink = sink;
    }

    /** Whether this instance is the fleet's trainer now. */
    public boolean trains() {
        return election.leads();
    }

    /**
     * Asks for a retrain at the next poll; completes with its outcome (or the last one if the loop stops first).
     * A request that arrives while another is queued or running joins it and gets its outcome: however often it is
     * asked, the loop runs one retrain at a time and queues none behind it.
     */
    public synchronized CompletableFuture<ObjectNode> requestRetrain() {
        if (pending == null || pending.isDone()) {
            pending = new CompletableFuture<>();
            requests.add(pending);
        }
        if (!running) {
            pending.complete(last);
        }
        return pending;
    }

    /** Samples held in the window. */
    public int held() {
        return held;
    }

    /** The last retrain's outcome as JSON ({@code {"result":"none yet"}} before the first). */
    public ObjectNode last() {
        return last;
    }

    /** Ends {@link #run()} at its next poll; safe from any thread. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        startedAt = System.currentTimeMillis();
        SampleWindow window = new SampleWindow(settings.maxSamples());
        long retrainedAt = 0;
        try {
            List<TopicPartition> partitions = partitions(settings.samplesTopic());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                for (ConsumerRecord<String, TrainingSample> r : consumer.poll(settings.poll())) {
                    Header requester = r.headers().lastHeader(RETRAIN_REQUEST_HEADER);
                    if (requester != null) {
                        // asked on another instance: the trainer runs it, if asked after this loop started
                        if (r.timestamp() >= startedAt && election.leads()) {
                            passedOn = new String(requester.value(), StandardCharsets.UTF_8);
                            requestRetrain();
                        }
                        continue;
                    }
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
                election.keepAlive();
                CompletableFuture<ObjectNode> asked = requests.poll();
                if (!election.leads()) {
                    if (asked != null) {
                        asked.complete(JSON.createObjectNode()
                                .put("result", "not the trainer")
                                .put(
                                        "message",
                                        "another instance of the fleet trains the head (the member of the"
                                                + " trainer group holding partition 0 of " + settings.samplesTopic()
                                                + "); ask it, or wait for its next retrain"));
                    }
                    retrainedAt = window.added(); // a new trainer starts counting from what it holds
                    continue;
                }
                boolean due = window.size() >= settings.minSamples()
                        && window.added() - retrainedAt >= settings.retrainEvery();
                if (asked != null || due) {
                    retrainedAt = window.added();
                    String trigger = asked == null
                            ? "due"
                            : passedOn != null ? "request from " + passedOn + " through the samples topic" : "request";
                    passedOn = null;
                    ObjectNode outcome = retrain(window, trigger);
                    if (asked != null) {
                        asked.complete(outcome);
                    }
                }
            }
        } catch (WakeupException e) {
            // stop() woke the consumer up
        } catch (RuntimeException e) {
            LOG.error("online trainer stopped; the current head stays in service", e);
            last = JSON.createObjectNode().put("result", "trainer stopped").put("error", e.toString());
        } finally {
            running = false;
            CompletableFuture<ObjectNode> asked;
            while ((asked = requests.poll()) != null) {
                asked.complete(last);
            }
            consumer.close();
            election.close();
        }
    }

    /** One retrain on the window; its outcome as JSON. A failed retrain leaves the current head in service. */
    private ObjectNode retrain(SampleWindow window, String trigger) {
        long start = System.nanoTime();
        ObjectNode node = JSON.createObjectNode();
        node.put("trigger", trigger);
        node.put("samples", window.size());
        try {
            TrainingOptions options =
                    TrainingOptions.DEFAULTS.withSeed(settings.seed()).withMaxEpochs(settings.maxEpochs());
            HeadSelection selection = new HeadSelection(options, settings.acceptanceFraction(), settings.margin());
            OnlineCdulPipeline.Retrain retrain = trainer.retrain(window.snapshot(), options, selection);
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
                save(retrain.head(), settings.headsDir());
                sink.accepted(retrain.head(), retrain.parentVersion());
            }
            listener.retrained(result, System.nanoTime() - start);
            LOG.infof(
                    "online retrain %s: candidate KL %.5f vs current %.5f on %d held-out samples (%d trained on)%s",
                    result,
                    d.candidateLoss(),
                    d.incumbentLoss(),
                    d.acceptanceCount(),
                    d.trainingCount(),
                    retrain.head() == null
                            ? ""
                            : "; head " + retrain.head().manifest().version() + " accepted");
        } catch (RuntimeException e) {
            listener.retrained("failed", System.nanoTime() - start);
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
                Thread.sleep(settings.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        throw new WakeupException();
    }
}
