package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code athanor demo}: a synthetic dataset, a bundled VLM test double, and one job of each kind (AUGMENTATION,
 * LABELING, FINE_TUNE, then EVALUATION of the fine-tuned model), with live progress and a summary.
 * Exit 0 only when all four jobs SUCCEEDED.
 */
final class DemoRunner {
    static final String DATASET_MAIN = "dev.athanor.worker.demo.DemoDataset";
    static final String VLM_DOUBLE_MAIN = "dev.athanor.worker.testdouble.VlmTestDouble";
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    static final List<String> COLOURS = List.of("red", "green", "blue", "yellow");
    static final String VLM_MODEL = "athanor-demo-vlm";

    private final EmbeddedMain.StackOptions so;
    private final Path home;
    private final int images;
    private final Duration timeout;
    private final boolean keepRunning;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean tty = System.console() != null && System.getenv("NO_COLOR") == null;

    DemoRunner(EmbeddedMain.StackOptions so, Path home, int images, Duration timeout, boolean keepRunning,
               PrintStream out, PrintStream err) {
        this.so = so;
        this.home = home;
        this.images = images;
        this.timeout = timeout;
        this.keepRunning = keepRunning;
        this.out = out;
        this.err = err;
    }

    /** One tracked job. */
    static final class Tracked {
        final String kind;
        final String name;
        String id;
        JsonNode last;
        Instant submitted = Instant.now();
        String printedState = "";
        int printedQuarter = -1;

        Tracked(String kind, String name) {
            this.kind = kind;
            this.name = name;
        }

        String state() {
            return last == null ? (id == null ? "WAITING" : "SUBMITTED") : last.path("state").asText("?");
        }

        boolean terminal() {
            return TERMINAL.contains(state());
        }
    }

    int run() throws Exception {
        Path[] jars = EmbeddedMain.jars(err, true);
        if (jars == null) {
            return EmbeddedMain.EXIT_MISSING_JAR;
        }
        Path workerJar = jars[1];
        long deadline = System.nanoTime() + timeout.toNanos();

        // reuse a stack that `athanor up` runs on this home, else start one
        Stack owned = null;
        Thread hook = null;
        String apiUrl = runningStackUrl(home);
        if (apiUrl != null) {
            out.println("Using the Athanor stack already running on home " + home + " at " + apiUrl);
        } else {
            out.println("Starting Athanor (home " + home + ")");
            Stack stack = Stack.create(so.toOptions(home, 4, jars[0], workerJar, Map.of()), out);
            hook = new Thread(() -> {
                out.println("Stopping Athanor...");
                stack.close();
            }, "athanor-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                stack.startAll();
            } catch (HomeLock.AlreadyRunningException e) {
                EmbeddedMain.removeHook(hook);
                err.println("error: " + e.getMessage());
                return EmbeddedMain.EXIT_ALREADY_RUNNING;
            } catch (Exception e) {
                EmbeddedMain.removeHook(hook);
                err.println("error: could not start the stack: " + e.getMessage());
                return EmbeddedMain.EXIT_FAILED;
            }
            owned = stack;
            apiUrl = stack.apiUrl();
        }
        Process vlm = null;
        int code;
        try {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path runDir = home.resolve("demo").resolve("run-" + stamp);
            Files.createDirectories(runDir);

            out.println();
            out.println("Generating a synthetic dataset of " + images + " images in " + runDir.resolve("dataset"));
            Dataset ds = generateDataset(workerJar, runDir.resolve("dataset"), images, deadline);
            out.println("  " + ds.imageCount + " images in " + ds.imageDir + ", ground truth " + ds.labels);

            int vlmPort = Ports.free();
            vlm = startVlmDouble(workerJar, vlmPort, Stack.logs(home).resolve("vlm-test-double.log"), deadline);
            String endpoint = "http://127.0.0.1:" + vlmPort + "/v1";
            out.println();
            out.println("LABELING uses a bundled VLM TEST DOUBLE (OpenAI-compatible, no model) at " + endpoint + ".");
            out.println("  For a real VLM, start vLLM (python -m vllm.entrypoints.openai.api_server --model ... --port 8000)");
            out.println("  and submit a LABELING job with \"endpoint\": \"http://<host>:8000/v1\", \"model\": \"<served name>\".");
            out.println();

            Api api = new Api(apiUrl, Api.tokenFor(home));
            code = runJobs(api, runDir, ds, endpoint, stamp.replace("-", "").substring(4), deadline, apiUrl);
        } catch (DemoException e) {
            err.println("error: " + e.getMessage());
            code = EmbeddedMain.EXIT_FAILED;
        } finally {
            if (vlm != null) {
                vlm.destroy();
                if (!vlm.waitFor(10, TimeUnit.SECONDS)) {
                    vlm.destroyForcibly();
                }
            }
        }
        if (owned != null) {
            if (keepRunning) {
                out.println();
                out.println("The stack keeps running (--keep-running): API " + owned.apiUrl() + ". Press Ctrl-C to stop.");
                out.println("Dashboard: " + owned.apiUrl().replaceAll("/+$", "") + "/ (sign in with the token in "
                        + home.resolve("admin-token") + " or $ATHANOR_TOKEN)");
                owned.controlPlane().process().waitFor();
            } else {
                EmbeddedMain.removeHook(hook);
                out.println();
                out.println("Stopping Athanor (use --keep-running to keep it up)...");
                owned.close();
            }
        }
        return code;
    }

