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

    /** Bounds on input fields and output records. */
    Limits limits();

    /** Start-up behaviour towards the schema registry. */
    Registry registry();

    /** The try-it page at {@code /try/}. */
    Ui ui();

    /** Online CDUL: recording samples of the stream and retraining the head from them. */
    Online online();

    /** Vocabularies added, changed and removed at run time through a compacted topic. */
    Vocabularies vocabularies();

    /** The fleet's vocabularies topic, and how long events may wait for a vocabulary being embedded. */
    interface Vocabularies {

        /** Follow the vocabularies topic (false: only the built-in and configured vocabularies). */
        @WithDefault("true")
        boolean enabled();

        /** The compacted topic of {@code VocabularyDefinition} records, keyed by vocabulary id. */
        @WithDefault("tagger-vocabularies")
        String topic();

        /** Longest an event waits for its vocabulary to be embedded here before it is a dead letter. */
        @WithDefault("15m")
        Duration maxHold();

        /** Most events a stream task holds for their vocabularies; past it the oldest is a dead letter. */
        @WithDefault("10000")
        int maxHeld();
    }

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

    interface Limits {
        /** Largest ImageRef id in UTF-8 bytes; it is the output key and repeated in the value. */
        @WithDefault("1024")
        int maxIdBytes();

        /** Longest ImageRef uri in characters. */
        @WithDefault("8192")
        int maxUriChars();

        /** Most ImageRef headers. */
        @WithDefault("64")
        int maxHeaders();

        /** Largest total of header names and values, in UTF-8 bytes. */
        @WithDefault("16384")
        int maxHeaderBytes();

        /** Most entries of ImageRef labels. */
        @WithDefault("1024")
        int maxLabels();

        /** Most entries of ImageRef extraLabels (open vocabulary); each new one costs a text embedding. */
        @WithDefault("16")
        int maxExtraLabels();

        /** Longest extra label, in characters. */
        @WithDefault("64")
        int maxExtraLabelChars();

        /** Longest label, vocabularyId or contentType, in characters. */
        @WithDefault("256")
        int maxNameChars();

        /** Bytes of an unparseable input kept in its dead letter's rawValue. */
        @WithDefault("65536")
        int maxRawValueBytes();

        /** Largest output record (key, value and overhead); below max.request.size and the topics' max.message.bytes. */
        @WithDefault("1000000")
        int maxOutputBytes();
    }

    interface Registry {
        /** Pause before the second attempt to reach the registry at start; doubled after each failed attempt. */
        @WithDefault("1s")
        Duration initialBackoff();

        /** Longest pause between two attempts to reach the registry at start. */
        @WithDefault("30s")
        Duration maxBackoff();
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

        /**
         * Refuse a truncated image or one whose checksums fail (UNDECODABLE, naming what failed); false decodes
         * whatever pixels the reader recovers, as ImageIO does on its own.
         */
        @WithDefault("true")
        boolean strictDecode();

        /** Most scans a JPEG may have; one with more is UNDECODABLE before decoding (decode time grows with scans). */
        @WithDefault("100")
        int maxJpegScans();

        /** Longest one image may wait for decode memory and decode; past it it is a TIMEOUT and its thread is freed. */
        @WithDefault("10s")
        Duration decodeTimeout();

        /** Memory for the decoded pixels of all images decoding at once: bytes, or a percentage of the max heap. */
        @WithDefault("25%")
        String maxDecodedBytes();

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

        /**
         * Entries the address guard lets through anyway: a host name, IP address or CIDR range allows every port;
         * host:port, [IPv6]:port or CIDR:port allows that port only. Compared after resolution.
         */
        Optional<List<String>> allowList();

        /** s3:// URIs: S3 or an S3-compatible store. */
        S3 s3();

        /** az:// URIs: Azure Blob Storage or Azurite. */
        Azure azure();
    }

    interface S3 {
        /**
         * Buckets s3:// URIs may name, comma-separated; empty refuses every bucket before any request, * allows all
         * (write it out). The service reads with its own credentials, so list only buckets producers may point it at.
         */
        Optional<List<String>> allowedBuckets();

        /** An S3-compatible store's URL (MinIO, s3proxy, Ceph); it passes the address guard like an image host. */
        Optional<String> endpoint();

        /** Bucket in the path (endpoint/bucket/key) instead of the host name; most S3-compatible stores need it. */
        @WithDefault("false")
        boolean pathStyle();

        /** Signing region; unset takes the SDK's chain (AWS_REGION, aws.region, the profile, instance metadata). */
        Optional<String> region();
    }

    interface Azure {
        /**
         * account/container entries (or account/*, or *) az:// URIs may name, comma-separated; empty refuses every
         * container before any request.
         */
        Optional<List<String>> allowedContainers();

        /**
         * A storage account's connection string (account key or SAS; also AZURE_STORAGE_CONNECTION_STRING); unset
         * uses environment, workload identity or managed identity credentials.
         */
        Optional<String> connectionString();

        /** Blob service URL, {account} standing for the URI's account (Azurite: http://127.0.0.1:10000/{account}). */
        Optional<String> endpoint();
    }

    interface Model {
        /** Extra labels (open vocabulary) whose text features are kept in memory, least recently used dropped. */
        @WithDefault("4096")
        int extraLabelCache();

        /** Local Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt); wins over id. */
        Optional<Path> path();

        /** Hugging Face model id, downloaded into the cache when no path is given and a network exists. */
        @WithDefault("openai/clip-vit-base-patch16")
        String id();

        /** Vocabulary used when an event names none. */
        @WithDefault("coco2014")
        String vocabulary();

        /** Tagging method: tagclip, clip-global, cdul-global-local or cdul (needs head, or online training). */
        @WithDefault("tagclip")
        String method();

        /**
         * Head folder of method cdul (head.safetensors + manifest.json, as 'tagclip train --method cdul' writes);
         * optional with online training, where it is the head to start with.
         */
        Optional<Path> head();

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

        /**
         * Compute precision: auto (fp16 on a GPU in throughput mode, else fp32), fp32 (the reference's) or fp16; bf16
         * is refused (DJL's PyTorch engine cannot run it).
         */
        @WithDefault("auto")
        String precision();

        /** Whether every tag carries the box of its class's refined regions (tagclip only). */
        @WithDefault("false")
        boolean boxes();

        /**
         * Whether every tag carries its mask (classify, then segment: CLIP-ES on the tags, one Grad-CAM backward per
         * tag; tagclip only).
         */
        @WithDefault("false")
        boolean masks();

        /**
         * Memory one first pass may take (estimated before it runs; the Grad-CAM pass of masks too): bytes, or a
         * percentage of what the device leaves for tensors (the machine's or container's memory less the max heap on
         * the CPU, the GPU's memory on a GPU). An image above it is a TOO_LARGE dead letter, and first passes share a
         * forward only within it.
         */
        @WithDefault("50%")
        String maxFirstPassBytes();

        /**
         * Where text features are kept between starts (keyed by model revision, dtype, prompt ensemble and vocabulary
         * names); default {@code ~/.cache/tagclip/text-features}, beside the model cache.
         */
        Optional<Path> textCacheDir();
    }

    interface Online {
        /** Whether method cdul learns from the stream: records samples, retrains, switches heads. */
        @WithDefault("false")
        boolean enabled();

        /** Method whose scores label the samples: tagclip or cdul-global-local. */
        @WithDefault("tagclip")
        String teacher();

        /** Compacted topic the samples go to, keyed by image id (one sample per image, the latest). */
        @WithDefault("image-samples")
        String samplesTopic();

        /**
         * Compacted topic of the fleet's accepted heads (key: vocabulary id). Set: one instance of the fleet trains
         * (the member of a consumer group holding partition 0 of the samples topic) and publishes accepted heads
         * here, and every instance installs them from here, before it is ready at start. Unset: this instance trains
         * and installs its own heads.
         */
        Optional<String> headsTopic();

        /** Share of the events (by a hash of the image id) that the teacher also labels and that are recorded. */
        @WithDefault("0.1")
        double sampleRate();

        /** Newest samples a retrain uses (the trainer keeps no more in memory); older ones are forgotten. */
        @WithDefault("10000")
        int maxSamples();

        /** Fewest usable samples before the first retrain. */
        @WithDefault("200")
        int minSamples();

        /** New samples that trigger the next retrain. */
        @WithDefault("500")
        int retrainEvery();

        /** Share of image ids (by hash, fixed) never trained on and used to judge a candidate head. */
        @WithDefault("0.2")
        double acceptanceFraction();

        /** How much lower (mean per-class KL) a candidate's acceptance loss must be than the current head's. */
        @WithDefault("0")
        double margin();

        /** Seed of each retrain's split, initial weights and batch order. */
        @WithDefault("42")
        long seed();

        /** Upper bound on a retrain's epochs (early stopping usually ends it sooner). */
        @WithDefault("200")
        int maxEpochs();

        /** Lower end of the confidence band: an image with a head score inside (low, high) goes to the teacher. */
        @WithDefault("0.5")
        float bandLow();

        /** Upper end of the confidence band; equal to band-low (the default) routes every image to the head. */
        @WithDefault("0.5")
        float bandHigh();

        /** Where each accepted head is saved (a folder per version); none when unset. */
        Optional<Path> headsDir();

        /**
         * Serve {@code POST /online/retrain} (ask for a retrain now). Off by default: it changes the head in service
         * and the HTTP port has no authentication; retrains also run every {@code retrain-every} samples without it.
         */
        @WithDefault("false")
        boolean retrainEndpoint();
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
