package io.tagclip.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;

/**
 * An in-memory registry for tests, reached through {@code schema.registry.url=mock://<scope>}: every serde in the
 * JVM that names the same scope shares one instance. Ids are registry-wide and start at 1, as in the real one, and
 * failures carry the error codes the REST API would answer with.
 */
public final class MockSchemaRegistry implements SchemaRegistryClient {

    private static final ConcurrentMap<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String scope;
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();

    private MockSchemaRegistry(String scope) {
        this.scope = scope;
    }

    /** The registry of this scope, created empty on first use. */
    public static MockSchemaRegistry forScope(String scope) {
        if (scope == null || scope.isEmpty()) {
            throw new IllegalArgumentException("mock registry scope must not be empty, got '" + scope + "'");
        }
        return SCOPES.computeIfAbsent(scope, MockSchemaRegistry::new);
    }

    /** Forgets the scope's schemas; the next {@link #forScope} starts empty. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = idsBySchema.computeIfAbsent(schema, s -> {
            schemasById.add(s);
            return schemasById.size();
        });
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized int idOf(String subject, Schema schema) {
        List<Integer> versions = versionsOf(subject);
        Integer id = idsBySchema.get(schema);
        if (id == null || !versions.contains(id)) {
            throw notFound(
                    40403, "Schema " + schema.getFullName() + " is not registered under subject '" + subject + "'");
        }
        return id;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> versions = versionsOf(subject);
        int id = versions.get(versions.size() - 1);
        return new RegisteredSchema(subject, id, versions.size(), schemasById.get(id - 1));
    }

    @Override
    public synchronized Schema schemaById(int id) {
        if (id < 1 || id > schemasById.size()) {
            throw notFound(40403, "Schema id " + id + " not found");
        }
        return schemasById.get(id - 1);
    }

    private List<Integer> versionsOf(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw notFound(40401, "Subject '" + subject + "' not found");
        }
        return versions;
    }

    private SerdeException notFound(int errorCode, String message) {
        return new SerdeException(
                message + " in mock registry '" + scope + "' (error_code " + errorCode + ")", null, 0, errorCode);
    }
}
