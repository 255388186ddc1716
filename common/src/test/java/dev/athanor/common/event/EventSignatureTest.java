package dev.athanor.common.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Defect 3: per-attempt keys derived from the master key; a signature binds the record key and value. */
class EventSignatureTest {
    final byte[] master = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    final UUID job = UUID.randomUUID();

    @Test
    void aSignatureVerifiesOnlyWithItsAttemptsKeyAndForItsRecord() {
        byte[] k1 = EventSignature.attemptKey(master, job, 1);
        byte[] value = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
        String sig = EventSignature.sign(k1, job.toString(), value);
        assertThat(sig).startsWith("v1=");
        assertThat(EventSignature.verify(k1, job.toString(), value, sig)).isTrue();
        assertThat(EventSignature.verify(EventSignature.attemptKey(master, job, 2), job.toString(), value, sig)).isFalse();
        assertThat(EventSignature.verify(EventSignature.attemptKey(master, UUID.randomUUID(), 1), job.toString(), value, sig))
                .isFalse();
        assertThat(EventSignature.verify(k1, UUID.randomUUID().toString(), value, sig)).isFalse();
        assertThat(EventSignature.verify(k1, job.toString(), "{\"v\":2}".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(EventSignature.verify(k1, job.toString(), value, null)).isFalse();
        assertThat(EventSignature.verify(k1, job.toString(), value, "v1=%%%")).isFalse();
    }

    @Test
    void keysAreStableAcrossReplicasAndDistinctPerAttempt() {
        assertThat(EventSignature.attemptKey(master, job, 1)).isEqualTo(EventSignature.attemptKey(master.clone(), job, 1))
                .isNotEqualTo(EventSignature.attemptKey(master, job, 2)).hasSize(32);
        byte[] k = EventSignature.attemptKey(master, job, 3);
        assertThat(EventSignature.decodeKey(EventSignature.encodeKey(k))).isEqualTo(k);
    }
}
