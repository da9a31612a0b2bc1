package io.tagclip.fetch;

import io.tagclip.fetch.FetchException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The buckets or containers an object store may be asked for, so that an event cannot make the service read, with
 * its own credentials, an object its producer could not (the confused deputy). Empty allows nothing; {@code *}
 * allows everything and must be written out.
 *
 * <p>Unqualified lists (S3) name buckets. Qualified lists (Azure) name {@code account/container} or
 * {@code account/*}, because a container name alone says nothing about whose account it is in.
 */
public final class ContainerAllowList {

    private static final String ANY = "*";

    private final String setting;
    private final boolean qualified;
    private final List<String> entries;

    /**
     * @param setting   the configuration key the entries come from, named in every refusal
     * @param entries   bucket names, {@code account/container}, {@code account/*} or {@code *}; blanks are skipped
     * @param qualified whether entries name {@code account/container} (Azure) rather than a bucket (S3)
     * @throws IllegalArgumentException naming the setting and the entry that does not have the expected form
     */
    public ContainerAllowList(String setting, List<String> entries, boolean qualified) {
        this.setting = Objects.requireNonNull(setting, "setting");
        this.qualified = qualified;
        List<String> kept = new ArrayList<>();
        for (String entry : entries) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            check(e);
            kept.add(qualified ? e.toLowerCase(Locale.ROOT) : e);
        }
        this.entries = List.copyOf(kept);
    }

    private void check(String entry) {
        if (entry.equals(ANY)) {
            return;
        }
        int slash = entry.indexOf('/');
        if (qualified) {
            if (slash <= 0 || slash == entry.length() - 1 || entry.indexOf('/', slash + 1) >= 0) {
                throw new IllegalArgumentException(setting + ": entry '" + entry
                        + "' is not account/container, account/* or *; a container name alone does not say whose"
                        + " account it is in");
            }
            if (entry.substring(0, slash).contains(ANY)) {
                throw new IllegalArgumentException(setting + ": entry '" + entry + "' has a wildcard account");
            }
        } else if (slash >= 0 || entry.contains(ANY)) {
            throw new IllegalArgumentException(setting + ": entry '" + entry + "' is not a bucket name or *");
        }
    }

    /** The configuration key of this list. */
    public String setting() {
        return setting;
    }

    public List<String> entries() {
        return entries;
    }

    /** Whether {@code location}'s bucket or container is on the list. */
    public boolean allows(ObjectLocation location) {
        String name = qualified ? location.qualifiedContainer().toLowerCase(Locale.ROOT) : location.container();
        for (String entry : entries) {
            if (entry.equals(ANY) || entry.equals(name)) {
                return true;
            }
            if (qualified
                    && entry.endsWith("/" + ANY)
                    && location.account() != null
                    && entry.substring(0, entry.length() - 2)
                            .equals(location.account().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /**
     * @throws FetchException {@code BUCKET_NOT_ALLOWED} naming the bucket or container and the setting
     */
    public void check(ObjectLocation location) throws FetchException {
        if (!allows(location)) {
            String what = qualified ? "container " + location.qualifiedContainer() : "bucket " + location.container();
            throw new FetchException(
                    Reason.BUCKET_NOT_ALLOWED,
                    what + " of " + location.uri() + " is not on " + setting
                            + (entries.isEmpty() ? " (empty: every one is refused)" : " " + entries));
        }
    }
}
