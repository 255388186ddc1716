package dev.athanor.common.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Confines the paths a job spec names (issue 8, defect 4). Pure logic, applied twice: at submission (a 400 naming the
 * field) and again in the worker before any file is touched.
 * <ul>
 *   <li>never: NUL or other control characters, a {@code ..} segment;</li>
 *   <li>relative paths are resolved inside the attempt's work directory;</li>
 *   <li>absolute paths must not be inside a protected root (the control plane's home: tokens, secrets, database,
 *       other attempts' work directories) unless inside one of its exceptions (its data folders);</li>
 *   <li>when roots are configured, an absolute path a job writes must be inside a write root, one it reads inside a
 *       read or write root. {@code {team}} in a root is replaced by the job's team (e.g. {@code /data/outputs/{team}}).</li>
 * </ul>
 *
 * @param readRoots  roots jobs may read from (empty: anywhere not protected)
 * @param writeRoots roots jobs may write to (empty: anywhere not protected)
 * @param protectedRoots roots no job may name
 * @param exceptions roots inside a protected root that jobs may still name
 */
public record PathPolicy(List<String> readRoots, List<String> writeRoots, List<String> protectedRoots,
                         List<String> exceptions) {

    /** One path a spec names, with the field it comes from and whether the job writes there. */
    public record SpecPath(String field, String value, boolean write) {
    }

    public static final PathPolicy NONE = new PathPolicy(List.of(), List.of(), List.of(), List.of());

    public PathPolicy {
        readRoots = readRoots == null ? List.of() : List.copyOf(readRoots);
        writeRoots = writeRoots == null ? List.of() : List.copyOf(writeRoots);
        protectedRoots = protectedRoots == null ? List.of() : List.copyOf(protectedRoots);
        exceptions = exceptions == null ? List.of() : List.copyOf(exceptions);
    }

    /**
     * Protects the control plane's home (admin token, secrets, database, logs, every attempt's work directory) except
     * its data folders {@code datasets}, {@code data}, {@code outputs}, {@code out} and {@code demo}.
     */
    public static PathPolicy protectingHome(String home, List<String> readRoots, List<String> writeRoots) {
        Path h = Path.of(home).toAbsolutePath().normalize();
        return new PathPolicy(readRoots, writeRoots, List.of(h.toString()),
                List.of("datasets", "data", "outputs", "out", "demo").stream().map(d -> h.resolve(d).toString()).toList());
    }

    /** Every problem with the paths of {@code spec}, as {@code spec.<field>} errors. */
    public List<FieldError> check(JobSpec spec, String team) {
        List<FieldError> errors = new ArrayList<>();
        for (SpecPath p : paths(spec)) {
            String why = problem(p.value(), p.write(), team);
            if (why != null) {
                errors.add(new FieldError("spec." + p.field(), why));
            }
        }
        return errors;
    }

    /** Why {@code value} may not be used, or null. */
    public String problem(String value, boolean write, String team) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return "must not contain NUL or other control characters";
            }
        }
        for (String seg : value.split("[/\\\\]")) {
            if (seg.equals("..")) {
                return "must not contain a '..' segment";
            }
        }
        Path p = Path.of(value);
        if (!p.isAbsolute()) {
            return null; // resolved inside the attempt's work directory
        }
        p = p.normalize();
        if (inside(p, protectedRoots, team) && !inside(p, exceptions, team)) {
            return "is inside the control plane's own files; use a datasets or outputs root";
        }
        List<String> allowed = new ArrayList<>(writeRoots);
        if (!write) {
            allowed.addAll(readRoots);
        }
        boolean configured = write ? !writeRoots.isEmpty() : !(readRoots.isEmpty() && writeRoots.isEmpty());
        if (configured && !inside(p, allowed, team)) {
            return "must be inside " + (write ? "a root jobs may write to" : "a root jobs may read from") + ": "
                    + allowed.stream().map(r -> r.replace("{team}", team == null ? "" : team)).toList()
                    + " (or a relative path, inside the attempt's work directory)";
        }
        return null;
    }

    private static boolean inside(Path p, List<String> roots, String team) {
        for (String r : roots) {
            if (r == null || r.isBlank()) {
                continue;
            }
            Path root = Path.of(r.replace("{team}", team == null ? "" : team)).toAbsolutePath().normalize();
            if (p.startsWith(root)) {
                return true;
            }
        }
        return false;
    }

    /** The paths {@code spec} names; declared here once for every kind. */
    public static List<SpecPath> paths(JobSpec spec) {
        List<SpecPath> out = new ArrayList<>();
        if (spec instanceof AugmentationSpec a) {
            out.add(new SpecPath("inputDir", a.inputDir(), false));
            out.add(new SpecPath("outputDir", a.outputDir(), true));
            out.add(new SpecPath("model", a.model(), false)); // a hub id (relative) or a local path
        } else if (spec instanceof LabelingSpec l) {
            out.add(new SpecPath("inputDir", l.inputDir(), false));
            out.add(new SpecPath("outputFile", l.outputFile(), true));
        } else if (spec instanceof FineTuneSpec f) {
            out.add(new SpecPath("dataset", f.dataset(), false));
            out.add(new SpecPath("datasetDir", f.datasetDir(), false));
            out.add(new SpecPath("baseModel", f.baseModel(), false));
            out.add(new SpecPath("outputDir", f.outputDir(), true));
            f.overrides().forEach((k, v) -> {
                if (k.endsWith("_dir") || k.endsWith("_path") || k.endsWith("_file")) {
                    out.add(new SpecPath("overrides." + k, v, "output_dir".equals(k) || "logging_dir".equals(k)));
                }
            });
        } else if (spec instanceof EvaluationSpec e) {
            out.add(new SpecPath("modelPath", e.modelPath(), false));
            out.add(new SpecPath("predictionsFile", e.predictionsFile(), false));
            out.add(new SpecPath("groundTruthFile", e.groundTruthFile(), false));
            out.add(new SpecPath("datasetDir", e.datasetDir(), false));
            out.add(new SpecPath("outputDir", e.outputDir(), true));
        }
        return out;
    }
}
