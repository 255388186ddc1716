package dev.athanor.common.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.json.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Turns the untyped {@code spec} of a submission into the typed record for its kind, with field-level errors. */
public final class JobSpecs {
    private JobSpecs() {
    }

    public static Class<? extends JobSpec> typeOf(JobKind kind) {
        return switch (kind) {
            case AUGMENTATION -> AugmentationSpec.class;
            case LABELING -> LabelingSpec.class;
            case FINE_TUNE -> FineTuneSpec.class;
            case EVALUATION -> EvaluationSpec.class;
        };
    }

    /** @throws InvalidSpecException naming the offending {@code spec.*} field */
    public static JobSpec parse(JobKind kind, JsonNode spec) {
        if (spec == null || spec.isNull() || spec.isMissingNode()) {
            throw new InvalidSpecException("spec", "is required for kind " + kind);
        }
        if (!spec.isObject()) {
            throw new InvalidSpecException("spec", "must be a JSON object");
        }
        ObjectMapper mapper = Json.strict();
        try {
            return mapper.treeToValue(spec, typeOf(kind));
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(List.of(describe("spec", e, kind)));
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("spec", e.getMessage());
        }
    }

    /** Describes a Jackson mapping problem as a field error rooted at {@code root}. */
    public static FieldError describe(String root, JsonProcessingException e, JobKind kind) {
        String path = root;
        if (e instanceof JsonMappingException jme) {
            String p = pathOf(jme);
            if (!p.isEmpty()) {
                path = root.isEmpty() ? p : root + "." + p;
            }
        }
        if (e instanceof UnrecognizedPropertyException upe) {
            List<String> known = new ArrayList<>();
            if (upe.getKnownPropertyIds() != null) {
                upe.getKnownPropertyIds().forEach(o -> known.add(String.valueOf(o)));
            }
            known.sort(String::compareTo);
            return new FieldError(path, "unknown field" + (kind != null ? " for kind " + kind : "")
                    + "; known fields: " + String.join(", ", known));
        }
        if (e instanceof InvalidFormatException ife) {
            return new FieldError(path, "cannot read '" + ife.getValue() + "' as " + simpleType(ife.getTargetType()));
        }
        if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            return new FieldError(path, "must be " + article(simpleType(mie.getTargetType())));
        }
        return new FieldError(path, e.getOriginalMessage());
    }

    static String pathOf(JsonMappingException e) {
        return e.getPath().stream().map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String simpleType(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "integer";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "boolean";
        }
        if (t == String.class) {
            return "string";
        }
        if (List.class.isAssignableFrom(t)) {
            return "list";
        }
        if (java.util.Map.class.isAssignableFrom(t)) {
            return "object";
        }
        if (t.isEnum()) {
            Object[] values = t.getEnumConstants();
            List<String> names = new ArrayList<>();
            for (Object v : values) {
                names.add(v.toString());
            }
            return "one of " + String.join(", ", names);
        }
        return "object";
    }

    private static String article(String type) {
        if (type.startsWith("one of")) {
            return type;
        }
        return (type.startsWith("i") || type.startsWith("o") ? "an " : "a ") + type;
    }
}
