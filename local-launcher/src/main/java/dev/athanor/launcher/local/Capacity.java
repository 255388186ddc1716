package dev.athanor.launcher.local;

import java.util.List;
import java.util.Map;

/**
 * What the local launcher can still run, for the scheduler.
 *
 * @param totalGpusByModel GPUs of this machine by model name (e.g. {@code "NVIDIA H200" -> 8})
 * @param freeGpusByModel  GPUs not held by any attempt, by model name
 * @param freeGpuIndexes   the free GPU indexes, ascending
 * @param totalGpus        all GPUs
 * @param freeGpus         GPUs not held by any attempt
 * @param cpuSlots         CPU-only worker slots in all
 * @param freeCpuSlots     CPU-only worker slots not in use
 */
public record Capacity(Map<String, Integer> totalGpusByModel, Map<String, Integer> freeGpusByModel,
                       List<Integer> freeGpuIndexes, int totalGpus, int freeGpus, int cpuSlots, int freeCpuSlots) {
    public Capacity {
        totalGpusByModel = Map.copyOf(totalGpusByModel);
        freeGpusByModel = Map.copyOf(freeGpusByModel);
        freeGpuIndexes = List.copyOf(freeGpuIndexes);
    }
}
