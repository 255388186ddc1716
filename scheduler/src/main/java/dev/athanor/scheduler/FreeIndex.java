package dev.athanor.scheduler;

import java.util.BitSet;

/**
 * Nodes of one flavor bucketed by how many GPUs they can still give (free minus held), so best-fit is a walk up the
 * buckets from the request size: O(max GPUs per node) per worker instead of a scan of all nodes.
 */
final class FreeIndex {
    private final BitSet[] buckets;
    private final int[] avail;
    private final int offset;
    long total;
    private int top;

    FreeIndex(int[] avail, int from, int to, int maxGpus) {
        this.avail = avail;
        this.offset = from;
        this.buckets = new BitSet[maxGpus + 1];
        for (int k = 0; k <= maxGpus; k++) {
            buckets[k] = new BitSet(to - from);
        }
        for (int n = from; n < to; n++) {
            buckets[avail[n]].set(n - from);
            total += avail[n];
            top = Math.max(top, avail[n]);
        }
    }

    int maxAvail() {
        while (top > 0 && buckets[top].isEmpty()) {
            top--;
        }
        return top;
    }

    /** Change a node's available GPUs (the caller already knows the old value is avail[n]). */
    void set(int n, int newAvail) {
        int old = avail[n];
        if (old == newAvail) {
            return;
        }
        buckets[old].clear(n - offset);
        buckets[newAvail].set(n - offset);
        avail[n] = newAvail;
        total += newAvail - old;
        if (newAvail > top) {
            top = newAvail;
        }
    }

    /** Best fit: the lowest-index node with the fewest available GPUs >= g that also has the CPU and memory. */
    int bestFit(int g, double cpu, long mem, double[] freeCpu, long[] freeMem) {
        int max = maxAvail();
        for (int k = g; k <= max; k++) {
            BitSet b = buckets[k];
            for (int i = b.nextSetBit(0); i >= 0; i = b.nextSetBit(i + 1)) {
                int n = i + offset;
                if (freeCpu[n] >= cpu && freeMem[n] >= mem) {
                    return n;
                }
            }
        }
        return -1;
    }
}
