package dev.athanor.controlplane.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.InvalidSpecException;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.JobSpecs;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Parses and validates a submission body, collecting every field-level problem at once. */
@ApplicationScoped
public class Validation {

    public record Valid(JobSubmission submission, JobSpec spec) {
    }

    @Inject
    Validator validator;
    @Inject
    dev.athanor.controlplane.config.AthanorConfig config;

    public Valid parse(String body) {
        if (body == null || body.isBlank()) {
            throw new BadRequestProblem("Malformed JSON", "the request body is empty; send a job as a JSON object");
        }
        ObjectMapper m = Json.strict();
        JsonNode tree;
        try {
            tree = m.readTree(body);
        } catch (JsonParseException e) {
            JsonLocation l = e.getLocation();
            throw new BadRequestProblem("Malformed JSON", "line " + l.getLineNr() + ", column " + l.getColumnNr()
                    + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new BadRequestProblem("Malformed JSON", e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new BadRequestProblem("Malformed JSON", "the body must be a JSON object");
        }
        Bodies.failOn(dev.athanor.common.spec.StorableText.check(tree));
        JobSubmission s;
        try {
            s = m.treeToValue(tree, JobSubmission.class);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(List.of(JobSpecs.describe("", e, null)));
        }
        List<FieldError> errors = new ArrayList<>(violations(validator.validate(s), ""));
        JobSpec spec = null;
        if (s.kind() != null) {
            try {
                spec = JobSpecs.parse(s.kind(), s.spec());
                errors.addAll(violations(validator.validate(spec), "spec."));
                // every path the spec names stays inside the roots the platform allows for the team
                errors.addAll(config.paths().policy(config.home()).check(spec, s.team()));
            } catch (InvalidSpecException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparing(FieldError::field));
            throw new InvalidSpecException(errors);
        }
        return new Valid(s, spec);
    }

    private static <T> List<FieldError> violations(java.util.Set<ConstraintViolation<T>> vs, String prefix) {
        List<FieldError> out = new ArrayList<>();
        for (ConstraintViolation<T> v : vs) {
            out.add(new FieldError(prefix + cleanPath(v.getPropertyPath().toString()), v.getMessage()));
        }
        return out;
    }

    /** "labels<K>[x]" and "operations[1].<list element>" → readable field names. */
    static String cleanPath(String p) {
        return p.replace(".<list element>", "").replace(".<map value>", "").replace("<map key>", "")
                .replace(".<map key>", "");
    }

    /** "submit.arg0" style parameter paths → the query parameter name. */
    static String paramName(String path) {
        int i = path.lastIndexOf('.');
        return i < 0 ? path : path.substring(i + 1);
    }
}
