package io.tagclip.it;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on loopback: takes {@code POST /v1/traces} (http/protobuf) and keeps each span's ids,
 * name and status code. Decodes only the fields it keeps, walking the protobuf wire format itself.
 */
final class OtlpReceiver implements AutoCloseable {

    /** A received span; ids in lower-case hex, {@code parentSpanId} empty for a root span. */
    record Span(String traceId, String spanId, String parentSpanId, String name, int statusCode) {}

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                boolean gzip =
                        "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
                byte[] body = (gzip ? new GZIPInputStream(in) : in).readAllBytes();
                spans.addAll(decode(body));
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The endpoint to configure ({@code quarkus.otel.exporter.otlp.traces.endpoint}). */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Span> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** ExportTraceServiceRequest: resource_spans = 1 -> scope_spans = 2 -> spans = 2. */
    static List<Span> decode(byte[] request) {
        List<Span> out = new ArrayList<>();
        for (Field resourceSpans : Field.all(request, 1)) {
            for (Field scopeSpans : Field.all(resourceSpans.bytes, 2)) {
                for (Field span : Field.all(scopeSpans.bytes, 2)) {
                    out.add(span(span.bytes));
                }
            }
        }
        return out;
    }

    /** Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, status = 15 (code = 3). */
    private static Span span(byte[] span) {
        HexFormat hex = HexFormat.of();
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        int status = 0;
        for (Field f : Field.all(span, -1)) {
            switch (f.number) {
                case 1 -> traceId = hex.formatHex(f.bytes);
                case 2 -> spanId = hex.formatHex(f.bytes);
                case 4 -> parent = hex.formatHex(f.bytes);
                case 5 -> name = new String(f.bytes, StandardCharsets.UTF_8);
                case 15 -> {
                    for (Field s : Field.all(f.bytes, 3)) {
                        status = (int) s.varint;
                    }
                }
                default -> {}
            }
        }
        return new Span(traceId, spanId, parent, name, status);
    }

    /** One field of a message: its number, and its bytes (length-delimited) or value (varint). */
    private record Field(int number, byte[] bytes, long varint) {

        /** The fields numbered {@code number} of {@code message} (all of them for -1). */
        static List<Field> all(byte[] message, int number) {
            List<Field> fields = new ArrayList<>();
            int[] at = {0};
            while (at[0] < message.length) {
                long key = varint(message, at);
                int field = (int) (key >>> 3);
                int wire = (int) (key & 7);
                Field f;
                switch (wire) {
                    case 0 -> f = new Field(field, null, varint(message, at));
                    case 1 -> {
                        f = new Field(field, slice(message, at[0], 8), 0);
                        at[0] += 8;
                    }
                    case 2 -> {
                        int length = (int) varint(message, at);
                        f = new Field(field, slice(message, at[0], length), 0);
                        at[0] += length;
                    }
                    case 5 -> {
                        f = new Field(field, slice(message, at[0], 4), 0);
                        at[0] += 4;
                    }
                    default -> throw new IllegalArgumentException("wire type " + wire + " at " + at[0]);
                }
                if (number == -1 || f.number == number) {
                    fields.add(f);
                }
            }
            return fields;
        }

        private static byte[] slice(byte[] b, int from, int length) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(length);
            out.write(b, from, length);
            return out.toByteArray();
        }

        private static long varint(byte[] b, int[] at) {
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                byte next = b[at[0]++];
                value |= (long) (next & 0x7f) << shift;
                if ((next & 0x80) == 0) {
                    return value;
                }
            }
        }
    }
}
