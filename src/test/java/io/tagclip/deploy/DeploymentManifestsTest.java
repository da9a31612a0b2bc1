package io.tagclip.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tagclip.app.KafkaEnvironment;
import io.tagclip.inference.NativeAllocator;
import io.tagclip.inference.NativeThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Checks the deployment files (deploy/, docker-compose*.yml, src/main/docker/Dockerfile.*) for the properties the
 * service relies on: health probes, resource bounds, non-root execution, GPU requests, scaling within the partition
 * count, and model weights kept out of images. Rendering with kustomize and validating compose files with
 * docker-compose happen in bin/check-deploy; this test needs nothing but the files.
 */
class DeploymentManifestsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final Path BASE = DEPLOY.resolve("base");
    private static final Path DOCKER = ROOT.resolve("src/main/docker");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Every probe has to tolerate at least this long a model load before the kubelet restarts the pod. */
    private static final int MIN_STARTUP_SECONDS = 300;

    @Test
    void shouldParseEveryYamlDocumentUnderDeployAsKubernetesObject() {
        List<Path> files = yamlFiles(DEPLOY);
        assertThat(files).hasSizeGreaterThanOrEqualTo(10);
        for (Path file : files) {
            List<JsonNode> documents = documents(file);
            assertThat(documents).as("documents in %s", file).isNotEmpty();
            for (JsonNode document : documents) {
                assertThat(document.path("apiVersion").asText())
                        .as("apiVersion in %s", file)
                        .isNotBlank();
                assertThat(document.path("kind").asText())
                        .as("kind in %s", file)
                        .isNotBlank();
            }
        }
    }

    @Test
    void shouldReferenceOnlyExistingFilesFromKustomizations() {
        List<Path> kustomizations = yamlFiles(DEPLOY).stream()
                .filter(file -> file.getFileName().toString().equals("kustomization.yaml"))
                .toList();
        assertThat(kustomizations)
                .extracting(file -> DEPLOY.relativize(file.getParent()).toString())
                .contains("base", "overlays/cpu", "overlays/gpu");
        for (Path kustomization : kustomizations) {
            Path dir = kustomization.getParent();
            JsonNode spec = single(kustomization);
            for (JsonNode resource : spec.path("resources")) {
                Path target = dir.resolve(resource.asText()).normalize();
                assertThat(Files.isRegularFile(target) || Files.isRegularFile(target.resolve("kustomization.yaml")))
                        .as("resource %s of %s", resource.asText(), kustomization)
                        .isTrue();
            }
            for (JsonNode patch : spec.path("patches")) {
                assertThat(dir.resolve(patch.path("path").asText()))
                        .as("patch of %s", kustomization)
                        .isRegularFile();
            }
            for (JsonNode generator : spec.path("configMapGenerator")) {
                for (String field : List.of("files", "envs")) {
                    for (JsonNode file : generator.path(field)) {
                        assertThat(dir.resolve(file.asText()))
                                .as("%s of %s", field, kustomization)
                                .isRegularFile();
                    }
                }
            }
        }
    }

    @Test
    void shouldProbeTaggerOnLiveAndReadyEndpointsWithGenerousStartup() {
        JsonNode tagger = container(deployment(), "tagger");

        assertThat(tagger.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(tagger.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        JsonNode startup = tagger.path("startupProbe");
        assertThat(startup.at("/httpGet/path").asText())
                .as("the startup check means: model loaded and warmed up")
                .isEqualTo("/q/health/started");
        assertThat(startup.path("failureThreshold").asInt()
                        * startup.path("periodSeconds").asInt(10))
                .as("seconds the startup probe waits for the model")
                .isGreaterThanOrEqualTo(MIN_STARTUP_SECONDS);
        assertThat(tagger.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    }

    @Test
    void shouldBoundEveryContainerWithCpuAndMemoryRequestsAndLimits() {
        List<JsonNode> podTemplates = podTemplates();
        assertThat(podTemplates).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode pod : podTemplates) {
            for (JsonNode container : containersOf(pod)) {
                String name = container.path("name").asText();
                for (String bound : List.of("requests", "limits")) {
                    JsonNode resources = container.path("resources").path(bound);
                    assertThat(resources.has("cpu") && resources.has("memory"))
                            .as("%s.cpu and %s.memory of container %s", bound, bound, name)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void shouldRunEveryPodAsNonRootWithReadOnlyRootAndWritableTmp() {
        for (JsonNode pod : podTemplates()) {
            JsonNode podSecurity = pod.path("securityContext");
            assertThat(podSecurity.path("runAsNonRoot").asBoolean())
                    .as("runAsNonRoot of %s", names(pod))
                    .isTrue();
            assertThat(podSecurity.path("runAsUser").asInt(0))
                    .as("runAsUser of %s", names(pod))
                    .isPositive();
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            for (JsonNode container : containersOf(pod)) {
                JsonNode security = container.path("securityContext");
                String name = container.path("name").asText();
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true))
                        .as(name)
                        .isFalse();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean())
                        .as(name)
                        .isTrue();
                assertThat(security.at("/capabilities/drop").toString())
                        .as(name)
                        .contains("ALL");
                assertThat(emptyDirMountPaths(pod, container))
                        .as("writable /tmp of %s", name)
                        .contains("/tmp");
            }
        }
    }

    @Test
    void shouldGiveDjlTheWritableCacheTheImagesConfigure() {
        JsonNode pod = deployment().at("/spec/template/spec");
        List<String> writable = emptyDirMountPaths(pod, container(deployment(), "tagger"));
        for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.gpu")) {
            Map<String, String> env = dockerEnv(DOCKER.resolve(dockerfile));
            assertThat(writable).as("DJL_CACHE_DIR of %s", dockerfile).contains(env.get("DJL_CACHE_DIR"));
            assertThat(writable).as("ENGINE_CACHE_DIR of %s", dockerfile).contains(env.get("ENGINE_CACHE_DIR"));
        }
        JsonNode models = volumeMount(container(deployment(), "tagger"), "/models");
        assertThat(models.path("readOnly").asBoolean())
                .as("models mounted read-only")
                .isTrue();
    }

    @Test
    void shouldRequestOneGpuPerPodInTheGpuOverlay() {
        Path overlay = DEPLOY.resolve("overlays/gpu");
        JsonNode kustomization = single(overlay.resolve("kustomization.yaml"));
        assertThat(kustomization.at("/images/0/newTag").asText()).isEqualTo("gpu");
        assertThat(kustomization.at("/configMapGenerator/0/literals").toString())
                .contains("TAGGER_MODEL_DEVICE=gpu");

        JsonNode patch =
                single(overlay.resolve(kustomization.at("/patches/0/path").asText()));
        JsonNode pod = patch.at("/spec/template/spec");
        JsonNode tagger = container(patch, "tagger");
        assertThat(tagger.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(tagger.at("/resources/requests/nvidia.com~1gpu").asInt(1)).isEqualTo(1);
        assertThat(pod.path("nodeSelector").size()).as("GPU node selector").isPositive();
        assertThat(pod.path("tolerations").toString()).contains("nvidia.com/gpu");
        assertThat(patch.at("/spec/strategy/rollingUpdate/maxSurge").asInt(1))
                .as("rollouts must not need a spare GPU")
                .isZero();

        String cpuOverlay =
                single(DEPLOY.resolve("overlays/cpu/kustomization.yaml")).toString();
        assertThat(cpuOverlay).doesNotContain("nvidia.com/gpu");
    }

    /** The service refuses at start a stream-thread count set past tagger.stream-threads (ConfigCheck). */
    @Test
    void shouldSetTheStreamThreadsWithTheOneKeyTheServiceAccepts() {
        Map<String, String> env = envFile(BASE.resolve("tagclip.env"));

        assertThat(KafkaEnvironment.clientKeys(env)).doesNotContainKey("kafka-streams.num.stream.threads");
        assertThat(env).containsKey("TAGGER_STREAM_THREADS");
    }

    @Test
    void shouldNeverScaleBeyondThePartitionsOfTheInputTopic() {
        JsonNode scaledObject = kindIn(BASE.resolve("scaledobject.yaml"), "ScaledObject");
        int maxReplicas = scaledObject.at("/spec/maxReplicaCount").asInt();
        int minReplicas = scaledObject.at("/spec/minReplicaCount").asInt();
        int threads = Integer.parseInt(envFile(BASE.resolve("tagclip.env")).get("TAGGER_STREAM_THREADS"));
        int partitions = Integer.parseInt(envOf(topicsJobContainer()).get("TOPIC_PARTITIONS"));

        assertThat(minReplicas).isPositive();
        assertThat(maxReplicas).isGreaterThanOrEqualTo(minReplicas);
        assertThat(maxReplicas * threads)
                .as("replicas (%d) x stream threads (%d) <= partitions of image-refs", maxReplicas, threads)
                .isLessThanOrEqualTo(partitions);

        JsonNode trigger = scaledObject.at("/spec/triggers/0");
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.at("/metadata/topic").asText()).isEqualTo("image-refs");
        assertThat(trigger.at("/metadata/allowIdleConsumers").asText()).isEqualTo("false");
        assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText())
                .isEqualTo(deployment().at("/metadata/name").asText());
    }

    @Test
    void shouldCreateTopicsWithDeadLetterRetentionFromTheSharedScript() {
        Map<String, String> env = envOf(topicsJobContainer());
        assertThat(Long.parseLong(env.get("DLQ_RETENTION_MS")))
                .as("DLQ retention")
                .isGreaterThanOrEqualTo(86_400_000L);
        assertThat(Integer.parseInt(env.get("TOPIC_REPLICATION_FACTOR"))).isGreaterThanOrEqualTo(3);
        assertThat(topicsJobContainer().path("command").toString()).contains("create-topics.sh");

        String script = read(BASE.resolve("create-topics.sh"));
        assertThat(script).contains("image-refs ", "image-tags ", "image-refs-dlq ", "retention.ms=$dlq_retention");
        JsonNode topics = compose("docker-compose.yml").at("/services/topics");
        assertThat(topics.path("volumes").toString()).contains("./deploy/base/create-topics.sh");
        assertThat(topics.path("environment").has("DLQ_RETENTION_MS")).isTrue();
    }

    @Test
    void shouldKeepCredentialsTemplateOutOfAppliedResources() {
        JsonNode secret = kindIn(DEPLOY.resolve("secret.example.yaml"), "Secret");
        List<String> keys = fieldNames(secret.path("stringData"));
        assertThat(keys).isNotEmpty().allMatch(key -> key.startsWith("KAFKA_") || key.startsWith("SCHEMA_REGISTRY_"));
        assertThat(secret.at("/metadata/name").asText()).isEqualTo("tagclip-credentials");
        for (JsonNode pod : podTemplates()) {
            for (JsonNode container : containersOf(pod)) {
                if (container.path("envFrom").toString().contains("tagclip-credentials")) {
                    assertThat(container.path("envFrom").toString()).contains("\"optional\":true");
                }
            }
        }
        assertThat(single(BASE.resolve("kustomization.yaml")).path("resources").toString())
                .doesNotContain("secret");
    }

    @Test
    void shouldBuildNonRootImagesWithoutModelWeights() {
        for (String name : List.of("Dockerfile.jvm", "Dockerfile.gpu")) {
            List<String> instructions = dockerInstructions(DOCKER.resolve(name));
            List<String> users =
                    instructions.stream().filter(i -> i.startsWith("USER ")).toList();
            assertThat(users).as("USER in %s", name).isNotEmpty();
            String user = users.get(users.size() - 1).substring(5).trim().split(":")[0];
            assertThat(user).as("final USER of %s", name).isNotIn("0", "root");
            assertThat(instructions).as(name).contains("EXPOSE 8080");
            assertThat(instructions.stream().filter(i -> i.startsWith("COPY ") || i.startsWith("ADD ")))
                    .as("COPY/ADD of %s", name)
                    .noneMatch(i -> i.contains("models") || i.matches(".*\\.(safetensors|bin|pt|pth)\\b.*"));
            Map<String, String> env = dockerEnv(DOCKER.resolve(name));
            assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-Dai.djl.offline=true", "MaxRAMPercentage");
            assertThat(env).containsEntry("OPT_OUT_TRACKING", "true").containsKey("PYTORCH_LIBRARY_PATH");
            assertThat(instructions.stream().filter(i -> i.startsWith("ENTRYPOINT ")))
                    .as("exec-form ENTRYPOINT of %s", name)
                    .singleElement()
                    .satisfies(entrypoint -> assertThat(entrypoint).startsWith("ENTRYPOINT [\"java\""));
        }
        assertThat(dockerEnv(DOCKER.resolve("Dockerfile.gpu"))).containsEntry("PYTORCH_FLAVOR", "cu128");
    }

    /**
     * The allocator settings that keep libtorch's freed tensors for reuse (bin/lib/jvm-env.sh) are the same in the
     * launchers, both images, the pom's test JVMs and {@link NativeAllocator}, and this test JVM runs with them.
     */
    @Test
    void shouldRunEveryJvmWithTheSameAllocatorSettings() throws IOException {
        Matcher launcher = Pattern.compile("GLIBC_TUNABLES=\"\\$\\{GLIBC_TUNABLES-([^}]+)}\"")
                .matcher(Files.readString(ROOT.resolve("bin/lib/jvm-env.sh")));
        assertThat(launcher.find())
                .as("default GLIBC_TUNABLES in bin/lib/jvm-env.sh")
                .isTrue();
        String tunables = launcher.group(1);
        assertThat(tunables).isEqualTo(NativeAllocator.TUNABLES); // what the CLI and service check for
        for (String name : List.of("Dockerfile.jvm", "Dockerfile.gpu")) {
            assertThat(dockerEnv(DOCKER.resolve(name))).as(name).containsEntry("GLIBC_TUNABLES", tunables);
        }
        assertThat(Files.readString(ROOT.resolve("pom.xml")))
                .contains("<native.malloc>" + tunables + "</native.malloc>");
        assertThat(System.getenv("GLIBC_TUNABLES"))
                .as("this JVM's GLIBC_TUNABLES")
                .isEqualTo(tunables);
    }

    @Test
    void shouldRunEveryJvmWithTheSameThreadWaitPolicy() throws IOException {
        Matcher launcher = Pattern.compile("OMP_WAIT_POLICY=\"\\$\\{OMP_WAIT_POLICY-([^}]+)}\"")
                .matcher(Files.readString(ROOT.resolve("bin/lib/jvm-env.sh")));
        assertThat(launcher.find())
                .as("default OMP_WAIT_POLICY in bin/lib/jvm-env.sh")
                .isTrue();
        assertThat(launcher.group(1)).isEqualTo(NativeThreads.WAIT_POLICY); // what the CLI and service check for
        for (String name : List.of("Dockerfile.jvm", "Dockerfile.gpu")) {
            assertThat(dockerEnv(DOCKER.resolve(name)))
                    .as(name)
                    .containsEntry("OMP_WAIT_POLICY", NativeThreads.WAIT_POLICY);
        }
        assertThat(System.getenv("OMP_WAIT_POLICY"))
                .as("this JVM's OMP_WAIT_POLICY")
                .isEqualTo(NativeThreads.WAIT_POLICY);
    }

    @Test
    void shouldStartComposeTaggerOnlyAfterItsDependenciesAreHealthy() {
        JsonNode services = compose("docker-compose.yml").path("services");
        JsonNode dependsOn = services.at("/tagger/depends_on");
        assertThat(dependsOn.at("/kafka/condition").asText()).isEqualTo("service_healthy");
        assertThat(dependsOn.at("/schema-registry/condition").asText()).isEqualTo("service_healthy");
        assertThat(dependsOn.at("/topics/condition").asText()).isEqualTo("service_completed_successfully");
        assertThat(services.at("/tagger/build/dockerfile").asText()).isEqualTo("src/main/docker/Dockerfile.jvm");
        assertThat(services.at("/tagger/volumes").toString()).contains(":/models:ro");
        assertThat(services.at("/kafka/image").asText()).isEqualTo("apache/kafka:4.1.1");
        for (String demo : List.of("samples", "demo-producer")) {
            assertThat(services.path(demo).path("profiles").toString()).as(demo).contains("demo");
        }

        JsonNode gpu = compose("docker-compose.gpu.yml").at("/services/tagger");
        assertThat(gpu.at("/build/dockerfile").asText()).isEqualTo("src/main/docker/Dockerfile.gpu");
        JsonNode device = gpu.at("/deploy/resources/reservations/devices/0");
        assertThat(device.path("driver").asText()).isEqualTo("nvidia");
        assertThat(device.path("capabilities").toString()).contains("gpu");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Reading the files
    // ---------------------------------------------------------------------------------------------------------

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile)
                    .filter(path ->
                            path.toString().endsWith(".yaml") || path.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static List<JsonNode> documents(Path file) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            List<JsonNode> documents = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(document -> {
                if (document != null && !document.isMissingNode() && !document.isNull()) {
                    documents.add(document);
                }
            });
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    private static JsonNode single(Path file) {
        List<JsonNode> documents = documents(file);
        assertThat(documents).as("documents in %s", file).hasSize(1);
        return documents.get(0);
    }

    private static JsonNode kindIn(Path file, String kind) {
        return documents(file).stream()
                .filter(document -> kind.equals(document.path("kind").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + file));
    }

    private static JsonNode compose(String name) {
        return single(ROOT.resolve(name));
    }

    private static JsonNode deployment() {
        return kindIn(BASE.resolve("deployment.yaml"), "Deployment");
    }

    private static JsonNode topicsJobContainer() {
        return container(kindIn(BASE.resolve("topics-job.yaml"), "Job"), "create-topics");
    }

    /** Pod specs of every complete workload under deploy/ (patches, which lack a selector, are left out). */
    private static List<JsonNode> podTemplates() {
        return yamlFiles(DEPLOY).stream()
                .flatMap(file -> documents(file).stream())
                .filter(document -> List.of("Deployment", "Job", "StatefulSet", "DaemonSet")
                        .contains(document.path("kind").asText()))
                .filter(document -> !document.path("kind").asText().equals("Deployment")
                        || document.at("/spec/selector").isObject())
                .map(document -> document.at("/spec/template/spec"))
                .toList();
    }

    private static List<JsonNode> containersOf(JsonNode pod) {
        List<JsonNode> containers = new ArrayList<>();
        pod.path("initContainers").forEach(containers::add);
        pod.path("containers").forEach(containers::add);
        return containers;
    }

    private static String names(JsonNode pod) {
        return containersOf(pod).stream().map(c -> c.path("name").asText()).collect(Collectors.joining(","));
    }

    private static JsonNode container(JsonNode workload, String name) {
        return containersOf(workload.at("/spec/template/spec")).stream()
                .filter(container -> name.equals(container.path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static JsonNode volumeMount(JsonNode container, String mountPath) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mountPath.equals(mount.path("mountPath").asText())) {
                return mount;
            }
        }
        return MissingNode.getInstance();
    }

    /** Mount paths of the container that are backed by emptyDir volumes of its pod (writable, node-local). */
    private static List<String> emptyDirMountPaths(JsonNode pod, JsonNode container) {
        List<String> emptyDirs = new ArrayList<>();
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("emptyDir")) {
                emptyDirs.add(volume.path("name").asText());
            }
        }
        List<String> paths = new ArrayList<>();
        for (JsonNode mount : container.path("volumeMounts")) {
            if (emptyDirs.contains(mount.path("name").asText())
                    && !mount.path("readOnly").asBoolean()) {
                paths.add(mount.path("mountPath").asText());
            }
        }
        return paths;
    }

    private static Map<String, String> envOf(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        container
                .path("env")
                .forEach(entry ->
                        env.put(entry.path("name").asText(), entry.path("value").asText()));
        return env;
    }

    private static List<String> fieldNames(JsonNode node) {
        Iterable<String> names = node::fieldNames;
        return StreamSupport.stream(names.spliterator(), false).toList();
    }

    /** KEY=VALUE lines of a kustomize env file; # starts a comment line. */
    private static Map<String, String> envFile(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : read(file).split("\n")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                int eq = trimmed.indexOf('=');
                env.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        }
        return env;
    }

    /** Dockerfile instructions with line continuations joined and comments dropped, e.g. "USER 185". */
    private static List<String> dockerInstructions(Path dockerfile) {
        String joined = Pattern.compile("\\\\\\n")
                .matcher(stripComments(read(dockerfile)))
                .replaceAll(" ");
        return joined.lines()
                .map(line -> line.trim().replaceAll("\\s+", " "))
                .filter(line -> !line.isEmpty())
                .toList();
    }

    private static String stripComments(String text) {
        return text.lines().filter(line -> !line.trim().startsWith("#")).collect(Collectors.joining("\n", "", "\n"));
    }

    /** Variables set by ENV instructions in KEY=VALUE form (later ones win, quotes removed). */
    private static Map<String, String> dockerEnv(Path dockerfile) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)");
        for (String instruction : dockerInstructions(dockerfile)) {
            if (instruction.startsWith("ENV ")) {
                var matcher = pair.matcher(instruction.substring(4));
                while (matcher.find()) {
                    env.put(matcher.group(1), matcher.group(2).replace("\"", ""));
                }
            }
        }
        return env;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
