// Submit: a form per job kind with the seed's defaults, or pasted YAML / JSON. The API's field errors show inline.
import { api, esc, toast } from './util.js';
import { whoami, stale, viewGen } from './app.js';

const VLM_PROMPT = '你是一个图片分析专家，根据图片描述发生的行为。';
// [field, label, default, type]
const KINDS = {
  AUGMENTATION: [['engine', 'Engine', 'diffusers', ['diffusers', 'classical']], ['inputDir', 'Input directory', '/data/runners'],
    ['outputDir', 'Output directory', '/data/runners-sd35'], ['model', 'Model', 'stabilityai/stable-diffusion-3.5-large'],
    ['prompt', 'Prompt', 'a man is running, 4k', 'wide'], ['negativePrompt', 'Negative prompt', 'blur face, float object, extra limb', 'wide'],
    ['strength', 'Strength', 0.55, 'number'], ['guidanceScale', 'Guidance scale', 22, 'number'],
    ['numInferenceSteps', 'Inference steps', 40, 'number'], ['outputsPerImage', 'Outputs per image', 2, 'number'],
    ['seed', 'Seed', 7, 'number'], ['operations', 'Operations (classical engine, comma-separated)', '', 'list']],
  LABELING: [['inputDir', 'Input directory', '/data/runners-sd35'], ['outputFile', 'Output file (JSONL)', '/data/runners-labels.jsonl'],
    ['endpoint', 'Endpoint (OpenAI-compatible)', 'http://vllm.vision.svc:8000/v1'], ['model', 'Served model', 'OpenGVLab/InternVL3-78B'],
    ['systemPrompt', 'System prompt', VLM_PROMPT, 'wide'], ['maxTokens', 'Max tokens', 256, 'number'],
    ['temperature', 'Temperature', 0, 'number'], ['concurrency', 'Concurrency', 16, 'number'], ['apiKeySecret', 'API key secret', '']],
  FINE_TUNE: [['engine', 'Engine', 'llamafactory', ['llamafactory', 'builtin']], ['baseModel', 'Base model', 'Qwen/Qwen2.5-VL-7B-Instruct'],
    ['dataset', 'Dataset', 'mllm_demo'], ['datasetDir', 'Dataset directory', '/data/llamafactory'], ['template', 'Template', 'qwen2_vl'],
    ['finetuningType', 'Fine-tuning type', 'lora', ['lora', 'full', 'freeze']], ['loraRank', 'LoRA rank', 8, 'number'],
    ['learningRate', 'Learning rate', 1e-4, 'number'], ['numTrainEpochs', 'Epochs', 3, 'number'],
    ['perDeviceTrainBatchSize', 'Batch size per device', 1, 'number'], ['gradientAccumulationSteps', 'Gradient accumulation', 8, 'number'],
    ['outputDir', 'Output directory', '/models/qwen2_vl-7b/lora/sft']],
  EVALUATION: [['engine', 'Engine', 'coco', ['coco', 'classification']], ['groundTruthFile', 'Ground truth', '/data/coco/instances_val.json'],
    ['predictionsFile', 'Predictions', '/runs/yolo11/predictions.json'], ['outputDir', 'Output directory', '/runs/yolo11/eval']],
};
const GPU_DEFAULT = { AUGMENTATION: 1, LABELING: 0, FINE_TUNE: 4, EVALUATION: 0 };

function field(path, label, value, type) {
  const id = `f-${path.replace(/\./g, '-')}`;
  const wide = type === 'wide' ? ' wide' : '';
  let input;
  if (Array.isArray(type)) {
    input = `<select id="${id}" name="${esc(path)}" aria-describedby="${id}-err">${type.map((o) => `<option ${o === value ? 'selected' : ''}>${esc(o)}</option>`).join('')}</select>`;
  } else {
    const t = type === 'number' ? 'number" step="any' : 'text';
    input = `<input id="${id}" name="${esc(path)}" type="${t}" data-type="${esc(type || 'text')}" value="${esc(Array.isArray(value) ? value.join(', ') : value)}" aria-describedby="${id}-err">`;
  }
  return `<label class="${wide.trim()}" for="${id}">${esc(label)}${input}<span class="error" id="${id}-err" data-error-for="${esc(path)}"></span></label>`;
}

