package dev.athanor.cli.render;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static dev.athanor.cli.render.FormatTest.json;
import static org.assertj.core.api.Assertions.assertThat;

class WatchViewTest {
    static final String JOB = "{\"id\":\"0f8c4a5e-1111-2222-3333-444455556666\",\"name\":\"augment-runners\",\"team\":\"vision\","
            + "\"kind\":\"AUGMENTATION\",\"state\":\"PENDING\",\"reason\":\"Queued\"}";

    @Test
    void plainOutputPrintsOneLinePerChange() {
        StringWriter sw = new StringWriter();
        WatchView v = new WatchView(new PrintWriter(sw), false, 100);
        v.start(json(JOB));
        v.onState(json("{\"from\":\"PENDING\",\"to\":\"RUNNING\",\"attempt\":1,\"reason\":\"Started\",\"message\":\"worker 0 on host x\"}"));
        v.onProgress(json("{\"step\":120,\"total\":400,\"fraction\":0.3,\"etaSeconds\":35,\"phase\":\"augmenting\"}"));
        v.onProgress(json("{\"step\":121,\"total\":400,\"etaSeconds\":34,\"phase\":\"augmenting\"}"));
        v.onMetrics(json("{\"step\":121,\"values\":{\"images_per_second\":14.1}}"));
        v.onProgress(json("{\"progress\":{\"step\":200,\"total\":400,\"etaSeconds\":20,\"phase\":\"augmenting\"}}"));
        v.onArtifact(json("{\"name\":\"augmented\",\"uri\":\"file:///data/out\",\"sizeBytes\":3145728}"));
        v.finish(json("{\"state\":\"SUCCEEDED\",\"startedAt\":\"2026-11-30T02:40:00Z\",\"finishedAt\":\"2026-11-30T02:41:05Z\","
                + "\"progress\":{\"step\":400,\"total\":400,\"fraction\":1.0},"
                + "\"result\":{\"status\":\"SUCCEEDED\",\"message\":\"400 images\"}}"));
        assertThat(sw.toString()).isEqualTo(String.join("\n",
                "job 0f8c4a5e-1111-2222-3333-444455556666 augment-runners (AUGMENTATION, team vision)",
                "  PENDING: Queued",
                "  PENDING → RUNNING (attempt 1): Started — worker 0 on host x",
                "  [██████░░░░░░░░░░░░░░]  30%  120/400  ETA 35s  augmenting",
                "  [██████████░░░░░░░░░░]  50%  200/400  ETA 20s  augmenting  images_per_second=14.1",
                "  artifact augmented (3 MiB): file:///data/out",
                "  RUNNING → SUCCEEDED",
                "  [██████████████████████████████] 100%  400/400  images_per_second=14.1",
                "SUCCEEDED after 1m05s: SUCCEEDED: 400 images", ""));
    }

    @Test
    void terminalOutputRedrawsTheStatusLineInPlace() {
        StringWriter sw = new StringWriter();
        WatchView v = new WatchView(new PrintWriter(sw), true, 200);
        v.start(json(JOB.replace("PENDING", "RUNNING")));
        v.onProgress(json("{\"step\":1,\"total\":4,\"phase\":\"p\"}"));
        v.onProgress(json("{\"step\":2,\"total\":4,\"phase\":\"p\"}"));
        v.onState(json("{\"to\":\"FAILED\",\"reason\":\"WorkerExited\",\"message\":\"exit 1\"}"));
        String s = sw.toString();
        assertThat(s).contains("\r\u001b[KRUNNING  [██████░░░░░░░░░░░░░░░░░░]  25%  1/4  p")
                .contains("\r\u001b[KRUNNING  [████████████░░░░░░░░░░░░]  50%  2/4  p")
                .contains("\r\u001b[K  RUNNING → FAILED: WorkerExited — exit 1\n");
        assertThat(s.chars().filter(c -> c == '\n').count()).as("progress does not add lines").isEqualTo(3);
        assertThat(v.state()).isEqualTo("FAILED");
    }

    @Test
    void statusLineIsCutToTheTerminalWidth() {
        StringWriter sw = new StringWriter();
        WatchView v = new WatchView(new PrintWriter(sw), true, 40);
        v.start(json(JOB));
        v.onProgress(json("{\"step\":1,\"total\":4,\"phase\":\"a very long phase name that does not fit\"}"));
        String last = sw.toString().substring(sw.toString().lastIndexOf("\u001b[K") + 3);
        assertThat(last).hasSize(39).endsWith("…");
    }
}
