package dev.athanor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.AthanorApiTestDouble.Answer;
import dev.athanor.common.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.athanor.cli.submit.SubmissionReaderTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

/** Request shape and answer handling of every command, against {@link AthanorApiTestDouble}. */
class CommandsAgainstApiTestDoubleTest {
    static final String ID = "0f8c4a5e-1111-2222-3333-444455556666";
    static final String JOBS = "/api/v1/jobs";

    AthanorApiTestDouble api;
    Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        api = new AthanorApiTestDouble();
        env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_TOKEN", "s3cret-token");
    }

    @AfterEach
    void stop() {
        api.close();
    }

    static String job(String state) {
        return "{\"id\":\"" + ID + "\",\"name\":\"augment-runners\",\"team\":\"vision\",\"kind\":\"AUGMENTATION\","
                + "\"state\":\"" + state + "\",\"createdAt\":\"2026-11-30T02:40:00Z\"}";
    }

    static JsonNode json(String s) throws Exception {
        return Json.lenient().readTree(s);
    }

    @Test
    void submitPostsTheFileWithTokenAndOverrides() throws Exception {
        api.on("POST", JOBS, r -> Answer.json(201, job("PENDING")));
        CliRun r = CliRun.run(env, "submit", resource("augment.yaml").toString(), "--set", "spec.strength=0.6");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("created job " + ID + " augment-runners (AUGMENTATION, team vision): PENDING\n");
        AthanorApiTestDouble.Request req = api.requests().get(0);
        assertThat(req.header("Authorization")).isEqualTo("Bearer s3cret-token");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.header("Accept")).contains("application/json");
        assertThat(req.header("User-Agent")).startsWith("athanor-cli/");
        JsonNode body = json(req.body());
        assertThat(body.path("name").asText()).isEqualTo("augment-runners");
        assertThat(body.path("idempotencyKey").asText()).isEqualTo("augment-runners-2026-11-30");
        assertThat(body.path("resources").path("gpuType").asText()).isEqualTo("h200-141gb");
        assertThat(body.path("spec").path("strength").asDouble()).isEqualTo(0.6);
        assertThat(body.path("spec").path("prompt").asText()).isEqualTo("a man is running, 4k");
        assertThat(r.out() + r.err()).doesNotContain("s3cret-token");
    }

    @Test
    void tokenOptionWinsOverTheEnvironmentAndNoTokenSendsNoHeader() {
        api.on("GET", JOBS, r -> Answer.json(200, "{\"items\":[],\"nextCursor\":null}"));
        assertThat(CliRun.run(env, "list", "--token", "other").code()).isZero();
        assertThat(CliRun.run(Map.of(), "--server", api.url(), "list").code()).isZero();
        assertThat(api.requests().get(0).header("Authorization")).isEqualTo("Bearer other");
        assertThat(api.requests().get(1).header("Authorization")).isNull();
    }

    @Test
    void submitSaysWhenTheIdempotencyKeyMatchedAnExistingJob() {
        api.on("POST", JOBS, r -> Answer.json(200, job("RUNNING")));
        CliRun r = CliRun.run(env, "submit", resource("augment.yaml").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("already exists for idempotency key 'augment-runners-2026-11-30' (200, not submitted again): RUNNING");
    }

    @Test
    void multiDocumentFileSubmitsEveryJobAndQuietPrintsIds() {
        AtomicInteger n = new AtomicInteger();
        api.on("POST", JOBS, r -> Answer.json(201, job("PENDING").replace(ID, ID.substring(0, 35) + n.incrementAndGet())));
        CliRun r = CliRun.run(env, "submit", "-q", resource("pipeline.yaml").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out().lines()).containsExactly(ID.substring(0, 35) + "1", ID.substring(0, 35) + "2", ID.substring(0, 35) + "3");
        assertThat(api.requests()).extracting(q -> q.body().contains("\"kind\":\"FINE_TUNE\"")).containsExactly(false, true, false);
    }

    @Test
    void serverRejectionPrintsTheProblemAndExits2() {
        api.on("POST", JOBS, r -> Answer.problem(400, "{\"title\":\"Invalid job submission\",\"status\":400,"
                + "\"errors\":[{\"field\":\"resources.gpuType\",\"message\":\"unknown flavor h200-141gb\"}]}"));
        CliRun r = CliRun.run(env, "submit", resource("augment.yaml").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("the server rejected job 'augment-runners'")
                .contains("error: Invalid job submission\n  resources.gpuType: unknown flavor h200-141gb");
    }

    @Test
    void listSendsFiltersAndFollowsNextCursorWithAll() throws Exception {
        api.on("GET", JOBS, r -> r.query().contains("cursor=c2")
                ? Answer.json(200, "{\"items\":[" + job("SUCCEEDED").replace("0f8c", "1f8c") + "],\"nextCursor\":null}")
                : Answer.json(200, "{\"items\":[" + job("RUNNING") + "],\"nextCursor\":\"c2\"}"));
        CliRun r = CliRun.run(env, "list", "--all", "--team", "vision", "--state", "running,PENDING", "--kind", "augmentation", "-o", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(api.requests()).hasSize(2);
        assertThat(api.requests().get(0).query()).isEqualTo("team=vision&state=RUNNING%2CPENDING&kind=AUGMENTATION&limit=50");
        assertThat(api.requests().get(1).query()).endsWith("&cursor=c2");
        JsonNode out = json(r.out());
        assertThat(out.path("items")).extracting(j -> j.path("id").asText()).containsExactly(ID, "1f8c" + ID.substring(4));
        assertThat(out.path("nextCursor").isNull()).isTrue();

        CliRun table = CliRun.run(env, "list");
        assertThat(table.out()).startsWith("ID        NAME").contains("0f8c4a5e  augment-runners").doesNotContain(ID);
        assertThat(table.err()).contains("(more jobs: use --all");
    }

    @Test
    void getNotFoundExits4AndPrefixesResolveThroughTheList() {
        CliRun r = CliRun.run(env, "get", ID);
        assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.err()).startsWith("error: job " + ID + " not found");

        api.on("GET", JOBS, q -> Answer.json(200, "{\"items\":[" + job("RUNNING") + "],\"nextCursor\":null}"));
        api.on("GET", JOBS + "/" + ID, q -> Answer.json(200, job("RUNNING")));
        CliRun g = CliRun.run(env, "get", "0f8c4a");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("ID         " + ID).contains("State      RUNNING");
        assertThat(CliRun.run(env, "get", "abcd").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void cancelPrintsTheStateAndA409IsAClearFailure() {
        api.on("POST", JOBS + "/" + ID + "/cancel", r -> Answer.json(202, job("CANCELLED")));
        CliRun ok = CliRun.run(env, "cancel", ID);
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).isEqualTo("job " + ID + " cancelled\n");

        api.on("POST", JOBS + "/" + ID + "/cancel", r -> Answer.problem(409, "{\"title\":\"Conflict\",\"status\":409,\"detail\":\"job is SUCCEEDED\"}"));
        CliRun conflict = CliRun.run(env, "cancel", ID);
        assertThat(conflict.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(conflict.err()).isEqualTo("error: job " + ID + " has already finished; there is nothing to cancel\n  job is SUCCEEDED\n");
    }

    @Test
    void watchFollowsTheEventStreamAndExits0OnSuccess() {
        AtomicInteger gets = new AtomicInteger();
        api.on("GET", JOBS + "/" + ID, r -> Answer.json(200, gets.incrementAndGet() == 1 ? job("RUNNING")
                : job("SUCCEEDED").replace("}", ",\"result\":{\"status\":\"SUCCEEDED\",\"message\":\"400 images\"}}")));
        api.on("GET", JOBS + "/" + ID + "/events", r -> new Answer(200, "text/event-stream",
                "event: progress\ndata: {\"step\":200,\"total\":400,\"phase\":\"augmenting\"}\n\n"
                        + "event: state\ndata: {\"from\":\"RUNNING\",\"to\":\"SUCCEEDED\",\"reason\":\"Completed\"}\n\n"));
        CliRun r = CliRun.run(env, "watch", ID);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("  [██████████░░░░░░░░░░]  50%  200/400  augmenting\n")
                .contains("RUNNING → SUCCEEDED: Completed").endsWith("SUCCEEDED: SUCCEEDED: 400 images\n");
        assertThat(api.requests()).filteredOn(q -> q.path().endsWith("/events")).singleElement()
                .satisfies(q -> assertThat(q.header("Accept")).isEqualTo("text/event-stream"))
                .satisfies(q -> assertThat(q.header("Authorization")).isEqualTo("Bearer s3cret-token"));
    }

    @Test
    void watchFallsBackToPollingAndExits1WhenTheJobFails() {
        AtomicInteger gets = new AtomicInteger();
        api.on("GET", JOBS + "/" + ID, r -> Answer.json(200, switch (gets.incrementAndGet()) {
            case 1, 2 -> job("RUNNING");
            case 3 -> job("RUNNING").replace("}", ",\"progress\":{\"step\":1,\"total\":2}}");
            default -> job("FAILED").replace("}", ",\"reason\":\"WorkerExited\",\"message\":\"exit code 1\"}");
        }));
        CliRun r = CliRun.run(env, "watch", ID, "--interval", "5");
        assertThat(r.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.out()).contains("live event stream unavailable").contains("50%  1/2")
                .contains("RUNNING → FAILED: WorkerExited — exit code 1").endsWith("FAILED: WorkerExited — exit code 1\n");
    }

    @Test
    void watchOfAFinishedJobReturnsAtOnce() {
        api.on("GET", JOBS + "/" + ID, r -> Answer.json(200, job("CANCELLED")));
        CliRun r = CliRun.run(env, "watch", ID);
        assertThat(r.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(api.requests()).noneMatch(q -> q.path().endsWith("/events"));
    }

    @Test
    void logsPaginateAndFilterByAttempt() {
        api.on("GET", JOBS + "/" + ID + "/logs", r -> r.query() != null && r.query().contains("after=p2")
                ? Answer.json(200, "{\"items\":[{\"id\":\"3\",\"attempt\":2,\"worker\":0,\"stream\":\"stdout\",\"line\":\"third\"}],\"nextCursor\":null}")
                : Answer.json(200, "{\"items\":[{\"id\":\"1\",\"attempt\":2,\"worker\":0,\"stream\":\"stdout\",\"line\":\"first\"},"
                + "{\"id\":\"2\",\"attempt\":1,\"worker\":0,\"stream\":\"stderr\",\"line\":\"old attempt\"}],\"nextCursor\":\"p2\"}"));
        CliRun r = CliRun.run(env, "logs", ID, "--attempt", "2", "-p");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("[a2 w0 stdout] first\n[a2 w0 stdout] third\n");
        assertThat(api.requests()).extracting(AthanorApiTestDouble.Request::query)
                .containsExactly("limit=1000&attempt=2", "after=p2&limit=1000&attempt=2");
    }

    @Test
    void logsFollowUntilTheJobIsTerminal() {
        AtomicInteger logCalls = new AtomicInteger();
        AtomicInteger jobCalls = new AtomicInteger();
        api.on("GET", JOBS + "/" + ID, r -> Answer.json(200, jobCalls.incrementAndGet() < 3 ? job("RUNNING") : job("SUCCEEDED")));
        api.on("GET", JOBS + "/" + ID + "/logs", r -> {
            int n = logCalls.incrementAndGet();
            return n == 2 ? Answer.json(200, "{\"items\":[{\"id\":\"7\",\"line\":\"epoch 2\"}],\"nextCursor\":null}")
                    : n == 1 ? Answer.json(200, "{\"items\":[{\"id\":\"6\",\"line\":\"epoch 1\"}],\"nextCursor\":null}")
                    : Answer.json(200, "{\"items\":[],\"nextCursor\":null}");
        });
        CliRun r = CliRun.run(env, "logs", "-f", ID, "--interval", "5");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("epoch 1\nepoch 2\n");
        assertThat(api.requests()).filteredOn(q -> q.path().endsWith("/logs")).extracting(AthanorApiTestDouble.Request::query)
                .startsWith("limit=1000", "after=6&limit=1000");
    }

    @Test
    void timelineAndMetricsTables() {
        api.on("GET", JOBS + "/" + ID + "/timeline", r -> Answer.json(200, "{\"items\":["
                + "{\"at\":\"2026-11-30T02:40:00Z\",\"from\":null,\"to\":\"PENDING\",\"attempt\":1,\"reason\":\"Submitted\"},"
                + "{\"at\":\"2026-11-30T02:40:02Z\",\"from\":\"PENDING\",\"to\":\"ADMITTED\",\"attempt\":1,\"reason\":\"Admitted\",\"message\":\"quota ok\"}]}"));
        CliRun t = CliRun.run(env, "timeline", ID);
        assertThat(t.code()).isZero();
        assertThat(t.out()).isEqualTo(String.join("\n",
                "AT                    ELAPSED  ATTEMPT  TRANSITION          REASON     MESSAGE",
                "2026-11-30T02:40:00Z      +0s        1  PENDING             Submitted  -",
                "2026-11-30T02:40:02Z      +2s        1  PENDING → ADMITTED  Admitted   quota ok", ""));

        api.on("GET", JOBS + "/" + ID + "/metrics", r -> r.query() == null
                ? Answer.json(200, "{\"names\":[\"loss\"]}")
                : Answer.json(200, "{\"name\":\"loss\",\"points\":[{\"attempt\":1,\"step\":1,\"value\":2.0,\"at\":\"2026-11-30T02:41:00Z\"},"
                + "{\"attempt\":1,\"step\":2,\"value\":1.0,\"at\":\"2026-11-30T02:42:00Z\"},{\"attempt\":1,\"step\":3,\"value\":0.5,\"at\":\"2026-11-30T02:43:00Z\"}]}"));
        CliRun m = CliRun.run(env, "metrics", ID, "--name", "loss");
        assertThat(m.code()).isZero();
        assertThat(m.out()).contains("STEP  VALUE  ATTEMPT  AT\n   1      2        1  2026-11-30T02:41:00Z\n")
                .endsWith("loss  █▃▁  min 0.5  max 2  last 0.5\n");
        assertThat(api.requests().get(api.requests().size() - 1).query()).isEqualTo("name=loss");
        CliRun all = CliRun.run(env, "metrics", ID);
        assertThat(all.out()).isEqualTo("NAME  POINTS  LAST  MIN  MAX  TREND\nloss       3   0.5  0.5    2  █▃▁\n");
    }

    @Test
    void jsonAndYamlOutputOfGet() throws Exception {
        api.on("GET", JOBS + "/" + ID, r -> Answer.json(200, job("RUNNING")));
        CliRun j = CliRun.run(env, "get", ID, "-o", "json");
        assertThat(json(j.out()).path("id").asText()).isEqualTo(ID);
        CliRun y = CliRun.run(env, "get", ID, "--output", "yaml");
        assertThat(y.out()).contains("id: " + ID).contains("state: RUNNING").doesNotStartWith("---");
        assertThat(List.of(j.code(), y.code())).containsOnly(0);
    }

    @Test
    void queueShowsPositionsReasonsAndStartsAndSummaries() throws Exception {
        String start = java.time.Instant.now().plusSeconds(3 * 3600 + 30 * 60).toString();
        api.on("GET", "/api/v1/queues", r -> Answer.json(200, "{\"items\":[{\"jobId\":\"" + ID + "\",\"name\":\"qwen-sft\","
                + "\"team\":\"vision\",\"priority\":\"HIGH\",\"gpus\":8,\"flavorQueue\":\"h200-141gb\",\"teamPosition\":1,"
                + "\"flavorPosition\":3,\"reason\":\"GANG\",\"message\":\"no placement for 1 worker(s) of 8 GPUs\","
                + "\"estimatedStart\":\"" + start + "\"},{\"jobId\":\"1f8c4a5e-1111-2222-3333-444455556666\",\"name\":\"eval\","
                + "\"team\":\"vision\",\"priority\":\"NORMAL\",\"gpus\":1,\"flavorQueue\":\"*\",\"teamPosition\":2,"
                + "\"flavorPosition\":1,\"reason\":\"QUOTA\",\"message\":\"team vision quota\",\"estimatedStart\":null}],"
                + "\"nextOffset\":2}"));
        CliRun r = CliRun.run(env, "queue", "--team", "vision", "--limit", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(api.requests().get(0).query()).isEqualTo("team=vision&limit=2");
        assertThat(r.out()).contains("TEAM#").contains("0f8c4a5e").contains("GANG").containsPattern("in 3h(29|30)m")
                .contains("no placement for 1 worker(s) of 8 GPUs").contains("QUOTA");
        assertThat(r.out().lines().filter(l -> l.contains("1f8c4a5e")).findFirst().orElseThrow()).contains(" ? ");
        assertThat(r.err()).contains("more jobs");

        api.on("GET", "/api/v1/queues/summary", q -> Answer.json(200,
                "{\"items\":[{\"team\":\"vision\",\"flavorQueue\":\"h200-141gb\",\"reason\":\"GANG\",\"jobs\":3,\"gpus\":24}]}"));
        CliRun s = CliRun.run(env, "queue", "--summary");
        assertThat(s.code()).isZero();
        assertThat(s.out()).contains("vision").contains("GANG").contains("24");
        assertThat(CliRun.run(env, "queue", "--limit", "0").code()).isEqualTo(ExitCodes.INVALID);
    }
}