export async function submitView(main, params) {
  const gen = viewGen();
  const me = whoami();
  const teams = Object.entries(me.teams || {}).filter(([, r]) => r !== 'VIEWER').map(([t]) => t);
  let from = null;
  if (params.get('from')) from = await api(`/api/v1/jobs/${encodeURIComponent(params.get('from'))}`);
  let kind = (from && from.kind) || params.get('kind') || 'AUGMENTATION';
  if (stale(gen)) return;
  const draw = () => {
    const spec = from && from.kind === kind ? from.spec : {};
    const res = (from && from.resources) || {};
    main.innerHTML = `<h1>Submit a job</h1>
      <div role="tablist" class="actions" aria-label="Job kind">${Object.keys(KINDS).map((k) => `<button type="button" role="tab" aria-selected="${k === kind}" data-kind="${k}" class="${k === kind ? 'primary' : ''}">${k}</button>`).join('')}
        <button type="button" role="tab" aria-selected="${kind === 'YAML'}" data-kind="YAML" class="${kind === 'YAML' ? 'primary' : ''}">Paste YAML</button></div>
      <p class="error" id="form-error" role="alert"></p>
      <form id="submit-form" novalidate>${kind === 'YAML' ? `<label for="yaml">Job as YAML or JSON (the API's submission body)</label>
        <textarea id="yaml" name="yaml" rows="20" spellcheck="false">${esc(`name: my-job\nteam: ${teams[0] || 'vision'}\nkind: EVALUATION\nspec:\n  engine: coco\n  groundTruthFile: /data/coco/instances_val.json\n  predictionsFile: /runs/yolo11/predictions.json\n  outputDir: /runs/yolo11/eval\n`)}</textarea>` : `
        <div class="form">
          ${field('name', 'Name', from ? `${from.name}-copy`.slice(0, 63) : `${kind.toLowerCase().replace('_', '-')}-${Date.now().toString(36)}`)}
          <label for="f-team">Team<select id="f-team" name="team" aria-describedby="f-team-err">${(teams.length ? teams : [me.subject]).map((t) => `<option ${from && from.team === t ? 'selected' : ''}>${esc(t)}</option>`).join('')}</select><span class="error" id="f-team-err" data-error-for="team"></span></label>
          ${field('priority', 'Priority', (from && from.priority) || 'NORMAL', ['LOW', 'NORMAL', 'HIGH'])}
          ${field('resources.gpusPerWorker', 'GPUs per worker', res.gpusPerWorker ?? GPU_DEFAULT[kind], 'number')}
          ${field('resources.workers', 'Workers', res.workers ?? 1, 'number')}
          ${field('resources.gpuType', 'GPU flavor', res.gpuType ?? '')}
          ${field('resources.cpu', 'CPU cores', res.cpu ?? 2, 'number')}
          ${field('resources.memory', 'Memory', res.memory ?? '8Gi')}
        </div><h2>${esc(kind)}</h2><div class="form">
          ${KINDS[kind].map(([f, label, def, type]) => field(`spec.${f}`, label, spec[f] ?? def, type)).join('')}
        </div>`}
        <div class="actions"><button class="primary" type="submit">Submit</button></div>
      </form>`;
    main.querySelectorAll('[role=tab]').forEach((b) => b.addEventListener('click', () => { kind = b.dataset.kind; draw(); }));
    const form = document.getElementById('submit-form');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      form.querySelectorAll('[data-error-for]').forEach((e) => { e.textContent = ''; });
      document.getElementById('form-error').textContent = '';
      let body;
      try {
        body = kind === 'YAML' ? parseYamlOrJson(form.yaml.value) : collect(form, kind);
      } catch (e) {
        document.getElementById('form-error').textContent = e.message;
        return;
      }
      try {
        const job = await api('/api/v1/jobs', { method: 'POST', body });
        toast(`Submitted ${job.name}`);
        location.hash = `#/jobs/${job.id}`;
      } catch (e) {
        const errs = (e.problem && e.problem.errors) || [];
        const unplaced = [];
        for (const fe of errs) {
          const el = form.querySelector(`[data-error-for="${CSS.escape(fe.field)}"]`);
          if (el) { el.textContent = fe.message; } else unplaced.push(`${fe.field}: ${fe.message}`);
        }
        document.getElementById('form-error').textContent = unplaced.length || !errs.length ? (unplaced.join('; ') || e.message) : 'Fix the fields marked below.';
        const first = form.querySelector('[data-error-for]:not(:empty)');
        if (first) first.previousElementSibling.focus();
      }
    });
  };
  draw();
}

function collect(form, kind) {
  const body = { kind, resources: {}, spec: {} };
  for (const el of form.querySelectorAll('input[name], select[name]')) {
    const v = el.value.trim();
    if (v === '') continue;
    const t = el.dataset.type;
    const value = t === 'number' ? Number(v) : t === 'list' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    const [a, b] = el.name.split('.');
    if (b) body[a][b] = value; else body[a] = value;
  }
  if (body.spec.engine === 'diffusers' || kind !== 'AUGMENTATION') delete body.spec.operations;
  return body;
}

/** JSON, or the block-style YAML a job needs: nested mappings, "- " lists, scalars, # comments. */
export function parseYamlOrJson(text) {
  const t = text.trim();
  if (t.startsWith('{')) return JSON.parse(t);
  const lines = text.split('\n').map((l) => l.replace(/\s+#.*$/, '')).filter((l) => l.trim() && !l.trim().startsWith('#'));
  let i = 0;
  const indentOf = (l) => l.length - l.trimStart().length;
  const scalar = (s) => {
    s = s.trim();
    if (/^".*"$/.test(s)) return JSON.parse(s);
    if (/^'.*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    if (s === 'true' || s === 'false') return s === 'true';
    if (s === 'null' || s === '~') return null;
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    if (/^\[.*\]$/.test(s)) return s.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean).map(scalar);
    if (s === '{}') return {};
    return s;
  };
  const block = (indent) => {
    if (lines[i].trimStart().startsWith('- ')) {
      const arr = [];
      while (i < lines.length && indentOf(lines[i]) === indent && lines[i].trimStart().startsWith('- ')) {
        arr.push(scalar(lines[i].trimStart().slice(2)));
        i++;
      }
      return arr;
    }
    const obj = {};
    while (i < lines.length && indentOf(lines[i]) === indent) {
      const m = /^([^:]+):(.*)$/.exec(lines[i].trim());
      if (!m) throw new Error(`YAML line ${i + 1}: expected "key: value"`);
      i++;
      if (m[2].trim() === '') obj[m[1].trim()] = i < lines.length && indentOf(lines[i]) > indent ? block(indentOf(lines[i])) : null;
      else obj[m[1].trim()] = scalar(m[2]);
    }
    return obj;
  };
  const out = block(0);
  if (i < lines.length) throw new Error(`YAML line ${i + 1}: unexpected indentation`);
  return out;
}
