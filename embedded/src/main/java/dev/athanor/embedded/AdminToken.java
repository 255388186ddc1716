package dev.athanor.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The embedded stack's admin token: generated on the first start (256 random bits, {@code ath_...}), kept in
 * {@code HOME/admin-token} with mode 0600 so the local CLI finds it, and handed to the control plane as its bootstrap
 * token through an environment variable (never a command-line argument, which {@code ps} shows).
 */
public record AdminToken(String secret, Path file) {
    public static final String FILE = "admin-token";

    /** Reads {@code HOME/admin-token}, or creates it with a new random token. */
    public static AdminToken ensure(Path home) throws IOException {
        Path f = home.resolve(FILE);
        return new AdminToken(readOrCreateSecret(f, "ath_"), f);
    }

    /** Reads the secret in {@code f}, or writes a new random one (256 bits, {@code prefix...}) there with mode 0600. */
    static String readOrCreateSecret(Path f, String prefix) throws IOException {
        if (Files.isRegularFile(f)) {
            String t = Files.readString(f, StandardCharsets.UTF_8).trim();
            if (!t.isEmpty()) {
                return t;
            }
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String secret = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp, e);
        }
        Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return secret;
    }
}
