package dev.athanor.common.job;

import com.fasterxml.jackson.annotation.JsonIgnore;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

import java.util.Locale;

/**
 * What one job asks for: {@code workers} identical workers, each with {@code gpusPerWorker} GPUs of an optional
 * {@code gpuType} (a flavor name such as {@code h200-141gb}), {@code cpu} cores and {@code memory} (Kubernetes
 * quantity syntax, e.g. {@code 32Gi}).
 */
public record Resources(
        @Min(value = 0, message = "must be between 0 and 64") @Max(value = 64, message = "must be between 0 and 64")
        int gpusPerWorker,
        @Min(value = 1, message = "must be between 1 and 256") @Max(value = 256, message = "must be between 1 and 256")
        int workers,
        @Pattern(regexp = "[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?", message = "must be a lowercase flavor name such as h200-141gb")
        String gpuType,
        @DecimalMin(value = "0.1", message = "must be at least 0.1 cores") @DecimalMax(value = "512", message = "must be at most 512 cores")
        double cpu,
        @Pattern(regexp = "[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?", message = "must be a quantity such as 512Mi or 32Gi")
        String memory) {

    public static final Resources DEFAULT = new Resources(0, 1, null, 1.0, "2Gi");

    public Resources {
        if (workers == 0) {
            workers = 1;
        }
        if (cpu == 0) {
            cpu = 1.0;
        }
        if (memory == null || memory.isBlank()) {
            memory = "2Gi";
        }
        if (gpuType != null && gpuType.isBlank()) {
            gpuType = null;
        }
    }

    @JsonIgnore
    public int totalGpus() {
        return gpusPerWorker * workers;
    }

    /** Memory per worker in bytes. */
    @JsonIgnore
    public long memoryBytes() {
        return parseQuantity(memory);
    }

    static long parseQuantity(String q) {
        String s = q.trim();
        String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                double v = Double.parseDouble(s.substring(0, s.length() - u[0].length()));
                return (long) (v * Long.parseLong(u[1]));
            }
        }
        return (long) Double.parseDouble(s.toUpperCase(Locale.ROOT));
    }
}
