package io.tagclip.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.serde.MockSchemaRegistry;
import io.tagclip.serde.RegisteredSchema;
import io.tagclip.serde.SchemaRegistryClient;
import io.tagclip.serde.SerdeException;
import io.tagclip.serde.Subjects;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class OutputSchemasTest {

    private final TopologySettings settings = TopologySettings.defaults(8, Duration.ofMillis(200));
    private final String tagsSubject = Subjects.topicName(settings.outputTopic(), false);
    private final String dlqSubject = Subjects.topicName(settings.dlqTopic(), false);

    /** A registry that answers look-ups from {@code backing} and refuses every write, as one under RBAC would. */
    private static SchemaRegistryClient readOnly(MockSchemaRegistry backing, List<String> writes) {
        return new SchemaRegistryClient() {
            @Override
            public int register(String subject, Schema schema) {
                writes.add(subject);
                throw new SerdeException(
                        "Schema registry refused POST /subjects/" + subject + "/versions with HTTP 403",
                        null,
                        403,
                        40301);
            }

            @Override
            public int idOf(String subject, Schema schema) {
                return backing.idOf(subject, schema);
            }

            @Override
            public RegisteredSchema latest(String subject) {
                return backing.latest(subject);
            }

            @Override
            public Schema schemaById(int id) {
                return backing.schemaById(id);
            }
        };
    }

    @Test
    void shouldOnlyLookUpPreRegisteredSchemasWhenAutoRegisterIsOff() {
        MockSchemaRegistry backing = MockSchemaRegistry.forScope("output-schemas-preregistered");
        backing.register(tagsSubject, ImageTags.getClassSchema());
        backing.register(dlqSubject, ImageTagFailure.getClassSchema());
        List<String> writes = new ArrayList<>();

        assertThatCode(() -> OutputSchemas.prepare(readOnly(backing, writes), settings, false, false))
                .doesNotThrowAnyException();
        assertThatCode(() -> OutputSchemas.prepare(readOnly(backing, writes), settings, false, true))
                .doesNotThrowAnyException();
        assertThat(writes).isEmpty();
        assertThatThrownBy(() -> OutputSchemas.prepare(readOnly(backing, writes), settings, true, false))
                .hasMessageContaining("403");
    }

    @Test
    void shouldNameTheMissingSubjectWhenAutoRegisterIsOff() {
        MockSchemaRegistry empty = MockSchemaRegistry.forScope("output-schemas-empty");

        assertThatThrownBy(() -> OutputSchemas.prepare(empty, settings, false, false))
                .isInstanceOf(SerdeException.class)
                .hasMessageContaining("auto.register.schemas=false")
                .hasMessageContaining(tagsSubject);
    }

    @Test
    void shouldRefuseALatestVersionThatIsNotTheServiceSchema() {
        MockSchemaRegistry other = MockSchemaRegistry.forScope("output-schemas-other-latest");
        other.register(tagsSubject, Schema.createRecord("ImageTags", null, "elsewhere", false, List.of()));

        assertThatThrownBy(() -> OutputSchemas.prepare(other, settings, false, true))
                .hasMessageContaining("is not this service's io.tagclip.avro.ImageTags schema");
    }
}
