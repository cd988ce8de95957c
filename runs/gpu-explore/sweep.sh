#!/bin/bash
# Exploratory GPU runs of the authors' recipe (not the book's stored results).
export GANBOOK_DATA=$PWD/gpu-data OMP_NUM_THREADS=2
SEEDS=${SEEDS:-"0 1 2 3 4 5 6 7"}; EPOCHS=${EPOCHS:-250}; BUDGET=${BUDGET:-480}
nvidia-smi --query-gpu=name,memory.used --format=csv,noheader
python3 -c "import torch; print(torch.__version__, torch.cuda.is_available())"
for s in $SEEDS; do
  python3 -m ganbook train mnist --paper-recipe --seed $s --out gpu-runs/paper-seed$s \
    --epochs $EPOCHS --device cuda --parzen-every 2 --quiet > gpu-runs-seed$s.log 2>&1 &
done
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt $BUDGET ] && [ -n "$(jobs -r)" ]; do
  sleep 20
  for s in $SEEDS; do tail -c 300 gpu-runs/paper-seed$s/metrics.csv 2>/dev/null | tail -1 | cut -d, -f1-3 | tr '\n' ' '; done; echo
done
kill $(jobs -p) 2>/dev/null; wait
for s in $SEEDS; do python3 -m ganbook parzen gpu-runs/paper-seed$s > gpu-runs/paper-seed$s/parzen.log 2>&1 & done; wait
for s in $SEEDS; do echo "seed $s: $(tail -2 gpu-runs/paper-seed$s/parzen.log | tr '\n' ' ')"; tail -3 gpu-runs-seed$s.log; done
tar czf $OUT/gpu-runs.tar.gz gpu-runs/*/metrics.csv gpu-runs/*/config.json gpu-runs/*/parzen.json gpu-runs/*/best-G.json gpu-runs/*/parzen.log gpu-runs-seed*.log $(ls gpu-runs/*/samples/*.png | awk 'NR%10==0')
ls -la $OUT