    /** The API URL of a stack that another process runs on {@code home}, when it answers. */
    static String runningStackUrl(Path home) {
        if (!HomeLock.isHeld(home)) {
            return null;
        }
        StateFile run = new StateFile(home.resolve("run.properties"));
        String url = run.get("api.url");
        String management = run.get("management.url");
        if (url == null || management == null) {
            return null;
        }
        try {
            Api.Response r = new Api(management, null).get("/q/health/ready");
            return r.status() == 200 ? url : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    record Dataset(Path root, Path imageDir, int imageCount, Path labels) {
    }

    static final class DemoException extends Exception {
        DemoException(String m) {
            super(m);
        }
    }

    private Dataset generateDataset(Path workerJar, Path dir, int count, long deadline) throws Exception {
        Files.createDirectories(dir);
        Path log = Stack.logs(home).resolve("demo-dataset.log");
        Process p = new ProcessBuilder(java(), "-Djava.awt.headless=true", "-cp", workerJar.toString(), DATASET_MAIN, dir.toString(),
                String.valueOf(count), "7")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long wait = Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()), 300_000));
        if (!p.waitFor(wait, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new DemoException("the dataset generator did not finish in time; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new DemoException("the dataset generator (" + DATASET_MAIN + ") failed with exit " + p.exitValue()
                    + ":\n" + ControlPlaneProcess.tail(log, 20));
        }
        return locate(dir);
    }

