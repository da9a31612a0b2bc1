package io.tagclip;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package import rules of the architecture, enforced on the production classes. */
class ImportRulesTest {

    private static final String[] PURE = {
        "io.tagclip.fetch..", "io.tagclip.preprocess..", "io.tagclip.batch..", "io.tagclip.clip..",
        "io.tagclip.tagclip..", "io.tagclip.pipeline.."
    };

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tagclip");
    }

    @Test
    void pureStagesShouldNotDependOnKafkaQuarkusCdiOrGeneratedAvro() {
        noClasses().that().resideInAnyPackage(PURE)
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "io.quarkus..", "jakarta..", "io.smallrye..", "io.tagclip.avro..")
                .allowEmptyShould(true)
                .check(production);
    }

    @Test
    void pureStagesShouldNotLog() {
        noClasses().that().resideInAnyPackage(PURE)
                .should().dependOnClassesThat().resideInAnyPackage("org.jboss.logging..", "org.slf4j..", "java.util.logging..")
                .allowEmptyShould(true)
                .check(production);
    }

    @Test
    void modelSideShouldNotReachBackIntoTheService() {
        noClasses().that().resideInAnyPackage(PURE)
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.tagclip.streams..", "io.tagclip.app..", "io.tagclip.serde..", "io.tagclip.cli..")
                .allowEmptyShould(true)
                .check(production);
    }

    @Test
    void batchingShouldStayFreeOfTensors() {
        noClasses().that().resideInAPackage("io.tagclip.batch..")
                .should().dependOnClassesThat().resideInAPackage("ai.djl..")
                .check(production);
    }

    @Test
    void serdeShouldBeAPlainKafkaAvroLibrary() {
        noClasses().that().resideInAPackage("io.tagclip.serde..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.quarkus..", "jakarta..", "ai.djl..", "io.tagclip.app..", "io.tagclip.streams..",
                        "io.tagclip.pipeline..", "io.tagclip.clip..", "io.tagclip.tagclip..")
                .check(production);
    }

    @Test
    void streamsShouldNotDependOnDjl() {
        noClasses().that().resideInAPackage("io.tagclip.streams..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.djl..")
                .check(production);
    }

    @Test
    void streamsShouldNotDependOnQuarkusOrCdi() {
        noClasses().that().resideInAPackage("io.tagclip.streams..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta..")
                .check(production);
    }
}
