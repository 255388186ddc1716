package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.athanor.common.spec.FineTuneSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The LLaMA-Factory training YAML for a {@link FineTuneSpec}, following {@code examples/train_lora/*_lora_sft.yaml}
 * (stage sft, do_train, finetuning_type, lora_rank, lora_target all, dataset, template, output_dir, batch size,
 * accumulation, learning rate, epochs, logging_steps, report_to none, overwrite_output_dir, ...). Spec overrides are
 * passed as trailing {@code key=value} arguments, which LLaMA-Factory applies over the YAML.
 */
public final class LlamaFactoryConfig {
    private LlamaFactoryConfig() {
    }

    public static Map<String, Object> yaml(FineTuneSpec spec, Path outputDir, Path datasetDir) {
        Map<String, Object> y = new LinkedHashMap<>();
        y.put("model_name_or_path", spec.baseModel());
        // running a model's own Python code is an explicit per-job opt-in (spec.trustRemoteCode), never a default
        y.put("trust_remote_code", spec.trustRemoteCode());
        y.put("stage", "sft");
        y.put("do_train", true);
        y.put("finetuning_type", spec.finetuningType());
        if ("lora".equals(spec.finetuningType())) {
            y.put("lora_rank", spec.loraRank());
            y.put("lora_target", "all");
        }
        y.put("dataset", spec.dataset());
        if (datasetDir != null) {
            y.put("dataset_dir", datasetDir.toString());
        }
        y.put("template", spec.template());
        y.put("cutoff_len", 2048);
        y.put("overwrite_cache", true);
        y.put("output_dir", outputDir.toString());
        y.put("logging_steps", 1);
        y.put("save_steps", 500);
        y.put("plot_loss", true);
        y.put("overwrite_output_dir", true);
        y.put("report_to", "none");
        y.put("per_device_train_batch_size", spec.perDeviceTrainBatchSize());
        y.put("gradient_accumulation_steps", spec.gradientAccumulationSteps());
        y.put("learning_rate", spec.learningRate());
        y.put("num_train_epochs", spec.numTrainEpochs());
        y.put("lr_scheduler_type", "cosine");
        y.put("warmup_ratio", 0.1);
        y.put("bf16", true);
        y.put("ddp_timeout", 180000000);
        return y;
    }

    public static String toYaml(Map<String, Object> yaml) throws IOException {
        ObjectMapper m = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
        return m.writeValueAsString(yaml);
    }

    /** Overrides as sorted {@code key=value} arguments. */
    public static List<String> overrideArgs(Map<String, String> overrides) {
        if (overrides.keySet().stream().anyMatch(k -> k.trim().equalsIgnoreCase("trust_remote_code"))) {
            throw new dev.athanor.worker.engine.JobRejectedException(
                    "spec.overrides.trust_remote_code is not allowed: set spec.trustRemoteCode to opt in");
        }
        List<String> args = new ArrayList<>();
        new TreeMap<>(overrides).forEach((k, v) -> args.add(k + "=" + v));
        return args;
    }
}
