package io.tagclip.pipeline;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The model side (preprocess, batch, tagclip, pipeline) stays free of Kafka, Quarkus, CDI, Avro and logging. */
class ModelSideImportsTest {

    private static final JavaClasses MODEL_SIDE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tagclip.preprocess", "io.tagclip.batch", "io.tagclip.tagclip", "io.tagclip.pipeline");

    @Test
    void shouldNotDependOnServiceFrameworksOrLogging() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "io.quarkus..", "jakarta.enterprise..", "jakarta.inject..",
                        "io.tagclip.avro..", "io.tagclip.streams..", "io.tagclip.app..", "org.slf4j..",
                        "org.jboss.logging..", "java.util.logging..")
                .check(MODEL_SIDE);
    }

    @Test
    void shouldKeepBatchingFreeOfTensors() {
        noClasses().that().resideInAPackage("io.tagclip.batch..")
                .should().dependOnClassesThat().resideInAPackage("ai.djl..")
                .check(MODEL_SIDE);
    }
}
