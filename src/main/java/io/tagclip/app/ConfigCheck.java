package io.tagclip.app;

import io.tagclip.cdul.HeadManifest;
import io.tagclip.clip.ClipOptions;
import io.tagclip.fetch.AddressGuard;
import io.tagclip.fetch.ContainerAllowList;
import io.tagclip.fetch.FetchSettings;
import io.tagclip.inference.FirstPassBudget;
import io.tagclip.inference.PipelineSettings;
import io.tagclip.objectstore.AzureBlobStore;
import io.tagclip.objectstore.AzureOptions;
import io.tagclip.objectstore.S3ObjectStore;
import io.tagclip.objectstore.S3Options;
import io.tagclip.pipeline.Method;
import io.tagclip.vocab.Vocabularies;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.common.internals.Topic;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Every setting the service would otherwise find wrong late (after the model loaded, under a stack trace) or ignore
 * silently, checked before anything loads: one line per problem, naming the key and its value. Values come from the
 * {@code tagger.*} mapping and, for what the mapping cannot see (pass-through Kafka and registry keys, and a duration's
 * text before conversion), from the raw configuration.
 */
final class ConfigCheck {

    /** The processing guarantees the service supports (Kafka Streams' names). */
    static final Set<String> GUARANTEES = Set.of("exactly_once_v2", "at_least_once");

    /** Keys that would set the registry URL beside {@code tagger.schema-registry-url}, which alone is read. */
    static final List<String> REGISTRY_URL_ALIASES = List.of(
            "quarkus.kafka-streams.schema-registry-url", "kafka-streams.schema.registry.url", "schema.registry.url");

    /** Subject naming is {@code <topic>-value}: the only strategy the service's serdes implement. */
    static final List<String> SUBJECT_STRATEGY_KEYS =
            List.of("kafka-streams.value.subject.name.strategy", "kafka-streams.key.subject.name.strategy");

    /** An AWS region's form (eu-west-1), which S3-compatible stores' region names (us-east-1, garage) also have. */
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    /** The AWS SDK's environment credentials: set together, or the SDK skips them for the next source silently. */
    static final List<String> AWS_KEY_PAIR = List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");

    private static final Pattern NUMBER_WITHOUT_UNIT = Pattern.compile("\\s*[0-9]+(\\.[0-9]+)?\\s*");

