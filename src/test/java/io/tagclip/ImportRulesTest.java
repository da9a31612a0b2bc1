package io.tagclip;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.tagclip.streams.ModelSideImportFixture;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package import rules of the architecture, enforced on the production classes. */
class ImportRulesTest {

    /**
     * Every main package, bottom first, in the order data flows through them (the README's Anatomy). A package may
     * import only the packages before it. {@code avro} holds the classes generated from {@code avro/}.
     */
    static final List<String> LAYERS = List.of(
            "image",
            "fetch",
            "objectstore",
            "preprocess",
            "batch",
            "weights",
            "tokenizer",
            "clip",
            "hub",
            "vocab",
            "tagging",
            "segment",
            "eval",
            "baseline",
            "cdul",
            "pipeline",
            "inference",
            "report",
            "avro",
            "serde",
            "streams",
            "online",
            "fleet",
            "app",
            "cli");

    /**
     * Where direction matters more than the layer order: these packages may import only the listed ones (and
     * themselves). {@code streams} sees the model only through the seam's value types in {@code pipeline}; the model's
     * own packages follow openai/CLIP's split (weights and tokenizer below the model, downloads above it). The seam
     * names a {@code vocab.Vocabulary} where a vocabulary is added at run time; the fleet's vocabularies reach the
     * pipeline only through it.
     */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "streams", Set.of("image", "fetch", "pipeline", "serde", "avro"),
            "fleet", Set.of("vocab", "cdul", "pipeline", "serde", "avro", "streams"),
            "serde", Set.of("avro"),
            "objectstore", Set.of("image", "fetch"),
            "weights", Set.of(),
            "tokenizer", Set.of("weights"),
            "clip", Set.of("weights", "tokenizer"),
            "hub", Set.of("weights", "clip"),
            "pipeline", Set.of("image", "vocab"),
            "batch", Set.of());

    /** The model side, every layer below the generated Avro classes: no Kafka, Quarkus, CDI, Avro or logging. */
    private static final String[] PURE =
            packages(LAYERS.subList(0, LAYERS.indexOf("avro")).toArray(String[]::new));

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tagclip");
    }

    @Test
    void everyMainPackageShouldBeALayer() {
        Set<String> found = production.stream()
                .map(c -> c.getPackageName())
                .filter(name -> name.startsWith("io.tagclip."))
                .map(name -> name.substring("io.tagclip.".length()).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(found)
                .as("top-level packages of io.tagclip; a renamed, new or missing package must be placed in " + "LAYERS")
                .containsExactlyInAnyOrderElementsOf(LAYERS);
    }

    @Test
    void eachPackageShouldImportOnlyThePackagesBelowIt() {
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = packages(LAYERS.subList(i + 1, LAYERS.size()).toArray(String[]::new));
            noClasses()
                    .that()
                    .resideInAPackage("io.tagclip." + LAYERS.get(i) + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(above)
                    .as(LAYERS.get(i) + " imports only " + LAYERS.subList(0, i))
                    .check(production);
        }
    }

    @Test
    void allowListedPackagesShouldImportOnlyWhatTheirListNames() {
        ALLOWED.forEach((name, allowed) -> importsOnly(name, allowed).check(production));
    }

    @Test
    void allowListShouldFailWhenStreamsImportsAModelSidePackage() {
        JavaClasses fixture = new ClassFileImporter().importClasses(ModelSideImportFixture.class);
        ArchRule rule = importsOnly("streams", ALLOWED.get("streams"));
        assertThatThrownBy(() -> rule.check(fixture))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.tagclip.clip.ClipModel");
    }

    /** No class of {@code name} depends on a project package other than itself and {@code allowed}. */
    private static ArchRule importsOnly(String name, Set<String> allowed) {
        String[] forbidden = LAYERS.stream()
                .filter(other -> !other.equals(name) && !allowed.contains(other))
                .map(other -> "io.tagclip." + other + "..")
                .toArray(String[]::new);
        return noClasses()
                .that()
                .resideInAPackage("io.tagclip." + name + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .as(name + " imports only " + new TreeSet<>(allowed));
    }

    private static String[] packages(String... names) {
        return Arrays.stream(names).map(name -> "io.tagclip." + name + "..").toArray(String[]::new);
    }

    @Test
    void pureStagesShouldNotDependOnKafkaQuarkusCdiOrGeneratedAvro() {
        noClasses()
                .that()
                .resideInAnyPackage(PURE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.kafka..", "io.quarkus..", "jakarta..", "io.smallrye..", "io.tagclip.avro..")
                .check(production);
    }

    @Test
    void pureStagesShouldNotLog() {
        noClasses()
                .that()
                .resideInAnyPackage(PURE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.jboss.logging..", "org.slf4j..", "java.util.logging..")
                .check(production);
    }

    @Test
    void modelSideShouldNotReachBackIntoTheService() {
        noClasses()
                .that()
                .resideInAnyPackage(PURE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.tagclip.streams..", "io.tagclip.app..", "io.tagclip.serde..", "io.tagclip.cli..")
                .check(production);
    }

    @Test
    void batchingShouldStayFreeOfTensors() {
        noClasses()
                .that()
                .resideInAPackage("io.tagclip.batch..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.djl..")
                .check(production);
    }

    @Test
    void serdeShouldBeAPlainKafkaAvroLibrary() {
        noClasses()
                .that()
                .resideInAPackage("io.tagclip.serde..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.quarkus..",
                        "jakarta..",
                        "ai.djl..",
                        "io.tagclip.app..",
                        "io.tagclip.streams..",
                        "io.tagclip.pipeline..",
                        "io.tagclip.clip..",
                        "io.tagclip.tagging..")
                .check(production);
    }

    @Test
    void streamsShouldNotDependOnDjl() {
        noClasses()
                .that()
                .resideInAPackage("io.tagclip.streams..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("ai.djl..")
                .check(production);
    }

    @Test
    void streamsShouldNotDependOnQuarkusOrCdi() {
        noClasses()
                .that()
                .resideInAPackage("io.tagclip.streams..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.quarkus..", "jakarta..")
                .check(production);
    }
}
