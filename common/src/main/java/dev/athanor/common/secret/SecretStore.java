package dev.athanor.common.secret;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The port to where team secrets live (Kubernetes Secrets, or 0600 files in the embedded mode). Every operation is
 * scoped to one team: a store never answers for a secret of another team than the one asked about. Names are
 * {@link SecretNames#valid valid}; callers check them first.
 */
public interface SecretStore extends SecretSource {

    /** A secret's metadata; the value is never part of it. */
    record Entry(String name, Instant createdAt, Instant updatedAt) {
    }

    /** The outcome of {@link #put}: the entry, and whether the secret was new. */
    record Written(Entry entry, boolean created) {
    }

    /** The team's secrets, by name. */
    List<Entry> list(String team);

    Optional<Entry> find(String team, String name);

    /** Creates or replaces the team's secret {@code name}. */
    Written put(String team, String name, String value);

    /** @return whether there was such a secret */
    boolean delete(String team, String name);
}
