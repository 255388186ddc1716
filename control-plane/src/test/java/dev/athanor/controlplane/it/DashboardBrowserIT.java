package dev.athanor.controlplane.it;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.testdouble.VlmTestDouble;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium}, driven by Playwright for Java) against the
 * real control plane, PostgreSQL, Kafka and worker processes. Chromium is found at {@code -Dathanor.chromium} (default
 * /usr/bin/chromium; {@code scripts/install-chromium.sh} installs it) and its absence fails the suite; only
 * {@code -Dathanor.browser.skip=true} leaves it out. The machine has four (test-double) H200 GPUs ({@link GpuProfile});
 * the team's quota is one of them, so a second GPU job waits for quota. Screenshots of every view go to target/dashboard-screenshots.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(GpuProfile.class)
@DisabledIfSystemProperty(named = "athanor.browser.skip", matches = "true")
class DashboardBrowserIT {
    static final Path SHOTS = Path.of("target", "dashboard-screenshots");
    static final Duration WAIT = Duration.ofSeconds(90);

    @TestHTTPResource("/")
    URL base;

    static Playwright playwright;
    static Browser browser;
    static DemoDataset.Layout data;
    static Path out;
    static VlmTestDouble vlm;
    static VlmTestDouble slowVlm;
    static String team;
    static String other;
    static String alice;
    static String bob;

