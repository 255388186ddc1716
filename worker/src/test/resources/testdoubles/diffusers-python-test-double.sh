#!/bin/sh
# TEST DOUBLE standing in for "python3 with diffusers and torch" (ATHANOR_PYTHON). It is NOT Stable Diffusion.
# - "-c <code>": the engine's import check; fails like a Python without diffusers when TEST_DOUBLE_NO_DIFFUSERS is set.
# - "<script> --config <job.json>": speaks the athanor_img2img.py line protocol, reading the items from the
#   job's .tsv twin (input<TAB>output<TAB>seed): TEST_DOUBLE_STEPS progress lines per image, then copies the input to
#   the output and prints an "image" event. TEST_DOUBLE_STEP_SECONDS slows each step down.
if [ "$1" = "-c" ]; then
  if [ -n "$TEST_DOUBLE_NO_DIFFUSERS" ]; then
    echo "ModuleNotFoundError: No module named 'diffusers'" >&2
    exit 1
  fi
  exit 0
fi
cfg="$3"
tsv="${cfg%.json}.tsv"
steps="${TEST_DOUBLE_STEPS:-4}"
tab="$(printf '\t')"
echo '{"event": "loaded", "model": "test-double", "device": "cpu"}'
echo "loading pipeline components (test double)" >&2
i=0
while IFS="$tab" read -r input output seed; do
  s=1
  while [ "$s" -le "$steps" ]; do
    [ -n "$TEST_DOUBLE_STEP_SECONDS" ] && sleep "$TEST_DOUBLE_STEP_SECONDS"
    echo "{\"event\": \"progress\", \"index\": $i, \"step\": $s, \"total\": $steps}"
    s=$((s + 1))
  done
  cp "$input" "$output"
  echo "{\"event\": \"image\", \"index\": $i, \"path\": \"$output\", \"seed\": $seed}"
  i=$((i + 1))
done < "$tsv"
echo "{\"event\": \"done\", \"count\": $i}"
