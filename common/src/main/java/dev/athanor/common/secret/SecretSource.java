package dev.athanor.common.secret;

import java.util.Optional;

/** Where a launcher reads a secret's value when it must inject it by value (the local launcher). */
@FunctionalInterface
public interface SecretSource {
    /** The value of {@code team}'s secret {@code name}; empty when the team has no such secret. */
    Optional<String> value(String team, String name);
}
