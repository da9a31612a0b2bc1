package io.tagclip.objectstore;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the service reaches Azure Blob Storage or its emulator.
 *
 * @param connectionString  an account's connection string (account key or SAS); empty uses token credentials
 *                          (environment, workload identity, managed identity). A secret: never put in a message
 * @param endpoint          the blob service URL with {@code {account}} standing for the URI's account, e.g.
 *                          {@code http://127.0.0.1:10000/{account}} for Azurite; empty: the connection string's, or
 *                          {@code https://{account}.blob.core.windows.net}
 * @param allowedContainers {@code account/container}, {@code account/*} or {@code *}; empty refuses every container
 */
public record AzureOptions(
        Optional<String> connectionString, Optional<String> endpoint, List<String> allowedContainers) {

    /** The configuration key of the allow-list, named when a container is refused. */
    public static final String ALLOWED_CONTAINERS_SETTING = "tagger.fetch.azure.allowed-containers";

    /** The placeholder of {@link #endpoint} for the URI's account. */
    public static final String ACCOUNT_PLACEHOLDER = "{account}";

    public AzureOptions {
        Objects.requireNonNull(connectionString, "connectionString");
        Objects.requireNonNull(endpoint, "endpoint");
        allowedContainers = List.copyOf(allowedContainers);
    }

    @Override
    public String toString() {
        return "AzureOptions[connectionString=" + (connectionString.isPresent() ? "(set)" : "(none)") + ", endpoint="
                + endpoint.orElse("(default)") + ", allowedContainers=" + allowedContainers + "]";
    }
}
