package io.tagclip.serde;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The serde is a plain Kafka/Avro library: the service's glue and the model stay out of it. */
class SerdeDependencyRulesTest {

    private final JavaClasses serde = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tagclip.serde");

    @Test
    void shouldNotDependOnQuarkusCdiOrTheModel() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "io.quarkus..", "jakarta.enterprise..", "jakarta.inject..", "ai.djl..",
                        "io.tagclip.app..", "io.tagclip.streams..", "io.tagclip.pipeline..", "io.tagclip.clip..",
                        "io.tagclip.tagclip..")
                .check(serde);
    }
}