    /** Finds the image directory (the one with most PNGs) and the ground-truth labels.jsonl under {@code dir}. */
    static Dataset locate(Path dir) throws IOException, DemoException {
        Map<Path, Integer> pngs = new LinkedHashMap<>();
        Path labels = null;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) {
                    pngs.merge(p.getParent(), 1, Integer::sum);
                } else if (n.equals("labels.jsonl") && (labels == null || p.getNameCount() < labels.getNameCount())) {
                    labels = p;
                }
            }
        }
        if (pngs.isEmpty()) {
            throw new DemoException("the dataset generator wrote no images under " + dir);
        }
        if (labels == null) {
            throw new DemoException("the dataset generator wrote no labels.jsonl under " + dir);
        }
        Map.Entry<Path, Integer> best = pngs.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        return new Dataset(dir, best.getKey(), best.getValue(), labels);
    }

    private Process startVlmDouble(Path workerJar, int port, Path log, long deadline) throws Exception {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(java(), "-Djava.awt.headless=true", "-cp", workerJar.toString(),
                VLM_DOUBLE_MAIN, String.valueOf(port), VLM_MODEL)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        while (System.nanoTime() < until) {
            if (!p.isAlive()) {
                throw new DemoException("the VLM test double (" + VLM_DOUBLE_MAIN + ") exited with " + p.exitValue()
                        + ":\n" + ControlPlaneProcess.tail(log, 20));
            }
            if (Ports.isListening(port)) {
                return p;
            }
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new DemoException("the VLM test double did not listen on port " + port + " in time; see " + log);
    }

    static ObjectNode submission(String name, String kind, ObjectNode spec) {
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("name", name);
        n.put("team", "default");
        n.put("kind", kind);
        n.put("priority", "NORMAL");
        n.putObject("labels").put("demo", "true");
        ObjectNode res = n.putObject("resources");
        res.put("gpusPerWorker", 0);
        res.put("workers", 1);
        res.put("cpu", 1);
        res.put("memory", "1Gi");
        n.put("maxAttempts", 1);
        n.put("maxRuntimeSeconds", 1800);
        n.set("spec", spec);
        return n;
    }

    static ObjectNode augmentationSpec(Dataset ds, Path runDir) {
        ObjectNode s = Api.JSON.createObjectNode();
        s.put("inputDir", ds.imageDir().toString());
        s.put("outputDir", runDir.resolve("augmented").toString());
        s.put("engine", "classical");
        s.put("outputsPerImage", 2);
        s.putArray("operations").add("hflip").add("rotate").add("color-jitter");
        s.put("seed", 7);
        return s;
    }

    static ObjectNode labelingSpec(Dataset ds, Path runDir, String endpoint) {
        ObjectNode s = Api.JSON.createObjectNode();
        s.put("inputDir", ds.imageDir().toString());
        s.put("outputFile", runDir.resolve("vlm-labels.jsonl").toString());
        s.put("endpoint", endpoint);
        s.put("model", VLM_MODEL);
        s.put("userPrompt", "Which colour dominates this image? Answer with one word: red, green, blue or yellow.");
        s.put("maxTokens", 16);
        s.put("concurrency", 4);
        s.put("requestTimeoutSeconds", 30);
        ArrayNode allowed = s.putArray("allowedLabels");
        COLOURS.forEach(allowed::add);
        return s;
    }

    static ObjectNode fineTuneSpec(Dataset ds, Path runDir) {
        ObjectNode s = Api.JSON.createObjectNode();
        s.put("engine", "builtin");
        s.put("dataset", ds.labels().toString());
        s.put("datasetDir", ds.labels().getParent().toString());
        s.put("numTrainEpochs", 5);
        s.put("outputDir", runDir.resolve("model").toString());
        return s;
    }

    static ObjectNode evaluationSpec(Dataset ds, Path runDir, String modelPath) {
        ObjectNode s = Api.JSON.createObjectNode();
        s.put("engine", "classification");
        s.put("modelPath", modelPath);
        s.put("groundTruthFile", ds.labels().toString());
        s.put("datasetDir", ds.labels().getParent().toString());
        s.put("outputDir", runDir.resolve("evaluation").toString());
        return s;
    }

    private int runJobs(Api api, Path runDir, Dataset ds, String endpoint, String suffix, long deadline, String apiUrl)
            throws Exception {
        Tracked aug = new Tracked("AUGMENTATION", "demo-augment-" + suffix);
        Tracked lab = new Tracked("LABELING", "demo-label-" + suffix);
        Tracked ft = new Tracked("FINE_TUNE", "demo-finetune-" + suffix);
        Tracked ev = new Tracked("EVALUATION", "demo-evaluate-" + suffix);
        List<Tracked> all = List.of(aug, lab, ft, ev);

        submit(api, aug, augmentationSpec(ds, runDir));
        submit(api, lab, labelingSpec(ds, runDir, endpoint));
        submit(api, ft, fineTuneSpec(ds, runDir));
        out.println("Submitted AUGMENTATION, LABELING and FINE_TUNE; EVALUATION follows when FINE_TUNE has succeeded.");
        out.println();

        int rendered = 0;
        while (true) {
            for (Tracked t : all) {
                if (t.id != null && !t.terminal()) {
                    try {
                        t.last = api.job(t.id);
                    } catch (IOException e) {
                        // transient; keep the previous view
                    }
                }
            }
            if (ev.id == null && ft.terminal()) {
                if ("SUCCEEDED".equals(ft.state())) {
                    submit(api, ev, evaluationSpec(ds, runDir, modelPathOf(api, ft, runDir)));
                } else {
                    ev.printedState = "SKIPPED";
                }
            }
            rendered = render(all, rendered);
            boolean done = all.stream().allMatch(t -> t.terminal() || (t == ev && ev.id == null && ft.terminal()));
            if (done) {
                break;
            }
            if (System.nanoTime() > deadline) {
                out.println();
                err.println("error: the demo timed out after " + timeout.toSeconds() + " s");
                break;
            }
            Thread.sleep(500);
        }
        return summary(api, all, apiUrl);
    }

    private void submit(Api api, Tracked t, ObjectNode spec) throws Exception {
        Api.Response r = api.post("/api/v1/jobs", submission(t.name, t.kind, spec));
        if (r.status() != 201 && r.status() != 200) {
            throw new DemoException("submitting the " + t.kind + " job failed: HTTP " + r.status() + " " + r.raw());
        }
        t.id = r.body().path("id").asText();
        t.last = r.body();
        t.submitted = Instant.now();
    }

    /** The fine-tuned model: an absolute 'model' artifact if the job reported one, else its outputDir (holds model.json). */
    static String modelPathOf(Api api, Tracked ft, Path runDir) {
        try {
            Api.Response r = api.get("/api/v1/jobs/" + ft.id + "/artifacts");
            if (r.status() == 200 && r.body() != null) {
                for (JsonNode a : r.body().path("items")) {
                    if (a.path("kind").asText("").toLowerCase(Locale.ROOT).contains("model")) {
                        String uri = a.path("uri").asText("");
                        if (uri.startsWith("file:")) {
                            return Path.of(java.net.URI.create(uri)).toString();
                        }
                        if (uri.startsWith("/")) {
                            return uri;
                        }
                    }
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // fall through
        }
        return runDir.resolve("model").toString();
    }

    private int render(List<Tracked> all, int previousLines) {
        if (tty) {
            StringBuilder sb = new StringBuilder();
            if (previousLines > 0) {
                sb.append("\u001b[").append(previousLines).append('A');
            }
            for (Tracked t : all) {
                sb.append("\u001b[2K").append(line(t)).append('\n');
            }
            out.print(sb);
            out.flush();
            return all.size();
        }
        for (Tracked t : all) {
            if (t.id == null && !"SKIPPED".equals(t.printedState)) {
                continue;
            }
            String st = t.id == null ? t.printedState : t.state();
            int quarter = (int) Math.floor(fraction(t) * 4);
            if (!st.equals(t.printedState) || quarter != t.printedQuarter) {
                if (t.id != null) {
                    t.printedState = st;
                }
                t.printedQuarter = quarter;
                out.println(line(t));
            }
        }
        return 0;
    }

    static double fraction(Tracked t) {
        if (t.last == null) {
            return 0;
        }
        if ("SUCCEEDED".equals(t.state())) {
            return 1;
        }
        double f = t.last.path("progress").path("fraction").asDouble(0);
        return Double.isNaN(f) ? 0 : Math.max(0, Math.min(1, f));
    }

    static String line(Tracked t) {
        double f = fraction(t);
        int width = 24;
        int filled = (int) Math.round(f * width);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        String state = t.id == null ? ("SKIPPED".equals(t.printedState) ? "SKIPPED" : "WAITING") : t.state();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-12s [%s] %3d%%  %-10s", t.kind, bar,
                Math.round(f * 100), state));
        if (t.last != null) {
            JsonNode prog = t.last.path("progress");
            if (prog.has("step") && prog.has("total") && prog.path("total").asLong(0) > 0) {
                sb.append(' ').append(prog.path("step").asLong()).append('/').append(prog.path("total").asLong());
            }
            if (prog.path("etaSeconds").isNumber() && !TERMINAL.contains(state)) {
                sb.append(String.format(Locale.ROOT, " eta %.0fs", prog.path("etaSeconds").asDouble()));
            }
            String metric = lastMetric(t.last);
            if (metric != null) {
                sb.append("  ").append(metric);
            }
        }
        return sb.toString();
    }

    static String lastMetric(JsonNode job) {
        JsonNode m = job.path("lastMetrics");
        if (!m.isObject() || m.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = m.fields();
        while (it.hasNext() && parts.size() < 2) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + "=" + num(e.getValue()));
        }
        return String.join(" ", parts);
    }

    static String num(JsonNode v) {
        if (v.isIntegralNumber()) {
            return String.valueOf(v.asLong());
        }
        if (v.isNumber()) {
            double d = v.asDouble();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return String.valueOf((long) d);
            }
            return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%.4g", d);
        }
        return v.asText();
    }

    private int summary(Api api, List<Tracked> all, String apiUrl) {
        out.println();
        out.println("Summary");
        boolean allOk = true;
        for (Tracked t : all) {
            String state = t.id == null ? "NOT SUBMITTED" : t.state();
            allOk &= "SUCCEEDED".equals(state);
            String duration = "";
            if (t.last != null) {
                Instant a = instant(t.last.path("startedAt"));
                Instant b = instant(t.last.path("finishedAt"));
                if (a == null) {
                    a = instant(t.last.path("createdAt"));
                }
                if (a != null && b != null) {
                    duration = String.format(Locale.ROOT, "%.1f s", Duration.between(a, b).toMillis() / 1000.0);
                }
            }
            out.printf(Locale.ROOT, "  %-12s %-10s %-9s %s%n", t.kind, state, duration, t.id == null ? "" : t.id);
            if (t.last != null) {
                String results = keyResults(t.last);
                if (!results.isEmpty()) {
                    out.println("               " + results);
                }
                if (!"SUCCEEDED".equals(state) && t.id != null) {
                    out.println("               reason: " + t.last.path("reason").asText("") + " "
                            + t.last.path("message").asText("") + " " + t.last.path("result").path("message").asText(""));
                    List<String> lines = api.lastLogLines(t.id, 15);
                    if (!lines.isEmpty()) {
                        out.println("               last log lines:");
                        lines.forEach(l -> out.println("                 " + l));
                    }
                }
            }
        }
        out.println();
        out.println("See them with: ./athanor list   |   ./athanor get <ID>   |   " + apiUrl + "/api/v1/jobs?team=default");
        out.println(allOk ? "Demo OK: all four jobs SUCCEEDED." : "Demo FAILED: not every job SUCCEEDED.");
        return allOk ? 0 : EmbeddedMain.EXIT_FAILED;
    }

    static String keyResults(JsonNode job) {
        List<String> parts = new ArrayList<>();
        JsonNode summary = job.path("result").path("summary");
        if (summary.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = summary.fields();
            while (it.hasNext() && parts.size() < 8) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isValueNode()) {
                    parts.add(e.getKey() + "=" + num(e.getValue()));
                }
            }
        }
        if (parts.isEmpty()) {
            String msg = job.path("result").path("message").asText("");
            if (!msg.isBlank()) {
                parts.add(msg);
            } else {
                String m = lastMetric(job);
                if (m != null) {
                    parts.add(m);
                }
            }
        }
        return String.join("  ", parts);
    }

    static Instant instant(JsonNode n) {
        try {
            return n.isTextual() ? Instant.parse(n.asText()) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
