package dev.athanor.controlplane.api;

/** One example submission per job kind, shown in the OpenAPI document. */
final class Examples {
    private Examples() {
    }

    static final String AUGMENTATION = """
            {"name": "augment-runners", "team": "vision", "kind": "AUGMENTATION", "priority": "NORMAL",
             "idempotencyKey": "augment-runners-v1",
             "resources": {"gpusPerWorker": 1, "workers": 1, "gpuType": "h200-141gb", "cpu": 8, "memory": "48Gi"},
             "spec": {"engine": "diffusers", "inputDir": "/data/runners", "outputDir": "/data/runners-sd35",
                      "model": "stabilityai/stable-diffusion-3.5-large", "prompt": "a man is running, 4k",
                      "negativePrompt": "blur face, float object, extra limb", "strength": 0.55,
                      "guidanceScale": 22, "numInferenceSteps": 40, "outputsPerImage": 2, "seed": 7}}""";

    static final String LABELING = """
            {"name": "label-runners", "team": "vision", "kind": "LABELING",
             "resources": {"gpusPerWorker": 0, "workers": 1, "cpu": 2, "memory": "4Gi"},
             "spec": {"inputDir": "/data/runners-sd35", "outputFile": "/data/runners-labels.jsonl",
                      "endpoint": "http://vllm.vision.svc:8000/v1", "model": "OpenGVLab/InternVL3-78B",
                      "systemPrompt": "你是一个图片分析专家，根据图片描述发生的行为。", "maxTokens": 256, "temperature": 0,
                      "concurrency": 16, "apiKeySecret": "vllm-api-key"}}""";

    static final String FINE_TUNE = """
            {"name": "qwen2vl-lora", "team": "vision", "kind": "FINE_TUNE", "priority": "HIGH",
             "resources": {"gpusPerWorker": 4, "workers": 1, "gpuType": "a100-80gb", "cpu": 32, "memory": "256Gi"},
             "maxRuntimeSeconds": 172800,
             "spec": {"engine": "llamafactory", "baseModel": "Qwen/Qwen2.5-VL-7B-Instruct", "dataset": "mllm_demo",
                      "datasetDir": "/data/llamafactory", "template": "qwen2_vl", "finetuningType": "lora",
                      "loraRank": 8, "learningRate": 1.0e-4, "numTrainEpochs": 3, "perDeviceTrainBatchSize": 1,
                      "gradientAccumulationSteps": 8, "outputDir": "/models/qwen2_vl-7b/lora/sft"}}""";

    static final String EVALUATION = """
            {"name": "eval-yolo11", "team": "vision", "kind": "EVALUATION",
             "spec": {"engine": "coco", "groundTruthFile": "/data/coco/instances_val.json",
                      "predictionsFile": "/runs/yolo11/predictions.json", "outputDir": "/runs/yolo11/eval"}}""";
}
