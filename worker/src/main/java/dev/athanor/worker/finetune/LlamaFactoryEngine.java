package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.process.ChildProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code FINE_TUNE engine=llamafactory}: writes {@code job.yaml} in the work directory from the spec
 * ({@link LlamaFactoryConfig}) and runs {@code llamafactory-cli train job.yaml key=value...} with the worker's
 * CUDA_VISIBLE_DEVICES, following {@code <output_dir>/trainer_log.jsonl} for progress and metrics. Done means exit code
 * 0 and {@code train_results.json} in the output directory. The CLI is found on PATH or named by
 * {@code ATHANOR_LLAMAFACTORY_CLI}.
 */
public final class LlamaFactoryEngine implements Engine {
    public static final String CLI_ENV = "ATHANOR_LLAMAFACTORY_CLI";
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "llamafactory";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException, InterruptedException {
        FineTuneSpec spec = ctx.spec(FineTuneSpec.class);
        if (spec.baseModel() == null || spec.baseModel().isBlank()) {
            throw new JobRejectedException("the llamafactory engine needs spec.baseModel (model_name_or_path, e.g. "
                    + "Qwen/Qwen2.5-VL-7B-Instruct)");
        }
        if (spec.template() == null || spec.template().isBlank()) {
            throw new JobRejectedException("the llamafactory engine needs spec.template (e.g. qwen2_vl)");
        }
        String cliName = ctx.env(CLI_ENV, "llamafactory-cli");
        Path cli = ChildProcess.findExecutable(cliName, ctx.env("PATH", System.getenv("PATH")));
        if (cli == null) {
            throw new EngineException(cliName + " was not found" + (cliName.contains("/") ? "" : " on PATH")
                    + ": install LLaMA-Factory in the worker image or set " + CLI_ENV
                    + "; use engine=builtin on machines without it");
        }
        Path outputDir = spec.overrides().containsKey("output_dir") ? ctx.resolve(spec.overrides().get("output_dir"))
                : ctx.resolve(spec.outputDir());
        Path datasetDir = spec.datasetDir() == null || spec.datasetDir().isBlank() ? null : ctx.resolve(spec.datasetDir());
        Files.createDirectories(outputDir);
        Path yamlFile = ctx.workDir().resolve("job.yaml");
        Files.writeString(yamlFile, LlamaFactoryConfig.toYaml(LlamaFactoryConfig.yaml(spec, outputDir, datasetDir)),
                StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(cli.toString(), "train", yamlFile.toString()));
        command.addAll(LlamaFactoryConfig.overrideArgs(spec.overrides()));
        Map<String, String> env = new HashMap<>(ctx.env());
        String visible = ctx.env().get(WorkerContract.CUDA_VISIBLE_DEVICES);
        if (visible != null) {
            env.put(WorkerContract.CUDA_VISIBLE_DEVICES, visible);
        }
        ctx.reporter().log("INFO running " + String.join(" ", command)
                + (visible != null ? " with CUDA_VISIBLE_DEVICES=" + visible : ""));

        TrainerLogTailer tailer = new TrainerLogTailer(outputDir.resolve("trainer_log.jsonl"), ctx.reporter());
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "athanor-trainer-log");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(tailer::poll, 250, 250, TimeUnit.MILLISECONDS);
        int code;
        try {
            code = ChildProcess.run(command, ctx.workDir(), env, ctx.cancellation(), ctx.reporter(), null);
        } finally {
            poller.shutdownNow();
            poller.awaitTermination(5, TimeUnit.SECONDS);
        }
        tailer.poll();
        Path results = outputDir.resolve("train_results.json");
        if (code != 0) {
            throw new EngineException("llamafactory-cli train exited with code " + code + " (see the job's stderr log)");
        }
        if (!Files.isRegularFile(results)) {
            throw new EngineException("llamafactory-cli train exited 0 but wrote no " + results);
        }
        try (Stream<Path> files = Files.list(outputDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                ctx.reporter().artifact(f, f.getFileName().toString(), kindOf(f));
            }
        }
        Map<String, Double> summary = new LinkedHashMap<>();
        JsonNode tr = JSON.readTree(results.toFile());
        tr.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                summary.put(e.getKey(), e.getValue().asDouble());
            }
        });
        Double evalLoss = tailer.latest().get("eval_loss");
        if (evalLoss != null && !summary.containsKey("eval_loss")) {
            summary.put("eval_loss", evalLoss);
        }
        return new EngineOutcome("llamafactory-cli train finished: " + outputDir
                + (summary.containsKey("train_loss") ? String.format(" (train_loss %.4f)", summary.get("train_loss")) : ""),
                summary);
    }

    private static String kindOf(Path f) {
        String n = f.getFileName().toString();
        if (n.endsWith(".safetensors") || n.endsWith(".bin")) {
            return "model";
        }
        if (n.endsWith("results.json") || n.equals("trainer_state.json")) {
            return "metrics";
        }
        if (n.endsWith(".jsonl")) {
            return "log";
        }
        return "file";
    }
}
