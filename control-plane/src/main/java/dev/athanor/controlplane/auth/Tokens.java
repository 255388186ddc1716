package dev.athanor.controlplane.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API token secrets: {@code ath_} followed by 256 random bits in URL-safe base64 (43 characters). Only the SHA-256 of
 * the whole secret is stored; a slow KDF is not needed for 256-bit random secrets (docs/adr/0008-api-tokens.md).
 */
public final class Tokens {
    public static final String PREFIX = "ath_";
    /** Characters of the secret kept for display: {@code ath_} plus 6 (36 of the 256 random bits). */
    static final int DISPLAY_LENGTH = PREFIX.length() + 6;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    /** A new secret. */
    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Lower-case hex SHA-256 of the secret as given. */
    public static String hash(String secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /**
     * The non-secret display prefix, e.g. {@code ath_Xy3kQ9}: 36 of 256 random bits. Secrets not made by
     * {@link #generate()} (a bootstrap secret chosen by an operator may be short) show nothing of themselves.
     */
    public static String displayPrefix(String secret) {
        return secret.startsWith(PREFIX) && secret.length() >= 40 ? secret.substring(0, DISPLAY_LENGTH) : "****";
    }

    /** A cheap syntactic check before any lookup: printable ASCII, sane length. */
    static boolean plausible(String secret) {
        if (secret == null || secret.length() < 16 || secret.length() > 256) {
            return false;
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
