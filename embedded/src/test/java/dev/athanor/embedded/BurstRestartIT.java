package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault test (hardening issue): the control plane is SIGKILLed in the middle of a 1,000-job burst on the local
 * launcher. 16 clients submit with idempotency keys and send a key again until it is answered, as a client following
 * the API's advice does. Of the 1,000 jobs, 20 run on this machine's 2 CPU slots (labeling against the VLM test double);
 * the other 980 ask for a GPU it does not have, so the scheduler ends them as never schedulable (any still waiting is
 * cancelled at the end). Afterwards: 0 lost (1,000 distinct jobs,
 * every key answered with one id), 0 run twice at once (no attempt's worker was launched twice), and every job has
 * exactly one terminal transition.
 */
class BurstRestartIT {
    private static final int JOBS = 1_000;
    private static final int RUNNING = 20;
    private static final int CLIENTS = 16;

    @TempDir
    Path home;
    @Test
    void killingTheControlPlaneMidBurstLosesNoJobAndRunsNoneTwice() throws Exception {
        try (LabelingRig rig = LabelingRig.start(home, 8, 100)) {
            Stack stack = rig.stack;
            Api api = rig.api;
            Map<String, String> idByKey = new ConcurrentHashMap<>();
            Map<String, Set<String>> idsSeen = new ConcurrentHashMap<>();
            AtomicInteger retries = new AtomicInteger();
            AtomicInteger next = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                done.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < JOBS; i = next.getAndIncrement()) {
                        String key = "burst-" + i;
                        String body = body(rig, i, key);
                        // resend the same key until it is answered (the control plane may be down meanwhile)
                        await().atMost(Duration.ofMinutes(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                                .until(() -> {
                                    try {
                                        Api.Response r = api.post("/api/v1/jobs", body);
                                        if (r.status() == 201 || r.status() == 200) {
                                            String id = r.body().path("id").asText();
                                            idByKey.putIfAbsent(key, id);
                                            idsSeen.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(id);
                                            return true;
                                        }
                                        assertThat(r.status()).as(r.raw()).isGreaterThanOrEqualTo(500);
                                    } catch (java.io.IOException e) {
                                        // the control plane is down
                                    }
                                    retries.incrementAndGet();
                                    return false;
                                });
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> idByKey.size() >= JOBS / 3);
            Process control = stack.controlPlane().process();
            control.destroyForcibly(); // SIGKILL
            assertThat(control.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int atKill = idByKey.size();
            stack.restartControlPlane();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            clients.shutdown();

            assertThat(atKill).as("killed mid-burst").isLessThan(JOBS);
            assertThat(idsSeen.values()).as("every key answered with one job, whatever the retries")
                    .allMatch(s -> s.size() == 1);
            assertThat(Set.copyOf(idByKey.values())).as("0 lost, none twice").hasSize(JOBS);
            assertThat(count(stack, "select count(*) from job")).isEqualTo(JOBS);

            List<String> runners = new ArrayList<>();
            for (int i = 0; i < RUNNING; i++) {
                runners.add(idByKey.get("burst-" + i));
            }
            for (String id : runners) {
                await().atMost(Duration.ofMinutes(5)).until(() ->
                        LabelingRig.terminal(api.get("/api/v1/jobs/" + id).body().path("state").asText()));
                JsonNode j = api.get("/api/v1/jobs/" + id).body();
                assertThat(j.path("state").asText()).as(j.toString()).isEqualTo("SUCCEEDED");
            }
            try (Stream<Path> logs = Files.walk(home.resolve("work"))) {
                assertThat(logs.filter(p -> p.getFileName().toString().endsWith(".prev")).toList())
                        .as("no attempt's worker was launched twice").isEmpty();
            }
            Map<String, Long> before = states(stack);
            for (String id : idByKey.values()) {
                if (!runners.contains(id)) {
                    Api.Response r = api.post("/api/v1/jobs/" + id + "/cancel", "{}");
                    if (r.status() != 202) {
                        JsonNode j = api.get("/api/v1/jobs/" + id).body();
                        assertThat(r.status()).as("cancel of %s: %s; job %s", id, r.raw(), j).isEqualTo(409);
                        assertThat(LabelingRig.terminal(j.path("state").asText())).as(j.toString()).isTrue();
                    }
                }
            }
            await().atMost(Duration.ofMinutes(2)).until(() ->
                    count(stack, "select count(*) from job where state not in ('SUCCEEDED', 'FAILED', 'CANCELLED')") == 0);
            assertThat(terminalTransitionsPerJob(stack)).as("terminal transitions per job → jobs")
                    .isEqualTo(Map.of(1L, (long) JOBS));
            System.out.printf("BurstRestartIT: %d jobs, control plane SIGKILLed after %d acknowledgements, %d resends; "
                    + "0 lost, 0 twice; states before the final cancel: %s%n", JOBS, atKill, retries.get(), before);
        }
    }

    private static String body(LabelingRig rig, int i, String key) {
        String common = """
                "name": "%s", "team": "default", "kind": "LABELING", "idempotencyKey": "%s", "maxAttempts": 2,
                "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://127.0.0.1:%d/v1",
                         "model": "athanor-demo-vlm", "concurrency": 1}""".formatted(key, key,
                rig.data.resolve("images"), rig.data.resolve(key + ".jsonl"), rig.vlmPort);
        // the first RUNNING jobs fit a CPU slot; the rest ask for a GPU this machine does not have
        return i < RUNNING ? "{" + common + "}" : "{" + common + ", \"resources\": {\"gpusPerWorker\": 1}}";
    }

    private static long count(Stack stack, String sql) throws Exception {
        try (Connection c = stack.postgres().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> states(Stack stack) throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Connection c = stack.postgres().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select state, count(*) from job group by state")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** How many jobs have 0, 1, 2... transitions into a terminal state. */
    private static Map<Long, Long> terminalTransitionsPerJob(Stack stack) throws Exception {
        Map<Long, Long> out = new HashMap<>();
        try (Connection c = stack.postgres().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select n, count(*) from (select j.id, count(t.id) n from job j "
                     + "left join transition t on t.job_id = j.id and t.to_state in ('SUCCEEDED', 'FAILED', 'CANCELLED') "
                     + "group by j.id) x group by n")) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return out;
    }
}
