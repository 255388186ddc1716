package dev.athanor.controlplane.it;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventSignature;
import dev.athanor.common.event.WorkerEvent;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;

/** Worker events as a genuine worker of their attempt sends them: signed with the attempt's key (ADR 0012). */
public final class TestEvents {
    private TestEvents() {
    }

    /** The control plane's master key (it creates {@code <home>/event-signing.key} at startup). */
    static byte[] master() {
        try {
            return Base64.getUrlDecoder().decode(Files.readString(TestInfra.home().resolve("event-signing.key")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record of {@code e} signed with the key of the attempt it claims. */
    public static ProducerRecord<String, byte[]> signed(WorkerEvent e) {
        return signedWith(EventSignature.attemptKey(master(), e.jobId(), e.attempt()),
                EventSignature.attemptId(e.jobId(), e.attempt()), e.jobId().toString(), e);
    }

    /** Raw bytes signed for attempt 1 of {@code job} (malformed-record tests: authentic, but not an event). */
    public static ProducerRecord<String, byte[]> signedRaw(String job, byte[] value) {
        java.util.UUID id = java.util.UUID.fromString(job);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(EventCodec.TOPIC, job, value);
        r.headers().add(EventSignature.ATTEMPT_HEADER, EventSignature.attemptId(id, 1).getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventSignature.SIGNATURE_HEADER, EventSignature.sign(
                EventSignature.attemptKey(master(), id, 1), job, value).getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** A record of {@code e} signed with any key, claiming any attempt (for forgery tests). */
    public static ProducerRecord<String, byte[]> signedWith(byte[] key, String claimedAttempt, String recordKey,
                                                            WorkerEvent e) {
        byte[] value = EventCodec.encode(e);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(EventCodec.TOPIC, recordKey, value);
        r.headers().add(EventSignature.ATTEMPT_HEADER, claimedAttempt.getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventSignature.SIGNATURE_HEADER,
                EventSignature.sign(key, recordKey, value).getBytes(StandardCharsets.UTF_8));
        return r;
    }
}
