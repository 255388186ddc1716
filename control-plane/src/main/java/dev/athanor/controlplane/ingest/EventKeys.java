package dev.athanor.controlplane.ingest;

import dev.athanor.common.event.EventSignature;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.controlplane.config.AthanorConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * The master key worker-event keys are derived from (ADR 0012): {@code athanor.events.signing-key}, else
 * {@code <home>/event-signing.key} (32 random bytes, 0600, created atomically on first start). Never logged.
 */
@io.quarkus.runtime.Startup
@ApplicationScoped
public class EventKeys {
    static final String FILE = "event-signing.key";

    @Inject
    AthanorConfig config;

    private byte[] master;

    @PostConstruct
    void load() {
        master = config.events().signingKey().filter(k -> !k.isBlank()).map(k -> {
            if (k.length() < 32) {
                throw new IllegalStateException("athanor.events.signing-key must have at least 32 characters");
            }
            return k.getBytes(StandardCharsets.UTF_8);
        }).orElseGet(() -> fromFile(Path.of(config.home()).resolve(FILE)));
    }

    /** Reads the key file, creating it (0600, atomically: concurrent starts agree) when missing. */
    static byte[] fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".event-signing", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                try {
                    Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(key) + "\n");
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first: use theirs
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            byte[] key = Base64.getUrlDecoder().decode(Files.readString(file).trim());
            if (key.length < 32) {
                throw new IllegalStateException(file + " holds fewer than 32 bytes");
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the event-signing key " + file, e);
        }
    }

    /** The key of one attempt, as its workers get it. */
    public LaunchRequest.EventKey forAttempt(AttemptKey key) {
        return new LaunchRequest.EventKey(EventSignature.encodeKey(attemptKey(key.jobId(), key.attempt())));
    }

    byte[] attemptKey(UUID jobId, int attempt) {
        return EventSignature.attemptKey(master, jobId, attempt);
    }

    @Override
    public String toString() {
        return "EventKeys[hidden]";
    }
}