    private ConfigCheck() {}

    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    /**
     * Checks the running configuration once, before the first heavy step of start-up (the model load, the topology).
     * With problems it prints them to stderr, one line each, and ends the process with exit code 2 at once: nothing
     * has started that needs stopping, and a stack trace would only bury the lines.
     */
    static void refuseIfWrong(TaggerConfig config) {
        if (!CHECKED.compareAndSet(false, true)) {
            return;
        }
        var raw = ConfigProvider.getConfig();
        List<String> problems = problems(
                config, key -> Optional.ofNullable(raw.getConfigValue(key).getValue()));
        problems.addAll(unknownVariables(System.getenv().keySet()));
        if (problems.isEmpty()) {
            return;
        }
        System.err.println("tagclip: the configuration has " + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + " (docs/configuration.md):");
        problems.forEach(problem -> System.err.println("tagclip: " + problem));
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_CONFIGURATION);
    }

    /** Exit code of a service refused for its configuration (as the command line's usage errors). */
    static final int EXIT_CONFIGURATION = 2;

    /**
     * The problems of {@code config}, each {@code key=value: what is wrong}; empty when it can run.
     *
     * @param raw a key's value as configured (expanded, not converted), empty when it is not set
     */
    static List<String> problems(TaggerConfig config, Function<String, Optional<String>> raw) {
        List<String> problems = new ArrayList<>();
        TaggerConfig.Model model = config.model();
        if (check(problems, "tagger.model.method", model.method(), () -> Method.of(model.method()))) {
            methodProblems(config, Method.of(model.method()), problems);
        }
        check(problems, "tagger.model.mode", model.mode(), () -> PipelineSettings.Mode.of(model.mode()));
        check(problems, "tagger.model.device", model.device(), () -> ClipOptions.device(model.device()));
        check(problems, "tagger.model.precision", model.precision(), () -> ClipOptions.precision(model.precision()));
        check(
                problems,
                PipelineProducer.MAX_FIRST_PASS_BYTES,
                model.maxFirstPassBytes(),
                () -> FirstPassBudget.parse(model.maxFirstPassBytes()));
        check(
                problems,
                "tagger.model.vocabulary",
                model.vocabulary(),
                () -> Vocabularies.builtIn().resolve(model.vocabulary()));
        if (!GUARANTEES.contains(config.processingGuarantee())) {
            problems.add("tagger.processing-guarantee=" + config.processingGuarantee() + ": unknown guarantee (known: "
                    + String.join(", ", new TreeSet<>(GUARANTEES)) + ")");
        }
        config.fetch()
                .allowList()
                .ifPresent(entries -> check(
                        problems,
                        "tagger.fetch.allow-list",
                        String.join(",", entries),
                        () -> new AddressGuard(true, entries)));
        objectStoreProblems(config.fetch(), raw, problems);
        fleetProblems(config, problems);
        boundsProblems(config, problems);
        pathProblems(config, problems);
        for (String key : durationKeys()) {
            raw.apply(key)
                    .filter(value -> NUMBER_WITHOUT_UNIT.matcher(value).matches())
                    .ifPresent(value -> problems.add(key + "=" + value + ": a duration needs a unit (" + value.strip()
                            + "ms or " + value.strip() + "s); a bare number would mean seconds"));
        }
        for (String alias : REGISTRY_URL_ALIASES) {
            raw.apply(alias)
                    .filter(value -> !value.isBlank() && !value.equals(config.schemaRegistryUrl()))
                    .ifPresent(value -> problems.add(alias + "=" + value
                            + ": not read; the service takes the registry from tagger.schema-registry-url (now "
                            + config.schemaRegistryUrl() + ")"));
        }
        for (String key : SUBJECT_STRATEGY_KEYS) {
            raw.apply(key)
                    .filter(value -> !value.isBlank() && !value.endsWith("TopicNameStrategy"))
                    .ifPresent(value -> problems.add(key + "=" + value
                            + ": not supported; subjects are named <topic>-value (TopicNameStrategy)"));
        }
        raw.apply("kafka-streams.num.stream.threads")
                .filter(value -> !value.strip().equals(Integer.toString(config.streamThreads())))
                .ifPresent(value -> problems.add("kafka-streams.num.stream.threads=" + value
                        + ": set the stream threads with tagger.stream-threads (now " + config.streamThreads()
                        + "), which the flush bound and the inference worker also read"));
        return problems;
    }

    /**
     * The endpoints, allow-lists, region and credentials of the object stores, which the stores would otherwise
     * refuse only once the model has loaded (or, for credentials, at the first object). A connection string is a
     * secret: its line names the key and its length, never its text.
     */
    private static void objectStoreProblems(
            TaggerConfig.Fetch fetch, Function<String, Optional<String>> raw, List<String> problems) {
        TaggerConfig.S3 s3 = fetch.s3();
        s3.endpoint().ifPresent(e -> check(problems, "tagger.fetch.s3.endpoint", e, () -> TaggerRuntime.endpoint(e)));
        boolean regionOk = s3.region()
                .map(String::strip)
                .map(r -> REGION.matcher(r).matches())
                .orElse(true);
        if (!regionOk) {
            problems.add("tagger.fetch.s3.region=" + s3.region().get()
                    + ": not a region name (lower-case words joined by '-', such as eu-west-1)");
        }
        List<String> buckets = s3.allowedBuckets().orElse(List.of());
        boolean bucketsOk = check(
                problems,
                S3Options.ALLOWED_BUCKETS_SETTING,
                String.join(",", buckets),
                () -> new ContainerAllowList(S3Options.ALLOWED_BUCKETS_SETTING, buckets, false));
        boolean anyBucket = buckets.stream().anyMatch(b -> !b.isBlank());
        if (anyBucket && bucketsOk && s3.region().isEmpty()) {
            // Without a region setting the SDK's chain decides (environment, profile, instance metadata): ask it now.
            check(problems, "tagger.fetch.s3.region", "(unset)", () -> {
                S3Options options = new S3Options(Optional.empty(), false, Optional.empty(), buckets);
                S3ObjectStore.withDefaultCredentials(options, FetchSettings.defaults())
                        .close();
            });
        }
        if (anyBucket) {
            List<String> set = AWS_KEY_PAIR.stream()
                    .filter(key -> raw.apply(key).filter(v -> !v.isBlank()).isPresent())
                    .toList();
            if (set.size() == 1) {
                String missing = AWS_KEY_PAIR.get(set.contains(AWS_KEY_PAIR.get(0)) ? 1 : 0);
                problems.add(missing + "=(unset): " + set.get(0) + " is set without it; the AWS SDK would skip both"
                        + " and read s3:// objects with the next credentials of its chain (profile, web identity,"
                        + " instance metadata)");
            }
        }
        TaggerConfig.Azure azure = fetch.azure();
        azure.endpoint()
                .ifPresent(e -> check(
                        problems,
                        "tagger.fetch.azure.endpoint",
                        e,
                        () -> TaggerRuntime.endpoint(e.replace(AzureOptions.ACCOUNT_PLACEHOLDER, "account"))));
        List<String> containers = azure.allowedContainers().orElse(List.of());
        check(
                problems,
                AzureOptions.ALLOWED_CONTAINERS_SETTING,
                String.join(",", containers),
                () -> new ContainerAllowList(AzureOptions.ALLOWED_CONTAINERS_SETTING, containers, true));
        azure.connectionString().filter(c -> !c.isBlank()).ifPresent(secret -> {
            try {
                new AzureBlobStore(
                        new AzureOptions(Optional.of(secret), Optional.empty(), List.of()), FetchSettings.defaults());
            } catch (RuntimeException e) {
                problems.add("tagger.fetch.azure.connection-string=(" + secret.length()
                        + " characters, not shown): not a storage connection string"
                        + " (AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...)");
            }
        });
    }

    /** The vocabularies topic and the heads topic. */
    private static void fleetProblems(TaggerConfig config, List<String> problems) {
        TaggerConfig.Vocabularies v = config.vocabularies();
        if (v.enabled()) {
            check(problems, "tagger.vocabularies.topic", v.topic(), () -> Topic.validate(v.topic()));
        }
        TaggerConfig.Online online = config.online();
        online.headsTopic().ifPresent(heads -> {
            if (check(problems, "tagger.online.heads-topic", heads, () -> Topic.validate(heads))
                    && heads.equals(online.samplesTopic())) {
                problems.add("tagger.online.heads-topic=" + heads
                        + ": must differ from tagger.online.samples-topic (they hold different records)");
            }
        });
    }

    /**
     * The bounds of every number and duration of the mapping (ConfigCheckTest finds each key here). Out of them, a
     * value would be refused late under a stack trace naming a field instead of the key, or would quietly do harm: no
     * stream thread, a negative timeout, a retrain that can never run.
     */
    private static void boundsProblems(TaggerConfig c, List<String> problems) {
        atLeast(problems, "tagger.stream-threads", c.streamThreads(), 1);
        TaggerConfig.Vocabularies v = c.vocabularies();
        atLeast(problems, "tagger.vocabularies.max-held", v.maxHeld(), 0);
        notNegative(problems, "tagger.vocabularies.max-hold", v.maxHold());
        TaggerConfig.Limits l = c.limits();
        atLeast(problems, "tagger.limits.max-id-bytes", l.maxIdBytes(), 1);
        atLeast(problems, "tagger.limits.max-uri-chars", l.maxUriChars(), 1);
        atLeast(problems, "tagger.limits.max-headers", l.maxHeaders(), 0);
        atLeast(problems, "tagger.limits.max-header-bytes", l.maxHeaderBytes(), 0);
        atLeast(problems, "tagger.limits.max-labels", l.maxLabels(), 0);
        atLeast(problems, "tagger.limits.max-extra-labels", l.maxExtraLabels(), 0);
        atLeast(problems, "tagger.limits.max-extra-label-chars", l.maxExtraLabelChars(), 1);
        atLeast(problems, "tagger.limits.max-name-chars", l.maxNameChars(), 1);
        atLeast(problems, "tagger.limits.max-raw-value-bytes", l.maxRawValueBytes(), 0);
        atLeast(problems, "tagger.limits.max-output-bytes", l.maxOutputBytes(), 1);
        positive(problems, "tagger.registry.initial-backoff", c.registry().initialBackoff());
        positive(problems, "tagger.registry.max-backoff", c.registry().maxBackoff());
        TaggerConfig.Batch b = c.batch();
        atLeast(problems, "tagger.batch.max-size", b.maxSize(), 1);
        notNegative(problems, "tagger.batch.max-wait", b.maxWait());
        atLeast(problems, "tagger.batch.queue-capacity", b.queueCapacity(), 1);
        atLeast(problems, "tagger.batch.max-images-per-call", b.maxImagesPerCall(), 1);
        positive(problems, "tagger.batch.inference-timeout", b.inferenceTimeout());
        TaggerConfig.Fetch f = c.fetch();
        atLeast(problems, "tagger.fetch.threads", f.threads(), 1);
        positive(problems, "tagger.fetch.connect-timeout", f.connectTimeout());
        positive(problems, "tagger.fetch.read-timeout", f.readTimeout());
        atLeast(problems, "tagger.fetch.max-bytes", f.maxBytes(), 1);
        atLeast(problems, "tagger.fetch.max-attempts", f.maxAttempts(), 1);
        notNegative(problems, "tagger.fetch.retry-backoff", f.retryBackoff());
        atLeast(problems, "tagger.fetch.max-redirects", f.maxRedirects(), 0);
        atLeast(problems, "tagger.fetch.max-pixels", f.maxPixels(), 1);
        atLeast(problems, "tagger.fetch.max-jpeg-scans", f.maxJpegScans(), 1);
        positive(problems, "tagger.fetch.decode-timeout", f.decodeTimeout());
        check(
                problems,
                "tagger.fetch.max-decoded-bytes",
                f.maxDecodedBytes(),
                () -> TaggerRuntime.maxDecodedBytes(
                        f.maxDecodedBytes(), Runtime.getRuntime().maxMemory()));
        atLeast(problems, "tagger.model.extra-label-cache", c.model().extraLabelCache(), 1);
        TaggerConfig.Online o = c.online();
        unit(problems, "tagger.online.sample-rate", o.sampleRate());
        atLeast(problems, "tagger.online.max-samples", o.maxSamples(), 1);
        atLeast(problems, "tagger.online.min-samples", o.minSamples(), 1);
        atLeast(problems, "tagger.online.retrain-every", o.retrainEvery(), 1);
        if (!(o.acceptanceFraction() > 0 && o.acceptanceFraction() < 1)) {
            problems.add("tagger.online.acceptance-fraction=" + o.acceptanceFraction() + ": must be in (0,1)");
        }
        if (!(o.margin() >= 0 && o.margin() < Double.POSITIVE_INFINITY)) {
            problems.add("tagger.online.margin=" + o.margin() + ": must be a finite number >= 0");
        }
        atLeast(problems, "tagger.online.max-epochs", o.maxEpochs(), 1);
        unit(problems, "tagger.online.band-low", o.bandLow());
        unit(problems, "tagger.online.band-high", o.bandHigh());
        if (o.bandLow() > o.bandHigh()) {
            problems.add("tagger.online.band-low=" + o.bandLow() + ": must not exceed tagger.online.band-high ("
                    + o.bandHigh() + ")");
        }
        long upload = c.ui().maxUploadBytes();
        if (upload < 1 || upload > Integer.MAX_VALUE) { // one buffer holds the upload
            problems.add("tagger.ui.max-upload-bytes=" + upload + ": must be in [1, " + Integer.MAX_VALUE + "]");
        }
    }

    /** Settings that only one method reads, or that a method needs. */
    private static void methodProblems(TaggerConfig c, Method method, List<String> problems) {
        TaggerConfig.Model m = c.model();
        if (m.masks() && method != Method.TAGCLIP) {
            problems.add(
                    "tagger.model.masks=true: segments the tags of tagclip, so it needs tagger.model.method=tagclip"
                            + " (now " + m.method() + ")");
        }
        boolean online = c.online().enabled();
        if (online && method != Method.CDUL) {
            problems.add("tagger.online.enabled=true: trains a cdul head, so it needs tagger.model.method=cdul (now "
                    + m.method() + ")");
        }
        if (m.head().isPresent() && method != Method.CDUL) {
            problems.add("tagger.model.head=" + m.head().get() + ": only method cdul reads a head (now tagger.model"
                    + ".method=" + m.method() + ")");
        }
        if (method == Method.CDUL && m.head().isEmpty() && !online) {
            problems.add(
                    "tagger.model.method=cdul: needs tagger.model.head=HEAD_DIR (a folder written by 'tagclip train"
                            + " --method cdul'), or tagger.online.enabled=true to learn a head from the stream");
        }
    }

    /** Files and folders the service reads or writes, found missing before the model loads rather than after. */
    private static void pathProblems(TaggerConfig c, List<String> problems) {
        c.model()
                .path()
                .filter(p -> !Files.exists(p))
                .ifPresent(p -> problems.add("tagger.model.path=" + p
                        + ": no such folder or file (a hub model id goes in tagger.model.id)"));
        c.model().head().ifPresent(p -> check(problems, "tagger.model.head", p.toString(), () -> HeadManifest.read(p)));
        c.online().headsDir().ifPresent(p -> {
            Path existing = p.toAbsolutePath();
            while (!Files.exists(existing) && existing.getParent() != null) {
                existing = existing.getParent();
            }
            if (!Files.isDirectory(existing) || !Files.isWritable(existing)) {
                problems.add("tagger.online.heads-dir=" + p + ": " + existing + " is not a folder this process may"
                        + " write to");
            }
        });
        TaggerConfig.Fetch f = c.fetch();
        List<Path> roots = f.fileRoots().orElse(List.of());
        if (f.fileEnabled() && roots.isEmpty()) {
            problems.add("tagger.fetch.file-enabled=true: needs tagger.fetch.file-roots, the folders file: URIs may"
                    + " name");
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root) || !Files.isReadable(root)) {
                problems.add("tagger.fetch.file-roots=" + root + ": not a folder this process may read");
            }
        }
    }

    private static void atLeast(List<String> problems, String key, long value, long least) {
        if (value < least) {
            problems.add(key + "=" + value + ": must be at least " + least);
        }
    }

    private static void unit(List<String> problems, String key, double value) {
        if (!(value >= 0 && value <= 1)) { // NaN too
            problems.add(key + "=" + value + ": must be in [0,1]");
        }
    }

    private static void positive(List<String> problems, String key, Duration value) {
        if (value.isZero() || value.isNegative()) {
            problems.add(key + "=" + value + ": must be positive");
        }
    }

    private static void notNegative(List<String> problems, String key, Duration value) {
        if (value.isNegative()) {
            problems.add(key + "=" + value + ": must not be negative");
        }
    }

    private static boolean check(List<String> problems, String key, String value, Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            // Messages that name the key already (the allow-lists') would name it twice.
            problems.add(key + "=" + value + ": "
                    + (message.startsWith(key + ": ") ? message.substring(key.length() + 2) : message));
            return false;
        }
    }

    /**
     * Variables of the {@code TAGGER_} prefix that are not {@code tagger.*} keys: the state directory
     * (application.properties reads it) and docker-compose.yml's two for the model's host folder.
     */
    static final Set<String> OTHER_VARIABLES = Set.of("TAGGER_STATE_DIR", "TAGGER_MODELS_DIR", "TAGGER_MODEL_DIR");

    /** What Kubernetes sets for a Service whose name starts with {@code tagger}: not settings. */
    private static final Pattern SERVICE_LINK =
            Pattern.compile(".*_(SERVICE_HOST|SERVICE_PORT(_.+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?)?)");

    /**
     * The {@code TAGGER_*} environment variables that set nothing: a mistyped name would otherwise leave its setting
     * at the default without a word (a mistyped system property is refused by the configuration itself).
     */
    static List<String> unknownVariables(Collection<String> names) {
        Set<String> known = new TreeSet<>(OTHER_VARIABLES);
        for (String key : keys(type -> true)) {
            known.add(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
        }
        List<String> problems = new ArrayList<>();
        for (String name : new TreeSet<>(names)) {
            if (name.startsWith("TAGGER_")
                    && !known.contains(name)
                    && !SERVICE_LINK.matcher(name).matches()) {
                String nearest = known.stream()
                        .min(Comparator.comparingInt(k -> editDistance(k, name)))
                        .filter(k -> editDistance(k, name) <= 3)
                        .map(k -> " (did you mean " + k + "?)")
                        .orElse("");
                problems.add(name + " (environment): not a setting" + nearest + "; the settings are in"
                        + " docs/configuration.md");
            }
        }
        return problems;
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int editDistance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(
                        Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    /** Every {@code tagger.*} key whose value is a duration, from the mapping's interfaces. */
    static List<String> durationKeys() {
        return keys(type -> type == Duration.class || isOptionalOf(type, Duration.class));
    }

    /** Every {@code tagger.*} key whose value is of a type {@code wanted} accepts, from the mapping's interfaces. */
    static List<String> keys(Predicate<Type> wanted) {
        List<String> keys = new ArrayList<>();
        collect(TaggerConfig.class, "tagger.", wanted, keys);
        return keys;
    }

    private static void collect(Class<?> mapping, String prefix, Predicate<Type> wanted, List<String> keys) {
        for (var accessor : mapping.getDeclaredMethods()) {
            if (accessor.getParameterCount() != 0 || accessor.isDefault() || accessor.isSynthetic()) {
                continue;
            }
            String key = prefix + kebab(accessor.getName());
            Type type = accessor.getGenericReturnType();
            if (accessor.getReturnType().isInterface()
                    && accessor.getReturnType().getEnclosingClass() == TaggerConfig.class) {
                collect(accessor.getReturnType(), key + ".", wanted, keys);
            } else if (wanted.test(type)) {
                keys.add(key);
            }
        }
    }

    private static boolean isOptionalOf(Type type, Class<?> element) {
        return type instanceof ParameterizedType p
                && p.getRawType() == Optional.class
                && p.getActualTypeArguments()[0] == element;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
