#!/bin/sh
# TEST DOUBLE for llamafactory-cli (ATHANOR_LLAMAFACTORY_CLI). It trains nothing. "train CONFIG.yaml [k=v ...]":
# reads output_dir from the YAML (or an output_dir=... override), appends TEST_DOUBLE_STEPS lines to
# <output_dir>/trainer_log.jsonl in LLaMA-Factory's format (current_steps, total_steps, loss, lr, epoch, percentage,
# elapsed_time, remaining_time) plus one eval_loss line, then writes train_results.json and exits 0.
# TEST_DOUBLE_FAIL=1 exits 1 like a CUDA OOM; TEST_DOUBLE_STEP_SECONDS slows each step down.
# It records its arguments and CUDA_VISIBLE_DEVICES in <output_dir>/test-double-invocation.txt.
if [ "$1" != "train" ]; then
  echo "usage: llamafactory-cli train CONFIG.yaml [key=value ...]" >&2
  exit 2
fi
yaml="$2"
shift 2
out="$(sed -n 's/^output_dir: *//p' "$yaml" | tr -d "\"'")"
for kv in "$@"; do
  case "$kv" in output_dir=*) out="${kv#output_dir=}" ;; esac
done
mkdir -p "$out"
rm -f "$out/trainer_log.jsonl"
echo "args: $yaml $*" > "$out/test-double-invocation.txt"
echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}" >> "$out/test-double-invocation.txt"
echo "[INFO|trainer.py] ***** Running training *****"
if [ -n "$TEST_DOUBLE_FAIL" ]; then
  echo "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB" >&2
  exit 1
fi
total="${TEST_DOUBLE_STEPS:-6}"
s=1
while [ "$s" -le "$total" ]; do
  [ -n "$TEST_DOUBLE_STEP_SECONDS" ] && sleep "$TEST_DOUBLE_STEP_SECONDS"
  loss="$(awk "BEGIN { printf \"%.4f\", 2.5 / $s }")"
  epoch="$(awk "BEGIN { printf \"%.2f\", 3 * $s / $total }")"
  pct="$(awk "BEGIN { printf \"%.2f\", 100 * $s / $total }")"
  echo "{\"current_steps\": $s, \"total_steps\": $total, \"loss\": $loss, \"lr\": 0.0001, \"epoch\": $epoch, \"percentage\": $pct, \"elapsed_time\": \"0:00:0$s\", \"remaining_time\": \"0:00:0$((total - s))\"}" >> "$out/trainer_log.jsonl"
  echo "{'loss': $loss, 'learning_rate': 0.0001, 'epoch': $epoch}"
  s=$((s + 1))
done
echo "{\"current_steps\": $total, \"total_steps\": $total, \"eval_loss\": 0.42, \"epoch\": 3.0, \"percentage\": 100.0, \"elapsed_time\": \"0:00:0$total\", \"remaining_time\": \"0:00:00\"}" >> "$out/trainer_log.jsonl"
echo '{"epoch": 3.0, "total_flos": 12345.0, "train_loss": 0.91, "train_runtime": 1.5, "train_samples_per_second": 8.0, "train_steps_per_second": 4.0}' > "$out/train_results.json"
echo '{}' > "$out/adapter_config.json"
