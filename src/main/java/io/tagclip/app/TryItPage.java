package io.tagclip.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tagclip.clip.ClipModel;
import io.tagclip.fetch.FetchException;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.Box;
import io.tagclip.pipeline.FailureKind;
import io.tagclip.pipeline.ImageRequest;
import io.tagclip.pipeline.Tag;
import io.tagclip.pipeline.TagResult;
import io.tagclip.report.OverlayRenderer;
import io.tagclip.vocab.Vocabularies;
import io.tagclip.vocab.Vocabulary;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The try-it page, {@code /try/}, served only when {@code tagger.ui.enabled}: what the service runs (model,
 * vocabulary, versions), live counters from its meters, and a form that uploads one image and shows its tags and
 * overlay. An upload is bytes in the request body, never a URI, so the page cannot make the service fetch an address
 * of the browser's choosing; it is size-limited while it arrives ({@code tagger.ui.max-upload-bytes}), decoded at full
 * size with the limits, memory budget and deadline of fetched images ({@link TaggerRuntime#decodeUpload}: format
 * sniffing, pixel and scan limits) and tagged through the process's inference worker, the way stream events are.
 *
 * <p>Routes: {@code GET /try/} (the page, its {@code app.js} and {@code style.css}), {@code GET /try/api/about},
 * {@code GET /try/api/counters}, {@code POST /try/api/tag} (the image bytes; JSON back).
 */
@Singleton
public class TryItPage {

    private static final Logger LOG = Logger.getLogger(TryItPage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the page lives. */
    static final String ROOT = "/try";

    /** Classpath folder of the page's static files (not META-INF/resources: those would be served when off). */
    private static final String RESOURCES = "tryit/";

    /** Static files of the page and their content types. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    /** Only the page's own scripts, styles and data: images (the overlay); nothing from elsewhere. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'";

    private final TaggerConfig config;
    private final Instance<TaggerRuntime> runtime;
    private final Instance<ClipModel> model;
    private final MeterRegistry registry;
    private final String serviceVersion;
    private volatile Vocabulary vocabulary;
    private volatile OverlayRenderer overlays;

    @Inject
    public TryItPage(
            TaggerConfig config,
            Instance<TaggerRuntime> runtime,
            Instance<ClipModel> model,
            MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String serviceVersion) {
        this.config = config;
        this.runtime = runtime;
        this.model = model;
        this.registry = registry;
        this.serviceVersion = serviceVersion;
    }

    /** Registers the routes when the page is on; otherwise {@code /try/} does not exist (404). */
    void init(@Observes Router router) {
        TaggerConfig.Ui ui = config.ui();
        if (!ui.enabled()) {
            return;
        }
        vocabulary = Vocabularies.builtIn().resolve(config.model().vocabulary()).named();
        overlays = new OverlayRenderer(vocabulary.labels());
        Map<String, Buffer> files = new HashMap<>();
        FILES.keySet().forEach(name -> files.put(name, Buffer.buffer(resource(name))));
        // Vert.x matches /try and /try/ alike; the page's relative links need the slash.
        router.get(ROOT).handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                serve(ctx, "index.html", files);
            } else {
                ctx.redirect(ROOT + "/");
            }
        });
        router.get(ROOT + "/app.js").handler(ctx -> serve(ctx, "app.js", files));
        router.get(ROOT + "/style.css").handler(ctx -> serve(ctx, "style.css", files));
        router.get(ROOT + "/api/about").blockingHandler(ctx -> json(ctx, 200, about()), false);
        router.get(ROOT + "/api/counters").handler(ctx -> json(ctx, 200, counters()));
        router.post(ROOT + "/api/tag")
                .handler(BodyHandler.create(false).setBodyLimit(ui.maxUploadBytes()))
                .blockingHandler(this::tag, false);
        LOG.infof("try-it page on %s/ (uploads up to %d bytes)", ROOT, ui.maxUploadBytes());
    }

    private static byte[] resource(String name) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = loader.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("try-it page file " + RESOURCES + name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCES + name, e);
        }
    }

    private static void serve(RoutingContext ctx, String name, Map<String, Buffer> files) {
        secure(ctx)
                .putHeader("Content-Type", FILES.get(name))
                .putHeader("Cache-Control", "no-cache")
                .end(files.get(name));
    }

    private static HttpServerResponse secure(RoutingContext ctx) {
        return ctx.response()
                .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer");
    }

    /** What the service runs: model, vocabulary, method and versions, and the upload limit. */
    ObjectNode about() {
        TaggerConfig.Model m = config.model();
        ObjectNode about = JSON.createObjectNode();
        about.put("service_version", serviceVersion);
        ClipModel clip = model.get();
        about.put("model", clip.modelId());
        about.put("model_revision", clip.revision());
        about.put("device", clip.device().toString());
        about.put("vocabulary", vocabulary.id());
        about.put("vocabulary_version", vocabulary.version());
        about.put("labels", vocabulary.labels().size());
        about.put("method", m.method());
        about.put("mode", m.mode());
        about.put("boxes", m.boxes());
        about.put("max_upload_bytes", config.ui().maxUploadBytes());
        return about;
    }

    /** The service's own counters, as {@code /q/metrics} has them. */
    ObjectNode counters() {
        ObjectNode counters = JSON.createObjectNode();
        counters.put("tagged", count("tagger.images", "tagged"));
        counters.put("failed", count("tagger.images", "failed"));
        counters.put("in_flight", gauge("tagger.images.in.flight"));
        counters.put("queued_batches", gauge("tagger.inference.queued.batches"));
        Timer inference = registry.find("tagger.inference").timer();
        counters.put("inference_calls", inference == null ? 0 : inference.count());
        counters.put("inference_mean_ms", inference == null ? 0 : inference.mean(TimeUnit.MILLISECONDS));
        return counters;
    }

    private double count(String name, String result) {
        Counter counter = registry.find(name).tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String name) {
        Gauge gauge = registry.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** Decodes the body as fetched images are decoded, tags it through the inference worker, answers JSON. */
    private void tag(RoutingContext ctx) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            json(
                    ctx,
                    415,
                    error(
                            "MULTIPART",
                            "a multipart form is not read: send the image bytes as the request body (Content-Type"
                                    + " image/* or application/octet-stream), as curl --data-binary @photo.jpg does"));
            return;
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            json(
                    ctx,
                    400,
                    error(
                            "EMPTY",
                            "the upload is empty: send the image bytes as the request body "
                                    + "(Content-Type image/* or application/octet-stream)"));
            return;
        }
        String id = "upload-" + UUID.randomUUID();
        TaggerRuntime tagger = runtime.get();
        RgbImage image;
        try {
            image = tagger.decodeUpload(body.getBytes(), "the upload", contentType);
        } catch (FetchException e) {
            int status = switch (e.reason()) {
                case TOO_LARGE -> 413;
                case TIMEOUT -> 503;
                default -> 415;
            };
            json(ctx, status, error(e.reason().name(), e.getMessage()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            json(ctx, 503, error("INTERRUPTED", "the service is shutting down"));
            return;
        }
        TagResult result;
        try {
            result = tagger.infer(List.of(ImageRequest.of(id, image))).get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            json(ctx, 503, error("INTERRUPTED", "the service is shutting down"));
            return;
        }
        if (result instanceof TagResult.Failed failed) {
            // An image too large for the first-pass memory budget is the upload's fault, as a body over the limit is.
            int status = failed.kind() == FailureKind.TOO_LARGE ? 413 : 500;
            json(ctx, status, error(failed.kind().name(), failed.message()));
            return;
        }
        TagResult.Tagged tagged = (TagResult.Tagged) result;
        byte[] overlay = overlays.png(image, tagged.tags());
        ObjectNode answer = JSON.createObjectNode();
        answer.put("width", image.width());
        answer.put("height", image.height());
        ArrayNode tags = answer.putArray("tags");
        for (Tag tag : tagged.tags()) {
            ObjectNode t = tags.addObject();
            t.put("label", tag.label());
            t.put("score", tag.score());
            t.put(
                    "colour",
                    String.format(
                            Locale.ROOT, "#%06x", overlays.colour(tag.label()).getRGB() & 0xFFFFFF));
            Box box = tag.box();
            if (box != null) {
                t.putArray("box").add(box.x0()).add(box.y0()).add(box.x1()).add(box.y1());
            }
        }
        answer.put("overlay", "data:image/png;base64," + Base64.getEncoder().encodeToString(overlay));
        TagResult.Provenance p = tagged.provenance();
        ObjectNode provenance = answer.putObject("provenance");
        provenance.put("method", p.method());
        provenance.put("model", p.modelId());
        provenance.put("model_revision", p.modelRevision());
        provenance.put("vocabulary", p.vocabularyId());
        provenance.put("vocabulary_version", p.vocabularyVersion());
        provenance.put("params_version", p.paramsVersion());
        answer.put("inference_ms", tagged.inferenceMillis());
        json(ctx, 200, answer);
    }

    private static ObjectNode error(String reason, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("reason", reason);
        error.put("error", message);
        return error;
    }

    private static void json(RoutingContext ctx, int status, ObjectNode body) {
        try {
            secure(ctx)
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(Buffer.buffer(JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
