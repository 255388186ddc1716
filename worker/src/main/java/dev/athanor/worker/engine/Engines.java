package dev.athanor.worker.engine;

import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.LabelingSpec;
import dev.athanor.worker.augment.ClassicalAugmentationEngine;
import dev.athanor.worker.augment.DiffusersAugmentationEngine;
import dev.athanor.worker.eval.ClassificationEvalEngine;
import dev.athanor.worker.eval.CocoEvalEngine;
import dev.athanor.worker.finetune.BuiltinFineTuneEngine;
import dev.athanor.worker.finetune.LlamaFactoryEngine;
import dev.athanor.worker.label.LabelingEngine;

/** Picks the engine for a spec from its kind and {@code engine} field. */
public final class Engines {
    private Engines() {
    }

    /** @throws JobRejectedException for an engine this worker does not have */
    public static Engine create(JobSpec spec) {
        if (spec instanceof AugmentationSpec a) {
            return switch (a.engine()) {
                case "classical" -> new ClassicalAugmentationEngine();
                case "diffusers" -> new DiffusersAugmentationEngine();
                default -> throw unknown("augmentation", a.engine(), "classical, diffusers");
            };
        }
        if (spec instanceof LabelingSpec) {
            return new LabelingEngine();
        }
        if (spec instanceof FineTuneSpec f) {
            return switch (f.engine()) {
                case "builtin" -> new BuiltinFineTuneEngine();
                case "llamafactory" -> new LlamaFactoryEngine();
                default -> throw unknown("fine-tune", f.engine(), "builtin, llamafactory");
            };
        }
        if (spec instanceof EvaluationSpec e) {
            return switch (e.engine()) {
                case "classification" -> new ClassificationEvalEngine();
                case "coco" -> new CocoEvalEngine();
                default -> throw unknown("evaluation", e.engine(), "classification, coco");
            };
        }
        throw new JobRejectedException("no engine for " + spec.kind());
    }

    private static JobRejectedException unknown(String what, String engine, String known) {
        return new JobRejectedException("unknown " + what + " engine '" + engine + "'; this worker has " + known);
    }
}
