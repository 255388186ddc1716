package dev.athanor.common.event;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

/**
 * Per-attempt signatures of worker events (ADR 0012). The control plane derives each attempt's key from its master
 * key, {@code HMAC-SHA256(master, "athanor/event-key/v1/<jobId>/<attempt>")}, and hands it to the attempt's workers
 * like a secret; a worker signs each record with it, {@code HMAC-SHA256(key, recordKey ‖ 0x00 ‖ value)}, in the
 * {@value #SIGNATURE_HEADER} header, and names its attempt in {@value #ATTEMPT_HEADER}. Nothing per attempt is stored.
 */
public final class EventSignature {
    /** Record header naming the attempt the record speaks for: {@code <jobId>/<attempt>}. */
    public static final String ATTEMPT_HEADER = "athanor-attempt";
    /** Record header with the signature: {@code v1=<base64url HMAC-SHA256>}. */
    public static final String SIGNATURE_HEADER = "athanor-sig";
    private static final String V1 = "v1=";
    private static final String ALG = "HmacSHA256";

    private EventSignature() {
    }

    /** The attempt key the control plane hands to the workers of {@code jobId}/{@code attempt}. */
    public static byte[] attemptKey(byte[] master, UUID jobId, int attempt) {
        return hmac(master, ("athanor/event-key/v1/" + jobId + "/" + attempt).getBytes(StandardCharsets.UTF_8));
    }

    /** The attempt header value for {@code jobId}/{@code attempt}. */
    public static String attemptId(UUID jobId, int attempt) {
        return jobId + "/" + attempt;
    }

    /** The signature header value of one record. */
    public static String sign(byte[] attemptKey, String recordKey, byte[] value) {
        return V1 + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(attemptKey, recordKey, value));
    }

    /** Whether {@code signature} is this record's signature under {@code attemptKey} (constant-time comparison). */
    public static boolean verify(byte[] attemptKey, String recordKey, byte[] value, String signature) {
        if (signature == null || !signature.startsWith(V1)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(signature.substring(V1.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(attemptKey, recordKey, value));
    }

    /** The key as the worker receives it in {@code ATHANOR_EVENT_KEY}. */
    public static String encodeKey(byte[] key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    }

    public static byte[] decodeKey(String encoded) {
        return Base64.getUrlDecoder().decode(encoded.trim());
    }

    private static byte[] mac(byte[] key, String recordKey, byte[] value) {
        try {
            Mac m = Mac.getInstance(ALG);
            m.init(new SecretKeySpec(key, ALG));
            if (recordKey != null) {
                m.update(recordKey.getBytes(StandardCharsets.UTF_8));
            }
            m.update((byte) 0);
            if (value != null) {
                m.update(value);
            }
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance(ALG);
            m.init(new SecretKeySpec(key, ALG));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
