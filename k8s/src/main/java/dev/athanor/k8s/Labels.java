package dev.athanor.k8s;

import dev.athanor.common.launch.AttemptKey;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Label and annotation keys on Athanor's pods and services, and how to read an attempt back from them. */
public final class Labels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String WORKER_APP = "athanor-worker";
    public static final String ATHANOR = "athanor";

    public static final String TEAM = "athanor.dev/team";
    public static final String JOB = "athanor.dev/job";
    public static final String ATTEMPT = "athanor.dev/attempt";
    public static final String KIND = "athanor.dev/kind";
    public static final String WORKER = "athanor.dev/worker";

    /** Annotation: number of workers in the attempt (a gang is complete only with all of them). */
    public static final String WORKERS_ANNOTATION = "athanor.dev/workers";
    /** Annotation: the job's name (labels cannot hold arbitrary text). */
    public static final String JOB_NAME_ANNOTATION = "athanor.dev/job-name";

    private Labels() {
    }

    /** Labels that select every Athanor worker pod (the informer's selector). */
    public static Map<String, String> managed() {
        return Map.of(NAME, WORKER_APP, MANAGED_BY, ATHANOR);
    }

    /** Labels that select one attempt's pods (and its headless service's endpoints). */
    public static Map<String, String> attempt(AttemptKey key) {
        return Map.of(NAME, WORKER_APP, MANAGED_BY, ATHANOR, JOB, key.jobId().toString(),
                ATTEMPT, Integer.toString(key.attempt()));
    }

    /** The attempt a pod or service belongs to, or null when its labels do not name one. */
    public static AttemptKey attemptOf(HasMetadata o) {
        if (o == null || o.getMetadata() == null || o.getMetadata().getLabels() == null) {
            return null;
        }
        Map<String, String> l = o.getMetadata().getLabels();
        if (!ATHANOR.equals(l.get(MANAGED_BY))) {
            return null;
        }
        try {
            return new AttemptKey(UUID.fromString(l.get(JOB)), Integer.parseInt(l.get(ATTEMPT)));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The worker index of a pod, or -1. */
    public static int workerOf(HasMetadata o) {
        try {
            return Integer.parseInt(o.getMetadata().getLabels().get(WORKER));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The expected number of workers recorded on a pod, or -1. */
    public static int workersOf(HasMetadata o) {
        try {
            return Integer.parseInt(o.getMetadata().getAnnotations().get(WORKERS_ANNOTATION));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * A label value from free text: at most 63 characters of {@code [A-Za-z0-9._-]}, starting and ending with an
     * alphanumeric character; empty when nothing is left.
     */
    public static String value(String s) {
        if (s == null) {
            return "";
        }
        String v = s.replaceAll("[^A-Za-z0-9._-]", "-");
        if (v.length() > 63) {
            v = v.substring(0, 63);
        }
        v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
        return v;
    }

    /** {@code FINE_TUNE} → {@code fine-tune}. */
    public static String kind(Enum<?> kind) {
        return kind == null ? "" : kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
