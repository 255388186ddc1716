package dev.athanor.common.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {
    static final UUID JOB = UUID.fromString("0f8c4a5e-0000-4000-8000-000000000001");

    static WorkerEvent event(long seq, WorkerEvent.Payload p) {
        return new WorkerEvent(WorkerEvent.VERSION, JOB, 1, 0, seq, Instant.parse("2026-11-30T00:00:00Z"), p);
    }

    @Test
    void everyPayloadRoundTrips() {
        List<WorkerEvent.Payload> payloads = List.of(
                new Payloads.Started("h", 7, List.of(0, 1), "classical"),
                new Payloads.Progress(5, 10, 3.5, "training"),
                new Payloads.Metrics(5, Map.of("loss", 0.5)),
                new Payloads.Heartbeat(),
                new Payloads.Log("stdout", List.of("a", "b")),
                new Payloads.Artifact("model.json", "file:///tmp/model.json", 12, "ab", "model"),
                new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "ok", Map.of("accuracy", 0.9)));
        long seq = 1;
        for (WorkerEvent.Payload p : payloads) {
            WorkerEvent e = event(seq++, p);
            WorkerEvent back = EventCodec.decode(EventCodec.encode(e));
            assertThat(back).isEqualTo(e);
            assertThat(back.type()).isEqualTo(p.type());
        }
    }

    @Test
    void wireFormatIsStable() {
        String json = new String(EventCodec.encode(event(3, new Payloads.Progress(1, 4, -1, "x"))), StandardCharsets.UTF_8);
        assertThat(json).contains("\"v\":1", "\"seq\":3", "\"type\":\"progress\"", "\"ts\":\"2026-11-30T00:00:00Z\"");
    }

    @Test
    void unknownFieldsFromNewerProducersAreIgnored() {
        String json = "{\"v\":1,\"jobId\":\"" + JOB + "\",\"attempt\":1,\"worker\":0,\"seq\":1,\"future\":true,"
                + "\"payload\":{\"type\":\"heartbeat\",\"gpuUtil\":0.9}}";
        assertThat(EventCodec.decode(json.getBytes(StandardCharsets.UTF_8)).type()).isEqualTo(EventType.HEARTBEAT);
    }

    @Test
    void malformedRecordsAreRejectedWithAReason() {
        assertThatThrownBy(() -> EventCodec.decode(new byte[0])).hasMessage("empty record value");
        assertThatThrownBy(() -> EventCodec.decode("nope".getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> EventCodec.decode("[1]".getBytes(StandardCharsets.UTF_8))).hasMessage("not a JSON object");
        assertThatThrownBy(() -> EventCodec.decode("{\"v\":2}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("unsupported schema version 2");
        assertThatThrownBy(() -> EventCodec.decode(("{\"v\":1,\"jobId\":\"" + JOB
                + "\",\"attempt\":0,\"worker\":0,\"seq\":1,\"payload\":{\"type\":\"heartbeat\"}}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("attempt must be >= 1");
    }
}
