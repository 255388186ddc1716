package dev.athanor.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FormatTest {
    static JsonNode json(String s) {
        try {
            return Json.lenient().readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void durations() {
        assertThat(Format.duration(Duration.ofSeconds(0))).isEqualTo("0s");
        assertThat(Format.duration(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Format.duration(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(Format.duration(Duration.ofSeconds(2 * 3600 + 4 * 60 + 59))).isEqualTo("2h04m");
        assertThat(Format.duration(Duration.ofHours(76))).isEqualTo("3d04h");
        assertThat(Format.duration(Duration.ofSeconds(-5))).isEqualTo("0s");
        assertThat(Format.seconds(35.2)).isEqualTo("35s");
        assertThat(Format.seconds(-1)).isEqualTo("?");
        Instant now = Instant.parse("2026-11-30T03:00:00Z");
        assertThat(Format.age(now.minusSeconds(12), now)).isEqualTo("12s");
        assertThat(Format.age(now.minusSeconds(600), now)).isEqualTo("10m");
        assertThat(Format.age(now.minusSeconds(3 * 3600 + 59), now)).isEqualTo("3h");
        assertThat(Format.age(now.minus(Duration.ofDays(2)), now)).isEqualTo("2d");
        assertThat(Format.age(null, now)).isEqualTo("-");
    }

    @Test
    void numbers() {
        assertThat(Format.number(3)).isEqualTo("3");
        assertThat(Format.number(0.213456)).isEqualTo("0.2135");
        assertThat(Format.number(14.1)).isEqualTo("14.1");
        assertThat(Format.number(1.0e-4)).isEqualTo("1e-04");
        assertThat(Format.number(2.5e7)).isEqualTo("25000000");
    }

    @Test
    void progressBarsAndPercent() {
        assertThat(Format.bar(0, 10)).isEqualTo("[░░░░░░░░░░]");
        assertThat(Format.bar(0.3, 10)).isEqualTo("[███░░░░░░░]");
        assertThat(Format.bar(0.35, 10)).isEqualTo("[███▌░░░░░░]");
        assertThat(Format.bar(1, 10)).isEqualTo("[██████████]");
        assertThat(Format.bar(7, 4)).isEqualTo("[████]");
        assertThat(Format.percent(0.999)).isEqualTo("99%");
        assertThat(Format.percent(0.3)).isEqualTo("30%");
        assertThat(Format.percent(1)).isEqualTo("100%");
        assertThat(Format.percent(Double.NaN)).isEqualTo("0%");
    }

    @Test
    void sparklines() {
        assertThat(Format.sparkline(new double[]{1, 2, 3, 4, 5, 6, 7, 8}, 60)).isEqualTo("▁▂▃▄▅▆▇█");
        assertThat(Format.sparkline(new double[]{2.3, 1.1, 0.7, 0.5}, 60)).hasSize(4).startsWith("█").endsWith("▁");
        assertThat(Format.sparkline(new double[]{5, 5, 5}, 60)).isEqualTo("▄▄▄");
        assertThat(Format.sparkline(new double[1000], 40)).hasSize(40);
        assertThat(Format.sparkline(new double[0], 40)).isEmpty();
    }

    @Test
    void tablePadsColumnsAndCountsWideCharactersTwice() {
        String t = new Table("ID", "NAME", "N").alignRight(2).row("abc", "x", "7").row("d", "图片分析", "12").row("e", null, "1").render();
        assertThat(t).isEqualTo(String.join("\n",
                "ID   NAME       N",
                "abc  x          7",
                "d    图片分析  12",
                "e    -          1", ""));
    }

    @Test
    void jobTableShowsShortIdsProgressAndAge() {
        Instant now = Instant.parse("2026-11-30T03:00:00Z");
        List<JsonNode> jobs = List.of(
                json("{\"id\":\"0f8c4a5e-1111-2222-3333-444455556666\",\"name\":\"augment-runners\",\"team\":\"vision\","
                        + "\"kind\":\"AUGMENTATION\",\"state\":\"RUNNING\",\"createdAt\":\"2026-11-30T02:55:00Z\","
                        + "\"progress\":{\"step\":120,\"total\":400,\"fraction\":0.3}}"),
                json("{\"id\":\"9a000000-1111-2222-3333-444455556666\",\"name\":\"qwen2vl-lora-sft\",\"team\":\"nlp\","
                        + "\"kind\":\"FINE_TUNE\",\"state\":\"PENDING\",\"createdAt\":\"2026-11-28T02:00:00Z\"}"));
        assertThat(JobRender.table(jobs, now)).isEqualTo(String.join("\n",
                "ID        NAME              TEAM    KIND          STATE    PROGRESS  AGE",
                "0f8c4a5e  augment-runners   vision  AUGMENTATION  RUNNING       30%   5m",
                "9a000000  qwen2vl-lora-sft  nlp     FINE_TUNE     PENDING         -   2d", ""));
    }

    @Test
    void progressLineAndDetails() {
        JsonNode p = json("{\"step\":120,\"total\":400,\"fraction\":0.3,\"etaSeconds\":35.2,\"phase\":\"augmenting\"}");
        assertThat(JobRender.progressLine(p, 10)).isEqualTo("[███░░░░░░░]  30%  120/400  ETA 35s  augmenting");
        assertThat(JobRender.progressLine(json("{\"step\":5,\"total\":0}"), 4)).isEqualTo("[░░░░]   0%  5");
        JsonNode job = json("{\"id\":\"0f8c4a5e-1111-2222-3333-444455556666\",\"name\":\"augment-runners\",\"team\":\"vision\","
                + "\"kind\":\"AUGMENTATION\",\"state\":\"SUCCEEDED\",\"reason\":\"Completed\",\"priority\":\"NORMAL\","
                + "\"attempt\":1,\"maxAttempts\":3,\"resources\":{\"gpusPerWorker\":1,\"workers\":1,\"gpuType\":\"h200-141gb\",\"cpu\":4,\"memory\":\"32Gi\"},"
                + "\"createdAt\":\"2026-11-30T02:40:00Z\",\"startedAt\":\"2026-11-30T02:40:05Z\",\"finishedAt\":\"2026-11-30T02:43:10Z\","
                + "\"progress\":{\"step\":400,\"total\":400,\"fraction\":1.0,\"phase\":\"done\"},\"lastMetrics\":{\"images_per_second\":14.1},"
                + "\"result\":{\"status\":\"SUCCEEDED\",\"message\":\"400 images\",\"summary\":{\"images\":400}}}");
        String d = JobRender.details(job, Instant.parse("2026-11-30T03:00:00Z"));
        assertThat(d).contains("State      SUCCEEDED (Completed)\n")
                .contains("Attempt    1 of 3\n")
                .contains("Resources  1 worker × 1 GPU (h200-141gb), 4 CPU, 32Gi\n")
                .contains("Ran for    3m05s\n")
                .contains("Progress   [██████████████████████████████] 100%  400/400  done\n")
                .contains("Metrics    images_per_second=14.1\n")
                .contains("Result     SUCCEEDED: 400 images [images=400]\n")
                .contains("Created    2026-11-30T02:40:00Z (20m00s ago)\n");
    }
}
