package dev.athanor.cli.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.InvalidSpecException;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.JobSpecs;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Validates a submission the way the server does, but reports every problem at once: strict Jackson mapping of
 * {@link JobSubmission} and of the typed spec ({@link JobSpecs#parse}), then Bean Validation of both. Jackson stops
 * at its first problem, so each offending field is recorded, removed from a working copy and the mapping retried.
 */
public final class SubmissionValidator {
    private static final Logger HV_LOG = Logger.getLogger("org.hibernate.validator");
    private static final int MAX_ROUNDS = 64;
    private static volatile Validator validator;

    /**
     * {@link Json#strict()} without FAIL_ON_NULL_FOR_PRIMITIVES: with that feature Jackson also rejects an
     * <em>absent</em> primitive record component ("spec.outputsPerImage: must be an integer" for a spec that simply
     * leaves it out), although the records give such fields defaults. Unknown fields still fail.
     */
    static final ObjectMapper MAPPER = Json.strict().copy().disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** A submission that passed, with its typed spec. */
    public record Valid(JobSubmission submission, JobSpec spec) {
    }

    /** The outcome: either {@code valid} or a non-empty list of {@code errors}. */
    public record Result(Valid valid, List<FieldError> errors) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private SubmissionValidator() {
    }

    static Validator validator() {
        Validator v = validator;
        if (v == null) {
            synchronized (SubmissionValidator.class) {
                if (validator == null) {
                    HV_LOG.setLevel(Level.WARNING);
                    ValidatorFactory f = Validation.buildDefaultValidatorFactory();
                    validator = f.getValidator();
                }
                v = validator;
            }
        }
        return v;
    }

    public static Result validate(JsonNode tree) {
        List<FieldError> errors = new ArrayList<>();
        if (tree == null || !tree.isObject()) {
            errors.add(new FieldError("(document)", "must be a mapping with name, team, kind, spec, ... but is "
                    + (tree == null ? "empty" : tree.getNodeType().toString().toLowerCase())));
            return new Result(null, errors);
        }
        ObjectNode work = tree.deepCopy();
        JobSubmission sub = null;
        for (int round = 0; round < MAX_ROUNDS && sub == null; round++) {
            try {
                sub = MAPPER.treeToValue(work, JobSubmission.class);
            } catch (JsonProcessingException e) {
                FieldError fe = JobSpecs.describe("", e, null);
                errors.add(fe);
                if (!FieldPath.remove(work, fe.field())) {
                    return new Result(null, errors);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("(document)", e.getMessage()));
                return new Result(null, errors);
            }
        }
        if (sub == null) {
            return new Result(null, errors);
        }

        JobSpec spec = null;
        boolean specChecked = false;
        if (sub.kind() != null) {
            ObjectNode wrapper = JsonNodeFactory.instance.objectNode();
            JsonNode specNode = work.get("spec");
            wrapper.set("spec", specNode == null ? null : specNode.deepCopy());
            for (int round = 0; round < MAX_ROUNDS && spec == null; round++) {
                try {
                    spec = parseSpec(sub.kind(), wrapper.get("spec"));
                } catch (InvalidSpecException e) {
                    errors.addAll(e.errors());
                    boolean removed = false;
                    for (FieldError fe : e.errors()) {
                        removed |= !fe.field().equals("spec") && FieldPath.remove(wrapper, fe.field());
                    }
                    if (!removed) {
                        break;
                    }
                }
            }
            specChecked = true;
        }

        Validator v = validator();
        List<FieldError> beanErrors = new ArrayList<>();
        for (ConstraintViolation<JobSubmission> cv : v.validate(sub)) {
            beanErrors.add(new FieldError(propertyPath(cv.getPropertyPath().toString()), cv.getMessage()));
        }
        if (spec != null) {
            for (ConstraintViolation<JobSpec> cv : v.validate(spec)) {
                beanErrors.add(new FieldError("spec." + propertyPath(cv.getPropertyPath().toString()), cv.getMessage()));
            }
        }
        beanErrors.sort(Comparator.comparing(FieldError::field).thenComparing(FieldError::message));
        for (FieldError be : beanErrors) {
            if (errors.stream().noneMatch(e -> covers(e.field(), be.field()))) {
                errors.add(be);
            }
        }
        if (!errors.isEmpty()) {
            return new Result(null, List.copyOf(new LinkedHashSet<>(errors)));
        }
        if (specChecked && spec == null) {
            return new Result(null, List.of(new FieldError("spec", "could not be read")));
        }
        return new Result(new Valid(sub, spec), List.of());
    }

    /**
     * {@link JobSpecs#parse} with {@link #MAPPER}: the same checks and the same messages ({@link JobSpecs#describe}),
     * but absent primitive fields take their defaults.
     */
    static JobSpec parseSpec(JobKind kind, JsonNode spec) {
        if (spec == null || spec.isNull() || spec.isMissingNode()) {
            throw new InvalidSpecException("spec", "is required for kind " + kind);
        }
        if (!spec.isObject()) {
            throw new InvalidSpecException("spec", "must be a JSON object");
        }
        try {
            return MAPPER.treeToValue(spec, JobSpecs.typeOf(kind));
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(List.of(JobSpecs.describe("spec", e, kind)));
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("spec", e.getMessage());
        }
    }

    /** {@code operations[1].<list element>} → {@code operations[1]}; {@code labels<K>[x].<map key>} → {@code labels.x}. */
    static String propertyPath(String p) {
        String s = p.replace(".<list element>", "").replace(".<map key>", "").replace(".<map value>", "")
                .replace(".<iterable element>", "").replace("<K>", "").replace("<V>", "");
        // map entries: labels[key] → labels.key
        return s.replaceAll("^labels\\[(.*)]$", "labels.$1").replaceAll("^overrides\\[(.*)]$", "overrides.$1");
    }

    /** Whether an error already reported at {@code reported} explains one at {@code other} (same field or below). */
    private static boolean covers(String reported, String other) {
        return other.equals(reported) || other.startsWith(reported + ".") || other.startsWith(reported + "[");
    }
}
