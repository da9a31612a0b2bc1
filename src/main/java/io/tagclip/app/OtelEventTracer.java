package io.tagclip.app;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.tagclip.streams.EventTracer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;

/**
 * The event steps as OpenTelemetry spans: {@code fetch} (client), {@code inference} (internal) and {@code produce}
 * (producer), each a child of the context the input record's headers carry ({@code traceparent}, through the
 * configured propagators), or of a new trace when they carry none. The spans are made once a step has finished, with
 * its own start and end times.
 */
final class OtelEventTracer implements EventTracer {

    /** Span attribute naming the event's image id (the output key). */
    static final String IMAGE_ID = "tagclip.image.id";

    private static final TextMapGetter<List<Header>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(List<Header> carrier) {
            List<String> keys = new ArrayList<>(carrier.size());
            carrier.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(List<Header> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String found = null;
            for (Header h : carrier) { // the last value of a repeated key wins, as Headers.lastHeader
                if (h.key().equalsIgnoreCase(key) && h.value() != null) {
                    found = new String(h.value(), StandardCharsets.UTF_8);
                }
            }
            return found;
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    OtelEventTracer(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("io.tagclip.streams");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    @Override
    public void finished(
            Step step, String imageId, List<Header> inputHeaders, long startNanos, long endNanos, String failure) {
        Context parent = propagator.extract(Context.root(), inputHeaders, HEADERS);
        Span span = tracer.spanBuilder(step.name().toLowerCase(Locale.ROOT))
                .setParent(parent)
                .setSpanKind(kind(step))
                .setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
                .setAttribute(IMAGE_ID, imageId == null ? "" : imageId)
                .startSpan();
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure);
        }
        span.end(endNanos, TimeUnit.NANOSECONDS);
    }

    private static SpanKind kind(Step step) {
        return switch (step) {
            case FETCH -> SpanKind.CLIENT;
            case INFERENCE -> SpanKind.INTERNAL;
            case PRODUCE -> SpanKind.PRODUCER;
        };
    }
}
