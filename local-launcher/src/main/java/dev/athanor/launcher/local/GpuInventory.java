package dev.athanor.launcher.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPUs of this machine, as {@code nvidia-smi --query-gpu=index,uuid,name,memory.total
 * --format=csv,noheader,nounits} reports them. An inventory without GPUs is normal (a laptop, a CPU server).
 *
 * @param gpus    the GPUs, ordered by index
 * @param problem why discovery found nothing although it was asked to look (nvidia-smi failed), else {@code null}
 */
public record GpuInventory(List<Gpu> gpus, String problem) {

    private static final System.Logger LOG = System.getLogger(GpuInventory.class.getName());

    /** The arguments given to nvidia-smi. */
    public static final List<String> QUERY_ARGS =
            List.of("--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits");

    public GpuInventory {
        gpus = gpus == null ? List.of() : gpus.stream().sorted((a, b) -> Integer.compare(a.index(), b.index())).toList();
    }

    /**
     * One GPU. {@code index} is nvidia-smi's index, which is also the CUDA index when {@code
     * CUDA_DEVICE_ORDER=PCI_BUS_ID} (the launcher sets it).
     */
    public record Gpu(int index, String uuid, String name, long memoryMiB) {

        /**
         * Whether this GPU satisfies a requested GPU type (a flavor such as {@code h200-141gb}, {@code a100-80gb} or
         * {@code rtx-4090}); {@code null} matches every GPU. Every non-memory token of the flavor must be a token of
         * the model name, and a memory token ({@code 80gb}) must be within 10% of the GPU's memory.
         */
        public boolean matches(String gpuType) {
            if (gpuType == null || gpuType.isBlank()) {
                return true;
            }
            Set<String> modelTokens = new HashSet<>(Arrays.asList(tokens(name)));
            for (String t : tokens(gpuType)) {
                Matcher m = MEMORY_TOKEN.matcher(t);
                if (m.matches() && !modelTokens.contains(t)) {
                    double wantGiB = Double.parseDouble(m.group(1));
                    double haveGiB = memoryMiB / 1024.0;
                    if (Math.abs(haveGiB - wantGiB) > wantGiB * 0.10) {
                        return false;
                    }
                } else if (!modelTokens.contains(t)) {
                    return false;
                }
            }
            return true;
        }

        private static final Pattern MEMORY_TOKEN = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)gb");

        private static String[] tokens(String s) {
            return Arrays.stream(s.toLowerCase(Locale.ROOT).split("[^a-z0-9.]+"))
                    .filter(t -> !t.isEmpty()).toArray(String[]::new);
        }
    }

    public static GpuInventory none() {
        return new GpuInventory(List.of(), null);
    }

    public static GpuInventory of(List<Gpu> gpus) {
        return new GpuInventory(gpus, null);
    }

    public int count() {
        return gpus.size();
    }

    public Optional<Gpu> byIndex(int index) {
        return gpus.stream().filter(g -> g.index() == index).findFirst();
    }

    /**
     * Parses the CSV that nvidia-smi prints with {@code --format=csv,noheader,nounits}: one line per GPU,
     * {@code index, uuid, name, memory.total}. A model name that itself holds commas is kept whole; a memory value of
     * {@code [N/A]} becomes 0. Blank lines are skipped; a line that cannot be read is an {@link IllegalArgumentException}.
     */
    public static List<Gpu> parse(String csv) {
        List<Gpu> out = new ArrayList<>();
        for (String raw : csv.split("\\R")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(",");
            if (parts.length < 4) {
                throw new IllegalArgumentException("unexpected nvidia-smi line: " + line);
            }
            try {
                int index = Integer.parseInt(parts[0].strip());
                String uuid = parts[1].strip();
                String name = String.join(",", Arrays.asList(parts).subList(2, parts.length - 1)).strip();
                String mem = parts[parts.length - 1].strip();
                long memory = mem.matches("[0-9]+") ? Long.parseLong(mem) : 0L;
                out.add(new Gpu(index, uuid, name, memory));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unexpected nvidia-smi line: " + line, e);
            }
        }
        return out;
    }

    /**
     * Runs nvidia-smi when it exists. {@code nvidiaSmi} is a path or a name looked up on PATH; {@code null} means
     * "do not look". Never throws: a missing tool means no GPUs, a failing one means no GPUs plus a {@link #problem()}.
     */
    public static GpuInventory discover(String nvidiaSmi, Duration timeout) {
        if (nvidiaSmi == null || nvidiaSmi.isBlank()) {
            return none();
        }
        Optional<Path> exe = ProcessTools.findExecutable(nvidiaSmi);
        if (exe.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "no {0} on PATH: no GPUs, CPU slots only", nvidiaSmi);
            return none();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.get().toString());
        cmd.addAll(QUERY_ARGS);
        try {
            Path outFile = Files.createTempFile("athanor-nvidia-smi", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(outFile.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return failed("nvidia-smi did not answer within " + timeout);
                }
                String out = Files.readString(outFile, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    String msg = out.strip();
                    if (msg.length() > 500) {
                        msg = msg.substring(0, 500);
                    }
                    return failed("nvidia-smi exited with code " + p.exitValue() + (msg.isEmpty() ? "" : ": " + msg));
                }
                List<Gpu> gpus = parse(out);
                LOG.log(System.Logger.Level.INFO, "found {0} GPU(s): {1}", gpus.size(), gpus);
                return of(gpus);
            } finally {
                Files.deleteIfExists(outFile);
            }
        } catch (IOException | IllegalArgumentException e) {
            return failed("nvidia-smi could not be read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted while running nvidia-smi");
        }
    }

    private static GpuInventory failed(String problem) {
        LOG.log(System.Logger.Level.WARNING, "{0}; continuing without GPUs", problem);
        return new GpuInventory(List.of(), problem);
    }
}
