package io.tagclip.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every setting of the service, under {@code tagger.*}. */
@ConfigMapping(prefix = "tagger")
public interface TaggerConfig {

    /** Topic names. */
    Topics topics();

    /** Micro-batching and inference. */
    Batch batch();

    /** Fetching and decoding images. */
    Fetch fetch();

    /** The model and how it tags. */
    Model model();

    /** The try-it page at {@code /try/}. */
    Ui ui();

    /** Kafka Streams threads in this process; all of them share one inference worker. */
    @WithDefault("1")
    int streamThreads();

    /** Kafka Streams processing guarantee: exactly_once_v2 or at_least_once. */
    @WithDefault("exactly_once_v2")
    String processingGuarantee();

    /** Base URL(s) of the Confluent-compatible schema registry, comma-separated, or mock://scope for tests. */
    @WithDefault("http://localhost:8085/apis/ccompat/v7")
    String schemaRegistryUrl();

    interface Topics {
        /** Topic of ImageRef events to tag. */
        @WithDefault("image-refs")
        String input();

        /** Topic the ImageTags events go to, keyed by image id. */
        @WithDefault("image-tags")
        String output();

        /** Dead-letter topic of ImageTagFailure events. */
        @WithDefault("image-refs-dlq")
        String dlq();
    }

    interface Batch {
        /** References per batch; a full batch is flushed at once. */
        @WithDefault("8")
        int maxSize();

        /** Longest a reference waits for batch-mates before a partial batch is flushed. */
        @WithDefault("200ms")
        Duration maxWait();

        /** Batches that may wait for the inference worker before stream threads block (back-pressure). */
        @WithDefault("4")
        int queueCapacity();

        /** Most images the inference worker puts into one pipeline call when it coalesces waiting batches. */
        @WithDefault("32")
        int maxImagesPerCall();

        /** Longest a batch may wait for and spend in inference; past it its images become INFERENCE_FAILED. */
        @WithDefault("30s")
        Duration inferenceTimeout();
    }

    interface Fetch {
        /** Threads fetching and decoding images, shared by all stream threads. */
        @WithDefault("16")
        int threads();

        /** Longest time to open a connection. */
        @WithDefault("2s")
        Duration connectTimeout();

        /** Longest time from sending a request until its whole body has arrived. */
        @WithDefault("5s")
        Duration readTimeout();

        /** Largest accepted image body in bytes; larger downloads are aborted while streaming. */
        @WithDefault("20971520")
        long maxBytes();

        /** Requests per URI, counting the first, when the server answers 5xx or times out. */
        @WithDefault("3")
        int maxAttempts();

        /** Pause before the first retry; doubled before each further one. */
        @WithDefault("100ms")
        Duration retryBackoff();

        /** Redirects followed per URI; each target passes the address guard again. */
        @WithDefault("3")
        int maxRedirects();

        /** Largest accepted width x height, checked from the image header before decoding. */
        @WithDefault("36000000")
        long maxPixels();

        /** Whether JPEGs are turned upright as their EXIF orientation says. */
        @WithDefault("true")
        boolean exifOrientation();

        /** User-Agent header of image requests. */
        @WithDefault("tagclip-stream-tagger")
        String userAgent();

        /** Whether file: URIs are served (only under file-roots). */
        @WithDefault("false")
        boolean fileEnabled();

        /** Directories file: URIs must resolve under, after following links. */
        Optional<List<Path>> fileRoots();

        /** SSRF guard: refuse loopback, private, link-local, CGNAT, multicast and metadata addresses. */
        @WithDefault("true")
        boolean addressGuard();

        /** Host names, IP addresses or CIDR ranges the address guard lets through anyway. */
        Optional<List<String>> allowList();
    }

    interface Model {
        /** Local Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt); wins over id. */
        Optional<Path> path();

        /** Hugging Face model id, downloaded into the cache when no path is given and a network exists. */
        @WithDefault("openai/clip-vit-base-patch16")
        String id();

        /** Vocabulary used when an event names none. */
        @WithDefault("coco2014")
        String vocabulary();

        /** Tagging method: tagclip, clip-global or cdul-global-local. */
        @WithDefault("tagclip")
        String method();

        /** throughput (bucketed sizes, batched crops) or reference (the official code's exact behaviour). */
        @WithDefault("throughput")
        String mode();

        /** Hub branch, tag or commit of {@code id}. */
        @WithDefault("main")
        String revision();

        /** Never download: a hub id must already be in the model cache. */
        @WithDefault("false")
        boolean offline();

        /** Where the model runs: auto (the first GPU when there is one, else the CPU), cpu or gpu. */
        @WithDefault("auto")
        String device();

        /** Compute precision: fp32 (the reference's), or fp16/bf16 on a GPU. */
        @WithDefault("fp32")
        String precision();

        /** Whether every tag carries the box of its class's refined regions (tagclip only). */
        @WithDefault("false")
        boolean boxes();
    }

    interface Ui {
        /** Whether the service serves the try-it page (upload one image, see its tags and overlay); off by default. */
        @WithDefault("false")
        boolean enabled();

        /** Largest upload the try-it page accepts, in bytes; larger bodies are refused with 413 while arriving. */
        @WithDefault("10485760")
        long maxUploadBytes();
    }
}
