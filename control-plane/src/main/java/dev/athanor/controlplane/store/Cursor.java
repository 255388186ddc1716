package dev.athanor.controlplane.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/** Opaque keyset cursor for the job list: the (created_at, id) of the last row of a page. */
public record Cursor(Instant createdAt, UUID id) {

    public String encode() {
        long micros = createdAt.getEpochSecond() * 1_000_000L + createdAt.getNano() / 1_000;
        String raw = micros + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException for a cursor this server did not issue */
    public static Cursor decode(String s) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
            int i = raw.indexOf(':');
            long micros = Long.parseLong(raw.substring(0, i));
            Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
            return new Cursor(at, UUID.fromString(raw.substring(i + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid cursor: pass back the nextCursor of a previous page");
        }
    }
}
