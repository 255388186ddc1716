package dev.athanor.cli.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {
    /** A recorded text/event-stream body in the shape docs/api.md describes (CRLF and LF mixed on purpose). */
    static final String RECORDED = ": connected to job 0f8c4a5e\r\n"
            + "retry: 2000\r\n"
            + "\r\n"
            + "event: state\n"
            + "id: 1\n"
            + "data: {\"from\":\"PENDING\",\"to\":\"ADMITTED\",\"attempt\":1,\"reason\":\"Admitted\",\"message\":\"quota vision/h200-141gb\"}\n"
            + "\n"
            + "event: progress\n"
            + "id: 2\n"
            + "data: {\"step\":120,\"total\":400,\"fraction\":0.3,\"etaSeconds\":35.2,\"phase\":\"augmenting\"}\n"
            + "\n"
            + "event: log\n"
            + "data: {\"line\":\"first\n"
            + "data: second\"}\n"
            + "\n"
            + ":keep-alive\n"
            + "\n"
            + "data:no-space\n"
            + "\n"
            + "event: metrics\n"
            + "data: {\"step\":120,\"values\":{\"images_per_second\":14.1}}\n";

    @Test
    void parsesEventsIdsMultiLineDataAndComments() {
        List<SseEvent> events = SseParser.parseAll(RECORDED);
        assertThat(events).extracting(SseEvent::event).containsExactly("state", "progress", "log", "message");
        assertThat(events.get(0).id()).isEqualTo("1");
        assertThat(events.get(0).data()).startsWith("{\"from\":\"PENDING\"");
        assertThat(events.get(1).id()).isEqualTo("2");
        assertThat(events.get(2).data()).isEqualTo("{\"line\":\"first\nsecond\"}");
        assertThat(events.get(2).id()).as("the last id carries over").isEqualTo("2");
        assertThat(events.get(3).data()).isEqualTo("no-space");
    }

    @Test
    void anEventNotTerminatedByABlankLineIsDropped() {
        assertThat(SseParser.parseAll(RECORDED)).noneMatch(e -> e.event().equals("metrics"));
        assertThat(SseParser.parseAll(RECORDED + "\n")).last().extracting(SseEvent::event).isEqualTo("metrics");
    }

    @Test
    void eventWithoutDataIsNotDispatched() {
        assertThat(SseParser.parseAll("event: state\n\nevent: progress\ndata: {}\n\n")).singleElement()
                .extracting(SseEvent::event).isEqualTo("progress");
    }
}
