package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/** The check every change of an event schema passes: readers of either version read records of the other. */
final class SchemaEvolution {

    private SchemaEvolution() {}

    /** BACKWARD (new readers, old records) and FORWARD (old readers, new records) compatible. */
    static void assertCompatibleBothWays(Schema previous, Schema current) {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, previous)
                        .getType())
                .as("new readers read old records")
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(previous, current)
                        .getType())
                .as("old readers read new records")
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }
}