    @BeforeAll
    static void start() throws Exception {
        String exe = System.getProperty("athanor.chromium", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(exe))) {
            fail("Chromium not found at " + exe + ": run scripts/install-chromium.sh or pass -Dathanor.chromium=PATH "
                    + "(-Dathanor.browser.skip=true leaves this suite out)");
        }
        Files.createDirectories(SHOTS);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(Path.of(exe))
                .setHeadless(true).setArgs(List.of("--no-sandbox", "--disable-dev-shm-usage")));
        Path root = Files.createTempDirectory("athanor-dashboard");
        data = DemoDataset.generate(root.resolve("data"), 24, 5);
        out = root.resolve("out");
        vlm = new VlmTestDouble(0, null, List.of(VlmTestDouble.DEFAULT_MODEL)).start();
        vlm.setDelayMillis(2500);
        slowVlm = new VlmTestDouble(0, null, List.of(VlmTestDouble.DEFAULT_MODEL)).start();
        slowVlm.setDelayMillis(60_000);
    }

    /** Teams and tokens, before each test (RestAssured knows the port only from then on). */
    @BeforeEach
    void teams() {
        TestAuth.anonymous();
        if (team != null) {
            return;
        }
        team = "web-" + UUID.randomUUID().toString().substring(0, 6);
        admin().contentType(ContentType.JSON).body(Map.of("nodeLabels", Map.of("athanor.dev/gpu-type", FLAVOR),
                "gpuMemoryGb", 141)).put("/api/v1/flavors/" + FLAVOR).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        admin().contentType(ContentType.JSON).body(Map.of("name", team, "cohort", "c-" + team)).post("/api/v1/teams")
                .then().statusCode(201);
        admin().contentType(ContentType.JSON).body(Map.of("nominal", 1)).put("/api/v1/teams/" + team + "/quotas/" + FLAVOR)
                .then().statusCode(200);
        other = TestAuth.team("web-" + UUID.randomUUID().toString().substring(0, 6));
        alice = member(team, "alice-" + team);
        bob = member(other, "bob-" + other);
    }

    @AfterEach
    void freeTheGpus() {
        // the GPU jobs outlive the page: free their GPUs for the next class on this profile (RestAssured still
        // points at the application here, not in @AfterAll)
        if (team != null) {
            Jobs.cancelUnfinished(team);
        }
    }

    @AfterAll
    static void stop() {
        if (vlm != null) {
            vlm.close();
        }
        if (slowVlm != null) {
            slowVlm.close();
        }
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    static final String FLAVOR = "h200-141gb";

    static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", TestAuth.bearer(TestAuth.ADMIN));
    }

    static String gpuLabeling(String name, VlmTestDouble vlm) {
        return """
                {"name": "%s", "team": "%s", "kind": "LABELING", "maxAttempts": 1,
                 "resources": {"gpusPerWorker": 1, "workers": 1, "gpuType": "%s", "cpu": 1, "memory": "1Gi"},
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "%s", "model": "%s", "concurrency": 1}}
                """.formatted(name, team, FLAVOR, data.imagesDir(), out.resolve(name + ".jsonl"), vlm.baseUrl(),
                VlmTestDouble.DEFAULT_MODEL);
    }

    static String member(String team, String subject) {
        given().header("Authorization", TestAuth.bearer(TestAuth.ADMIN)).contentType(ContentType.JSON)
                .body(Map.of("role", "MEMBER")).put("/api/v1/teams/" + team + "/members/" + subject).then().statusCode(201);
        return given().header("Authorization", TestAuth.bearer(TestAuth.ADMIN)).contentType(ContentType.JSON)
                .body(Map.of("name", "browser", "subject", subject)).post("/api/v1/tokens").then().statusCode(201)
                .extract().path("token");
    }

    static String submitApi(String token, String body) {
        return given().header("Authorization", TestAuth.bearer(token)).contentType(ContentType.JSON).body(body)
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
    }

    Page signedIn(BrowserContext ctx, String token) {
        Page page = ctx.newPage();
        page.setDefaultTimeout(WAIT.toMillis());
        page.navigate(base.toString());
        page.getByLabel("API token").fill(token);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).waitFor();
        return page;
    }

    BrowserContext context() {
        return browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800).setBypassCSP(true));
    }

    static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
    }

    /** axe-core in the page: no serious or critical violations. */
    static void accessible(Page page, String view) throws Exception {
        String axe;
        try (InputStream in = DashboardBrowserIT.class.getResourceAsStream(AXE)) {
            assertThat(in).as("axe-core on the test classpath").isNotNull();
            axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(axe));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> violations = (List<Map<String, Object>>) page.evaluate("async () => (await axe.run("
                + "document, {resultTypes: ['violations']})).violations.filter(v => v.impact === 'serious' || "
                + "v.impact === 'critical').map(v => ({id: v.id, impact: v.impact, help: v.help, "
                + "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))");
        assertThat(violations).as("serious accessibility violations in the " + view + " view").isEmpty();
    }

    /** axe-core as bundled by Deque's com.deque.html.axe-core:playwright (test scope). */
    static final String AXE = "/axe.min.js";

    @Test
    void signInSubmitWatchCancelAndSeeOnlyYourOwnTeam() throws Exception {
        // a finished augmentation for the gallery, and a GPU job that waits (no GPUs on this machine)
        String aug = submitApi(alice, Jobs.augmentation("web-gallery", team, data.imagesDir().toString(),
                out.resolve("aug").toString()));
        String blocker = submitApi(alice, gpuLabeling("web-holds-quota", slowVlm));
        await().atMost(WAIT).until(() -> "RUNNING".equals(admin().get("/api/v1/jobs/" + blocker).then().extract().path("state")));
        String waiting = submitApi(alice, gpuLabeling("web-waits", slowVlm));

        try (BrowserContext ctx = context()) {
            Page login = ctx.newPage();
            login.navigate(base.toString());
            login.getByLabel("API token").waitFor();
            shot(login, "0-sign-in");
            accessible(login, "sign-in");
            login.close();
            Page page = signedIn(ctx, alice);
            try {
                walk(ctx, page, aug, waiting);
            } catch (Throwable t) {
                shot(page, "failure");
                throw t;
            }
        }
    }

    void walk(BrowserContext ctx, Page page, String aug, String waiting) throws Exception {
        {

            // submit from the form: a field error first, shown inline in the API's words, then a good one
            page.navigate(base + "#/submit");
            page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("LABELING")).click();
            page.getByLabel("Name").fill("web-label");
            page.getByLabel("GPUs per worker").fill("0");
            page.getByLabel("Input directory").fill(data.imagesDir().toString());
            page.getByLabel("Output file (JSONL)").fill(out.resolve("labels.jsonl").toString());
            page.getByLabel("Endpoint (OpenAI-compatible)").fill(vlm.baseUrl());
            page.getByLabel("Served model").fill(VlmTestDouble.DEFAULT_MODEL);
            page.getByLabel("Concurrency").fill("1");
            page.getByLabel("Memory").fill("lots");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Submit")).click();
            Locator memoryError = page.locator("[data-error-for='resources.memory']");
            await().atMost(WAIT).until(() -> !memoryError.innerText().isBlank());
            assertThat(page.url()).endsWith("#/submit");
            shot(page, "5-submit-field-error");
            accessible(page, "submit");
            page.getByLabel("Memory").fill("1Gi");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Submit")).click();
            page.locator("h1").filter(new Locator.FilterOptions().setHasText("web-label")).waitFor();
            String id = given().header("Authorization", TestAuth.bearer(alice)).queryParam("q", "web-label")
                    .get("/api/v1/jobs").then().statusCode(200).extract().path("items[0].id");

            // it appears in the list, live
            page.navigate(base + "#/jobs?team=" + team);
            Locator row = page.locator("#jobs tr[data-id='" + id + "']");
            row.waitFor();
            assertThat(row.innerText()).contains("web-label", "LABELING", team);
            await().atMost(WAIT).until(() -> row.locator(".state").innerText().equals("RUNNING"));
            await().atMost(WAIT).until(() -> progress(row) > 0);
            shot(page, "1-jobs");
            accessible(page, "jobs");
            page.getByLabel("Text").fill("web-lab");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
            await().atMost(WAIT).until(() -> page.url().contains("q=web-lab")
                    && page.locator("#jobs tbody tr").count() == 1);

            // the job: progress advances with the worker's reports, logs tail, the chart grows
            page.navigate(base + "#/jobs/" + id);
            Locator bar = page.locator("#progress [role=progressbar]");
            bar.waitFor();
            int first = Integer.parseInt(bar.getAttribute("aria-valuenow"));
            await().atMost(WAIT).until(() -> Integer.parseInt(page.locator("#progress [role=progressbar]")
                    .getAttribute("aria-valuenow")) > first);
            await().atMost(WAIT).untilAsserted(() -> assertThat(page.locator("#logs").innerText())
                    .contains("labeling 24 images"));
            shot(page, "2-job-running");
            accessible(page, "job");

            // cancel from the page
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel")).click();
            await().atMost(WAIT).until(() -> page.locator("#state .state").innerText().equals("CANCELLED"));
            // the state badge and the timeline are rendered from separate live updates
            await().atMost(WAIT).untilAsserted(() -> assertThat(page.locator("#timeline").innerText()).contains("CANCELLED"));

            // a job waiting for GPUs shows why and where it stands
            page.navigate(base + "#/jobs/" + waiting);
            String reason = given().header("Authorization", TestAuth.bearer(alice)).get("/api/v1/queues/jobs/" + waiting)
                    .then().statusCode(200).extract().path("reason");
            assertThat(reason).isEqualTo("QUOTA");
            Locator queue = page.locator("#queue");
            queue.filter(new Locator.FilterOptions().setHasText("position 1")).waitFor();
            assertThat(queue.innerText()).contains(reason).contains("position 1");
            shot(page, "3-job-waiting");
            page.navigate(base + "#/queues");
            page.locator("#queue tbody tr").filter(new Locator.FilterOptions().setHasText("web-waits")).waitFor();
            assertThat(page.locator("#queue").innerText()).contains(reason);
            shot(page, "4-queues");
            accessible(page, "queues");

            // the augmentation's gallery: outputs beside their sources, thumbnails made by the server
            await().atMost(WAIT).until(() -> "SUCCEEDED".equals(given().header("Authorization", TestAuth.bearer(alice))
                    .get("/api/v1/jobs/" + aug).then().extract().path("state")));
            page.navigate(base + "#/jobs/" + aug);
            Locator img = page.locator("#gallery img").first();
            img.waitFor();
            await().atMost(WAIT).until(() -> (Boolean) page.evaluate("() => [...document.querySelectorAll('#gallery img')]"
                    + ".slice(0, 4).every(i => i.complete && i.naturalWidth > 0)"));
            page.locator("#charts figure").first().waitFor();
            shot(page, "6-job-gallery");

            page.navigate(base + "#/cluster");
            page.locator("#flavors").waitFor();
            shot(page, "7-cluster");
            accessible(page, "cluster");
            page.navigate(base + "#/admin");
            page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Tokens")).waitFor();
            shot(page, "8-admin");
            accessible(page, "admin");

            // dark theme
            page.getByLabel("Toggle light or dark theme").click();
            page.navigate(base + "#/jobs");
            page.locator("#jobs").waitFor();
            shot(page, "9-jobs-dark");
            accessible(page, "jobs (dark)");

            // sign out: the cookie no longer works
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
            page.getByLabel("API token").waitFor();

            // another team's token: not found, like a job that does not exist
            try (BrowserContext ctx2 = context()) {
                Page p2 = signedIn(ctx2, bob);
                p2.navigate(base + "#/jobs/" + id);
                p2.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Not found")).waitFor();
                shot(p2, "10-other-team-not-found");
                p2.navigate(base + "#/jobs?team=" + team);
                p2.locator("#jobs").waitFor();
                assertThat(p2.locator("#jobs").innerText()).doesNotContain("web-label");
            }
        }
    }

    static int progress(Locator row) {
        String v = row.locator("[role=progressbar]").getAttribute("aria-valuenow");
        return v == null ? 0 : Integer.parseInt(v);
    }
}
